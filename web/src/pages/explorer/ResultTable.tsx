import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useId, useMemo, useRef, useState } from "react";
import { useI18n } from "../../i18n";
import type { MessageKey } from "../../i18n";
import type { Column, Engine, Rows } from "./engine";
import { cellText } from "./cells";
import { ColumnStats } from "./ColumnStats";
import { filterIsComplete, pageSql, toggleSort, type Filter, type FilterOperator, type TableView } from "./tableQuery";
import styles from "./Explorer.module.css";

/** Rows fetched at a time as the table scrolls. */
export const PAGE_ROWS = 200;
const ROW_HEIGHT = 32;

const OPERATORS: { id: FilterOperator; label: MessageKey }[] = [
  { id: "contains", label: "explorer.filter.contains" },
  { id: "equals", label: "explorer.filter.equals" },
  { id: "notEquals", label: "explorer.filter.notEquals" },
  { id: "greater", label: "explorer.filter.greater" },
  { id: "less", label: "explorer.filter.less" },
  { id: "isNull", label: "explorer.filter.isNull" },
  { id: "notNull", label: "explorer.filter.notNull" },
];

/**
 * The result of a query as a table: rows fetched PAGE_ROWS at a time as it scrolls (only those
 * on screen are drawn), headers that sort, filters, and a column's statistics. Sorts and
 * filters are SQL over the query's result (tableQuery.ts), so they apply to every row, not just
 * those loaded.
 */
export function ResultTable({
  engine,
  sql,
  first,
  view,
  onViewChange,
  onError,
  fixed = false,
}: {
  engine: Engine;
  /** The engine's query (already prepared). */
  sql: string;
  /** The first page, as the run fetched it. */
  first: Rows;
  view: TableView;
  onViewChange(v: TableView): void;
  onError(err: unknown): void;
  /** A statement's whole answer (DESCRIBE, SUMMARIZE...): no paging, sorting or filtering. */
  fixed?: boolean;
}) {
  const { t, language } = useI18n();
  const columns = first.columns;
  const numeric = useMemo(() => new Set(columns.filter((c) => c.numeric).map((c) => c.name)), [columns]);
  const [rows, setRows] = useState<unknown[][]>(first.rows);
  const [more, setMore] = useState(!fixed && first.rows.length >= PAGE_ROWS);
  const [loading, setLoading] = useState(false);
  const [stats, setStats] = useState<Column | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const generation = useRef(0);
  const captionId = useId();

  // A new first page (a run, a sort, a filter) starts the table again.
  useEffect(() => {
    generation.current++;
    setRows(first.rows);
    setMore(!fixed && first.rows.length >= PAGE_ROWS);
    scroller.current?.scrollTo({ top: 0 });
  }, [first, fixed]);

  const loadMore = useCallback(async () => {
    if (loading || !more) return;
    const gen = generation.current;
    setLoading(true);
    try {
      const page = await engine.rows(pageSql(sql, view, numeric, PAGE_ROWS, rows.length));
      if (gen !== generation.current) return;
      setRows((r) => [...r, ...page.rows]);
      setMore(page.rows.length >= PAGE_ROWS);
    } catch (err) {
      if (gen === generation.current) onError(err);
    } finally {
      setLoading(false);
    }
  }, [engine, loading, more, numeric, onError, rows.length, sql, view]);

  const count = rows.length + (more ? 1 : 0);
  const virtual = useVirtualizer({ count, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 10 });
  const items = virtual.getVirtualItems();
  const last = items[items.length - 1];
  useEffect(() => {
    if (last && last.index >= rows.length - 1 && more) void loadMore();
  }, [last, rows.length, more, loadMore]);

  const sortOf = (name: string) => view.sorts.find((s) => s.column === name)?.direction;
  const padTop = items[0]?.start ?? 0;
  const padBottom = items.length ? virtual.getTotalSize() - (last?.end ?? 0) : 0;

  return (
    <div className={styles.tableArea}>
      {fixed ? null : <FilterBar columns={columns} filters={view.filters} onChange={(filters) => onViewChange({ ...view, filters })} />}
      <p id={captionId} className={styles.rowCount} aria-live="polite">
        {more ? t("explorer.rows.more", { n: rows.length.toLocaleString(language) }) : t("explorer.rows.all", { n: rows.length.toLocaleString(language) })}
      </p>
      <div ref={scroller} className={styles.scroller} tabIndex={0} role="region" aria-labelledby={captionId}>
        <table className={`data-table ${styles.table}`} aria-rowcount={more ? -1 : rows.length + 1}>
          <thead>
            <tr aria-rowindex={1}>
              {columns.map((c) => {
                const dir = sortOf(c.name);
                return (
                  <th key={c.name} scope="col" aria-sort={dir === "asc" ? "ascending" : dir === "desc" ? "descending" : "none"}>
                    {fixed ? (
                      <span className={styles.columnName}>{c.name}</span>
                    ) : (
                    <div className={styles.header}>
                      <button
                        type="button"
                        className={styles.sortButton}
                        onClick={(e) => onViewChange({ ...view, sorts: toggleSort(view.sorts, c.name, e.shiftKey) })}
                        title={t("explorer.sort.hint")}
                      >
                        <span className={styles.columnName}>{c.name}</span>
                        <span className={styles.sortMark} aria-hidden="true">
                          {dir === "asc" ? "▲" : dir === "desc" ? "▼" : ""}
                        </span>
                      </button>
                      <button
                        type="button"
                        className={styles.statsButton}
                        aria-label={t("explorer.stats.open", { column: c.name })}
                        title={t("explorer.stats.open", { column: c.name })}
                        onClick={() => setStats(c)}
                      >
                        Σ
                      </button>
                    </div>
                    )}
                    <span className={styles.columnType}>{c.type}</span>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {padTop > 0 ? (
              <tr aria-hidden="true" style={{ height: padTop }}>
                <td colSpan={columns.length} />
              </tr>
            ) : null}
            {items.map((item) => {
              const row = rows[item.index];
              return (
                <tr key={item.key} aria-rowindex={item.index + 2} style={{ height: ROW_HEIGHT }}>
                  {row
                    ? columns.map((c, i) => (
                        <td key={c.name} className={c.numeric ? "num" : undefined}>
                          {cellText(row[i], c, language)}
                        </td>
                      ))
                    : [
                        <td key="loading" colSpan={columns.length} className={styles.loadingRow}>
                          {t("app.loading")}
                        </td>,
                      ]}
                </tr>
              );
            })}
            {padBottom > 0 ? (
              <tr aria-hidden="true" style={{ height: padBottom }}>
                <td colSpan={columns.length} />
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {stats ? <ColumnStats engine={engine} sql={sql} view={view} numeric={numeric} column={stats} onClose={() => setStats(null)} /> : null}
    </div>
  );
}

/** The table's filters: each a column, a test and a value, applied in SQL. */
function FilterBar({ columns, filters, onChange }: { columns: Column[]; filters: Filter[]; onChange(f: Filter[]): void }) {
  const t = useI18n().t;
  const id = useId();
  const [column, setColumn] = useState(columns[0]?.name ?? "");
  const [operator, setOperator] = useState<FilterOperator>("contains");
  const [value, setValue] = useState("");
  useEffect(() => {
    if (!columns.some((c) => c.name === column)) setColumn(columns[0]?.name ?? "");
  }, [columns, column]);
  const draft: Filter = { column, operator, value };
  const opLabel = (op: FilterOperator) => t(OPERATORS.find((o) => o.id === op)!.label);
  return (
    <div className={styles.filters}>
      <form
        className={styles.filterForm}
        aria-label={t("explorer.filter.add")}
        onSubmit={(e) => {
          e.preventDefault();
          if (!filterIsComplete(draft)) return;
          onChange([...filters, draft]);
          setValue("");
        }}
      >
        <label htmlFor={`${id}-col`}>{t("explorer.filter.column")}</label>
        <select id={`${id}-col`} className="field" value={column} onChange={(e) => setColumn(e.target.value)}>
          {columns.map((c) => (
            <option key={c.name} value={c.name}>
              {c.name}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-op`}>{t("explorer.filter.test")}</label>
        <select id={`${id}-op`} className="field" value={operator} onChange={(e) => setOperator(e.target.value as FilterOperator)}>
          {OPERATORS.map((o) => (
            <option key={o.id} value={o.id}>
              {t(o.label)}
            </option>
          ))}
        </select>
        {operator !== "isNull" && operator !== "notNull" ? (
          <>
            <label htmlFor={`${id}-value`}>{t("explorer.filter.value")}</label>
            <input id={`${id}-value`} className="field" value={value} onChange={(e) => setValue(e.target.value)} />
          </>
        ) : null}
        <button type="submit" className="button button-secondary button-small" disabled={!filterIsComplete(draft)}>
          {t("explorer.filter.add")}
        </button>
      </form>
      {filters.length > 0 ? (
        <ul className={styles.chips} aria-label={t("explorer.filter.active")}>
          {filters.map((f, i) => {
            const text = `${f.column} ${opLabel(f.operator)}${f.operator === "isNull" || f.operator === "notNull" ? "" : ` “${f.value}”`}`;
            return (
              <li key={`${i}-${f.column}-${f.operator}-${f.value}`} className={styles.chip}>
                <span>{text}</span>
                <button
                  type="button"
                  className="icon-button"
                  aria-label={t("explorer.filter.remove", { filter: text })}
                  onClick={() => onChange(filters.filter((_, j) => j !== i))}
                >
                  ×
                </button>
              </li>
            );
          })}
        </ul>
      ) : null}
    </div>
  );
}
