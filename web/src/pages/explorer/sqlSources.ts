// The files a query names. In the explorer's SQL, a string that starts with s3:// names a file
// (or, with * ? [ ], files) of the user's storage by its files-API path: 's3://bucket/folder/x.csv'.
// Before DuckDB runs the query, each file is made readable under a name of the same length
// (s3:// becomes s3__/, which DuckDB does not take for its own S3 client), so that an error's
// line and column still point into the query as the user wrote it.

/** The scheme the user writes. */
export const STORAGE_SCHEME = "s3://";
/** What DuckDB sees instead: the same length, a plain name. */
export const ENGINE_PREFIX = "s3__/";

/** A string of the query that names files of the user's storage. */
export interface StorageLiteral {
  /** Offset of the opening quote. */
  start: number;
  /** Offset just after the closing quote. */
  end: number;
  /** The files-API path or pattern, without the scheme: bucket/folder/x.csv. */
  path: string;
  /** True when it is a pattern (* ? or [...]). */
  glob: boolean;
  /** True when it names one JSON or JSON-lines file read in a FROM or JOIN: it is loaded into a table. */
  jsonTable: boolean;
}

const JSON_FILE = /\.(json|jsonl|ndjson)$/i;

/** True when a path is a pattern. */
export function isGlob(path: string): boolean {
  return /[*?[]/.test(path);
}

/** The name DuckDB reads a file of the user's storage by. */
export function engineName(path: string): string {
  return ENGINE_PREFIX + path;
}

/**
 * Finds the storage strings of a query, skipping comments, identifiers in double quotes and
 * other strings.
 */
export function findStorageLiterals(sql: string): StorageLiteral[] {
  const out: StorageLiteral[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === "-" && next === "-") {
      const nl = sql.indexOf("\n", i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (c === "/" && next === "*") {
      const close = sql.indexOf("*/", i + 2);
      i = close < 0 ? sql.length : close + 2;
    } else if (c === '"') {
      i = closingQuote(sql, i, '"');
    } else if (c === "'") {
      const end = closingQuote(sql, i, "'");
      const value = sql.slice(i + 1, end - 1).replaceAll("''", "'");
      if (value.startsWith(STORAGE_SCHEME) && value.length > STORAGE_SCHEME.length) {
        const path = value.slice(STORAGE_SCHEME.length);
        const glob = isGlob(path);
        out.push({ start: i, end, path, glob, jsonTable: !glob && JSON_FILE.test(path) && readAsTable(sql, i) });
      }
      i = end;
    } else {
      i++;
    }
  }
  return out;
}

/** The offset after the quote closing the one at start ('' and "" are escaped quotes). */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** True when the string at offset is what a FROM or JOIN reads (not a function's argument). */
function readAsTable(sql: string, offset: number): boolean {
  return /\b(from|join)\s*$/i.test(sql.slice(Math.max(0, offset - 20), offset));
}

/**
 * The query DuckDB runs: the same length as the user's, every storage string renamed
 * (s3:// to s3__/), and those read as JSON tables turned into the table's quoted name.
 */
export function engineSql(sql: string, literals: StorageLiteral[] = findStorageLiterals(sql)): string {
  let out = "";
  let at = 0;
  for (const lit of literals) {
    out += sql.slice(at, lit.start);
    const original = sql.slice(lit.start, lit.end);
    out += lit.jsonTable
      ? `"${engineName(lit.path).replaceAll('"', '""')}"`.padEnd(original.length, " ")
      : original.replace(STORAGE_SCHEME, ENGINE_PREFIX);
    at = lit.end;
  }
  return out + sql.slice(at);
}

/**
 * An engine message in the user's terms: names of files as they wrote them, and line numbers
 * of their query when the engine's had lineShift lines before it.
 */
export function userMessage(message: string, lineShift = 0): string {
  return message
    .replaceAll(ENGINE_PREFIX, STORAGE_SCHEME)
    .replace(/^(Error: )+/, "")
    .replace(/^LINE (\d+):/m, (_, n: string) => `LINE ${Math.max(1, Number(n) - lineShift)}:`);
}

/** The folder to list for a pattern: its part before the first segment with a wildcard. */
export function globFolder(pattern: string): string {
  const parts = pattern.split("/");
  const fixed: string[] = [];
  for (const part of parts.slice(0, -1)) {
    if (isGlob(part)) break;
    fixed.push(part);
  }
  return fixed.length ? fixed.join("/") + "/" : "";
}

/** True when a pattern may match files in folders below globFolder (a wildcard in a folder, or **). */
export function globIsDeep(pattern: string): boolean {
  const folder = globFolder(pattern);
  return pattern.slice(folder.length).includes("/") || pattern.includes("**");
}

/** A pattern as a regular expression over whole paths: * and ? stay within a folder, ** crosses them. */
export function globRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        re += ".*";
        i++;
        if (pattern[i + 1] === "/") i++; // a/**/b matches a/b too
      } else {
        re += "[^/]*";
      }
    } else if (c === "?") {
      re += "[^/]";
    } else if (c === "[") {
      const close = pattern.indexOf("]", i + 1);
      if (close < 0) {
        re += "\\[";
      } else {
        const body = pattern.slice(i + 1, close).replace(/^!/, "^").replaceAll("\\", "\\\\");
        re += `[${body}]`;
        i = close;
      }
    } else {
      re += c.replace(/[.+^${}()|\\/]/g, "\\$&");
    }
  }
  return new RegExp(`^${re}$`);
}

/**
 * Where an engine error points in the user's query: DuckDB says the line (`LINE 3: …`) and
 * puts a caret under the column, after a window of the line that may start with "...". The
 * engine's query has lineShift lines before the user's. Returns an offset into sql, or null.
 */
export function errorOffset(message: string, sql: string, lineShift = 0): number | null {
  const m = /LINE (\d+): (.*)\n( *)\^/.exec(message);
  if (!m) return null;
  const line = Number(m[1]) - 1 - lineShift;
  const lines = sql.split("\n");
  if (line < 0 || line >= lines.length) return null;
  const shown = m[2]!;
  let column = m[3]!.length - `LINE ${m[1]}: `.length;
  let window = shown;
  let windowStart = 0;
  if (window.startsWith("...")) {
    window = window.slice(3);
    column -= 3;
    const text = window.replace(/\.\.\.$/, "");
    const found = lines[line]!.indexOf(userMessage(text));
    if (found < 0) return null;
    windowStart = found;
  }
  const before = lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0);
  return Math.min(before + windowStart + Math.max(0, column), sql.length);
}
