import { useEffect, useState } from "react";
import { Dialog } from "../../components/Dialog";
import { ErrorNotice, Loading } from "../../components/Feedback";
import { useI18n } from "../../i18n";
import type { Column, Engine } from "./engine";
import { histogramSql, statsSql, type TableView } from "./tableQuery";
import { userMessage } from "./sqlSources";
import styles from "./Explorer.module.css";

interface Summary {
  total: number;
  nulls: number;
  distinct: number;
  min: string | null;
  max: string | null;
  bars: { label: string; n: number }[];
}

/** One column of the result, under the table's filters: nulls, distinct values, minimum, maximum and a small histogram. */
export function ColumnStats({
  engine,
  sql,
  view,
  numeric,
  column,
  onClose,
}: {
  engine: Engine;
  sql: string;
  view: TableView;
  numeric: ReadonlySet<string>;
  column: Column;
  onClose(): void;
}) {
  const { t, language } = useI18n();
  const [summary, setSummary] = useState<Summary | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    (async () => {
      const s = await engine.rows(statsSql(sql, view, numeric, column.name));
      const h = await engine.rows(histogramSql(sql, view, numeric, column.name, column.numeric));
      const [total, nulls, distinct, min, max] = s.rows[0] ?? [];
      const fmt = (v: unknown) => (typeof v === "number" ? v.toLocaleString(language, { maximumFractionDigits: 4 }) : String(v));
      const bars = column.numeric
        ? h.rows.map(([, low, high, n]) => ({ label: `${fmt(low)} – ${fmt(high)}`, n: Number(n) }))
        : h.rows.map(([value, n]) => ({ label: String(value), n: Number(n) }));
      if (live) {
        setSummary({
          total: Number(total ?? 0),
          nulls: Number(nulls ?? 0),
          distinct: Number(distinct ?? 0),
          min: min === null || min === undefined ? null : String(min),
          max: max === null || max === undefined ? null : String(max),
          bars,
        });
      }
    })().catch((err) => live && setError(new Error(userMessage(err instanceof Error ? err.message : String(err)))));
    return () => {
      live = false;
    };
  }, [engine, sql, view, numeric, column, language]);

  const n = (v: number) => v.toLocaleString(language);
  const top = Math.max(1, ...(summary?.bars.map((b) => b.n) ?? [1]));
  return (
    <Dialog title={t("explorer.stats.title", { column: column.name })} onClose={onClose} wide>
      {error ? <ErrorNotice error={error} /> : null}
      {!summary && !error ? <Loading label={t("explorer.stats.loading")} /> : null}
      {summary ? (
        <>
          <dl className={styles.stats}>
            <dt>{t("explorer.stats.type")}</dt>
            <dd>
              <code>{column.type}</code>
            </dd>
            <dt>{t("explorer.stats.rows")}</dt>
            <dd>{n(summary.total)}</dd>
            <dt>{t("explorer.stats.nulls")}</dt>
            <dd>{n(summary.nulls)}</dd>
            <dt>{t("explorer.stats.distinct")}</dt>
            <dd>{n(summary.distinct)}</dd>
            <dt>{t("explorer.stats.min")}</dt>
            <dd>{summary.min ?? "—"}</dd>
            <dt>{t("explorer.stats.max")}</dt>
            <dd>{summary.max ?? "—"}</dd>
          </dl>
          <h3 className={styles.statsTitle}>{column.numeric ? t("explorer.stats.histogram") : t("explorer.stats.frequent")}</h3>
          <table className={`data-table ${styles.histogram}`}>
            <thead>
              <tr>
                <th scope="col">{column.numeric ? t("explorer.stats.range") : t("explorer.stats.value")}</th>
                <th scope="col">{t("explorer.stats.count")}</th>
              </tr>
            </thead>
            <tbody>
              {summary.bars.map((b) => (
                <tr key={b.label}>
                  <th scope="row">{b.label}</th>
                  <td>
                    <span className={styles.barCell}>
                      <span className={styles.bar} style={{ width: `${(80 * b.n) / top}%` }} aria-hidden="true" />
                      <span className={styles.barValue}>{n(b.n)}</span>
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </Dialog>
  );
}
