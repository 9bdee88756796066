import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { useNavigate, useParams, useSearchParams } from "react-router";
import { useApi } from "../../api/ApiProvider";
import type { ApiError } from "../../api/errors";
import { useService } from "../../api/queries";
import type { LogView as LogLine, EventView as ServiceEvent } from "../../api/types";
import { Breadcrumbs } from "../../components/Breadcrumbs";
import { CopyButton, EmptyState, ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { Markdown } from "../../components/Markdown";
import { Tabs } from "../../components/Tabs";
import { formatDateTime } from "../../format";
import { useI18n } from "../../i18n";
import { useDocumentTitle } from "../../instance";
import { useProject, useProjectState } from "../../project";
import { useRegion } from "../../region";
import { KeepDialog, LifecyclePanel, NoticeBanner } from "./Lifecycle";
import { AddressesSection, OpenService } from "./ServiceAccess";
import { ServiceActions } from "./ServiceActions";
import { FailedChangeOffer, HistoryPanel } from "./ServiceHistory";
import { ServicePasswords } from "./ServicePasswords";
import { ServiceResources } from "./ServiceResources";
import { addEvent, formatEventTime } from "./events";
import { canManage } from "./serviceState";
import { RunningTime, StatusBadge, UpdateBadge } from "./ServiceWidgets";
import styles from "./Services.module.css";

const TABS = ["overview", "logs", "events", "history", "values", "notes"] as const;
type Tab = (typeof TABS)[number];

/**
 * One service: its state and URLs, resources, lifecycle, logs (followed), events (live),
 * values, notes and history; to its owner, its card's actions (pause, resume, change, rename,
 * share, delete), its passwords on demand and, with the gateway on, who else may open it
 * (Share). A link naming a project and a region (a notice's, ?project=&region=) switches to
 * them first; ?keep=1 then offers to keep the service, which one click confirms.
 */
export function ServicePage() {
  const switched = useScopeFromLink();
  return switched ? <ServiceDetailsPage /> : <Loading />;
}

/**
 * Switches to the project and region the address names, when the user has them, then takes
 * them out of the address; false until then.
 */
function useScopeFromLink(): boolean {
  const [params, setParams] = useSearchParams();
  const { project, projects, setProject } = useProjectState();
  const { region, regions, setRegion } = useRegion();
  const wantProject = params.get("project");
  const wantRegion = params.get("region");
  const pending = wantProject !== null || wantRegion !== null;
  useEffect(() => {
    if (!pending) return;
    if (wantProject && wantProject !== project?.id && projects.some((p) => p.id === wantProject)) setProject(wantProject);
    if (wantRegion && wantRegion !== region?.id && regions.some((r) => r.id === wantRegion)) setRegion(wantRegion);
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        next.delete("project");
        next.delete("region");
        return next;
      },
      { replace: true },
    );
  }, [pending, wantProject, wantRegion, project, projects, setProject, region, regions, setRegion, setParams]);
  return !pending;
}

function ServiceDetailsPage() {
  const { t, language } = useI18n();
  const { me, project, isGroup } = useProject();
  const { service: id = "" } = useParams();
  const [searchParams, setSearchParams] = useSearchParams();
  const tab = (TABS as readonly string[]).includes(searchParams.get("tab") ?? "") ? (searchParams.get("tab") as Tab) : "overview";
  const details = useService(project.id, id);
  const s = details.data?.service;
  useDocumentTitle(s?.friendlyName ?? id);
  const [keeping, setKeeping] = useState(false);
  const navigate = useNavigate();
  // A notice's link asks to keep the service: the dialog opens, and only its button acts.
  const keepAsked = searchParams.get("keep") === "1";
  const closeKeep = () => {
    setKeeping(false);
    if (keepAsked) {
      setSearchParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          next.delete("keep");
          return next;
        },
        { replace: true },
      );
    }
  };

  const labels: Record<Tab, string> = {
    overview: t("service.tab.overview"),
    logs: t("service.tab.logs"),
    events: t("service.tab.events"),
    values: t("service.tab.values"),
    notes: t("service.tab.notes"),
    history: t("service.tab.history"),
  };
  const manage = !!s && canManage(s, me.username);

  return (
    <div className={styles.page}>
      <Breadcrumbs items={[{ label: t("page.myServices.title"), to: "/my-services" }, { label: s?.friendlyName ?? id }]} />
      {details.isPending ? <Loading /> : null}
      {details.isError ? <ErrorNotice error={details.error} onRetry={() => void details.refetch()} /> : null}
      {s ? (
        <>
          <div className={styles.serviceHead}>
            <div>
              <h1 className={styles.serviceTitle}>{s.friendlyName}</h1>
              <p className={styles.cardSub}>
                {s.chart} {s.version}
                {s.appVersion ? ` · ${t("chart.appVersion", { version: s.appVersion })}` : ""} · <span className="mono">{s.id}</span>
              </p>
              <div className={styles.badges}>
                <StatusBadge service={s} />
                <RunningTime service={s} />
                {isGroup && s.owner ? <span className="pill">{t("services.owner", { owner: s.owner })}</span> : null}
                {isGroup && s.shared ? <span className="pill pill-info">{t("services.shared")}</span> : null}
                {manage ? <UpdateBadge service={s} /> : null}
              </div>
            </div>
            <div className={styles.pageActions}>
              <OpenService service={s} />
              {s.monitoringUrl ? (
                <a className="button button-secondary" href={s.monitoringUrl} target="_blank" rel="noopener noreferrer">
                  <Icon name="chart" size={16} />
                  {t("service.monitoring")}
                </a>
              ) : null}
            </div>
          </div>
          {/* The card's actions; Share (grants through the gateway) here only. */}
          {manage ? <ServiceActions service={s} withGrants onDeleted={() => void navigate("/my-services")} /> : null}

          <NoticeBanner service={s} onKeep={manage ? () => setKeeping(true) : undefined} />
          {manage && (keeping || keepAsked) ? <KeepDialog service={s} onClose={closeKeep} /> : null}

          <Tabs
            label={t("service.tabs")}
            idPrefix="service"
            items={TABS.map((id) => ({ id, label: labels[id] }))}
            selected={tab}
            onSelect={(id) => setSearchParams(id === "overview" ? {} : { tab: id }, { replace: true })}
          />
          <div id="service-panel" role="tabpanel" aria-labelledby={`service-tab-${tab}`} tabIndex={0} className={styles.panel}>
            {tab === "overview" ? (
              <>
                {s.reason ? <ErrorNotice error={new Error(s.reason)} title={t("service.reason")} /> : null}
                {manage ? <FailedChangeOffer service={s} /> : null}
                <AddressesSection service={s} />
                {manage ? <ServicePasswords service={s} level={2} /> : null}
                <ServiceResources values={details.data?.values} manage={manage} service={s} />
                <LifecyclePanel service={s} manage={manage} onKeep={() => setKeeping(true)} />
                <h2 className={styles.h2}>{t("service.workloads")}</h2>
                {s.workloads.length === 0 ? (
                  <p className="field-hint">{t("service.noWorkloads")}</p>
                ) : (
                  <table className="data-table">
                    <thead>
                      <tr>
                        <th scope="col">{t("service.workload.kind")}</th>
                        <th scope="col">{t("service.workload.name")}</th>
                        <th scope="col" className="num">
                          {t("service.workload.ready")}
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {s.workloads.map((w) => (
                        <tr key={w.kind + w.name}>
                          <td>{w.kind}</td>
                          <td className="mono">{w.name}</td>
                          <td className="num">
                            {w.ready}/{w.desired}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
                {s.started ? <p className="field-hint">{t("service.started", { date: formatDateTime(s.started, language) })}</p> : null}
              </>
            ) : null}
            {tab === "logs" ? <LogsPanel project={project.id} service={s.id} /> : null}
            {tab === "events" ? <EventsPanel project={project.id} service={s.id} /> : null}
            {tab === "values" ? (
              <>
                <div className={styles.toolbar}>
                  <p className="field-hint">{t("service.values.masked")}</p>
                  <CopyButton text={JSON.stringify(details.data?.values ?? {}, null, 2)} />
                </div>
                {/* Focusable: a long scrolling block must be reachable by keyboard. */}
                <pre className={styles.code} aria-label={labels.values} tabIndex={0}>
                  {JSON.stringify(details.data?.values ?? {}, null, 2)}
                </pre>
              </>
            ) : null}
            {tab === "notes" ? s.notes?.trim() ? <Markdown source={s.notes} /> : <EmptyState title={t("service.noNotes")} /> : null}
            {tab === "history" ? <HistoryPanel service={s} manage={manage} /> : null}
          </div>
        </>
      ) : null}
    </div>
  );
}

type StreamState = "streaming" | "ended" | "error";

function LogsPanel({ project, service }: { project: string; service: string }) {
  const { t } = useI18n();
  const api = useApi();
  const [follow, setFollow] = useState(true);
  const [run, setRun] = useState(0);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [state, setState] = useState<StreamState>("streaming");
  const [error, setError] = useState<ApiError | null>(null);
  const box = useRef<HTMLPreElement>(null);

  useEffect(() => {
    setLines([]);
    setState("streaming");
    setError(null);
    return api.streamLogs(project, service, { follow, tail: 500 }, {
      onItem: (l) => setLines((prev) => (prev.length >= 5000 ? [...prev.slice(-4000), l] : [...prev, l])),
      onEnd: () => setState("ended"),
      onError: (e) => {
        setError(e);
        setState("error");
      },
    });
  }, [api, project, service, follow, run]);

  useLayoutEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines, follow]);

  const pods = new Set(lines.map((l) => l.pod));
  const text = lines.map((l) => (pods.size > 1 ? `[${l.pod}] ${l.line}` : l.line)).join("\n");

  return (
    <>
      <div className={styles.toolbar}>
        <label className={styles.share}>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />
          {t("service.logs.follow")}
        </label>
        <span className="field-hint" role="status">
          {state === "streaming" ? (follow ? t("service.stream.live") : t("service.stream.loading")) : state === "ended" ? t("service.stream.ended") : ""}
        </span>
        <button type="button" className="button button-secondary button-small" onClick={() => setRun((r) => r + 1)}>
          <Icon name="refresh" size={16} />
          {t("service.stream.reload")}
        </button>
        <CopyButton text={text} />
      </div>
      {error ? <ErrorNotice error={error} onRetry={() => setRun((r) => r + 1)} /> : null}
      {lines.length === 0 && state !== "streaming" ? (
        <EmptyState title={t("service.logs.empty")} />
      ) : (
        <pre ref={box} className={`${styles.code} ${styles.logs}`} aria-label={t("service.logs.label")} tabIndex={0}>
          {text}
        </pre>
      )}
    </>
  );
}

function EventsPanel({ project, service }: { project: string; service: string }) {
  const { t, language } = useI18n();
  const api = useApi();
  const [run, setRun] = useState(0);
  const [events, setEvents] = useState<ServiceEvent[]>([]);
  const [state, setState] = useState<StreamState>("streaming");
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    setEvents([]);
    setState("streaming");
    setError(null);
    return api.streamEvents(project, service, {
      onItem: (e) => setEvents((prev) => addEvent(prev, e)),
      onEnd: () => setState("ended"),
      onError: (e) => {
        setError(e);
        setState("error");
      },
    });
  }, [api, project, service, run]);

  return (
    <>
      <div className={styles.toolbar}>
        <span className="field-hint" role="status">
          {state === "streaming" ? t("service.stream.live") : state === "ended" ? t("service.stream.ended") : ""}
        </span>
        <button type="button" className="button button-secondary button-small" onClick={() => setRun((r) => r + 1)}>
          <Icon name="refresh" size={16} />
          {t("service.stream.reload")}
        </button>
      </div>
      {error ? <ErrorNotice error={error} onRetry={() => setRun((r) => r + 1)} /> : null}
      {events.length === 0 ? (
        <EmptyState title={t("service.events.empty")} />
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t("service.event.time")}</th>
              <th scope="col">{t("service.event.type")}</th>
              <th scope="col">{t("service.event.reason")}</th>
              <th scope="col">{t("service.event.object")}</th>
              <th scope="col">{t("service.event.message")}</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e, i) => (
              <tr key={i}>
                <td className={styles.nowrap}>{formatEventTime(e.time, language)}</td>
                <td>
                  <span className={e.type === "Warning" ? "pill pill-warning" : "pill"}>{e.type}</span>
                </td>
                <td>{e.reason}</td>
                <td className="mono">{e.object}</td>
                <td>
                  {e.message}
                  {e.count > 1 ? <span className="field-hint"> ×{e.count}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
