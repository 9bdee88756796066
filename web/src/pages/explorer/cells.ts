// How the explorer writes a value of a result.
import type { Column } from "./engine";

/** A cell as text: times as ISO dates, nested values as JSON, null as empty. */
export function cellText(v: unknown, column: Pick<Column, "temporal" | "type">, language = "en"): string {
  if (v === null || v === undefined) return "";
  if (column.temporal && typeof v === "number") {
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) return String(v);
    return /^Date/.test(column.type) && d.getUTCHours() + d.getUTCMinutes() + d.getUTCSeconds() === 0 && !/Date64/.test(column.type)
      ? d.toISOString().slice(0, 10)
      : d.toISOString().replace("T", " ").replace(/\.000Z$|Z$/, "");
  }
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toLocaleString(language, { maximumFractionDigits: 6 });
  if (typeof v === "object") return JSON.stringify(v, (_, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
  return String(v);
}
