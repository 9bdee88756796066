import { useEffect, useState } from "react";
import { Link } from "react-router";
import { useApi } from "../../api/ApiProvider";
import type { ApiError } from "../../api/errors";
import { useService } from "../../api/queries";
import type { ServiceView as Service, EventView as ServiceEvent } from "../../api/types";
import { ErrorNotice } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { Markdown } from "../../components/Markdown";
import { formatDateTime } from "../../format";
import { useI18n } from "../../i18n";
import { useProject } from "../../project";
import { StatusBadge } from "../services/ServiceWidgets";
import { serviceState } from "../services/serviceState";
import styles from "./Launcher.module.css";

const MAX_EVENTS = 200;

/**
 * A launched service on its way: its status (polled) and its events (live) until it is
 * ready, then its addresses and notes; a failure with its reason.
 */
export function LaunchProgress({ launched, onAgain }: { launched: Service; onAgain(): void }) {
  const { t, language } = useI18n();
  const api = useApi();
  const { project } = useProject();
  const details = useService(project.id, launched.id);
  const s = details.data?.service ?? launched;
  const state = serviceState(s);
  const [events, setEvents] = useState<ServiceEvent[]>([]);
  const [streamError, setStreamError] = useState<ApiError | null>(null);

  useEffect(
    () =>
      api.streamEvents(project.id, launched.id, {
        onItem: (e) => setEvents((prev) => [...prev, e].slice(-MAX_EVENTS)),
        onError: setStreamError,
        onEnd: () => {},
      }),
    [api, project.id, launched.id],
  );

  const title =
    state === "ready"
      ? t("launcher.progress.ready", { name: s.friendlyName })
      : state === "failed"
        ? t("launcher.progress.failed", { name: s.friendlyName })
        : t("launcher.progress.title", { name: s.friendlyName });

  return (
    <section className={`${styles.box} ${styles.progress}`} aria-labelledby="launch-progress" aria-live="polite">
      <div className={styles.progressHead}>
        <h2 id="launch-progress">{title}</h2>
        <StatusBadge service={s} />
        <span className="mono field-hint">{s.id}</span>
      </div>
      {state === "progress" ? (
        <p className="field-hint">
          {s.workloads.length > 0
            ? s.workloads.map((w) => t("launcher.progress.workload", { name: `${w.kind}/${w.name}`, ready: w.ready, desired: w.desired })).join(" · ")
            : t("launcher.progress.waiting")}
        </p>
      ) : null}
      {state === "failed" ? <ErrorNotice error={new Error(s.reason || t("launcher.progress.noReason"))} title={t("launcher.progress.failedTitle")} /> : null}
      {details.isError ? <ErrorNotice error={details.error} onRetry={() => void details.refetch()} /> : null}
      {state === "ready" && s.urls.length > 0 ? (
        <div className={styles.urls}>
          {s.urls.map((u) => (
            <a key={u} className="button" href={u} target="_blank" rel="noopener noreferrer" aria-label={t("services.open", { url: u })}>
              <Icon name="external" size={16} />
              {u}
            </a>
          ))}
        </div>
      ) : null}
      {state === "ready" && s.notes?.trim() ? <Markdown source={s.notes} /> : null}

      <h3 style={{ fontSize: "1rem", marginTop: "1rem" }}>{t("launcher.progress.events")}</h3>
      {events.length === 0 ? <p className="field-hint">{t("launcher.progress.noEvents")}</p> : null}
      {streamError ? <p className="field-hint">{t("launcher.progress.streamLost", { message: streamError.message })}</p> : null}
      {events.length > 0 ? (
        // Focusable: once there are enough events, the list scrolls.
        <ol className={styles.events} tabIndex={0} aria-label={t("launcher.progress.events")}>
          {events.map((e, i) => (
            <li key={i} className={e.type === "Warning" ? styles.eventWarning : undefined}>
              <span className="field-hint">{formatDateTime(e.time, language)}</span>
              <strong>{e.reason}</strong>
              <span>
                <span className="mono">{e.object}</span> {e.message}
              </span>
            </li>
          ))}
        </ol>
      ) : null}

      <div className={styles.urls}>
        <Link className="button button-secondary" to={`/my-services/${encodeURIComponent(s.id)}`}>
          {t("launcher.progress.open")}
        </Link>
        <button type="button" className="button button-secondary" onClick={onAgain}>
          {t("launcher.progress.again")}
        </button>
      </div>
    </section>
  );
}
