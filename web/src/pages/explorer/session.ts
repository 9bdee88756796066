// Makes the files a query names readable by the engine before it runs: each s3:// string is a
// file, or a pattern expanded by listing folders through the files API; JSON files are read
// whole into a table (the engine reads CSV and Parquet by ranges, JSON it cannot).
import type { ApiClient } from "../../api/client";
import type { ObjectView } from "../../api/types";
import type { Engine } from "./engine";
import { resolveSource, type FileSource } from "./fileSource";
import { engineName, engineSql, findStorageLiterals, globFolder, globIsDeep, globRegExp, type StorageLiteral } from "./sqlSources";

/** At most this many files for one pattern, and folders listed for it. */
export const MAX_GLOB_FILES = 1000;
const MAX_GLOB_FOLDERS = 200;
/** A JSON file is read whole: larger ones are refused. */
export const MAX_JSON_BYTES = 256 * 1024 * 1024;
/** Files whose links are resolved at once. */
const RESOLVE_AT_ONCE = 6;

/** A problem with the files a query names, said in the explorer's words. */
export class SourceError extends Error {
  constructor(
    readonly code: "noMatch" | "tooMany" | "jsonTooLarge" | "unreadable",
    readonly path: string,
    detail = "",
  ) {
    super(detail || `${code}: ${path}`);
    this.name = "SourceError";
  }
}

export interface Prepared {
  /** The query the engine runs. */
  sql: string;
  /** Every file it reads. */
  files: string[];
  /** True when at least one file is read from the store through a signed link. */
  fromStore: boolean;
}

export class ExplorerSession {
  private sources = new Map<string, FileSource>();
  private jsonTables = new Map<string, number>();

  constructor(
    readonly engine: Engine,
    private readonly api: ApiClient,
    readonly project: string,
    /** Whether the region's store may sign links for this browser (regions[].download_from_store). */
    private readonly tryStore: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  /** Basalt's address of a file's content. */
  contentUrl(path: string): string {
    return this.api.fileUrl(this.project, path);
  }

  async prepare(userSql: string): Promise<Prepared> {
    const literals = findStorageLiterals(userSql);
    const files = new Set<string>();
    const sized = new Map<string, number>();
    for (const lit of literals) {
      if (lit.jsonTable) {
        await this.loadJson(lit);
        files.add(lit.path);
      } else if (lit.glob) {
        for (const f of await this.expand(lit.path)) {
          files.add(f.path);
          sized.set(f.path, f.size);
        }
      } else {
        files.add(lit.path);
      }
    }
    const toRegister = [...files].filter((p) => !this.jsonTables.has(p));
    await inBatches(toRegister, RESOLVE_AT_ONCE, (p) => this.register(p));
    return {
      sql: engineSql(userSql, literals),
      files: [...files],
      fromStore: toRegister.some((p) => this.sources.get(p)?.fromStore),
    };
  }

  /** Registers a file with a fresh link when it has none or its link is about to expire. */
  private async register(path: string): Promise<void> {
    const known = this.sources.get(path);
    if (known && known.expiresAt > this.now()) return;
    let source: FileSource;
    try {
      source = await resolveSource(this.contentUrl(path), this.tryStore, undefined, this.now);
    } catch (err) {
      throw new SourceError("unreadable", path, err instanceof Error ? err.message : String(err));
    }
    await this.engine.registerUrl(engineName(path), source.url, source.size);
    this.sources.set(path, source);
  }

  /** The files a pattern matches, listing folders through the files API. */
  async expand(pattern: string): Promise<ObjectView[]> {
    const match = globRegExp(pattern);
    const deep = globIsDeep(pattern);
    const out: ObjectView[] = [];
    const folders = [globFolder(pattern)];
    let listed = 0;
    while (folders.length > 0) {
      const folder = folders.shift()!;
      if (++listed > MAX_GLOB_FOLDERS) throw new SourceError("tooMany", pattern);
      let pageToken: string | undefined;
      do {
        const page = await this.api.listFiles(this.project, folder, pageToken);
        for (const f of page.files) if (match.test(f.path)) out.push(f);
        if (deep) folders.push(...page.folders.map((d) => d.path));
        pageToken = page.nextPageToken;
        if (out.length > MAX_GLOB_FILES) throw new SourceError("tooMany", pattern);
      } while (pageToken);
    }
    if (out.length === 0) throw new SourceError("noMatch", pattern);
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  /** Reads a JSON or JSON-lines file into a table named as the engine's query names it. */
  private async loadJson(lit: StorageLiteral): Promise<void> {
    const res = await fetch(this.contentUrl(lit.path), { credentials: "same-origin" });
    if (!res.ok) throw new SourceError("unreadable", lit.path, `${res.status} ${res.statusText}`);
    const size = Number(res.headers.get("Content-Length") ?? "0");
    if (size > MAX_JSON_BYTES) throw new SourceError("jsonTooLarge", lit.path);
    if (this.jsonTables.get(lit.path) === size && size > 0) {
      await res.body?.cancel();
      return;
    }
    const text = await res.text();
    if (text.length > MAX_JSON_BYTES) throw new SourceError("jsonTooLarge", lit.path);
    const name = engineName(lit.path);
    await this.engine.registerText(`${name}.rows.json`, jsonRows(text));
    await this.engine.loadJsonTable(`${name}.rows.json`, name);
    this.jsonTables.set(lit.path, size);
  }
}

/** A JSON array of rows from a JSON document (an array, or one object) or JSON lines. */
export function jsonRows(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) return trimmed;
  try {
    JSON.parse(trimmed);
    return `[${trimmed}]`; // one object
  } catch {
    // JSON lines: one value a line
  }
  const lines = trimmed.split(/\r?\n/).filter((l) => l.trim() !== "");
  return `[${lines.join(",")}]`;
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}
