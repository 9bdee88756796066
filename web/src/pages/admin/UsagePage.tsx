import { useEffect, useMemo, useRef, useState } from "react";
import { useApi } from "../../api/ApiProvider";
import type { UsageQuery } from "../../api/client";
import { ApiError } from "../../api/errors";
import { useUsage } from "../../api/queries";
import type { UsageHours, UsageReport, UsageSkip, UsageSources } from "../../api/types";
import { downloadBlob, EmptyState, ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { formatDateTime } from "../../format";
import { isOne, useI18n, type MessageKey } from "../../i18n";
import { useDocumentTitle } from "../../instance";
import chartStyles from "../explorer/Explorer.module.css";
import pageStyles from "../Page.module.css";
import fleetStyles from "./Fleet.module.css";
import styles from "./Usage.module.css";

/** The longest period the server reports on, both days included. */
export const MAX_DAYS = 92;
/** The keys the chart shows by name; the others are summed. */
export const CHART_KEYS = 8;

const DAY_MS = 86_400_000;

type Metric = keyof UsageHours;
const METRICS: Metric[] = ["running", "cpu", "memoryGiB", "gpu", "storageGiB"];
const METRIC_NAMES: Record<Metric, MessageKey> = {
  running: "usage.metric.running",
  cpu: "usage.metric.cpu",
  memoryGiB: "usage.metric.memoryGiB",
  gpu: "usage.metric.gpu",
  storageGiB: "usage.metric.storageGiB",
};
/** The same, short, as the tables' column heads. */
const METRIC_HEADS: Record<Metric, MessageKey> = {
  running: "usage.col.running",
  cpu: "usage.col.cpu",
  memoryGiB: "usage.col.memoryGiB",
  gpu: "usage.col.gpu",
  storageGiB: "usage.col.storageGiB",
};

/** What each source of a quantity's hours is called. */
const SOURCE_NAMES: Record<UsageSources[Metric], MessageKey> = {
  prometheus: "usage.source.prometheus",
  requests: "usage.source.requests",
  mixed: "usage.source.mixed",
};
/** What the figures are, by the source of hours running, CPU and memory. */
const BASIS_NOTES: Record<UsageReport["basis"], MessageKey> = {
  requests: "usage.basis",
  prometheus: "usage.basis.prometheus",
  mixed: "usage.basis.mixed",
};

/** YYYY-MM-DD of a time, in UTC as the server counts days. */
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** Every day from first to last, both included. */
export function daysOf(first: string, last: string): string[] {
  const out: string[] = [];
  for (let d = dayMs(first); d <= dayMs(last) && out.length <= MAX_DAYS; d += DAY_MS) out.push(utcDay(d));
  return out;
}

/** The 30 days to today (UTC), as the server's default. */
function lastThirtyDays(now = Date.now()): Required<Pick<UsageQuery, "from" | "to">> {
  return { from: utcDay(now - 29 * DAY_MS), to: utcDay(now) };
}

/** What is wrong with a period before it is asked for, by field; null when nothing is. */
function periodProblem(from: string, to: string): { field: "from" | "to"; key: MessageKey } | null {
  if (!from || Number.isNaN(dayMs(from))) return { field: "from", key: "usage.error.date" };
  if (!to || Number.isNaN(dayMs(to))) return { field: "to", key: "usage.error.date" };
  if (dayMs(to) < dayMs(from)) return { field: "to", key: "usage.error.order" };
  if ((dayMs(to) - dayMs(from)) / DAY_MS + 1 > MAX_DAYS) return { field: "from", key: "usage.error.span" };
  return null;
}

const hoursFormat = (lang: string) => new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });

/** Hours to two decimals; some usage too small to show so is "< 0.01", not 0. */
export function formatHours(v: number, lang: string): string {
  const f = hoursFormat(lang);
  return v > 0 && v < 0.005 ? `< ${f.format(0.01)}` : f.format(v);
}

/**
 * Administrators: usage and showback, by day and by user or project, as requests × running
 * time from each service's history, or measured by the regions' Prometheus where they name
 * one (each quantity says its source): a chart of one measure per day, the totals, the days,
 * and the same as CSV.
 */
export function UsagePage() {
  const { t, language } = useI18n();
  useDocumentTitle(t("page.usage.title"));
  const [query, setQuery] = useState<UsageQuery>(() => ({ ...lastThirtyDays(), by: "user" }));
  const report = useUsage(query);
  const forbidden = report.error instanceof ApiError && report.error.status === 403;

  return (
    <div className={fleetStyles.page}>
      <h1 className={pageStyles.title}>{t("page.usage.title")}</h1>
      <p className={pageStyles.lead}>{t("page.usage.summary")}</p>
      {forbidden ? (
        <div className="notice" role="note">
          <Icon name="lock" />
          <p>{t("fleet.forbidden")}</p>
        </div>
      ) : (
        <>
          <PeriodForm query={query} onQuery={setQuery} />
          {report.isPending ? <Loading label={t("usage.loading")} /> : null}
          {report.isError ? <ErrorNotice error={report.error} title={t("usage.unavailable")} onRetry={() => void report.refetch()} /> : null}
          {report.data ? <Report report={report.data} query={query} /> : null}
          {report.data ? (
            <p className="field-hint">
              {t(isOne(language, report.data.servicesExamined) ? "usage.asOf.one" : "usage.asOf.other", {
                time: formatDateTime(report.data.asOf, language),
                count: report.data.servicesExamined,
              })}
            </p>
          ) : null}
        </>
      )}
    </div>
  );
}

function PeriodForm({ query, onQuery }: { query: UsageQuery; onQuery(q: UsageQuery): void }) {
  const t = useI18n().t;
  const [draft, setDraft] = useState({ from: query.from ?? "", to: query.to ?? "", by: query.by ?? "user" });
  const [problem, setProblem] = useState<ReturnType<typeof periodProblem>>(null);
  const invalid = (field: "from" | "to") => (problem?.field === field ? true : undefined);
  const describe = (field: "from" | "to") => (problem?.field === field ? "usage-period-error" : undefined);
  return (
    <form
      className={fleetStyles.filter}
      aria-label={t("usage.period")}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const p = periodProblem(draft.from, draft.to);
        setProblem(p);
        if (!p) onQuery({ from: draft.from, to: draft.to, by: draft.by });
      }}
    >
      <div className="field">
        <label htmlFor="usage-from">{t("usage.from")}</label>
        <input
          id="usage-from"
          type="date"
          value={draft.from}
          aria-invalid={invalid("from")}
          aria-describedby={describe("from")}
          onChange={(e) => setDraft({ ...draft, from: e.target.value })}
        />
      </div>
      <div className="field">
        <label htmlFor="usage-to">{t("usage.to")}</label>
        <input
          id="usage-to"
          type="date"
          value={draft.to}
          aria-invalid={invalid("to")}
          aria-describedby={describe("to")}
          onChange={(e) => setDraft({ ...draft, to: e.target.value })}
        />
      </div>
      <div className="field">
        <label htmlFor="usage-by">{t("usage.by")}</label>
        <select id="usage-by" value={draft.by} onChange={(e) => setDraft({ ...draft, by: e.target.value as "user" | "project" })}>
          <option value="user">{t("usage.by.user")}</option>
          <option value="project">{t("usage.by.project")}</option>
        </select>
      </div>
      <div className={fleetStyles.filterActions}>
        <button type="submit" className="button">
          <Icon name="chart" size={16} />
          {t("usage.show")}
        </button>
      </div>
      {problem ? (
        <p id="usage-period-error" className={styles.fieldError} role="alert">
          {t(problem.key, { max: MAX_DAYS })}
        </p>
      ) : null}
    </form>
  );
}

function Report({ report, query }: { report: UsageReport; query: UsageQuery }) {
  const { t, language } = useI18n();
  const [metric, setMetric] = useState<Metric>("cpu");
  const keyHead: MessageKey = report.by === "project" ? "usage.col.project" : "usage.col.user";
  return (
    <>
      <Sources report={report} />
      <SkipNotice title={t("usage.prometheusFailures")} skips={report.prometheusFailures} />
      {report.capReached ? (
        <div className="notice" role="note" data-severity="error">
          <Icon name="alert" />
          <p>{t("usage.capReached", { cap: report.serviceCap })}</p>
        </div>
      ) : null}
      <SkipNotice title={t("usage.skipped")} skips={report.skipped} />
      {report.shortHistories > 0 ? (
        <p className="field-hint">
          {t(isOne(language, report.shortHistories) ? "usage.shortHistories.one" : "usage.shortHistories.other", { count: report.shortHistories })}
        </p>
      ) : null}
      <section aria-labelledby="usage-chart">
        <h2 id="usage-chart" className={fleetStyles.h2}>
          {t("usage.chart")}
        </h2>
        <div role="radiogroup" aria-label={t("usage.metric")} className={`${chartStyles.segmented} ${styles.measures}`}>
          {METRICS.map((m) => (
            <button
              key={m}
              type="button"
              role="radio"
              aria-checked={metric === m}
              className={metric === m ? chartStyles.segmentOn : chartStyles.segment}
              onClick={() => setMetric(m)}
            >
              {t(METRIC_HEADS[m])}
            </button>
          ))}
        </div>
        <UsageChart report={report} metric={metric} />
      </section>
      <section aria-labelledby="usage-totals">
        <div className={styles.heading}>
          <h2 id="usage-totals" className={fleetStyles.h2}>
            {t("usage.totals")}
          </h2>
          <DownloadCsv query={query} report={report} />
        </div>
        {report.totals.length === 0 ? (
          <EmptyState title={t("usage.empty")} />
        ) : (
          // Focusable: a narrow window scrolls the table sideways, which a keyboard must reach.
          <div className={fleetStyles.tableBox} tabIndex={0} role="region" aria-labelledby="usage-totals">
            <table className="data-table">
              <caption className={fleetStyles.caption}>
                {t(report.by === "project" ? "usage.totals.caption.project" : "usage.totals.caption.user", {
                  from: report.from,
                  to: report.to,
                })}
              </caption>
              <HoursHead first={[keyHead]} />
              <tbody>
                {report.totals.map((k) => (
                  <tr key={k.key}>
                    <th scope="row" className={`mono ${styles.key}`}>
                      {k.key}
                    </th>
                    <HoursCells hours={k.hours} lang={language} />
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">{t("usage.total")}</th>
                  <HoursCells hours={report.total} lang={language} />
                </tr>
              </tfoot>
            </table>
          </div>
        )}
      </section>
      {report.rows.length > 0 ? (
        <section aria-labelledby="usage-days">
          <h2 id="usage-days" className={fleetStyles.h2}>
            {t("usage.days")}
          </h2>
          <div className={fleetStyles.tableBox} tabIndex={0} role="region" aria-labelledby="usage-days">
            <table className="data-table">
              <caption className={fleetStyles.caption}>
                {t(isOne(language, report.rows.length) ? "usage.days.caption.one" : "usage.days.caption.other", { count: report.rows.length })}
              </caption>
              <HoursHead first={["usage.col.day", keyHead]} />
              <tbody>
                {report.rows.map((r) => (
                  <tr key={`${r.day} ${r.key}`}>
                    <td className={`mono ${styles.key}`}>{r.day}</td>
                    <th scope="row" className={`mono ${styles.key}`}>
                      {r.key}
                    </th>
                    <HoursCells hours={r.hours} lang={language} />
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </>
  );
}

/** Regions or services left out of a count, and why; nothing when there are none. */
function SkipNotice({ title, skips }: { title: string; skips: UsageSkip[] }) {
  if (skips.length === 0) return null;
  return (
    <div className="notice" role="note" data-severity="error">
      <Icon name="alert" />
      <div>
        <p>{title}</p>
        <ul>
          {skips.map((s) => (
            <li key={`${s.region}/${s.project ?? ""}/${s.service ?? ""}`}>
              <span className="mono">{[s.region, s.project, s.service].filter(Boolean).join(" / ")}</span>: {s.reason}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

/** What the figures are, and where each quantity's hours come from. */
function Sources({ report }: { report: UsageReport }) {
  const t = useI18n().t;
  const regions = report.measuredRegions.join(", ");
  return (
    <div className="notice" role="note" data-severity="info">
      <Icon name="info" />
      <div>
        <p>{t(BASIS_NOTES[report.basis], { regions })}</p>
        <dl className={styles.sources} aria-label={t("usage.sources")}>
          {METRICS.map((m) => (
            <div key={m}>
              <dt>{t(METRIC_NAMES[m])}</dt>
              <dd>{t(SOURCE_NAMES[report.sources[m]], { regions })}</dd>
            </div>
          ))}
        </dl>
      </div>
    </div>
  );
}

function HoursHead({ first }: { first: MessageKey[] }) {
  const t = useI18n().t;
  return (
    <thead>
      <tr>
        {first.map((k) => (
          <th key={k} scope="col">
            {t(k)}
          </th>
        ))}
        {METRICS.map((m) => (
          <th key={m} scope="col" className="num">
            {t(METRIC_HEADS[m])}
          </th>
        ))}
      </tr>
    </thead>
  );
}

function HoursCells({ hours, lang }: { hours: UsageHours; lang: string }) {
  return (
    <>
      {METRICS.map((m) => (
        <td key={m} className="num">
          {formatHours(hours[m], lang)}
        </td>
      ))}
    </>
  );
}

/** The report's period as CSV, from the server, saved as a file. */
function DownloadCsv({ query, report }: { query: UsageQuery; report: UsageReport }) {
  const t = useI18n().t;
  const api = useApi();
  const [state, setState] = useState<{ busy: boolean; error: unknown }>({ busy: false, error: null });
  return (
    <div className={styles.download}>
      <button
        type="button"
        className="button button-secondary button-small"
        disabled={state.busy}
        onClick={() => {
          setState({ busy: true, error: null });
          api.getUsageCsv(query).then(
            (blob) => {
              downloadBlob(`usage-${report.from}-${report.to}-by-${report.by}.csv`, blob);
              setState({ busy: false, error: null });
            },
            (error: unknown) => setState({ busy: false, error }),
          );
        }}
      >
        <Icon name="download" size={16} />
        {state.busy ? t("usage.csv.busy") : t("usage.csv")}
      </button>
      {state.error ? <ErrorNotice error={state.error} title={t("usage.csv.failed")} /> : null}
    </div>
  );
}

/** Bars of one measure per day, a colour per user or project (the largest ones, the rest summed). */
export function chartData(report: UsageReport, metric: Metric, others: string) {
  const ranked = [...report.totals].sort((a, b) => b.hours[metric] - a.hours[metric]).map((k) => k.key);
  const named = new Set(ranked.slice(0, CHART_KEYS));
  const sums = new Map<string, number>();
  for (const r of report.rows) {
    const key = named.has(r.key) ? r.key : others;
    const k = `${r.day}\u0000${key}`;
    sums.set(k, (sums.get(k) ?? 0) + r.hours[metric]);
  }
  return [...sums].map(([k, value]) => {
    const [day, key] = k.split("\u0000") as [string, string];
    return { day, key, value };
  });
}

function UsageChart({ report, metric }: { report: UsageReport; metric: Metric }) {
  const { t, language } = useI18n();
  const figure = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<unknown>(null);
  const others = t("usage.others");
  const data = useMemo(() => chartData(report, metric, others), [report, metric, others]);
  const measure = t(METRIC_NAMES[metric]);

  useEffect(() => {
    let live = true;
    setFailed(null);
    import("@observablehq/plot")
      .then((Plot) => {
        if (!live || !figure.current) return;
        const days = daysOf(report.from, report.to);
        const every = Math.ceil(days.length / 15); // at most about 15 dates under the bars
        const svg = Plot.plot({
          marks: [Plot.barY(data, { x: "day", y: "value", fill: "key", tip: true }), Plot.ruleY([0])],
          width: Math.max(320, figure.current.clientWidth || 800),
          height: 320,
          marginLeft: 60,
          marginBottom: 60,
          x: { domain: days, label: null, tickRotate: -40, tickFormat: (d: string, i: number) => (i % every === 0 ? d.slice(5) : "") },
          y: { label: measure, grid: true, tickFormat: (v: number) => hoursFormat(language).format(v) },
          color: { legend: true, scheme: "tableau10" },
          ariaLabel: t("usage.chart.label", { measure, from: report.from, to: report.to }),
          ariaDescription: t("usage.chart.description"),
          style: { background: "transparent", fontSize: "12px" },
        });
        // With its legend, Plot answers a figure holding the chart's SVG. The chart is one image
        // named as a whole: Plot's named groups are no landmarks of their own.
        const chart = svg instanceof SVGSVGElement ? svg : svg.querySelector(":scope > svg");
        chart?.setAttribute("role", "img");
        for (const g of svg.querySelectorAll("g[aria-label]")) g.removeAttribute("aria-label");
        figure.current.replaceChildren(svg);
      })
      .catch((err: unknown) => {
        if (live) setFailed(err);
      });
    return () => {
      live = false;
    };
  }, [data, measure, report.from, report.to, language, t]);

  if (report.rows.length === 0) return <EmptyState title={t("usage.empty")} />;
  return (
    <>
      {failed ? <ErrorNotice error={failed} title={t("usage.chart.failed")} /> : null}
      <div ref={figure} className={`${chartStyles.figure} ${styles.figure}`} data-testid="usage-chart" />
    </>
  );
}
