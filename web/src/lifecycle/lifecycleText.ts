// The lifecycle engine's policies, notices and states in words, for the service card and page,
// the notification area, the launcher and the administration page. Times are the user's
// (the browser's zone and the portal's language); a schedule keeps its own zone, named.
import type { LifecycleView, NoticeView, ScheduleView } from "../api/types";
import { useMemo } from "react";
import { isOne, useI18n, type MessageKey } from "../i18n";

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** The words of one language: its messages and its Intl formats. */
export interface Words {
  t: Translate;
  lang: string;
  /** A zone other than the browser's, for tests. */
  timeZone?: string;
}

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

/**
 * A duration in seconds as people say it, in its two largest units: "8 h", "30 min",
 * "7 days", "1 day 12 h", "1 min 10 s".
 */
export function formatDuration(seconds: number, { t, lang }: Words): string {
  const total = Math.max(0, Math.round(seconds));
  const days = Math.floor(total / DAY);
  const hours = Math.floor((total % DAY) / HOUR);
  const minutes = Math.floor((total % HOUR) / MINUTE);
  const secs = total % MINUTE;
  const parts: string[] = [];
  if (days > 0) parts.push(t(isOne(lang, days) ? "duration.days.one" : "duration.days.other", { n: days }));
  if (hours > 0) parts.push(t("duration.hours", { n: hours }));
  if (minutes > 0) parts.push(t("duration.minutes", { n: minutes }));
  if (secs > 0 || total === 0) parts.push(t("duration.seconds", { n: secs }));
  return parts.slice(0, 2).join(" ");
}

/** "in 25 minutes", "3 hours ago", "tomorrow": the distance from now, in the largest unit that fits. */
export function formatRelative(iso: string | Date, now: number, { lang }: Words): string {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  const abs = Math.abs(seconds);
  const f = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  if (abs < MINUTE) return f.format(Math.round(seconds), "second");
  if (abs < HOUR) return f.format(Math.round(seconds / MINUTE), "minute");
  if (abs < DAY) return f.format(Math.round(seconds / HOUR), "hour");
  return f.format(Math.round(seconds / DAY), "day");
}

/** 19:00, in the user's zone (24-hour clock in every language, as the schedules are written). */
export function formatTime(d: Date, { lang, timeZone }: Words): string {
  return new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone }).format(d);
}

/** "Fri, Mar 14" (en), "ven. 14 mars" (fr). */
function formatDay(d: Date, { lang, timeZone }: Words): string {
  return new Intl.DateTimeFormat(lang, { weekday: "short", day: "numeric", month: "short", timeZone }).format(d);
}

/** A date and time: "Fri, Mar 14, 19:00". */
export function formatDayTime(iso: string | Date, w: Words): string {
  const d = new Date(iso);
  return `${formatDay(d, w)}, ${formatTime(d, w)}`;
}

/** The calendar day of d in the zone, to compare days. */
function dayKey(d: Date, timeZone?: string): string {
  return new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone }).format(d);
}

/** "today at 19:00", "tomorrow at 08:00", "on Fri, Mar 14 at 19:00". */
export function formatWhen(iso: string, now: number, w: Words): string {
  const d = new Date(iso);
  const time = formatTime(d, w);
  const day = dayKey(d, w.timeZone);
  if (day === dayKey(new Date(now), w.timeZone)) return w.t("lifecycle.when.today", { time });
  if (day === dayKey(new Date(now + DAY * 1000), w.timeZone)) return w.t("lifecycle.when.tomorrow", { time });
  return w.t("lifecycle.when.date", { date: formatDay(d, w), time });
}

const REASONS: Record<NoticeView["reason"], MessageKey> = {
  idle: "lifecycle.reason.idle",
  lifetime: "lifecycle.reason.lifetime",
  schedule: "lifecycle.reason.schedule",
  suspended: "lifecycle.reason.suspended",
};

/** "Jupyter will be suspended today at 19:00: idle". */
export function noticeSentence(name: string, notice: NoticeView, now: number, w: Words): string {
  return w.t(notice.action === "delete" ? "lifecycle.notice.delete" : "lifecycle.notice.suspend", {
    name,
    when: formatWhen(notice.due, now, w),
    reason: w.t(REASONS[notice.reason]),
  });
}

// 2024-01-01 was a Monday: the days of that week give each weekday's name.
const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** A schedule's days, "Mon, Tue and Wed", in the week's order. */
function formatDays(days: string[], { lang }: Words): string {
  const names = WEEKDAYS.flatMap((d, i) =>
    days.includes(d) ? [new Intl.DateTimeFormat(lang, { weekday: "short", timeZone: "UTC" }).format(Date.UTC(2024, 0, 1 + i))] : [],
  );
  return new Intl.ListFormat(lang, { type: "conjunction" }).format(names);
}

/** "Suspended every day at 19:00 (Europe/Paris)", with the days and the morning start when set. */
export function scheduleSentence(s: ScheduleView, w: Words): string {
  const everyDay = s.days.length === 0 || s.days.length === 7;
  const vars = { at: s.suspendAt, resume: s.resumeAt ?? "", days: everyDay ? "" : formatDays(s.days, w), zone: s.timeZone };
  if (s.resumeAt) return w.t(everyDay ? "lifecycle.schedule.daily.resume" : "lifecycle.schedule.days.resume", vars);
  return w.t(everyDay ? "lifecycle.schedule.daily" : "lifecycle.schedule.days", vars);
}

/** What the policy does, one sentence a step: "Suspends after 8 h idle", "Deleted 7 days after suspension"... */
export function policySentences(l: LifecycleView, w: Words): string[] {
  const out: string[] = [];
  if (l.suspendAfterIdleSeconds > 0) {
    out.push(w.t(l.ownerChoseIdle ? "lifecycle.idle.chosen" : "lifecycle.idle", { duration: formatDuration(l.suspendAfterIdleSeconds, w) }));
  }
  if (l.maxLifetimeSeconds > 0) out.push(w.t("lifecycle.lifetime", { duration: formatDuration(l.maxLifetimeSeconds, w) }));
  if (l.schedule) out.push(scheduleSentence(l.schedule, w));
  if (l.deleteAfterSuspendedSeconds > 0) out.push(w.t("lifecycle.delete", { duration: formatDuration(l.deleteAfterSuspendedSeconds, w) }));
  if (out.length === 0) out.push(w.t("lifecycle.never"));
  return out;
}

const SUSPENDED_BY: Record<string, MessageKey> = {
  idle: "lifecycle.suspendedBy.idle",
  lifetime: "lifecycle.suspendedBy.lifetime",
  schedule: "lifecycle.suspendedBy.schedule",
  fleet: "lifecycle.suspendedBy.fleet",
};

/**
 * Where the service stands: why the engine suspended it, until when its owner keeps it, when
 * it was last used ("Last used 3 hours ago").
 */
export function stateSentences(l: LifecycleView, suspended: boolean, now: number, w: Words): string[] {
  const out: string[] = [];
  const by = l.suspendedBy ? SUSPENDED_BY[l.suspendedBy] : undefined;
  if (suspended && by) out.push(w.t(by));
  if (l.keepUntil) out.push(w.t("lifecycle.keptUntil", { date: formatDayTime(l.keepUntil, w) }));
  if (l.lastActive && !suspended) out.push(w.t("lifecycle.lastUsed", { ago: formatRelative(l.lastActive, now, w) }));
  return out;
}

/**
 * The launcher's line: "This service will be suspended after 8 h without use; you will be
 * told 30 min before." Empty without a policy.
 */
export function launchSentence(l: LifecycleView | undefined, leads: { suspend: number; delete: number }, w: Words): string {
  if (!l) return "";
  const { t, lang } = w;
  const steps: string[] = [];
  if (l.suspendAfterIdleSeconds > 0) steps.push(t("lifecycle.launch.idle", { duration: formatDuration(l.suspendAfterIdleSeconds, w) }));
  if (l.maxLifetimeSeconds > 0) steps.push(t("lifecycle.launch.lifetime", { duration: formatDuration(l.maxLifetimeSeconds, w) }));
  if (l.schedule) {
    const s = l.schedule;
    const everyDay = s.days.length === 0 || s.days.length === 7;
    const vars = { at: s.suspendAt, days: everyDay ? "" : formatDays(s.days, w), zone: s.timeZone };
    steps.push(t(everyDay ? "lifecycle.launch.schedule.daily" : "lifecycle.launch.schedule.days", vars));
  }
  const suspends = steps.length > 0;
  const deletes = l.deleteAfterSuspendedSeconds > 0;
  if (deletes) steps.push(t("lifecycle.launch.delete", { duration: formatDuration(l.deleteAfterSuspendedSeconds, w) }));
  if (steps.length === 0) return t("lifecycle.launch.never");
  const list = new Intl.ListFormat(lang, { type: "conjunction" }).format(steps);
  let sentence: string;
  if (suspends && deletes && leads.suspend > 0) {
    sentence = t("lifecycle.launch.sentence.both", {
      steps: list,
      notice: formatDuration(leads.suspend, w),
      deleteNotice: formatDuration(leads.delete, w),
    });
  } else {
    const lead = suspends ? leads.suspend : leads.delete;
    sentence = lead > 0 ? t("lifecycle.launch.sentence", { steps: list, notice: formatDuration(lead, w) }) : t("lifecycle.launch.sentence.unannounced", { steps: list });
  }
  if (l.suspendAfterIdleSeconds > 0 && l.maxSuspendAfterIdleSeconds > l.suspendAfterIdleSeconds) {
    sentence += " " + t("lifecycle.launch.idleChoice", { duration: formatDuration(l.maxSuspendAfterIdleSeconds, w) });
  }
  return sentence;
}

/** The words of the portal's current language. */
export function useWords(): Words {
  const { t, language } = useI18n();
  return useMemo(() => ({ t, lang: language }), [t, language]);
}
