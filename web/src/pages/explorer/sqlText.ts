// Quoting for SQL written by the explorer (DuckDB's dialect).

/** A double-quoted identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A single-quoted string. */
export function quoteString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
