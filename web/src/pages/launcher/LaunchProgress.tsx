import { useEffect, useRef, useState, type ReactNode } from "react";
import { Link } from "react-router";
import { useApi } from "../../api/ApiProvider";
import type { ApiError } from "../../api/errors";
import { useService } from "../../api/queries";
import type { ServiceView as Service, EventView as ServiceEvent } from "../../api/types";
import { ErrorNotice } from "../../components/Feedback";
import { Markdown } from "../../components/Markdown";
import { formatDateTime } from "../../format";
import { useI18n } from "../../i18n";
import { useProject } from "../../project";
import { DirectAddresses, OpenService } from "../services/ServiceAccess";
import { StatusBadge } from "../services/ServiceWidgets";
import { serviceState } from "../services/serviceState";
import styles from "./Launcher.module.css";

const MAX_EVENTS = 200;

/** What the service is on its way from: a launch, a change or a rollback. */
export type ProgressVerb = "launch" | "change" | "rollback";

const TITLES = {
  launch: { progress: "launcher.progress.title", failed: "launcher.progress.failed" },
  change: { progress: "change.progress.title", failed: "change.progress.failed" },
  rollback: { progress: "rollback.progress.title", failed: "rollback.progress.failed" },
} as const;

/**
 * A launched (or changed, or rolled back) service on its way: its status (polled) and its
 * events (live) until it is ready, then its addresses and notes; a failure with its reason,
 * and what the caller offers then (children).
 */
export function LaunchProgress({
  launched,
  onAgain,
  verb = "launch",
  serviceLink = true,
  focus = false,
  children,
}: {
  launched: Service;
  /** "Launch another": only after a launch. */
  onAgain?(): void;
  verb?: ProgressVerb;
  /** A link to the service's page, for pages other than that one. */
  serviceLink?: boolean;
  /** Take the focus when shown, for the control that led here is gone. */
  focus?: boolean;
  children?: ReactNode;
}) {
  const { t, language } = useI18n();
  const api = useApi();
  const { project } = useProject();
  const details = useService(project.id, launched.id);
  const s = details.data?.service ?? launched;
  const state = serviceState(s);
  const [events, setEvents] = useState<ServiceEvent[]>([]);
  const [streamError, setStreamError] = useState<ApiError | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focus) heading.current?.focus();
    // Once, when shown.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

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
        ? t(TITLES[verb].failed, { name: s.friendlyName })
        : t(TITLES[verb].progress, { name: s.friendlyName });

  return (
    <section className={`${styles.box} ${styles.progress}`} aria-labelledby="launch-progress" aria-live="polite">
      <div className={styles.progressHead}>
        <h2 id="launch-progress" ref={heading} tabIndex={focus ? -1 : undefined}>
          {title}
        </h2>
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
      {children}
      {details.isError ? <ErrorNotice error={details.error} onRetry={() => void details.refetch()} /> : null}
      {state === "ready" ? (
        <div className={styles.urls}>
          <OpenService service={s} withAddress />
          <DirectAddresses service={s} />
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

      {serviceLink || onAgain ? (
        <div className={styles.urls}>
          {serviceLink ? (
            <Link className="button button-secondary" to={`/my-services/${encodeURIComponent(s.id)}`}>
              {t("launcher.progress.open")}
            </Link>
          ) : null}
          {onAgain ? (
            <button type="button" className="button button-secondary" onClick={onAgain}>
              {t("launcher.progress.again")}
            </button>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
