import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useApi } from "../../api/ApiProvider";
import { ApiError } from "../../api/errors";
import { queryKeys, useFleet } from "../../api/queries";
import type { FleetActionRequest, FleetActionResult, FleetFilter, FleetService } from "../../api/types";
import { useNow } from "../../clock";
import { ConfirmDialog } from "../../components/Dialog";
import { EmptyState, ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { formatNumber } from "../../format";
import { isOne, useI18n } from "../../i18n";
import { useDocumentTitle } from "../../instance";
import { fromLocalInput } from "../../lifecycle/keepTime";
import { formatRelative, useWords } from "../../lifecycle/lifecycleText";
import { useRegion } from "../../region";
import { StatusBadge } from "../services/ServiceWidgets";
import pageStyles from "../Page.module.css";
import styles from "./Fleet.module.css";

type Action = FleetActionRequest["action"];
const TEXT_FILTERS = ["project", "owner", "chart", "version"] as const;
type TextFilter = (typeof TEXT_FILTERS)[number];

/** The filter as typed: text fields and the idle date as the datetime-local field holds it. */
interface FilterDraft extends Record<TextFilter, string> {
  region: string;
  idleSince: string;
}
const EMPTY: FilterDraft = { region: "", project: "", owner: "", chart: "", version: "", idleSince: "" };

/** The filter the API takes: only what is set. */
function toFilter(d: FilterDraft): FleetFilter {
  const f: FleetFilter = {};
  if (d.region) f.region = d.region;
  for (const k of TEXT_FILTERS) if (d[k].trim()) f[k] = d[k].trim();
  const idle = fromLocalInput(d.idleSince);
  if (idle) f.idleSince = idle.toISOString();
  return f;
}

/**
 * Administrators: every service of every project and region with its lifecycle, filtered,
 * and an action (suspend, resume, upgrade) on what the filter matches: a dry run first, whose
 * list says what would change, then Apply after a confirmation, with each service's outcome.
 */
export function FleetPage() {
  const { t } = useI18n();
  useDocumentTitle(t("page.admin.title"));
  const [draft, setDraft] = useState<FilterDraft>(EMPTY);
  const [filter, setFilter] = useState<FleetFilter>({});
  const fleet = useFleet(filter);
  const everything = useFleet({}).data?.services ?? [];
  const forbidden = fleet.error instanceof ApiError && fleet.error.status === 403;

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
            known={everything}
            onDraft={setDraft}
            onApply={() => setFilter(toFilter(draft))}
            onClear={() => {
              setDraft(EMPTY);
              setFilter({});
            }}
          />
          {fleet.isPending ? <Loading /> : null}
          {fleet.isError ? <ErrorNotice error={fleet.error} title={t("fleet.unavailable")} onRetry={() => void fleet.refetch()} /> : null}
          {fleet.data ? <FleetTable services={fleet.data.services} /> : null}
          {fleet.data ? <FleetActions key={JSON.stringify(filter)} filter={filter} matched={fleet.data.services.length} /> : null}
        </>
      )}
    </div>
  );
}

function FilterForm({
  draft,
  known,
  onDraft,
  onApply,
  onClear,
}: {
  draft: FilterDraft;
  known: FleetService[];
  onDraft(d: FilterDraft): void;
  onApply(): void;
  onClear(): void;
}) {
  const { t } = useI18n();
  const { regions } = useRegion();
  const labels: Record<TextFilter, string> = {
    project: t("fleet.filter.project"),
    owner: t("fleet.filter.owner"),
    chart: t("fleet.filter.chart"),
    version: t("fleet.filter.version"),
  };
  // What the fleet holds, proposed as the field's suggestions.
  const values: Record<TextFilter, (s: FleetService) => string> = {
    project: (s) => s.project,
    owner: (s) => s.service.owner,
    chart: (s) => s.service.chart,
    version: (s) => s.service.version,
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
          <input
            id={`fleet-${k}`}
            type="text"
            list={`fleet-${k}-values`}
            value={draft[k]}
            maxLength={128}
            onChange={(e) => onDraft({ ...draft, [k]: e.target.value })}
          />
          <datalist id={`fleet-${k}-values`}>
            {[...new Set(known.map(values[k]).filter(Boolean))].sort().map((v) => (
              <option key={v} value={v} />
            ))}
          </datalist>
        </div>
      ))}
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

/** The columns that say which service a row is: the fleet's and an action's outcomes. */
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
      <th scope="row">
        {s.service.friendlyName}
        <br />
        <span className="mono field-hint">{s.service.id}</span>
      </th>
      <td>{s.region}</td>
      <td className="mono">{s.project}</td>
      <td>{s.service.owner}</td>
    </>
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

function FleetTable({ services }: { services: FleetService[] }) {
  const { t, language } = useI18n();
  const words = useWords();
  const now = useNow();
  if (services.length === 0) return <EmptyState title={t("fleet.empty")} />;
  return (
    <div className={styles.tableBox}>
      <table className="data-table">
        <caption className={styles.caption}>
          {t(isOne(language, services.length) ? "fleet.caption.one" : "fleet.caption.other", { count: services.length })}
        </caption>
        <thead>
          <tr>
            <MemberHeads />
            <th scope="col">{t("fleet.col.chart")}</th>
            <th scope="col">{t("fleet.col.version")}</th>
            <th scope="col">{t("fleet.col.status")}</th>
            <th scope="col" className="num">
              {t("fleet.col.cpu")}
            </th>
            <th scope="col">{t("fleet.col.lastUsed")}</th>
            <th scope="col">{t("fleet.col.notice")}</th>
          </tr>
        </thead>
        <tbody>
          {services.map((s) => (
            <tr key={`${s.region}/${s.project}/${s.service.id}`}>
              <MemberCells s={s} />
              <td>
                {s.service.chart}
                <span className="field-hint"> ({s.service.catalog})</span>
              </td>
              <td>{s.service.version}</td>
              <td>
                <StatusBadge service={s.service} />
              </td>
              <td className="num">
                {s.cpuMillicores === undefined
                  ? t("fleet.unknown")
                  : t(isOne(language, s.cpuMillicores) ? "fleet.cpu.one" : "fleet.cpu.other", { n: formatNumber(s.cpuMillicores, language) })}
              </td>
              <td>{s.lifecycle?.lastActive ? formatRelative(s.lifecycle.lastActive, now, words) : t("fleet.unknown")}</td>
              <td>
                <NoticeCell s={s} now={now} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const changes = (r: FleetActionResult) => r.results.filter((o) => o.change && !o.error);

function FleetActions({ filter, matched }: { filter: FleetFilter; matched: number }) {
  const { t, language } = useI18n();
  const api = useApi();
  const qc = useQueryClient();
  const [action, setAction] = useState<Action>("suspend");
  const [version, setVersion] = useState("");
  const [confirming, setConfirming] = useState(false);
  const request = (dryRun: boolean): FleetActionRequest => ({
    action,
    filter,
    version: action === "upgrade" ? version.trim() : undefined,
    dryRun,
  });
  const plan = useMutation({ mutationFn: () => api.fleetAction(request(true)) });
  const apply = useMutation({
    mutationFn: () => api.fleetAction(request(false)),
    onSuccess: () => {
      setConfirming(false);
      plan.reset();
      void qc.invalidateQueries({ queryKey: ["admin", "fleet"] });
      void qc.invalidateQueries({ queryKey: queryKeys.notices });
    },
  });
  const labels: Record<Action, string> = {
    suspend: t("fleet.action.suspend"),
    resume: t("fleet.action.resume"),
    upgrade: t("fleet.action.upgrade"),
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
          <button type="submit" className="button button-secondary" disabled={plan.isPending || matched === 0}>
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
