// "Keep until": the times an owner may choose, within the policy's maxKeepSeconds. The server
// refuses a time in the past or further than that from its own now; the portal offers only
// times inside, rounded to the minute (what a datetime-local field holds) towards the inside.

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** The keep a notice's one click offers, when the policy allows that long. */
export const DEFAULT_KEEP_MS = DAY_MS;
/** The evening the quick choices keep a service until, in the user's zone. */
const EVENING_HOUR = 20;

export type KeepProblem = "invalid" | "past" | "beyond";

export interface KeepBounds {
  /** The earliest time offered: the next whole minute. */
  min: Date;
  /**
   * The latest: now + the policy's maximum, rounded down to the minute, less a minute for a
   * browser whose clock is a little ahead of the server's.
   */
  max: Date;
}

const floorMinute = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

export function keepBounds(now: number, maxKeepSeconds: number): KeepBounds {
  const min = floorMinute(now) + MINUTE_MS;
  return { min: new Date(min), max: new Date(Math.max(min, floorMinute(now + maxKeepSeconds * 1000) - MINUTE_MS)) };
}

/** What "Keep it" proposes: the policy's maximum or 24 h, whichever is smaller. */
export function defaultKeep(now: number, maxKeepSeconds: number): Date {
  const { max } = keepBounds(now, maxKeepSeconds);
  return new Date(Math.min(floorMinute(now + DEFAULT_KEEP_MS), max.getTime()));
}

/** Why a chosen time cannot be asked for; null when it can. */
export function checkKeep(until: Date | null, now: number, maxKeepSeconds: number): KeepProblem | null {
  if (!until || Number.isNaN(until.getTime())) return "invalid";
  if (until.getTime() <= now) return "past";
  if (until.getTime() - now > maxKeepSeconds * 1000) return "beyond";
  return null;
}

export type QuickKeepId = "tomorrow" | "friday" | "week" | "max";

export interface QuickKeep {
  id: QuickKeepId;
  until: Date;
}

/** The evening of the day `days` after now's, in the browser's zone. */
function evening(now: number, days: number): Date {
  const d = new Date(now);
  d.setDate(d.getDate() + days);
  d.setHours(EVENING_HOUR, 0, 0, 0);
  return d;
}

/**
 * One-click choices within the bounds: tomorrow evening, Friday evening (when Friday is
 * further than tomorrow and within the week), a week, and as long as allowed; each only when
 * the policy allows it, none twice.
 */
export function quickKeeps(now: number, maxKeepSeconds: number): QuickKeep[] {
  const { min, max } = keepBounds(now, maxKeepSeconds);
  const today = new Date(now).getDay(); // 0 is Sunday, 5 Friday
  const toFriday = (5 - today + 7) % 7;
  const candidates: QuickKeep[] = [{ id: "tomorrow", until: evening(now, 1) }];
  if (toFriday > 1) candidates.push({ id: "friday", until: evening(now, toFriday) });
  candidates.push({ id: "week", until: new Date(floorMinute(now + 7 * DAY_MS)) });
  candidates.push({ id: "max", until: max });
  const out: QuickKeep[] = [];
  for (const c of candidates) {
    if (c.until < min || c.until > max) continue;
    if (out.some((o) => Math.abs(o.until.getTime() - c.until.getTime()) < MINUTE_MS)) continue;
    out.push(c);
  }
  return out;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** A time as a datetime-local field holds it ("2025-03-14T19:00"), in the browser's zone. */
export function toLocalInput(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local field's value as a time; null when it holds none. */
export function fromLocalInput(value: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi);
}

const IDLE_STEPS = [30 * 60, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 12 * 3600, 86_400, 2 * 86_400, 3 * 86_400, 7 * 86_400];
/** The shortest idle time the server takes from an owner. */
export const MIN_IDLE_SECONDS = 600;

/** The idle times an owner may choose, in seconds: usual steps up to the policy's maximum, the maximum, and the current choice. */
export function idleChoices(maxSeconds: number, currentSeconds?: number): number[] {
  const set = new Set(IDLE_STEPS.filter((s) => s >= MIN_IDLE_SECONDS && s <= maxSeconds));
  if (maxSeconds >= MIN_IDLE_SECONDS) set.add(maxSeconds);
  if (currentSeconds && currentSeconds >= MIN_IDLE_SECONDS && currentSeconds <= maxSeconds) set.add(currentSeconds);
  return [...set].sort((a, b) => a - b);
}
