// The table view's sorts, filters and column statistics, translated to SQL over the result of
// the user's query. The user's query stays on lines of its own, one line down (RESULT_LINE_SHIFT),
// so that DuckDB's errors still point into it.
import { quoteIdent, quoteString } from "./sqlText";

export type SortDirection = "asc" | "desc";

export interface Sort {
  column: string;
  direction: SortDirection;
}

export type FilterOperator = "contains" | "equals" | "notEquals" | "greater" | "less" | "isNull" | "notNull";

export interface Filter {
  column: string;
  operator: FilterOperator;
  /** Ignored by isNull and notNull. */
  value: string;
}

export interface TableView {
  sorts: Sort[];
  filters: Filter[];
}

export const EMPTY_VIEW: TableView = { sorts: [], filters: [] };

/** How many lines the wrapping puts before the user's query. */
export const RESULT_LINE_SHIFT = 1;

/** The user's query as a subquery: trailing semicolons and a last line comment cannot break it. */
export function resultSql(userSql: string): string {
  const body = userSql.trim().replace(/;+\s*$/, "");
  return `SELECT * FROM (\n${body}\n) AS explorer_result`;
}

/** True when a statement gives rows that a view can sort, filter and page (a query, not a command). */
export function isQuery(userSql: string): boolean {
  const first = userSql
    .replace(/--[^\n]*\n?/g, " ")
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .trim()
    .replace(/^\(+\s*/, "");
  return /^(select|with|from|values|table)\b/i.test(first);
}

/** A value written as SQL: numbers bare when the column is numeric, else quoted text. */
function literal(value: string, numeric: boolean): string {
  const trimmed = value.trim();
  if (numeric && trimmed !== "" && Number.isFinite(Number(trimmed))) return trimmed;
  return quoteString(value);
}

/** One filter as a condition; numeric says whether the column holds numbers. */
export function filterCondition(f: Filter, numeric: boolean): string {
  const col = quoteIdent(f.column);
  switch (f.operator) {
    case "isNull":
      return `${col} IS NULL`;
    case "notNull":
      return `${col} IS NOT NULL`;
    case "contains":
      return `CAST(${col} AS VARCHAR) ILIKE ${quoteString(`%${escapeLike(f.value)}%`)} ESCAPE '\\'`;
    case "equals":
      return numeric ? `${col} = ${literal(f.value, true)}` : `CAST(${col} AS VARCHAR) = ${quoteString(f.value)}`;
    case "notEquals":
      return numeric ? `${col} <> ${literal(f.value, true)}` : `CAST(${col} AS VARCHAR) <> ${quoteString(f.value)}`;
    case "greater":
      return `${col} > ${literal(f.value, numeric)}`;
    case "less":
      return `${col} < ${literal(f.value, numeric)}`;
  }
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, "\\$&");
}

/** True when a filter has what it needs to apply (a value, unless it tests for null). */
export function filterIsComplete(f: Filter): boolean {
  return f.operator === "isNull" || f.operator === "notNull" || f.value.trim() !== "";
}

/** WHERE and ORDER BY of a view; numericColumns names the columns holding numbers. */
export function viewClauses(view: TableView, numericColumns: ReadonlySet<string>): string {
  const conditions = view.filters.filter(filterIsComplete).map((f) => filterCondition(f, numericColumns.has(f.column)));
  let out = conditions.length ? `\nWHERE ${conditions.join("\n  AND ")}` : "";
  if (view.sorts.length) {
    out += `\nORDER BY ${view.sorts.map((s) => `${quoteIdent(s.column)} ${s.direction === "asc" ? "ASC" : "DESC"} NULLS LAST`).join(", ")}`;
  }
  return out;
}

/** The rows [offset, offset+limit) of the user's query seen through a view. */
export function pageSql(userSql: string, view: TableView, numericColumns: ReadonlySet<string>, limit: number, offset: number): string {
  return `${resultSql(userSql)}${viewClauses(view, numericColumns)}\nLIMIT ${limit} OFFSET ${offset}`;
}

/** The user's query seen through a view, whole: what a chart, a save or a snippet uses. */
export function viewSql(userSql: string, view: TableView, numericColumns: ReadonlySet<string>): string {
  return `${resultSql(userSql)}${viewClauses(view, numericColumns)}`;
}

/** How many rows a view holds. */
export function countSql(userSql: string, view: TableView, numericColumns: ReadonlySet<string>): string {
  const filtered = { sorts: [], filters: view.filters };
  return `SELECT count(*) AS n FROM (${viewSql(userSql, filtered, numericColumns)})`;
}

/** Buckets of a column's histogram. */
export const HISTOGRAM_BUCKETS = 10;

/** Nulls, distinct values (approximate), minimum and maximum of a column of the view. */
export function statsSql(userSql: string, view: TableView, numericColumns: ReadonlySet<string>, column: string): string {
  const col = quoteIdent(column);
  const filtered = { sorts: [], filters: view.filters };
  return (
    `SELECT count(*) AS total, count(*) - count(${col}) AS nulls, approx_count_distinct(${col}) AS distinct_values,\n` +
    `  CAST(min(${col}) AS VARCHAR) AS min_value, CAST(max(${col}) AS VARCHAR) AS max_value\n` +
    `FROM (${viewSql(userSql, filtered, numericColumns)})`
  );
}

/**
 * A column's histogram: for numbers, HISTOGRAM_BUCKETS buckets of equal width between the
 * minimum and the maximum (bucket, low, high, n); for anything else, its most frequent values
 * (value, n).
 */
export function histogramSql(
  userSql: string,
  view: TableView,
  numericColumns: ReadonlySet<string>,
  column: string,
  numeric: boolean,
): string {
  const col = quoteIdent(column);
  const from = `FROM (${viewSql(userSql, { sorts: [], filters: view.filters }, numericColumns)})`;
  if (!numeric) {
    return `SELECT CAST(${col} AS VARCHAR) AS value, count(*) AS n ${from}\nWHERE ${col} IS NOT NULL\nGROUP BY 1 ORDER BY n DESC, value LIMIT ${HISTOGRAM_BUCKETS}`;
  }
  const b = HISTOGRAM_BUCKETS;
  return (
    `WITH v AS (SELECT CAST(${col} AS DOUBLE) AS x ${from} WHERE ${col} IS NOT NULL),\n` +
    `  r AS (SELECT min(x) AS lo, max(x) AS hi FROM v),\n` +
    `  b AS (SELECT least(${b - 1}, CAST(floor((x - lo) / (CASE WHEN hi > lo THEN hi - lo ELSE 1 END) * ${b}) AS INTEGER)) AS bucket, lo, hi FROM v, r)\n` +
    `SELECT bucket, any_value(lo + (hi - lo) * bucket / ${b}) AS low, any_value(lo + (hi - lo) * (bucket + 1) / ${b}) AS high, count(*) AS n\n` +
    `FROM b GROUP BY bucket ORDER BY bucket`
  );
}

/** The next sort of a column when its header is activated: ascending, descending, none. */
export function toggleSort(sorts: Sort[], column: string, keepOthers: boolean): Sort[] {
  const current = sorts.find((s) => s.column === column);
  const others = keepOthers ? sorts.filter((s) => s.column !== column) : [];
  if (!current) return [...others, { column, direction: "asc" }];
  if (current.direction === "asc") return [...others, { column, direction: "desc" }];
  return others;
}
