import { useMutation, useQueryClient, type UseQueryResult } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { useApi } from "../../api/ApiProvider";
import type { AuditFilter } from "../../api/client";
import { ApiError } from "../../api/errors";
import { queryKeys, useAuditEvents, usePlatformHealth } from "../../api/queries";
import type { AuditTrail, CatalogHealth, PluginHealth, RegionHealth } from "../../api/types";
import { EmptyState, ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { formatDateTime, formatNumber, localize } from "../../format";
import { isOne, useI18n, type MessageKey } from "../../i18n";
import { useDocumentTitle } from "../../instance";
import { fromLocalInput } from "../../lifecycle/keepTime";
import { formatDuration, useWords } from "../../lifecycle/lifecycleText";
import pageStyles from "../Page.module.css";
import styles from "./Fleet.module.css";

/**
 * Administrators: the platform as the answering replica sees it: each plugin's process and
 * calls, every catalog (with a refresh), the regions and their clusters, and the audit trail
 * this replica keeps, filtered.
 */
export function PlatformPage() {
  const { t, language } = useI18n();
  useDocumentTitle(t("page.platform.title"));
  const health = usePlatformHealth();
  const [filter, setFilter] = useState<AuditFilter>({});
  const trail = useAuditEvents(filter);
  // The platform's health and the audit trail are two rights: whoever has one sees its part.
  const healthForbidden = isForbidden(health.error);
  const forbidden = healthForbidden && isForbidden(trail.error);

  return (
    <div className={styles.page}>
      <h1 className={pageStyles.title}>{t("page.platform.title")}</h1>
      <p className={pageStyles.lead}>{t("page.platform.summary")}</p>
      {forbidden ? (
        <div className="notice" role="note">
          <Icon name="lock" />
          <p>{t("fleet.forbidden")}</p>
        </div>
      ) : (
        <>
          {health.isPending ? <Loading /> : null}
          {health.isError && !healthForbidden ? (
            <ErrorNotice error={health.error} title={t("platform.unavailable")} onRetry={() => void health.refetch()} />
          ) : null}
          {health.data ? (
            <>
              <p className="field-hint">
                {t("platform.replica", { replica: health.data.replica, since: formatDateTime(health.data.measuredSince, language) })}
              </p>
              <PluginsSection plugins={health.data.plugins} />
              <CatalogsSection catalogs={health.data.catalogs} />
              <RegionsSection regions={health.data.regions} />
            </>
          ) : null}
          {isForbidden(trail.error) ? null : <AuditSection trail={trail} onFilter={setFilter} />}
        </>
      )}
    </div>
  );
}

const isForbidden = (err: unknown) => err instanceof ApiError && err.status === 403;

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id}>
      <h2 id={id} className={styles.h2}>
        {title}
      </h2>
      {children}
    </section>
  );
}

/** A table's column heads: numbers' aligned right, a hidden one named for screen readers only. */
function Heads({ columns }: { columns: [MessageKey, ("num" | "hidden")?][] }) {
  const { t } = useI18n();
  return (
    <thead>
      <tr>
        {columns.map(([key, kind]) => (
          <th key={key} scope="col" className={kind === "num" ? "num" : undefined}>
            {kind === "hidden" ? <span className="visually-hidden">{t(key)}</span> : t(key)}
          </th>
        ))}
      </tr>
    </thead>
  );
}

const ms = (v: number | undefined, lang: string) => (v === undefined ? "" : `${formatNumber(Math.round(v * 100) / 100, lang)} ms`);

function PluginsSection({ plugins }: { plugins: PluginHealth[] }) {
  const { t, language } = useI18n();
  const words = useWords();
  return (
    <Section id="platform-plugins" title={t("platform.plugins")}>
      <div className={styles.tableBox}>
        <table className="data-table">
          <Heads
            columns={[
              ["platform.col.plugin"],
              ["platform.col.state"],
              ["platform.col.version"],
              ["platform.col.pid", "num"],
              ["platform.col.uptime"],
              ["platform.col.restarts", "num"],
              ["platform.col.calls", "num"],
              ["platform.col.errors", "num"],
              ["platform.col.p50", "num"],
              ["platform.col.p99", "num"],
              ["platform.col.lastError"],
            ]}
          />
          <tbody>
            {plugins.map((p) => (
              <tr key={p.name}>
                <th scope="row">
                  {p.name}
                  <span className="field-hint"> ({p.kind})</span>
                </th>
                <td>
                  {p.running ? (
                    <span className="pill pill-success">{t("platform.running")}</span>
                  ) : (
                    <span className="pill pill-danger">{t("platform.stopped")}</span>
                  )}
                </td>
                <td>{p.plugin ? `${p.plugin} ${p.version ?? ""}` : ""}</td>
                <td className="num">{p.pid ?? ""}</td>
                <td>{p.uptimeSeconds !== undefined ? formatDuration(p.uptimeSeconds, words) : ""}</td>
                <td className="num">{formatNumber(p.restarts, language)}</td>
                <td className="num">{formatNumber(p.calls, language)}</td>
                <td className="num">{formatNumber(p.errors, language)}</td>
                <td className="num">{ms(p.p50Milliseconds, language)}</td>
                <td className="num">{ms(p.p99Milliseconds, language)}</td>
                <td>{p.lastError ? <span className={styles.failed}>{p.lastError}</span> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="field-hint">{t("platform.plugins.hint")}</p>
    </Section>
  );
}

function CatalogsSection({ catalogs }: { catalogs: CatalogHealth[] }) {
  const { t, language } = useI18n();
  const api = useApi();
  const qc = useQueryClient();
  const refresh = useMutation({
    mutationFn: (id: string | undefined) => api.refreshCatalogs(id),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: queryKeys.platform });
      void qc.invalidateQueries({ queryKey: ["project"] });
    },
  });
  const busy = (id: string | undefined) => refresh.isPending && refresh.variables === id;
  return (
    <Section id="platform-catalogs" title={t("platform.catalogs")}>
      {catalogs.length === 0 ? (
        <EmptyState title={t("platform.catalogs.none")} />
      ) : (
        <div className={styles.tableBox}>
          <table className="data-table">
            <Heads
              columns={[
                ["platform.col.catalog"],
                ["platform.col.plugin"],
                ["platform.col.status"],
                ["platform.col.charts", "num"],
                ["platform.col.lastRefresh"],
                ["platform.col.error"],
                ["platform.col.actions", "hidden"],
              ]}
            />
            <tbody>
              {catalogs.map((c, i) => {
                const cat = c.catalog;
                const name = cat ? localize(cat.name, language) || cat.id : "";
                return (
                  <tr key={cat ? cat.id : `${c.plugin}-${i}`}>
                    <th scope="row">
                      {name}
                      {cat && name !== cat.id ? <span className="field-hint mono"> {cat.id}</span> : null}
                    </th>
                    <td>{c.plugin}</td>
                    <td>{cat?.status ?? ""}</td>
                    <td className="num">{cat ? formatNumber(cat.chartCount, language) : ""}</td>
                    <td>{cat?.lastRefresh ? formatDateTime(cat.lastRefresh, language) : ""}</td>
                    <td>
                      {c.error || cat?.error ? <span className={styles.failed}>{c.error || cat?.error}</span> : null}
                    </td>
                    <td>
                      {cat ? (
                        <button
                          type="button"
                          className="button button-secondary"
                          disabled={refresh.isPending}
                          aria-label={t("platform.refresh.one", { catalog: name })}
                          onClick={() => refresh.mutate(cat.id)}
                        >
                          <Icon name="refresh" size={16} />
                          {busy(cat.id) ? t("platform.refreshing") : t("platform.refresh")}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <div className={styles.filterActions}>
        <button type="button" className="button" disabled={refresh.isPending} onClick={() => refresh.mutate(undefined)}>
          <Icon name="refresh" size={16} />
          {busy(undefined) ? t("platform.refreshing") : t("platform.refresh.all")}
        </button>
      </div>
      {refresh.isError ? <ErrorNotice error={refresh.error} title={t("platform.refresh.failed")} /> : null}
      {refresh.isSuccess ? (
        <p role="status" className="field-hint">
          {t(isOne(language, refresh.data.length) ? "platform.refresh.done.one" : "platform.refresh.done.other", { count: refresh.data.length })}
        </p>
      ) : null}
    </Section>
  );
}

function RegionsSection({ regions }: { regions: RegionHealth[] }) {
  const { t } = useI18n();
  return (
    <Section id="platform-regions" title={t("platform.regions")}>
      <div className={styles.tableBox}>
        <table className="data-table">
          <Heads
            columns={[
              ["platform.col.region"],
              ["platform.col.regionPlugin"],
              ["platform.col.storage"],
              ["platform.col.secrets"],
              ["platform.col.cluster"],
            ]}
          />
          <tbody>
            {regions.map((r) => (
              <tr key={r.id}>
                <th scope="row">
                  {r.name || r.id}
                  {r.name && r.name !== r.id ? <span className="field-hint mono"> {r.id}</span> : null}
                </th>
                <td>{r.plugin ?? t("platform.none")}</td>
                <td>{r.storage ?? t("platform.none")}</td>
                <td>{r.secrets ?? t("platform.none")}</td>
                <td>
                  {r.error ? (
                    <span className={styles.failed}>{r.error}</span>
                  ) : r.platform ? (
                    `${r.platform} ${r.clusterVersion ?? ""}`
                  ) : r.plugin ? (
                    <span className="field-hint">{t("platform.cluster.unknown")}</span>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

const OUTCOMES = ["success", "denied", "failed"] as const;
type Outcome = (typeof OUTCOMES)[number];
const OUTCOME_LABELS: Record<Outcome, MessageKey> = {
  success: "audit.outcome.success",
  denied: "audit.outcome.denied",
  failed: "audit.outcome.failed",
};
const OUTCOME_PILLS: Record<Outcome, string> = { success: "pill-success", denied: "pill-warning", failed: "pill-danger" };

/** The audit filter as typed. */
interface AuditDraft {
  actor: string;
  project: string;
  action: string;
  outcome: "" | Outcome;
  since: string;
  limit: string;
}
const NO_FILTER: AuditDraft = { actor: "", project: "", action: "", outcome: "", since: "", limit: "" };

function toAuditFilter(d: AuditDraft): AuditFilter {
  const f: AuditFilter = {};
  for (const k of ["actor", "project", "action"] as const) if (d[k].trim()) f[k] = d[k].trim();
  if (d.outcome) f.outcome = d.outcome;
  const since = fromLocalInput(d.since);
  if (since) f.since = since.toISOString();
  if (d.limit) f.limit = Number(d.limit);
  return f;
}

function AuditSection({ trail, onFilter }: { trail: UseQueryResult<AuditTrail>; onFilter(f: AuditFilter): void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<AuditDraft>(NO_FILTER);
  const text: [keyof AuditDraft & ("actor" | "project" | "action"), string][] = [
    ["actor", t("audit.filter.actor")],
    ["project", t("audit.filter.project")],
    ["action", t("audit.filter.action")],
  ];
  return (
    <Section id="platform-audit" title={t("audit.title")}>
      {trail.data ? (
        <p className="field-hint">{t("audit.lead", { capacity: trail.data.capacity, replica: trail.data.replica })}</p>
      ) : null}
      <form
        className={styles.filter}
        aria-label={t("audit.filter")}
        onSubmit={(e) => {
          e.preventDefault();
          onFilter(toAuditFilter(draft));
        }}
      >
        {text.map(([k, label]) => (
          <div className="field" key={k}>
            <label htmlFor={`audit-${k}`}>{label}</label>
            <input id={`audit-${k}`} type="text" maxLength={128} value={draft[k]} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} />
          </div>
        ))}
        <div className="field">
          <label htmlFor="audit-outcome">{t("audit.filter.outcome")}</label>
          <select id="audit-outcome" value={draft.outcome} onChange={(e) => setDraft({ ...draft, outcome: e.target.value as AuditDraft["outcome"] })}>
            <option value="">{t("fleet.filter.any")}</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {t(OUTCOME_LABELS[o])}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-since">{t("audit.filter.since")}</label>
          <input id="audit-since" type="datetime-local" value={draft.since} onChange={(e) => setDraft({ ...draft, since: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="audit-limit">{t("audit.filter.limit")}</label>
          <input
            id="audit-limit"
            type="number"
            min={1}
            max={1000}
            placeholder="100"
            value={draft.limit}
            onChange={(e) => setDraft({ ...draft, limit: e.target.value })}
          />
        </div>
        <div className={styles.filterActions}>
          <button type="submit" className="button">
            <Icon name="search" size={16} />
            {t("fleet.filter.apply")}
          </button>
          <button
            type="button"
            className="button button-secondary"
            onClick={() => {
              setDraft(NO_FILTER);
              onFilter({});
            }}
          >
            {t("fleet.filter.clear")}
          </button>
        </div>
      </form>
      {trail.isPending ? <Loading /> : null}
      {trail.isError ? <ErrorNotice error={trail.error} title={t("audit.unavailable")} onRetry={() => void trail.refetch()} /> : null}
      {trail.data ? <AuditTable trail={trail.data} /> : null}
    </Section>
  );
}

function AuditTable({ trail }: { trail: AuditTrail }) {
  const { t, language } = useI18n();
  if (trail.events.length === 0) return <EmptyState title={t("audit.empty")} />;
  return (
    <div className={styles.tableBox}>
      <table className="data-table">
        <caption className={styles.caption}>
          {t(isOne(language, trail.events.length) ? "audit.caption.one" : "audit.caption.other", { count: trail.events.length })}
        </caption>
        <Heads
          columns={[
            ["audit.col.time"],
            ["audit.col.actor"],
            ["audit.col.project"],
            ["audit.col.action"],
            ["audit.col.target"],
            ["audit.col.outcome"],
            ["audit.col.status", "num"],
          ]}
        />
        <tbody>
          {trail.events.map((e, i) => (
            <tr key={`${e.time}-${e.requestId ?? i}-${i}`}>
              <td>{formatDateTime(e.time, language)}</td>
              <td>{e.actor}</td>
              <td className="mono">{e.project ?? ""}</td>
              <th scope="row" className="mono">
                {e.action}
              </th>
              <td className="mono">{e.target ?? ""}</td>
              <td>
                <span className={`pill ${OUTCOME_PILLS[e.outcome]}`}>{t(OUTCOME_LABELS[e.outcome])}</span>
              </td>
              <td className="num">{e.status ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
