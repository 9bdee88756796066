// The explorer's SQL engine: DuckDB-Wasm in a Web Worker, so that a long query never blocks the
// page. It is imported only by the explorer's pages, and its files (the worker and the
// WebAssembly module, emitted by Vite into assets/) are served by Basalt from its embedded build.
import type { AsyncDuckDB, AsyncDuckDBConnection } from "@duckdb/duckdb-wasm";
import { withKnownSize } from "./runtimePatch";
import { quoteIdent } from "./sqlText";

/** A column of a result: its name and DuckDB's type as Arrow names it. */
export interface Column {
  name: string;
  type: string;
  numeric: boolean;
  temporal: boolean;
}

/** Rows of a result, as plain values (numbers, strings, booleans, Dates, null). */
export interface Rows {
  columns: Column[];
  rows: unknown[][];
}

/** A query that was cancelled by the user. */
export class QueryCancelled extends Error {
  constructor() {
    super("the query was cancelled");
    this.name = "QueryCancelled";
  }
}

export class Engine {
  private running = 0;
  private cancelled = false;
  /** The connection runs one statement at a time: each waits for the one before. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    readonly db: AsyncDuckDB,
    private readonly conn: AsyncDuckDBConnection,
    private readonly protocolHttp: number,
  ) {}

  /** Makes a file of the user's storage readable under name, through url (ranges), size bytes. */
  async registerUrl(name: string, url: string, size: number): Promise<void> {
    await this.db.registerFileURL(name, withKnownSize(url, size), this.protocolHttp, true);
  }

  async registerText(name: string, text: string): Promise<void> {
    await this.db.registerFileText(name, text);
  }

  /** Loads a JSON array of objects registered as a file into a table. */
  loadJsonTable(file: string, table: string): Promise<void> {
    return this.inTurn(async () => {
      await this.conn.query(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
      await this.conn.insertJSONFromPath(file, { name: table });
    });
  }

  /**
   * Runs a statement and returns its rows, at most limit. It can be cancelled (cancel) while it
   * runs; one statement runs at a time on the explorer's connection.
   */
  rows(sql: string, limit = Number.POSITIVE_INFINITY): Promise<Rows> {
    return this.inTurn(() => this.read(sql, limit));
  }

  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const mine = this.turn.then(fn, fn);
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  private async read(sql: string, limit: number): Promise<Rows> {
    this.running++;
    this.cancelled = false;
    try {
      const reader = await this.conn.send(sql);
      let columns: Column[] | undefined;
      const rows: unknown[][] = [];
      for await (const batch of reader) {
        if (this.cancelled) throw new QueryCancelled();
        columns ??= describeSchema(batch.schema);
        const n = batch.numRows;
        const vectors = columns.map((_, i) => batch.getChildAt(i));
        for (let r = 0; r < n && rows.length < limit; r++) {
          rows.push(vectors.map((v) => plain(v?.get(r))));
        }
        if (rows.length >= limit) break;
      }
      if (this.cancelled) throw new QueryCancelled();
      // The schema is known once the stream is read (an empty result has no batch).
      return { columns: columns ?? describeSchema(reader.schema), rows };
    } catch (err) {
      if (this.cancelled) throw new QueryCancelled();
      throw err;
    } finally {
      this.running--;
    }
  }

  /** Runs statements whose result does not matter (CREATE VIEW, COPY...). */
  exec(sql: string): Promise<void> {
    return this.inTurn(async () => {
      await this.conn.query(sql);
    });
  }

  /** The error of binding a statement (prepared, never run), or null when it binds. */
  bindError(sql: string): Promise<string | null> {
    return this.inTurn(async () => {
      try {
        const statement = await this.conn.prepare(sql);
        await statement.close();
        return null;
      } catch (err) {
        return err instanceof Error ? err.message : String(err);
      }
    });
  }

  /** Stops the running query, if any. */
  async cancel(): Promise<void> {
    if (this.running === 0) return;
    this.cancelled = true;
    await this.conn.cancelSent();
  }

  /** The bytes of a file DuckDB wrote (COPY ... TO name), then forgets it. */
  async takeFile(name: string): Promise<Uint8Array> {
    const bytes = await this.db.copyFileToBuffer(name);
    await this.db.dropFile(name);
    return bytes;
  }

  async prepareOutput(name: string): Promise<void> {
    await this.db.registerEmptyFileBuffer(name);
  }
}

// Arrow's type ids (apache-arrow's Type enum) that hold numbers and times.
const NUMERIC_TYPES = new Set([2, 3, 7]); // Int, Float, Decimal
const TEMPORAL_TYPES = new Set([8, 9, 10, 11]); // Date, Time, Timestamp, Interval

function describeSchema(schema: { fields: { name: string; type: unknown; typeId: number }[] } | undefined): Column[] {
  return (schema?.fields ?? []).map((f) => ({
    name: f.name,
    type: String(f.type),
    numeric: NUMERIC_TYPES.has(f.typeId),
    temporal: TEMPORAL_TYPES.has(f.typeId),
  }));
}

/** An Arrow value as a plain one: big integers as numbers when exact, else as text; structs as objects. */
function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === "object" && v !== null && "toJSON" in v && typeof (v as { toJSON: unknown }).toJSON === "function") {
    return (v as { toJSON(): unknown }).toJSON();
  }
  return v;
}

let starting: Promise<Engine> | undefined;

/** The page's engine, started on first use (the WebAssembly module is about 18 MB). */
export function startEngine(): Promise<Engine> {
  starting ??= (async () => {
    const [duckdb, wasm] = await Promise.all([
      import("@duckdb/duckdb-wasm"),
      import("@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url"),
    ]);
    // The built portal's worker is a classic script; the development server only serves modules.
    const worker = import.meta.env.DEV
      ? new Worker(new URL("./duckdbWorker.dev.ts", import.meta.url), { type: "module" })
      : new Worker(new URL("./duckdbWorker.ts", import.meta.url));
    const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
    await db.instantiate(wasm.default);
    await db.open({
      query: { castBigIntToDouble: false, castDecimalToDouble: true, castTimestampToDate: true },
      filesystem: { allowFullHTTPReads: false },
    });
    const conn = await db.connect();
    // Extensions would be fetched from DuckDB's servers: the explorer reaches none but Basalt.
    for (const setting of ["autoinstall_known_extensions", "autoload_known_extensions"]) {
      await conn.query(`SET ${setting} = false`).catch(() => undefined);
    }
    return new Engine(db, conn, duckdb.DuckDBDataProtocol.HTTP);
  })();
  starting.catch(() => {
    starting = undefined;
  });
  return starting;
}
