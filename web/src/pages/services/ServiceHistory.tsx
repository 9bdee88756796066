import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useApi } from "../../api/ApiProvider";
import { queryKeys, useServiceHistory } from "../../api/queries";
import type { RevisionView, ServiceView as Service } from "../../api/types";
import { Dialog } from "../../components/Dialog";
import { EmptyState, ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { formatDateTime } from "../../format";
import { useI18n, useT } from "../../i18n";
import { useProject } from "../../project";
import { LaunchProgress } from "../launcher/LaunchProgress";
import { ChangeDiff } from "./ChangeDiff";
import { serviceState } from "./serviceState";
import styles from "./Change.module.css";

const STATUS_PILL: Record<string, string> = {
  deployed: "pill pill-success",
  failed: "pill pill-danger",
  "pending-install": "pill pill-info",
  "pending-upgrade": "pill pill-info",
  "pending-rollback": "pill pill-info",
};

/** A revision's status in the user's language; Helm's own word for one the portal does not know. */
function useRevisionStatus() {
  const t = useT();
  const known: Record<string, string> = {
    deployed: t("history.status.deployed"),
    superseded: t("history.status.superseded"),
    failed: t("history.status.failed"),
    "pending-install": t("history.status.pending"),
    "pending-upgrade": t("history.status.pending"),
    "pending-rollback": t("history.status.pending"),
  };
  return (status: string) => known[status] ?? status;
}

/**
 * A service's revisions (Helm's history), the newest first; each earlier one can be brought
 * back after its difference is shown.
 */
export function HistoryPanel({ service, manage }: { service: Service; manage: boolean }) {
  const { t, language } = useI18n();
  const { project } = useProject();
  const history = useServiceHistory(project.id, service.id);
  const statusText = useRevisionStatus();
  const [target, setTarget] = useState<RevisionView | null>(null);
  const revisions = history.data?.revisions ?? [];

  return (
    <>
      {history.isPending ? <Loading /> : null}
      {history.isError ? <ErrorNotice error={history.error} onRetry={() => void history.refetch()} /> : null}
      {history.data && revisions.length === 0 ? <EmptyState title={t("history.empty")} /> : null}
      {revisions.length > 0 ? (
        <table className={`data-table ${styles.history}`}>
          <caption className="visually-hidden">{t("history.caption")}</caption>
          <thead>
            <tr>
              <th scope="col" className="num">
                {t("history.revision")}
              </th>
              <th scope="col">{t("history.version")}</th>
              <th scope="col">{t("history.status")}</th>
              <th scope="col">{t("history.updated")}</th>
              <th scope="col">{t("history.description")}</th>
              {manage ? (
                <th scope="col">
                  <span className="visually-hidden">{t("history.actions")}</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {revisions.map((r, i) => (
              <tr key={r.revision}>
                <th scope="row" className="num">
                  {r.revision}
                  {i === 0 ? (
                    <>
                      {" "}
                      <span className="pill pill-info">{t("history.current")}</span>
                    </>
                  ) : null}
                </th>
                <td>
                  <span className="mono">{r.chartVersion}</span>
                  {r.appVersion ? <span className="field-hint"> · {t("chart.appVersion", { version: r.appVersion })}</span> : null}
                </td>
                <td>
                  <span className={STATUS_PILL[r.status] ?? "pill"}>{statusText(r.status)}</span>
                </td>
                <td>{r.updated ? formatDateTime(r.updated, language) : null}</td>
                <td>{r.description}</td>
                {manage ? (
                  <td className="actions">
                    {i > 0 ? (
                      <button
                        type="button"
                        className="button button-secondary button-small"
                        aria-label={t("history.rollbackTo", { revision: r.revision })}
                        onClick={() => setTarget(r)}
                      >
                        <Icon name="history" size={16} />
                        {t("history.rollback")}
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {target ? <RollbackDialog service={service} revision={target} onClose={() => setTarget(null)} /> : null}
    </>
  );
}

/**
 * Bringing an earlier revision back: what it changes first (a dry run), then the rollback and
 * the service on its way, in the dialog.
 */
export function RollbackDialog({ service, revision, onClose }: { service: Service; revision: RevisionView; onClose(): void }) {
  const t = useT();
  const api = useApi();
  const qc = useQueryClient();
  const { project } = useProject();
  const n = revision.revision;
  const plan = useQuery({
    queryKey: ["project", project.id, "rollback-plan", service.id, n],
    queryFn: () => api.planRollback(project.id, service.id, n),
    staleTime: Infinity,
    gcTime: 0,
    refetchOnWindowFocus: false,
    retry: false,
  });
  const run = useMutation({
    mutationFn: () => api.rollbackService(project.id, service.id, n),
    onSuccess: () => void qc.invalidateQueries({ queryKey: queryKeys.services(project.id) }),
  });
  const done = run.data?.service;
  // The buttons that had the focus are gone once done: Close takes it, so that keys still work.
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (done) close.current?.focus();
  }, [done]);

  return (
    <Dialog
      title={done ? t("rollback.doneTitle", { revision: n }) : t("rollback.title", { revision: n })}
      onClose={onClose}
      wide
      footer={
        done ? (
          <button ref={close} type="button" className="button" onClick={onClose}>
            {t("ui.close")}
          </button>
        ) : (
          <>
            <button type="button" className="button button-secondary" onClick={onClose}>
              {t("ui.cancel")}
            </button>
            <button type="button" className="button" disabled={!plan.data || run.isPending} onClick={() => run.mutate()}>
              <Icon name="history" size={16} />
              {run.isPending ? t("rollback.running") : t("rollback.confirm", { revision: n })}
            </button>
          </>
        )
      }
    >
      {done ? (
        <LaunchProgress launched={done} verb="rollback" serviceLink={false} />
      ) : (
        <div className={styles.review}>
          <p>{t("rollback.lead", { revision: n, chart: revision.chart, version: revision.chartVersion })}</p>
          {plan.isPending ? <Loading label={t("rollback.planning")} /> : null}
          {plan.isError ? <ErrorNotice error={plan.error} title={t("rollback.planError")} onRetry={() => void plan.refetch()} /> : null}
          {plan.data ? <ChangeDiff diff={plan.data.diff} fromVersion={plan.data.fromVersion} toVersion={plan.data.toVersion} /> : null}
          {run.isError ? <ErrorNotice error={run.error} title={t("rollback.error")} /> : null}
        </div>
      )}
    </Dialog>
  );
}

/**
 * A service that failed after a change (it has an earlier revision): the rollback to the
 * revision before, offered.
 */
export function FailedChangeOffer({ service }: { service: Service }) {
  const t = useT();
  const { project } = useProject();
  const failed = serviceState(service) === "failed";
  const history = useServiceHistory(project.id, service.id, failed);
  // Kept once chosen: the rollback makes a new revision, and the service may not be failed
  // for long, but its dialog stays until closed.
  const [target, setTarget] = useState<RevisionView | null>(null);
  const previous = history.data?.revisions[1];
  const offered = failed && previous;
  if (!offered && !target) return null;
  return (
    <>
      {offered ? (
        <div className={`notice ${styles.offer}`} data-severity="error" role="note">
          <Icon name="history" size={18} />
          <div>
            <p>{t("history.failedOffer", { revision: previous.revision, version: previous.chartVersion })}</p>
            <button type="button" className="button button-small" onClick={() => setTarget(previous)}>
              {t("history.rollbackTo", { revision: previous.revision })}
            </button>
          </div>
        </div>
      ) : null}
      {target ? <RollbackDialog service={service} revision={target} onClose={() => setTarget(null)} /> : null}
    </>
  );
}
