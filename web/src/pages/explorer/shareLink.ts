// The explorer's link: the file or query, the table's sorts and filters, and the chart, in the
// address of /explorer. It names files by their path and holds no credential, so it opens the
// same view for anyone allowed to read those files, and nothing for anyone else.
import type { Filter, FilterOperator, Sort, TableView } from "./tableQuery";

export type ChartType = "bar" | "line" | "scatter" | "histogram";

export const CHART_TYPES: ChartType[] = ["bar", "line", "scatter", "histogram"];

export interface ChartChoice {
  type: ChartType;
  x: string;
  /** Unused by histograms. */
  y: string;
}

export interface ExplorerLink {
  project: string;
  /** A file opened from My files: its path (bucket/key). */
  file?: string;
  sql: string;
  view: TableView;
  chart?: ChartChoice;
}

const OPERATORS: FilterOperator[] = ["contains", "equals", "notEquals", "greater", "less", "isNull", "notNull"];

/** The query string of a link to the explorer's state. */
export function encodeLink(state: ExplorerLink): string {
  const q = new URLSearchParams();
  q.set("project", state.project);
  if (state.file) q.set("file", state.file);
  q.set("sql", state.sql);
  if (state.view.sorts.length || state.view.filters.length) q.set("view", JSON.stringify(state.view));
  if (state.chart) {
    q.set("chart", state.chart.type);
    q.set("x", state.chart.x);
    if (state.chart.type !== "histogram") q.set("y", state.chart.y);
  }
  return q.toString();
}

/** A link's state; what it holds that is not valid is left out. Null when it names no project. */
export function decodeLink(search: string): Partial<ExplorerLink> & { project?: string } {
  const q = new URLSearchParams(search);
  const out: Partial<ExplorerLink> = {};
  const project = q.get("project");
  if (project) out.project = project;
  const file = q.get("file");
  if (file) out.file = file.replace(/^\/+/, "");
  const sql = q.get("sql");
  if (sql !== null) out.sql = sql;
  out.view = readView(q.get("view"));
  const type = q.get("chart") as ChartType | null;
  const x = q.get("x");
  if (type && CHART_TYPES.includes(type) && x) out.chart = { type, x, y: q.get("y") ?? "" };
  return out;
}

function readView(raw: string | null): TableView {
  if (!raw) return { sorts: [], filters: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { sorts: [], filters: [] };
  }
  const v = (parsed ?? {}) as { sorts?: unknown; filters?: unknown };
  const sorts = (Array.isArray(v.sorts) ? v.sorts : []).filter(
    (s): s is Sort =>
      typeof s === "object" && s !== null && typeof s.column === "string" && (s.direction === "asc" || s.direction === "desc"),
  );
  const filters = (Array.isArray(v.filters) ? v.filters : []).filter(
    (f): f is Filter =>
      typeof f === "object" &&
      f !== null &&
      typeof f.column === "string" &&
      OPERATORS.includes(f.operator) &&
      typeof f.value === "string",
  );
  return {
    sorts: sorts.map(({ column, direction }) => ({ column, direction })),
    filters: filters.map(({ column, operator, value }) => ({ column, operator, value })),
  };
}

/** The query that opens a file, by its format: DuckDB's readers, named so the user can edit them. */
export function fileQuery(path: string): string {
  const literal = `'s3://${path.replaceAll("'", "''")}'`;
  if (/\.tsv$/i.test(path)) return `SELECT * FROM read_csv_auto(${literal}, delim = '\\t')`;
  if (/\.(csv|txt)$/i.test(path)) return `SELECT * FROM read_csv_auto(${literal})`;
  if (/\.parquet$/i.test(path)) return `SELECT * FROM read_parquet(${literal})`;
  return `SELECT * FROM ${literal}`; // JSON and JSON lines: loaded into a table
}

/** True for the files the explorer opens. */
export function explorable(name: string): boolean {
  return /\.(csv|tsv|parquet|json|jsonl|ndjson)$/i.test(name);
}
