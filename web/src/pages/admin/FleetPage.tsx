import { useMutation, useQueryClient } from "@tanstack/react-query";
import { observeElementRect, useVirtualizer, type Rect, type Virtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useApi } from "../../api/ApiProvider";
import type { FleetSort, FleetSortKey } from "../../api/client";
import { ApiError } from "../../api/errors";
import { queryKeys, useFleetPages } from "../../api/queries";
import type { FleetActionRequest, FleetActionResult, FleetFilter, FleetService, FleetServiceRef } from "../../api/types";
import { useNow } from "../../clock";
import { ConfirmDialog } from "../../components/Dialog";
import { EmptyState, ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { formatBytes, formatNumber } from "../../format";
import { isOne, useI18n } from "../../i18n";
import { useDocumentTitle } from "../../instance";
import { fromLocalInput } from "../../lifecycle/keepTime";
import { formatRelative, useWords } from "../../lifecycle/lifecycleText";
import { serviceLink } from "../../lifecycle/serviceLink";
import { useRegion } from "../../region";
import { StatusBadge } from "../services/ServiceWidgets";
import pageStyles from "../Page.module.css";
import styles from "./Fleet.module.css";

type Action = FleetActionRequest["action"];
type State = NonNullable<FleetFilter["state"]>;
const TEXT_FILTERS = ["project", "owner", "chart", "version"] as const;
type TextFilter = (typeof TEXT_FILTERS)[number];
const STATES: State[] = ["running", "starting", "suspended", "failed"];
/** The services' state words as the services pages say them. */
const STATE_LABEL = {
  running: "services.state.ready",
  starting: "services.state.progress",
  suspended: "services.state.paused",
  failed: "services.state.failed",
} as const;

/** The filter as typed: text fields and the idle date as the datetime-local field holds it. */
interface FilterDraft extends Record<TextFilter, string> {
  region: string;
  state: "" | State;
  q: string;
  idleSince: string;
}
const EMPTY: FilterDraft = { region: "", project: "", owner: "", chart: "", version: "", state: "", q: "", idleSince: "" };

/** The filter the API takes: only what is set. */
function toFilter(d: FilterDraft): FleetFilter {
  const f: FleetFilter = {};
  if (d.region) f.region = d.region;
  for (const k of TEXT_FILTERS) if (d[k].trim()) f[k] = d[k].trim();
  if (d.state) f.state = d.state;
  if (d.q.trim()) f.q = d.q.trim();
  const idle = fromLocalInput(d.idleSince);
  if (idle) f.idleSince = idle.toISOString();
  return f;
}

/** The filter a link gives (e.g. a project's service count): the draft from the address's query. */
function fromQuery(params: URLSearchParams): FilterDraft {
  const d: FilterDraft = { ...EMPTY };
  d.region = params.get("region") ?? "";
  for (const k of TEXT_FILTERS) d[k] = params.get(k) ?? "";
  const state = params.get("state") ?? "";
  d.state = (STATES as string[]).includes(state) ? (state as State) : "";
  d.q = params.get("q") ?? "";
  return d;
}

/** The address's query for a filter, so that a filtered view can be linked to and reloaded. */
function toQuery(f: FleetFilter): URLSearchParams {
  const params = new URLSearchParams();
  if (f.region) params.set("region", f.region);
  for (const k of TEXT_FILTERS) if (f[k]) params.set(k, f[k]);
  if (f.state) params.set("state", f.state);
  if (f.q) params.set("q", f.q);
  return params;
}

/** A service's key in the table and among the picks. */
const keyOf = (s: FleetService) => `${s.region}/${s.project}/${s.service.id}`;
const refOf = (s: FleetService): FleetServiceRef => ({ region: s.region, project: s.project, service: s.service.id });

/**
 * Administrators: every service of every project and region, however many, in a table that
 * draws only the rows in view and reads the fleet a page at a time as it scrolls, sorted by a
 * column, filtered and searched on the server. An action (suspend, resume, delete, upgrade)
 * goes to the services picked in the table or to all the filter matches: a dry run first,
 * whose list says what would change, then Apply after a confirmation, with each outcome.
 */
export function FleetPage() {
  const { t } = useI18n();
  useDocumentTitle(t("page.admin.title"));
  const [params, setParams] = useSearchParams();
  const [draft, setDraft] = useState<FilterDraft>(() => fromQuery(params));
  const [filter, setFilter] = useState<FleetFilter>(() => toFilter(fromQuery(params)));
  const [sort, setSort] = useState<FleetSort>("project");
  const [picked, setPicked] = useState<Map<string, FleetService>>(new Map());
  const fleet = useFleetPages(filter, sort);
  const forbidden = fleet.error instanceof ApiError && fleet.error.status === 403;
  const services = fleet.data?.pages.flatMap((p) => p.services) ?? [];
  const total = fleet.data?.pages[0]?.total ?? 0;

  return (
    <div className={styles.page}>
      <h1 className={pageStyles.title}>{t("page.admin.title")}</h1>
      <p className={pageStyles.lead}>{t("page.admin.summary")}</p>
      {forbidden ? (
        <div className="notice" role="note">
          <Icon name="lock" />
          <p>{t("fleet.forbidden")}</p>
        </div>
      ) : (
        <>
          <FilterForm
            draft={draft}
            onDraft={setDraft}
            onApply={() => {
              const f = toFilter(draft);
              setFilter(f);
              setParams(toQuery(f), { replace: true });
              setPicked(new Map());
            }}
            onClear={() => {
              setDraft(EMPTY);
              setFilter({});
              setParams(new URLSearchParams(), { replace: true });
              setPicked(new Map());
            }}
          />
          {fleet.isPending ? <Loading /> : null}
          {fleet.isError ? <ErrorNotice error={fleet.error} title={t("fleet.unavailable")} onRetry={() => void fleet.refetch()} /> : null}
          {fleet.data ? (
            <FleetTable
              view={JSON.stringify([filter, sort])}
              services={services}
              total={total}
              sort={sort}
              onSort={setSort}
              picked={picked}
              onPicked={setPicked}
              more={fleet.hasNextPage}
              loadingMore={fleet.isFetchingNextPage}
              onMore={() => void fleet.fetchNextPage()}
            />
          ) : null}
          {fleet.data ? (
            <FleetActions
              key={JSON.stringify(filter)}
              filter={filter}
              matched={total}
              picked={[...picked.values()]}
              onDone={() => setPicked(new Map())}
            />
          ) : null}
        </>
      )}
    </div>
  );
}

function FilterForm({ draft, onDraft, onApply, onClear }: { draft: FilterDraft; onDraft(d: FilterDraft): void; onApply(): void; onClear(): void }) {
  const { t } = useI18n();
  const { regions } = useRegion();
  const labels: Record<TextFilter, string> = {
    project: t("fleet.filter.project"),
    owner: t("fleet.filter.owner"),
    chart: t("fleet.filter.chart"),
    version: t("fleet.filter.version"),
  };
  return (
    <form
      className={styles.filter}
      aria-label={t("fleet.filter")}
      onSubmit={(e) => {
        e.preventDefault();
        onApply();
      }}
    >
      <div className="field">
        <label htmlFor="fleet-q">{t("fleet.filter.search")}</label>
        <input id="fleet-q" type="search" value={draft.q} maxLength={128} onChange={(e) => onDraft({ ...draft, q: e.target.value })} />
      </div>
      {regions.length > 1 ? (
        <div className="field">
          <label htmlFor="fleet-region">{t("fleet.filter.region")}</label>
          <select id="fleet-region" value={draft.region} onChange={(e) => onDraft({ ...draft, region: e.target.value })}>
            <option value="">{t("fleet.filter.any")}</option>
            {regions.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name || r.id}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      {TEXT_FILTERS.map((k) => (
        <div className="field" key={k}>
          <label htmlFor={`fleet-${k}`}>{labels[k]}</label>
          <input id={`fleet-${k}`} type="text" value={draft[k]} maxLength={128} onChange={(e) => onDraft({ ...draft, [k]: e.target.value })} />
        </div>
      ))}
      <div className="field">
        <label htmlFor="fleet-state">{t("fleet.filter.state")}</label>
        <select id="fleet-state" value={draft.state} onChange={(e) => onDraft({ ...draft, state: e.target.value as FilterDraft["state"] })}>
          <option value="">{t("fleet.filter.any")}</option>
          {STATES.map((s) => (
            <option key={s} value={s}>
              {t(STATE_LABEL[s])}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="fleet-idle">{t("fleet.filter.idleSince")}</label>
        <input id="fleet-idle" type="datetime-local" value={draft.idleSince} onChange={(e) => onDraft({ ...draft, idleSince: e.target.value })} />
      </div>
      <div className={styles.filterActions}>
        <button type="submit" className="button">
          <Icon name="search" size={16} />
          {t("fleet.filter.apply")}
        </button>
        <button type="button" className="button button-secondary" onClick={onClear}>
          {t("fleet.filter.clear")}
        </button>
      </div>
    </form>
  );
}

/** The columns that say which service a row is: an action's outcomes. */
function MemberHeads() {
  const { t } = useI18n();
  return (
    <>
      <th scope="col">{t("fleet.col.service")}</th>
      <th scope="col">{t("fleet.col.region")}</th>
      <th scope="col">{t("fleet.col.project")}</th>
      <th scope="col">{t("fleet.col.owner")}</th>
    </>
  );
}

function MemberCells({ s }: { s: FleetService }) {
  return (
    <>
      <ServiceCell s={s} />
      <td>{s.region}</td>
      <td className="mono">{s.project}</td>
      <td>{s.service.owner}</td>
    </>
  );
}

/** The service's name, a link to its page (in its project and region), and its id. */
function ServiceCell({ s }: { s: FleetService }) {
  return (
    <th scope="row" className={styles.serviceCell}>
      <Link to={serviceLink({ service: s.service.id, project: s.project, region: s.region })}>{s.service.friendlyName || s.service.id}</Link>
      <br />
      <span className="mono field-hint">{s.service.id}</span>
    </th>
  );
}

/** A notice in the table: "Suspension in 25 minutes". */
function NoticeCell({ s, now }: { s: FleetService; now: number }) {
  const { t } = useI18n();
  const words = useWords();
  const n = s.lifecycle?.notice;
  if (!n) return null;
  return (
    <span className="pill pill-warning">
      {t(n.action === "delete" ? "fleet.notice.delete" : "fleet.notice.suspend", { when: formatRelative(n.due, now, words) })}
    </span>
  );
}

/** A row's height, which the table draws every row at (the service cell's two lines). */
const ROW_HEIGHT = 52;

/**
 * The table box's size as the virtualizer reads it; a box not laid out (yet, or in a test's
 * document) counts as the height its style allows, so that the first rows are drawn.
 */
function observeBox(instance: Virtualizer<HTMLDivElement, Element>, cb: (rect: Rect) => void) {
  return observeElementRect(instance, (rect) => cb(rect.height > 0 ? rect : { width: rect.width, height: window.innerHeight * 0.7 }));
}

/** What a service's pods ask the cluster to set aside: CPU, memory and GPUs, or none (paused). */
function RequestsCell({ requests }: { requests: FleetService["requests"] }) {
  const { t, language } = useI18n();
  if (!requests.cpuMillicores && !requests.memoryBytes && !requests.gpus) return <>{t("fleet.requests.none")}</>;
  const parts = [
    t(isOne(language, requests.cpuMillicores) ? "fleet.cpu.one" : "fleet.cpu.other", { n: formatNumber(requests.cpuMillicores, language) }),
    formatBytes(requests.memoryBytes, language),
  ];
  if (requests.gpus) parts.push(t(isOne(language, requests.gpus) ? "fleet.gpu.one" : "fleet.gpu.other", { n: formatNumber(requests.gpus, language) }));
  return <>{parts.join(" · ")}</>;
}

/** A column header that sorts the fleet by its key: once ascending, again descending. */
function SortHead({ label, by, sort, onSort }: { label: string; by: FleetSortKey; sort: FleetSort; onSort(s: FleetSort): void }) {
  const dir = sort === by ? "ascending" : sort === `-${by}` ? "descending" : "none";
  return (
    <th scope="col" aria-sort={dir}>
      <button type="button" className={styles.sortButton} onClick={() => onSort(sort === by ? `-${by}` : by)}>
        {label}
        <span aria-hidden="true" className={styles.sortMark}>
          {dir === "ascending" ? "▲" : dir === "descending" ? "▼" : ""}
        </span>
      </button>
    </th>
  );
}

function FleetTable({
  view,
  services,
  total,
  sort,
  onSort,
  picked,
  onPicked,
  more,
  loadingMore,
  onMore,
}: {
  /** The filter and sort: another starts the table at its top. */
  view: string;
  services: FleetService[];
  total: number;
  sort: FleetSort;
  onSort(s: FleetSort): void;
  picked: Map<string, FleetService>;
  onPicked(p: Map<string, FleetService>): void;
  more: boolean;
  loadingMore: boolean;
  onMore(): void;
}) {
  const { t, language } = useI18n();
  const words = useWords();
  const now = useNow();
  const { regions } = useRegion();
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: services.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    observeElementRect: observeBox,
  });
  const items = virtual.getVirtualItems();
  const last = items[items.length - 1];
  useEffect(() => {
    virtual.scrollToOffset(0);
  }, [view, virtual]);
  // The next page is read as the rows in view near the end of those read.
  useEffect(() => {
    if (more && !loadingMore && last && last.index >= services.length - 20) onMore();
  }, [last, services.length, more, loadingMore, onMore]);

  if (total === 0) return <EmptyState title={t("fleet.empty")} />;
  const manyRegions = regions.length > 1;
  const shownPicked = services.length > 0 && services.every((s) => picked.has(keyOf(s)));
  const pick = (s: FleetService, on: boolean) => {
    const next = new Map(picked);
    if (on) next.set(keyOf(s), s);
    else next.delete(keyOf(s));
    onPicked(next);
  };
  const padTop = items[0]?.start ?? 0;
  const padBottom = last ? virtual.getTotalSize() - last.end : 0;
  const columns = manyRegions ? 14 : 13;
  const caption = t(isOne(language, total) ? "fleet.caption.one" : "fleet.caption.other", { count: formatNumber(total, language) });

  return (
    <div ref={scroller} className={styles.tableBox} tabIndex={0} role="region" aria-label={caption}>
      <table className={`data-table ${styles.table}`} aria-rowcount={total + 1}>
        <caption className={styles.caption}>{caption}</caption>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col" className={styles.pick}>
              <input
                type="checkbox"
                aria-label={t("fleet.pickShown")}
                checked={shownPicked}
                onChange={(e) => {
                  const next = new Map(picked);
                  for (const s of services) {
                    if (e.target.checked) next.set(keyOf(s), s);
                    else next.delete(keyOf(s));
                  }
                  onPicked(next);
                }}
              />
            </th>
            <SortHead label={t("fleet.col.service")} by="name" sort={sort} onSort={onSort} />
            {manyRegions ? <th scope="col">{t("fleet.col.region")}</th> : null}
            <SortHead label={t("fleet.col.project")} by="project" sort={sort} onSort={onSort} />
            <SortHead label={t("fleet.col.owner")} by="owner" sort={sort} onSort={onSort} />
            <SortHead label={t("fleet.col.chart")} by="chart" sort={sort} onSort={onSort} />
            <th scope="col">{t("fleet.col.version")}</th>
            <SortHead label={t("fleet.col.status")} by="state" sort={sort} onSort={onSort} />
            <SortHead label={t("fleet.col.started")} by="started" sort={sort} onSort={onSort} />
            <SortHead label={t("fleet.col.lastUsed")} by="lastActive" sort={sort} onSort={onSort} />
            <th scope="col" className="num">
              {t("fleet.col.cpu")}
            </th>
            <th scope="col" className="num">
              {t("fleet.col.memory")}
            </th>
            <th scope="col" className="num">
              {t("fleet.col.requests")}
            </th>
            <th scope="col">{t("fleet.col.notice")}</th>
          </tr>
        </thead>
        <tbody>
          {padTop > 0 ? (
            <tr aria-hidden="true">
              <td colSpan={columns} style={{ height: padTop, padding: 0, border: 0 }} />
            </tr>
          ) : null}
          {items.map((v) => {
            const s = services[v.index]!;
            return (
              <tr key={keyOf(s)} aria-rowindex={v.index + 2} style={{ height: ROW_HEIGHT }}>
                <td className={styles.pick}>
                  <input
                    type="checkbox"
                    aria-label={t("fleet.pick", { service: s.service.friendlyName || s.service.id, project: s.project })}
                    checked={picked.has(keyOf(s))}
                    onChange={(e) => pick(s, e.target.checked)}
                  />
                </td>
                <ServiceCell s={s} />
                {manyRegions ? <td>{s.region}</td> : null}
                <td className="mono">{s.project}</td>
                <td>{s.service.owner}</td>
                <td>
                  {s.service.chart}
                  <span className="field-hint"> ({s.service.catalog})</span>
                </td>
                <td>{s.service.version}</td>
                <td>
                  <StatusBadge service={s.service} />
                </td>
                <td>{s.service.started ? formatRelative(s.service.started, now, words) : t("fleet.unknown")}</td>
                <td>{s.lastActive ? formatRelative(s.lastActive, now, words) : t("fleet.unknown")}</td>
                <td className="num">
                  {s.cpuMillicores === undefined
                    ? t("fleet.unknown")
                    : t(isOne(language, s.cpuMillicores) ? "fleet.cpu.one" : "fleet.cpu.other", { n: formatNumber(s.cpuMillicores, language) })}
                </td>
                <td className="num">{s.memoryBytes === undefined ? t("fleet.unknown") : formatBytes(s.memoryBytes, language)}</td>
                <td className="num">
                  <RequestsCell requests={s.requests} />
                </td>
                <td>
                  <NoticeCell s={s} now={now} />
                </td>
              </tr>
            );
          })}
          {padBottom > 0 ? (
            <tr aria-hidden="true">
              <td colSpan={columns} style={{ height: padBottom, padding: 0, border: 0 }} />
            </tr>
          ) : null}
        </tbody>
      </table>
      {loadingMore ? <p className={`field-hint ${styles.more}`}>{t("fleet.loadingMore")}</p> : null}
    </div>
  );
}

const changes = (r: FleetActionResult) => r.results.filter((o) => o.change && !o.error);

/** What an action goes to: the services picked in the table, or all the filter matches. */
type Target = "picked" | "filter";
const TARGET_LABEL = {
  picked: ["fleet.target.picked.one", "fleet.target.picked.other"],
  filter: ["fleet.target.filter.one", "fleet.target.filter.other"],
} as const;

function FleetActions({
  filter,
  matched,
  picked,
  onDone,
}: {
  filter: FleetFilter;
  matched: number;
  picked: FleetService[];
  /** An action was applied: the picks are done with. */
  onDone(): void;
}) {
  const { t, language } = useI18n();
  const api = useApi();
  const qc = useQueryClient();
  const [action, setAction] = useState<Action>("suspend");
  const [version, setVersion] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [chosenTarget, setTarget] = useState<Target>("picked");
  const target: Target = picked.length > 0 ? chosenTarget : "filter";
  const request = (dryRun: boolean): FleetActionRequest => ({
    action,
    filter: target === "picked" ? { ...filter, services: picked.map(refOf) } : filter,
    version: action === "upgrade" ? version.trim() : undefined,
    dryRun,
  });
  const plan = useMutation({ mutationFn: () => api.fleetAction(request(true)) });
  const apply = useMutation({
    mutationFn: () => api.fleetAction(request(false)),
    onSuccess: () => {
      setConfirming(false);
      plan.reset();
      onDone();
      void qc.invalidateQueries({ queryKey: ["admin", "fleet"] });
      void qc.invalidateQueries({ queryKey: queryKeys.notices });
    },
  });
  const labels: Record<Action, string> = {
    suspend: t("fleet.action.suspend"),
    resume: t("fleet.action.resume"),
    upgrade: t("fleet.action.upgrade"),
    delete: t("fleet.action.delete"),
  };
  const restart = () => {
    plan.reset();
    apply.reset();
  };
  const planned = plan.data ? changes(plan.data).length : 0;

  return (
    <section className={styles.actions} aria-labelledby="fleet-actions">
      <h2 id="fleet-actions" className={styles.h2}>
        {t("fleet.actions")}
      </h2>
      <form
        className={styles.actionForm}
        onSubmit={(e) => {
          e.preventDefault();
          apply.reset();
          plan.mutate();
        }}
      >
        {picked.length > 0 ? (
          <fieldset className={styles.target}>
            <legend>{t("fleet.target")}</legend>
            {(["picked", "filter"] as const).map((k) => {
              const count = k === "picked" ? picked.length : matched;
              return (
                <label key={k} className={styles.targetChoice}>
                  <input
                    type="radio"
                    name="fleet-target"
                    checked={target === k}
                    onChange={() => {
                      setTarget(k);
                      restart();
                    }}
                  />
                  {t(TARGET_LABEL[k][isOne(language, count) ? 0 : 1], { count: formatNumber(count, language) })}
                </label>
              );
            })}
          </fieldset>
        ) : null}
        <div className="field">
          <label htmlFor="fleet-action">{t("fleet.action")}</label>
          <select
            id="fleet-action"
            value={action}
            onChange={(e) => {
              setAction(e.target.value as Action);
              restart();
            }}
          >
            {(Object.keys(labels) as Action[]).map((a) => (
              <option key={a} value={a}>
                {labels[a]}
              </option>
            ))}
          </select>
        </div>
        {action === "upgrade" ? (
          <div className="field">
            <label htmlFor="fleet-upgrade-version">{t("fleet.action.version")}</label>
            <input
              id="fleet-upgrade-version"
              type="text"
              required
              maxLength={128}
              value={version}
              onChange={(e) => {
                setVersion(e.target.value);
                restart();
              }}
            />
          </div>
        ) : null}
        <div className={styles.filterActions}>
          <button type="submit" className="button button-secondary" disabled={plan.isPending || (target === "filter" && matched === 0)}>
            <Icon name="eye" size={16} />
            {plan.isPending ? t("fleet.dryRunning") : t("fleet.dryRun")}
          </button>
        </div>
      </form>
      {plan.isError ? <ErrorNotice error={plan.error} /> : null}

      {plan.data && !apply.data ? (
        <section aria-labelledby="fleet-plan" className={styles.result}>
          <h3 id="fleet-plan">{t("fleet.plan.title")}</h3>
          <p>
            {planned === 0
              ? t("fleet.plan.none")
              : t(isOne(language, planned) ? "fleet.plan.count.one" : "fleet.plan.count.other", { count: planned })}
          </p>
          <OutcomeTable result={plan.data} />
          {planned > 0 ? (
            <button type="button" className="button" onClick={() => setConfirming(true)}>
              <Icon name="play" size={16} />
              {t("fleet.apply")}
            </button>
          ) : null}
        </section>
      ) : null}

      {apply.data ? <AppliedResult result={apply.data} /> : null}

      {confirming ? (
        <ConfirmDialog
          title={t(isOne(language, planned) ? "fleet.confirm.title.one" : "fleet.confirm.title.other", { count: planned })}
          body={
            <>
              <p>{t("fleet.confirm.body")}</p>
              <ul>
                {plan.data
                  ? changes(plan.data).map((o) => (
                      <li key={`${o.service.region}/${o.service.project}/${o.service.service.id}`}>
                        {o.service.service.friendlyName} ({o.service.project}): {o.change}
                      </li>
                    ))
                  : null}
              </ul>
            </>
          }
          confirmLabel={t("fleet.apply")}
          busy={apply.isPending}
          error={apply.isError ? <ErrorNotice error={apply.error} /> : null}
          onConfirm={() => apply.mutate()}
          onCancel={() => {
            apply.reset();
            setConfirming(false);
          }}
        />
      ) : null}
    </section>
  );
}

function AppliedResult({ result }: { result: FleetActionResult }) {
  const { t, language } = useI18n();
  const done = changes(result).length;
  const failed = result.results.filter((o) => o.error).length;
  return (
    <section aria-labelledby="fleet-done" className={styles.result}>
      <h3 id="fleet-done">{t("fleet.done.title")}</h3>
      <p role="status">
        {t(isOne(language, done) ? "fleet.done.one" : "fleet.done.other", { count: done })}
        {failed > 0 ? ` ${t(isOne(language, failed) ? "fleet.done.failed.one" : "fleet.done.failed.other", { count: failed })}` : ""}
      </p>
      <OutcomeTable result={result} />
    </section>
  );
}

/** Each service's part of a dry run or an action: its change, or why it failed. */
function OutcomeTable({ result }: { result: FleetActionResult }) {
  const { t } = useI18n();
  return (
    <table className="data-table">
      <thead>
        <tr>
          <MemberHeads />
          <th scope="col">{t("fleet.col.change")}</th>
        </tr>
      </thead>
      <tbody>
        {result.results.map((o) => (
          <tr key={`${o.service.region}/${o.service.project}/${o.service.service.id}`}>
            <MemberCells s={o.service} />
            <td>
              {o.error ? (
                <span className={styles.failed}>{t("fleet.result.failed", { error: o.error })}</span>
              ) : o.change ? (
                o.change
              ) : (
                <span className="field-hint">{t("fleet.nothing")}</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
