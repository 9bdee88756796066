import { Link } from "react-router";
import { useChart } from "../../api/queries";
import { useNow } from "../../clock";
import type { ServiceView as Service } from "../../api/types";
import { splitDuration } from "../../format";
import { useI18n } from "../../i18n";
import { useProject } from "../../project";
import { RUNNING_TIME_WARNING_HOURS, runningSince, serviceState } from "./serviceState";
import { updateAvailable } from "./versions";

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
  const since = runningSince(service);
  if (!since) return null;
  const ms = now - new Date(since).getTime();
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

/** "Update available" when the service's catalog has a newer version of its chart: a link to the change at that version. */
export function UpdateBadge({ service }: { service: Service }) {
  const { t } = useI18n();
  const { project } = useProject();
  const chart = useChart(project.id, service.catalog, service.chart);
  const newest = chart.data ? updateAvailable(service.version, chart.data.versions.map((v) => v.version)) : undefined;
  if (!newest) return null;
  return (
    <Link
      className="pill pill-info"
      to={`/my-services/${encodeURIComponent(service.id)}/change?version=${encodeURIComponent(newest)}`}
    >
      {t("change.version.available", { version: newest })}
    </Link>
  );
}
