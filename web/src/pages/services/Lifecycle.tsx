import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useApi } from "../../api/ApiProvider";
import { fieldViolations } from "../../api/errors";
import { queryKeys, useLifecyclePolicy } from "../../api/queries";
import type { LifecycleChange, ServiceView as Service } from "../../api/types";
import { useNow } from "../../clock";
import { Dialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { useT } from "../../i18n";
import {
  checkKeep,
  defaultKeep,
  fromLocalInput,
  idleChoices,
  keepBounds,
  quickKeeps,
  toLocalInput,
  type QuickKeepId,
} from "../../lifecycle/keepTime";
import { formatDayTime, formatDuration, formatRelative, noticeSentence, policySentences, stateSentences, useWords } from "../../lifecycle/lifecycleText";
import { useProject } from "../../project";
import styles from "./Services.module.css";

// The fields the server names in its refusals (the API's and the policy's own names).
const KEEP_FIELDS = ["keepUntil", "until"];
const IDLE_FIELDS = ["suspendAfterIdleSeconds", "suspendAfterIdle"];

/** The server's rule for one of the fields, from a refusal. */
function ruleFor(err: unknown, fields: string[]): string | undefined {
  return fieldViolations(err).find((f) => fields.includes(f.field))?.rule;
}

/** PUT …/lifecycle for the service, then everything that shows it asks again. */
function useLifecycleChange(service: Service) {
  const api = useApi();
  const qc = useQueryClient();
  const { project } = useProject();
  return useMutation({
    mutationFn: (change: LifecycleChange) => api.setServiceLifecycle(project.id, service.id, change),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: queryKeys.services(project.id) });
      void qc.invalidateQueries({ queryKey: queryKeys.notices });
    },
  });
}

/** Whether the owner may keep the service. */
export const canKeep = (s: Service) => (s.lifecycle?.maxKeepSeconds ?? 0) > 0;

/** The step announced, as a warning with its time and "Keep it"; nothing without a notice. */
export function NoticeBanner({ service, onKeep }: { service: Service; onKeep?(): void }) {
  const t = useT();
  const words = useWords();
  const now = useNow();
  const notice = service.lifecycle?.notice;
  if (!notice) return null;
  return (
    <div className={`notice ${styles.lifecycleNotice}`} data-severity="warning">
      <Icon name="clock" size={18} />
      <p>
        {noticeSentence(service.friendlyName, notice, now, words)}{" "}
        <span className={styles.noticeWhen}>({formatRelative(notice.due, now, words)})</span>
      </p>
      {onKeep && canKeep(service) ? (
        <button type="button" className="button button-small" onClick={onKeep}>
          {t("lifecycle.keepIt")}
        </button>
      ) : null}
    </div>
  );
}

/** The card's line: what the policy does and where the service stands, "Suspends after 8 h idle · Last used 3 hours ago". */
export function LifecycleSummary({ service }: { service: Service }) {
  const words = useWords();
  const now = useNow();
  const l = service.lifecycle;
  if (!l) return null;
  const lines = [...stateSentences(l, service.suspended, now, words), ...policySentences(l, words)];
  return <p className={styles.lifecycleLine}>{lines.join(" · ")}</p>;
}

/** The service page's part: the policy in words, the keep and the idle time its owner may choose. */
export function LifecyclePanel({ service, manage, onKeep }: { service: Service; manage: boolean; onKeep(): void }) {
  const t = useT();
  const words = useWords();
  const now = useNow();
  const change = useLifecycleChange(service);
  const l = service.lifecycle;
  if (!l) return null;
  const state = stateSentences(l, service.suspended, now, words);
  return (
    <section className={styles.lifecycle} aria-labelledby="lifecycle-title">
      <h2 id="lifecycle-title" className={styles.h2}>
        {t("lifecycle.title")} <span className="pill">{t("lifecycle.policy", { name: l.policy })}</span>
      </h2>
      <ul className={styles.lifecycleList}>
        {[...policySentences(l, words), ...state].map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      {manage && canKeep(service) ? (
        <div className={styles.toolbar}>
          <button type="button" className="button button-secondary button-small" onClick={onKeep}>
            <Icon name="clock" size={16} />
            {t("lifecycle.keepUntil")}
          </button>
          {l.keepUntil ? (
            <button
              type="button"
              className="button button-secondary button-small"
              disabled={change.isPending}
              onClick={() => change.mutate({ stopKeeping: true })}
            >
              {t("lifecycle.stopKeeping")}
            </button>
          ) : null}
        </div>
      ) : null}
      {change.isError ? <ErrorNotice error={change.error} title={t("lifecycle.changeError")} /> : null}
      {manage && l.maxSuspendAfterIdleSeconds > 0 && l.suspendAfterIdleSeconds > 0 ? <IdleChoice service={service} /> : null}
    </section>
  );
}

/** The idle time before a suspension: the policy's, or the owner's choice up to the policy's maximum. */
function IdleChoice({ service }: { service: Service }) {
  const t = useT();
  const words = useWords();
  const { project } = useProject();
  const policy = useLifecyclePolicy(project.id, service.catalog);
  const change = useLifecycleChange(service);
  const l = service.lifecycle!;
  const current = l.ownerChoseIdle ? l.suspendAfterIdleSeconds : 0;
  const [value, setValue] = useState(current);
  const id = useId();
  const policyIdle = policy.data?.lifecycle?.suspendAfterIdleSeconds;
  const rule = ruleFor(change.error, IDLE_FIELDS);
  return (
    <form
      className={styles.idleChoice}
      onSubmit={(e) => {
        e.preventDefault();
        change.mutate({ suspendAfterIdleSeconds: value });
      }}
    >
      <label htmlFor={id}>{t("lifecycle.idleChoice")}</label>
      <select
        id={id}
        value={value}
        onChange={(e) => {
          setValue(Number(e.target.value));
          change.reset();
        }}
        aria-invalid={rule ? true : undefined}
        aria-describedby={`${id}-hint${rule ? ` ${id}-error` : ""}`}
      >
        <option value={0}>
          {policyIdle ? t("lifecycle.idleChoice.policy", { duration: formatDuration(policyIdle, words) }) : t("lifecycle.idleChoice.policyUnknown")}
        </option>
        {idleChoices(l.maxSuspendAfterIdleSeconds, current).map((s) => (
          <option key={s} value={s}>
            {formatDuration(s, words)}
          </option>
        ))}
      </select>
      <button type="submit" className="button button-secondary button-small" disabled={change.isPending || value === current}>
        {t("lifecycle.idleChoice.save")}
      </button>
      <span id={`${id}-hint`} className="field-hint">
        {t("lifecycle.idleChoice.hint", { duration: formatDuration(l.maxSuspendAfterIdleSeconds, words) })}
      </span>
      <span role="status" className="field-hint">
        {change.isSuccess && value === current ? t("lifecycle.idleChoice.saved") : ""}
      </span>
      {rule ? (
        <span id={`${id}-error`} className={styles.fieldError}>
          {rule}
        </span>
      ) : null}
      {change.isError && !rule ? <ErrorNotice error={change.error} title={t("lifecycle.changeError")} /> : null}
    </form>
  );
}

const QUICK_LABELS: Record<QuickKeepId, "keep.quick.tomorrow" | "keep.quick.friday" | "keep.quick.week" | "keep.quick.max"> = {
  tomorrow: "keep.quick.tomorrow",
  friday: "keep.quick.friday",
  week: "keep.quick.week",
  max: "keep.quick.max",
};

/**
 * "Keep <name> until…": a time within the policy's maxKeepSeconds, at first the policy's
 * maximum or 24 h, whichever is smaller, so that keeping is one click; quick choices; the
 * time is checked here first, then by the server, whose refusal shows at the field.
 */
export function KeepDialog({ service, onClose }: { service: Service; onClose(): void }) {
  const t = useT();
  const words = useWords();
  const change = useLifecycleChange(service);
  const max = service.lifecycle?.maxKeepSeconds ?? 0;
  const [opened] = useState(() => Date.now());
  const bounds = keepBounds(opened, max);
  const [value, setValue] = useState(() => toLocalInput(defaultKeep(opened, max)));
  const [problem, setProblem] = useState<string | null>(null);
  const until = fromLocalInput(value);
  const serverRule = ruleFor(change.error, KEEP_FIELDS);
  const fieldError = problem ?? serverRule;

  const submit = () => {
    const p = checkKeep(until, Date.now(), max);
    if (p) {
      setProblem(
        p === "invalid" ? t("keep.error.invalid") : p === "past" ? t("keep.error.past") : t("keep.error.beyond", { duration: formatDuration(max, words) }),
      );
      return;
    }
    change.mutate({ keepUntil: until!.toISOString() }, { onSuccess: onClose });
  };

  if (max <= 0) {
    return (
      <Dialog title={t("keep.title", { name: service.friendlyName })} onClose={onClose}>
        <p>{t("keep.notAllowed", { name: service.friendlyName })}</p>
      </Dialog>
    );
  }
  return (
    <Dialog
      title={t("keep.title", { name: service.friendlyName })}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button button-secondary" onClick={onClose}>
            {t("ui.cancel")}
          </button>
          <button type="submit" form="keep-form" className="button" disabled={change.isPending} data-autofocus>
            {change.isPending ? t("ui.working") : until ? t("keep.confirm", { date: formatDayTime(until, words) }) : t("lifecycle.keepIt")}
          </button>
        </>
      }
    >
      <form
        id="keep-form"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <p>{t("keep.lead", { name: service.friendlyName })}</p>
        <div className={styles.quickKeeps} role="group" aria-label={t("keep.quick")}>
          {quickKeeps(opened, max).map((q) => {
            const v = toLocalInput(q.until);
            return (
              <button
                key={q.id}
                type="button"
                className="button button-secondary button-small"
                aria-pressed={v === value}
                onClick={() => {
                  setValue(v);
                  setProblem(null);
                  change.reset();
                }}
              >
                {t(QUICK_LABELS[q.id])} <span className="field-hint">({formatDayTime(q.until, words)})</span>
              </button>
            );
          })}
        </div>
        <div className="field">
          <label htmlFor="keep-until">{t("keep.until")}</label>
          <input
            id="keep-until"
            type="datetime-local"
            value={value}
            min={toLocalInput(bounds.min)}
            max={toLocalInput(bounds.max)}
            onChange={(e) => {
              setValue(e.target.value);
              setProblem(null);
              change.reset();
            }}
            aria-invalid={fieldError ? true : undefined}
            aria-describedby={fieldError ? "keep-hint keep-error" : "keep-hint"}
          />
          <span id="keep-hint" className="field-hint">
            {t("keep.hint", { duration: formatDuration(max, words), date: formatDayTime(bounds.max, words) })}
          </span>
          {fieldError ? (
            <span id="keep-error" className={styles.fieldError}>
              {fieldError}
            </span>
          ) : null}
        </div>
        {change.isError && !serverRule ? <ErrorNotice error={change.error} title={t("lifecycle.changeError")} /> : null}
      </form>
    </Dialog>
  );
}
