import { useEffect, useState } from "react";
import type { ServiceView as Service } from "../../api/types";
import { splitDuration } from "../../format";
import { useI18n } from "../../i18n";
import { RUNNING_TIME_WARNING_HOURS, serviceState } from "./serviceState";

/** The current time, refreshed every interval. */
export function useNow(interval = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), interval);
    return () => clearInterval(id);
  }, [interval]);
  return now;
}

const STATE_CLASS = { ready: "pill pill-success", progress: "pill pill-info", failed: "pill pill-danger", paused: "pill" };

export function StatusBadge({ service }: { service: Service }) {
  const { t } = useI18n();
  const state = serviceState(service);
  const label = {
    ready: t("services.state.ready"),
    progress: t("services.state.progress"),
    failed: t("services.state.failed"),
    paused: t("services.state.paused"),
  }[state];
  return (
    <span className={STATE_CLASS[state]} title={service.reason || undefined} data-state={state}>
      {state === "progress" ? <span className="pulse" aria-hidden="true" /> : null}
      {label}
    </span>
  );
}

/** "Running for 2 d 3 h", flagged past the threshold. */
export function RunningTime({ service }: { service: Service }) {
  const { t } = useI18n();
  const now = useNow();
  if (!service.started || service.suspended) return null;
  const ms = now - new Date(service.started).getTime();
  if (Number.isNaN(ms)) return null;
  const { days, hours, minutes } = splitDuration(ms);
  const text =
    days > 0
      ? t("services.running.days", { days, hours })
      : hours > 0
        ? t("services.running.hours", { hours, minutes })
        : t("services.running.minutes", { minutes });
  const long = ms >= RUNNING_TIME_WARNING_HOURS * 3_600_000;
  return (
    <span className={long ? "pill pill-warning" : undefined} title={long ? t("services.running.long", { hours: RUNNING_TIME_WARNING_HOURS }) : undefined}>
      {t("services.running", { time: text })}
      {long ? <span className="visually-hidden"> {t("services.running.long", { hours: RUNNING_TIME_WARNING_HOURS })}</span> : null}
    </span>
  );
}
