// Reading the first rows of tabular files for the preview. The parsers are imported on first
// use, so that they stay out of every bundle but the preview's own chunk.
import type { AsyncBuffer } from "hyparquet";

/** How many rows a preview shows. */
export const PREVIEW_ROWS = 100;

export interface TablePreview {
  columns: string[];
  rows: string[][];
  /** The file's row count when it is known without reading it all (Parquet). */
  totalRows?: number;
  /** True when rows are left out. */
  partial: boolean;
}

/** The bytes read first from a Parquet file's end, hoping to get its whole footer. */
const FOOTER_GUESS = 64 * 1024;

export type TableFormat = "csv" | "tsv" | "parquet";

/** The tabular format of a file by its name or content type, if it has one. */
export function tableFormat(name: string, contentType = ""): TableFormat | null {
  if (/\.parquet$/i.test(name) || /parquet/i.test(contentType)) return "parquet";
  if (/\.tsv$/i.test(name) || contentType === "text/tab-separated-values") return "tsv";
  if (/\.csv$/i.test(name) || contentType === "text/csv") return "csv";
  return null;
}

/**
 * The first rows of delimited text, its first line as column names. When the text is the
 * start of a longer file (truncated), its last line may be cut short and is left out.
 */
export async function csvPreview(text: string, truncated: boolean, format: "csv" | "tsv" = "csv"): Promise<TablePreview> {
  const { default: Papa } = await import("papaparse");
  const whole = truncated ? text.slice(0, text.lastIndexOf("\n") + 1) : text;
  const parsed = Papa.parse<string[]>(whole, {
    preview: PREVIEW_ROWS + 1,
    skipEmptyLines: true,
    delimiter: format === "tsv" ? "\t" : "",
  });
  const [columns = [], ...rows] = parsed.data;
  return { columns, rows, partial: truncated || rows.length >= PREVIEW_ROWS };
}

/**
 * The first rows of a Parquet file read through `file`, which fetches byte ranges: the footer
 * first, then only the column chunks of the first row group(s) needed.
 */
export async function parquetPreview(file: AsyncBuffer): Promise<TablePreview> {
  const [{ parquetMetadataAsync, parquetReadObjects, parquetSchema }, { compressors }] = await Promise.all([
    import("hyparquet"),
    import("hyparquet-compressors"),
  ]);
  // Footers are small: 64 KB holds most in one request (more is read when it does not).
  const metadata = await parquetMetadataAsync(file, { initialFetchSize: FOOTER_GUESS });
  const total = Number(metadata.num_rows);
  const objects = await parquetReadObjects({ file, metadata, rowEnd: Math.min(PREVIEW_ROWS, total), compressors });
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  return {
    columns,
    rows: objects.map((o) => columns.map((c) => cellText(o[c]))),
    totalRows: total,
    partial: total > objects.length,
  };
}

/** A value of a Parquet cell as text: dates in ISO form, big integers whole, nested values as JSON. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "" : v.toISOString();
  if (v instanceof Uint8Array) return `⟨${v.length} bytes⟩`;
  if (typeof v === "object") return JSON.stringify(v, (_, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
  return String(v);
}
