// The data explorer's performance figures, in Chromium against the test environment's MinIO:
// the first rows of a 1 GiB CSV and of a 1 GiB Parquet file (and the bytes the Parquet file
// took), a GROUP BY over a 10-million-row Parquet file, and the longest task on the page's main
// thread while it runs. Prints one "METRIC <name> <value> <unit>" line per figure; Go's
// BenchmarkExplorer (web/explorer_bench_test.go) runs it under `make bench`.
//
//   E2E_BASALT_BIN=dir    basalt and basalt-plugin-s3 (default ../bin)
//   BASALT_TESTENV_FILE   the test environment's env file (default ../.cache/testenv/env)
//   EXPLORER_BENCH_MB     the size of the large files (default 1024)
//   EXPLORER_BENCH_ROWS   the rows of the GROUP BY file (default 10000000)
import { spawn } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { request } from "node:http";
import { pipeline } from "node:stream/promises";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { fileWriter, ParquetWriter } from "hyparquet-writer";
import { chromium } from "playwright-core";
import { startOnMinio } from "./explorer.mjs";
import { freePort } from "./net.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const bin = resolve(process.env.E2E_BASALT_BIN ?? join(root, "bin"));
const megabytes = Number(process.env.EXPLORER_BENCH_MB ?? 1024);
const groupRows = Number(process.env.EXPLORER_BENCH_ROWS ?? 10_000_000);
const testenv = {};
for (const line of readFileSync(process.env.BASALT_TESTENV_FILE ?? join(root, ".cache", "testenv", "env"), "utf8").split("\n")) {
  const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
  if (m) testenv[m[1]] = m[2].replace(/^'|'$/g, "").replaceAll("'\\''", "'");
}
const scratch = mkdtempSync(join(tmpdir(), "basalt-explorer-bench-"));
const log = (...a) => console.error(`[${((Date.now() - t0) / 1000).toFixed(1)} s]`, ...a);
const t0 = Date.now();
const metric = (name, value, unit) => console.log(`METRIC ${name} ${Number(value.toFixed(3))} ${unit}`);

let basalt;
async function startBasalt(name, flags) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = spawn(join(bin, "basalt"), ["serve", "--set", `server.address=127.0.0.1:${port}`, ...flags(base)], {
    cwd: bin,
    env: { ...process.env, XDG_CACHE_HOME: join(scratch, "cache"), XDG_DATA_HOME: join(scratch, "data") },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let output = "";
  proc.stderr.on("data", (d) => (output = (output + d).slice(-4000)));
  basalt = { base, proc };
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`basalt exited: ${output}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return basalt;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`basalt did not start: ${output}`);
}

/** Writes text made by line(i) for i = 0.. until the file holds `bytes`. */
async function writeCsv(path, bytes) {
  const out = createWriteStream(path);
  out.write("id,key,value,label\n");
  let written = 0;
  for (let i = 0; written < bytes; ) {
    let chunk = "";
    for (let j = 0; j < 10_000; j++, i++) chunk += `${i},k${i % 1000},${(i * 0.37) % 1000},label-${(i * 2654435761) % 4294967296}\n`;
    written += chunk.length;
    if (!out.write(chunk)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

/** A Parquet file of rows(start, n) row groups of `group` rows until it holds `total` rows. */
async function writeParquet(path, total, group, columns) {
  const writer = fileWriter(path);
  const schema = [{ name: "root", num_children: columns.length }, ...columns.map((c) => ({ name: c.name, type: c.type, repetition_type: "REQUIRED", ...(c.converted ? { converted_type: c.converted } : {}) }))];
  const pw = new ParquetWriter({ writer, schema, statistics: true });
  for (let start = 0; start < total; start += group) {
    const n = Math.min(group, total - start);
    await pw.write({ columnData: columns.map((c) => ({ name: c.name, data: c.data(start, n) })), rowGroupSize: n });
  }
  await pw.finish();
}

const numbers = (f, Type = Float64Array) => (start, n) => Type.from({ length: n }, (_, i) => f(start + i));

/** Streams a file to the files API (node's http: undici's fetch gave up on a 1 GiB body). */
async function upload(path, file) {
  const size = statSync(file).size;
  const url = new URL(`${basalt.base}/api/v1/projects/user-alice/files/content?path=${encodeURIComponent(path)}`);
  const req = request(url, { method: "PUT", headers: { "Content-Type": "application/octet-stream", "Content-Length": size } });
  const answered = once(req, "response");
  await pipeline(createReadStream(file), req);
  const [res] = await answered;
  let body = "";
  for await (const chunk of res) body += chunk;
  if (res.statusCode !== 201) throw new Error(`upload ${path}: ${res.statusCode} ${body}`);
}

/** The files of the run, made and uploaded unless MinIO holds them already (a bench run before). */
async function ensureFile(path, minBytes, make) {
  const folder = path.slice(0, path.lastIndexOf("/") + 1);
  const list = await (await fetch(`${basalt.base}/api/v1/projects/user-alice/files?path=${encodeURIComponent(folder)}`)).json();
  const there = (list.files ?? []).find((f) => f.path === path);
  if (there && there.size >= minBytes) return there.size;
  const local = join(scratch, path.split("/").pop());
  log(`making ${path}`);
  await make(local);
  log(`uploading ${path} (${(statSync(local).size / 2 ** 20).toFixed(0)} MiB)`);
  await upload(path, local);
  const size = statSync(local).size;
  rmSync(local);
  return size;
}

const folder = `user-alice/explorer-bench-${megabytes}`;
let context;
try {
  await startOnMinio(startBasalt, testenv, scratch, "bench");
  const bytes = megabytes * 2 ** 20;
  const csvSize = await ensureFile(`${folder}/large.csv`, bytes, (f) => writeCsv(f, bytes));
  const parquetRows = Math.round(bytes / 27); // 28 bytes a row once written (the labels compress a little)
  const parquetSize = await ensureFile(`${folder}/large.parquet`, bytes * 0.95, (f) =>
    writeParquet(f, parquetRows, 2_000_000, [
      { name: "id", type: "INT64", data: (start, n) => BigInt64Array.from({ length: n }, (_, i) => BigInt(start + i)) },
      { name: "value", type: "DOUBLE", data: numbers(() => Math.random()) },
      { name: "other", type: "DOUBLE", data: numbers(() => Math.random() * 1e6) },
      { name: "label", type: "BYTE_ARRAY", converted: "UTF8", data: (start, n) => Array.from({ length: n }, () => Math.random().toString(36).slice(2, 10)) },
    ]),
  );
  await ensureFile(`${folder}/grouped.parquet`, 1, (f) =>
    writeParquet(f, groupRows, 1_000_000, [
      { name: "key", type: "INT32", data: numbers((i) => (i * 7919) % 1000, Int32Array) },
      { name: "value", type: "DOUBLE", data: numbers(() => Math.random()) },
    ]),
  );
  metric("csv.size", csvSize / 2 ** 20, "MiB");
  metric("parquet.size", parquetSize / 2 ** 20, "MiB");

  context = await chromium.launchPersistentContext(join(scratch, "chromium"), {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    viewport: { width: 1366, height: 900 },
    locale: "en-US",
  });
  context.setDefaultTimeout(120_000);
  const p = context.pages()[0] ?? (await context.newPage());
  const fromStore = { bytes: 0, requests: 0 };
  p.on("requestfinished", async (r) => {
    if (!r.url().startsWith(testenv.BASALT_TESTENV_S3_ENDPOINT)) return;
    const sizes = await r.sizes().catch(() => null);
    fromStore.bytes += sizes?.responseBodySize ?? 0;
    fromStore.requests++;
  });

  let started = Date.now();
  await p.goto(`${basalt.base}/explorer`);
  await p.getByText("Starting the SQL engine…").waitFor({ state: "detached" });
  metric("engine.start", (Date.now() - started) / 1000, "s");

  /** Runs a query from the editor; resolves when the table shows its first cell. */
  async function timed(sql) {
    await p.locator(".cm-content").click();
    await p.keyboard.press("Control+A");
    await p.keyboard.insertText(sql);
    const before = { ...fromStore };
    started = Date.now();
    await p.keyboard.press("Control+Enter");
    // The page puts a query in its address once its first rows are shown.
    await p.waitForURL((u) => u.searchParams.get("sql") === sql);
    await p.locator("tbody tr[aria-rowindex] td").first().waitFor();
    const seconds = (Date.now() - started) / 1000;
    await p.waitForTimeout(500); // the last responses' sizes
    const failure = await p.getByRole("alert").count();
    if (failure) throw new Error(await p.getByRole("alert").first().textContent());
    return { seconds, bytes: fromStore.bytes - before.bytes, requests: fromStore.requests - before.requests };
  }

  const csv = await timed(`SELECT * FROM 's3://${folder}/large.csv'`);
  metric("first100.csv", csv.seconds, "s");
  metric("first100.csv.transferred", csv.bytes / 2 ** 20, "MiB");
  const parquet = await timed(`SELECT * FROM 's3://${folder}/large.parquet'`);
  metric("first100.parquet", parquet.seconds, "s");
  metric("first100.parquet.transferred", parquet.bytes / 2 ** 20, "MiB");
  metric("first100.parquet.requests", parquet.requests, "count");

  // The main thread's long tasks (over 50 ms) while the GROUP BY runs in the worker.
  await p.evaluate(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: "longtask" });
  });
  const grouped = await timed(`SELECT key, count(*) AS n, avg(value) AS mean FROM 's3://${folder}/grouped.parquet' GROUP BY key ORDER BY key`);
  const rows = await p.locator("p[aria-live=polite]").filter({ hasText: /rows/ }).first().textContent();
  if (!/1,000|1000|200 rows loaded/.test(rows)) throw new Error(`the GROUP BY's result: ${rows}`);
  const longTasks = await p.evaluate(() => window.__longTasks);
  metric("groupby.10m", grouped.seconds, "s");
  metric("groupby.10m.rows", groupRows, "count");
  metric("groupby.mainthread.longest", longTasks.length ? Math.max(...longTasks) : 0, "ms");
  metric("groupby.mainthread.longtasks", longTasks.length, "count");
} finally {
  await context?.close().catch(() => {});
  basalt?.proc.kill("SIGTERM");
  rmSync(scratch, { recursive: true, force: true });
}
