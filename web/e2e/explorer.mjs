// End-to-end steps of the data explorer (/explorer), run by run.mjs: a Basalt whose files are on
// the test environment's MinIO (the s3 plugin with the environment's keys, the local user alice,
// whose bucket the environment made), a CSV and Parquet files uploaded through the files API, and
// the explorer reading them in Chromium with DuckDB-Wasm through links MinIO signs.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";

/** The configuration of a Basalt on the environment's MinIO, without cluster or catalogs. */
export function s3Config(testenv, dir) {
  const q = JSON.stringify;
  return [
    "auth:",
    "  mode: local",
    "  local: {username: alice}",
    "plugins:",
    "  files: {enabled: false}",
    "  catalogs: {enabled: false}",
    `  secrets: {config: {file: ${q(join(dir, "secrets.enc"))}, keyFile: ${q(join(dir, "secrets.key"))}}}`,
    "  s3:",
    "    kind: storage",
    "    path: basalt-plugin-s3",
    "    config:",
    `      endpoint: ${q(testenv.BASALT_TESTENV_S3_ENDPOINT)}`,
    `      region: ${q(testenv.BASALT_TESTENV_S3_REGION)}`,
    `      staticCredentials: {accessKeyID: ${q(testenv.BASALT_TESTENV_S3_ACCESS_KEY)}, secretAccessKey: ${q(testenv.BASALT_TESTENV_S3_SECRET_KEY)}}`,
    "regions:",
    "  - {id: local, name: MinIO, storage: s3, secrets: secrets, download_from_store: true}",
    "",
  ].join("\n");
}

/** Starts Basalt on MinIO with startBasalt (run.mjs's), its configuration written in dir. */
export async function startOnMinio(startBasalt, testenv, dir, name = "s3") {
  const config = join(dir, `${name}.yaml`);
  writeFileSync(config, s3Config(testenv, dir), { mode: 0o600 });
  return startBasalt(name, () => ["--config", config]);
}

/** A Parquet file of `rows` rows, each column made by value(i) for i = first, first+1... */
function parquetOf(first, rows, columns) {
  const ids = Array.from({ length: rows }, (_, i) => first + i);
  return parquetWriteBuffer({ columnData: columns.map(([name, type, value]) => ({ name, type, data: ids.map(value) })) });
}

/** Rows of the folder's parts: key k0..k3 in turn, value i/10 (so each key's mean is known). */
export const partParquet = (first, rows) =>
  parquetOf(first, rows, [
    ["id", "INT32", (i) => i],
    ["key", "STRING", (i) => `k${i % 4}`],
    ["value", "DOUBLE", (i) => i / 10],
  ]);

/** 250 rows of id (1..250), city and population (id × 1000). */
export const citiesParquet = () =>
  parquetOf(1, 250, [
    ["id", "INT32", (i) => i],
    ["city", "STRING", (i) => `city-${i}`],
    ["population", "INT64", (i) => BigInt(i) * 1000n],
  ]);

export async function upload(base, project, path, body, type = "application/octet-stream") {
  const res = await fetch(`${base}/api/v1/projects/${project}/files/content?path=${encodeURIComponent(path)}`, {
    method: "PUT",
    headers: { "Content-Type": type },
    body,
  });
  assert.equal(res.status, 201, `upload ${path}: ${res.status} ${await res.text()}`);
}

/** Replaces the editor's text and runs it with the keyboard (Ctrl+Enter). */
async function runSql(p, sql) {
  const editor = p.locator(".cm-content");
  await editor.click();
  await p.keyboard.press("Control+A");
  await p.keyboard.insertText(sql);
  await p.keyboard.press("Control+Enter");
}

/**
 * The explorer's steps. step, startBasalt and shotOf (a page's screenshot and axe check) are
 * run.mjs's; context is the browser's.
 * Returns the Basalt it started, for run.mjs to stop.
 */
export async function explorerSteps({ step, context, startBasalt, testenv, scratch, shotOf }) {
  let s3;
  let p;
  const folder = `user-alice/e2e-explorer-${Date.now()}`;
  const csv = "city,population\nOslo,709037\nBergen,291940\nTromsø,78745\nStavanger,149048\nDrammen,102273\n";
  const minio = testenv.BASALT_TESTENV_S3_ENDPOINT;
  const ranged = []; // requests to MinIO with a Range header
  const pageErrors = [];
  const shot = (name) => shotOf(p)(name);
  const table = () => p.getByRole("region", { name: /rows/ });
  const rowCount = () => p.locator("[aria-live=polite]").filter({ hasText: /rows/ }).first().textContent();

  await step("explorer: a CSV on MinIO opened from My files, read through links MinIO signs, sorted and filtered", async () => {
    s3 = await startOnMinio(startBasalt, testenv, scratch);
    await upload(s3.base, "user-alice", `${folder}/cities.csv`, csv, "text/csv");
    await upload(s3.base, "user-alice", `${folder}/measures.parquet`, citiesParquet());
    const jsonl = csv.trim().split("\n").slice(1).map((l) => l.split(",")).map(([city, population]) => JSON.stringify({ city, population: Number(population) }));
    await upload(s3.base, "user-alice", `${folder}/cities.jsonl`, jsonl.join("\n") + "\n", "application/x-ndjson");
    for (const [i, first] of [0, 1000, 2000].entries()) await upload(s3.base, "user-alice", `${folder}/parts/part-${i + 1}.parquet`, partParquet(first, 1000));
    p = await context.newPage();
    p.on("pageerror", (e) => pageErrors.push(String(e)));
    p.on("request", (r) => {
      if (r.url().startsWith(minio) && r.headers().range) ranged.push(`${r.method()} ${r.headers().range} ${new URL(r.url()).pathname}`);
    });
    await p.goto(`${s3.base}/my-files?path=${encodeURIComponent(`${folder}/`)}`);
    await p.getByRole("link", { name: "Explore cities.csv" }).click();
    await p.getByRole("heading", { level: 1, name: "Data explorer" }).waitFor();
    await table().getByRole("cell", { name: "Tromsø" }).waitFor({ timeout: 60_000 }); // the engine's first start
    await p.getByText("Files read straight from the store through short-lived links.").waitFor();
    assert.ok(ranged.some((r) => r.includes("/cities.csv")), `DuckDB read the CSV from MinIO by ranges: ${ranged}`);
    assert.match(await rowCount(), /^5 rows\.$/);

    const population = p.getByRole("columnheader", { name: /population/ });
    const sortByPopulation = population.getByRole("button", { name: "population", exact: true });
    await sortByPopulation.click();
    await p.waitForFunction(() => document.querySelector("th[aria-sort=ascending]") !== null);
    await sortByPopulation.click();
    await p.waitForFunction(() => document.querySelector("th[aria-sort=descending]") !== null);
    const firstCity = () => table().locator("tbody tr td").first().textContent();
    await p.waitForFunction(() => document.querySelector("tbody tr td")?.textContent === "Oslo");
    assert.equal(await firstCity(), "Oslo", "sorted by population, largest first");

    await p.getByLabel("Column", { exact: true }).selectOption("population");
    await p.getByLabel("Test", { exact: true }).selectOption("greater");
    await p.getByLabel("Value", { exact: true }).fill("150000");
    await p.getByRole("button", { name: "Add the filter" }).click();
    await p.getByRole("list", { name: "Filters" }).getByText("population is greater than “150000”").waitFor();
    await p.waitForFunction(() => document.querySelectorAll("tbody tr[aria-rowindex]").length === 2);
    assert.deepEqual(await table().locator("tbody tr[aria-rowindex] td:first-child").allTextContents(), ["Oslo", "Bergen"]);
    assert.ok(p.url().includes("view="), "the address keeps the view");
    await shot("19-explorer-csv-sorted-filtered");
  });

  await step("explorer: a Parquet file on MinIO, its rows by pages as the table scrolls, a column's statistics", async () => {
    await p.goto(`${s3.base}/my-files?path=${encodeURIComponent(`${folder}/`)}`);
    const before = ranged.length;
    await p.getByRole("link", { name: "Explore measures.parquet" }).click();
    await table().getByRole("cell", { name: "city-1", exact: true }).waitFor({ timeout: 30_000 });
    assert.ok(ranged.slice(before).some((r) => r.includes("/measures.parquet")), "read by ranges from MinIO");
    assert.match(await rowCount(), /^200 rows loaded/);
    await table().evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await p.getByText("250 rows.", { exact: true }).waitFor();
    await p.getByRole("button", { name: "Statistics of population" }).click();
    const stats = p.getByRole("dialog", { name: "Column population" });
    await stats.getByText("Distribution").waitFor();
    const term = async (name) => stats.locator("dt", { hasText: name }).locator("xpath=following-sibling::dd[1]").textContent();
    assert.equal(await term("Minimum"), "1000");
    assert.equal(await term("Maximum"), "250000");
    assert.equal(await term("Empty values (null)"), "0");
    assert.equal(await stats.locator("tbody tr").count(), 10, "ten buckets");
    await shot("20-explorer-parquet-stats");
    await p.keyboard.press("Escape");
  });

  await step("explorer: GROUP BY over a folder pattern, a bar chart exported as SVG and PNG", async () => {
    await p.goto(`${s3.base}/explorer`);
    await p.getByRole("button", { name: "Run" }).waitFor();
    await runSql(p, `SELECT key, count(*) AS n, avg(value) AS mean\nFROM 's3://${folder}/parts/*.parquet'\nGROUP BY key ORDER BY key`);
    await table().getByRole("cell", { name: "k3" }).waitFor({ timeout: 30_000 });
    const rows = await table().locator("tbody tr[aria-rowindex]").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
    // 3000 rows, ids 0..2999: each key 750 of them; key k0's values are 0, 0.4, ... 299.6: mean 149.8.
    assert.deepEqual(rows.map((r) => [r[0], r[1]]), [["k0", "750"], ["k1", "750"], ["k2", "750"], ["k3", "750"]]);
    assert.equal(rows[0][2], "149.8");
    for (const n of [1, 2, 3]) assert.ok(ranged.some((r) => r.includes(`/parts/part-${n}.parquet`)), `part ${n} read from MinIO`);

    await p.getByRole("tab", { name: "Chart" }).click();
    assert.equal(await p.getByRole("radio", { name: "Bar" }).getAttribute("aria-checked"), "true");
    const chart = p.getByTestId("chart");
    await chart.locator("svg").first().waitFor();
    await p.getByLabel("Vertical axis").selectOption("n");
    await p.waitForFunction(() => document.querySelectorAll("[data-testid=chart] svg rect").length === 4);
    const [svg] = await Promise.all([p.waitForEvent("download"), p.getByRole("button", { name: "Download as SVG" }).click()]);
    const svgText = readFileSync(await svg.path(), "utf8");
    assert.ok(svgText.startsWith("<svg") && svgText.includes('xmlns="http://www.w3.org/2000/svg"') && !svgText.includes("var(--accent)"), "a standalone SVG, the page's colours written in");
    const [png] = await Promise.all([p.waitForEvent("download"), p.getByRole("button", { name: "Download as PNG" }).click()]);
    assert.deepEqual([...readFileSync(await png.path()).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], "a PNG");
    await shot("21-explorer-bar-chart");
  });

  await step("explorer: the link reopens the same query and chart, holding no credential", async () => {
    await p.getByRole("button", { name: "Copy the link" }).click();
    const link = await p.evaluate(() => navigator.clipboard.readText());
    assert.ok(link.startsWith(`${s3.base}/explorer?project=user-alice&`), link);
    assert.ok(!/X-Amz|token|secret|key=AK/i.test(link), `no credential in ${link}`);
    const other = await context.newPage();
    try {
      await other.goto(link);
      await other.getByRole("tab", { name: "Chart", selected: true }).waitFor();
      await other.waitForFunction(() => document.querySelectorAll("[data-testid=chart] svg rect").length === 4, null, { timeout: 30_000 });
      assert.equal(await other.getByLabel("Vertical axis").inputValue(), "n");
    } finally {
      await other.close();
    }
  });

  await step("explorer: the result saved as Parquet through the files API, with progress, and reopened", async () => {
    await p.getByRole("button", { name: "Save the result" }).click();
    const dialog = p.getByRole("dialog", { name: "Save the result to your storage" });
    assert.equal(await dialog.getByLabel("Parquet").isChecked(), true);
    await dialog.getByLabel("Path").fill(`${folder}/by-key.parquet`);
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.getByText(`Saved as ${folder}/by-key.parquet.`).waitFor({ timeout: 30_000 });
    const list = await (await fetch(`${s3.base}/api/v1/projects/user-alice/files?path=${encodeURIComponent(`${folder}/`)}`)).json();
    const saved = list.files.find((f) => f.name === "by-key.parquet");
    assert.ok(saved && saved.size > 0, `saved on MinIO: ${JSON.stringify(list.files.map((f) => f.name))}`);
    const bytes = Buffer.from(await (await fetch(`${s3.base}/api/v1/projects/user-alice/files/content?path=${encodeURIComponent(saved.path)}`)).arrayBuffer());
    assert.equal(bytes.subarray(0, 4).toString(), "PAR1", "a Parquet file");
    await dialog.getByRole("link", { name: "Open it in the explorer" }).click();
    await table().getByRole("cell", { name: "k2" }).waitFor({ timeout: 30_000 });
    assert.deepEqual(await table().locator("tbody tr[aria-rowindex] td:first-child").allTextContents(), ["k0", "k1", "k2", "k3"]);
    assert.match(await rowCount(), /^4 rows\.$/);
  });

  await step("explorer: errors point into the query, a long query is cancelled, the history follows the user", async () => {
    await p.goto(`${s3.base}/explorer`);
    await p.getByRole("button", { name: "Run" }).waitFor();
    await runSql(p, `SELECT city,\n  nope FROM 's3://${folder}/cities.csv'`);
    const failure = p.getByRole("alert").filter({ hasText: "The query failed" });
    await failure.waitFor({ timeout: 30_000 });
    const message = await failure.locator("pre").textContent();
    // The file as the user named it, the line of their query (not of the one the table runs).
    assert.ok(message.includes('"nope"') && message.includes("LINE 2:") && message.includes("s3://user-alice") && !message.includes("s3__"), message);
    const caret = await p.evaluate(() => {
      const sel = window.getSelection();
      return sel?.anchorNode?.textContent ?? "";
    });
    assert.ok(caret.includes("nope"), `the editor's cursor is at the error: ${caret}`);
    await shot("22-explorer-error");

    await runSql(p, "SELECT count(*) FROM range(100000000000) AS a(x) WHERE x % 7 = 3");
    await p.getByRole("button", { name: "Cancel the query" }).click();
    await p.getByText("The query was cancelled.").waitFor({ timeout: 30_000 });

    await p.reload();
    const history = p.getByRole("region", { name: "Your recent queries" }).or(p.locator("section", { has: p.getByRole("heading", { name: "Your recent queries" }) }));
    await history.getByText(/GROUP BY key ORDER BY key/).first().waitFor();
    await history.getByText(/GROUP BY key ORDER BY key/).first().click();
    assert.ok((await p.locator(".cm-content").textContent()).includes("parts/*.parquet"), "a past query back in the editor");
  });

  await step("explorer: a JSON-lines file read into a table; no sideways scrolling on a small laptop screen", async () => {
    await p.goto(`${s3.base}/explorer`);
    await runSql(p, `SELECT city, population FROM 's3://${folder}/cities.jsonl' ORDER BY population DESC`);
    await p.waitForFunction(() => document.querySelector("tbody tr[aria-rowindex] td")?.textContent === "Oslo", null, { timeout: 30_000 });
    assert.match(await rowCount(), /^5 rows\.$/);
    await p.setViewportSize({ width: 1280, height: 720 });
    try {
      const [scroll, width] = await p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(scroll <= width, `the explorer is ${scroll}px wide in a ${width}px window`);
    } finally {
      await p.setViewportSize({ width: 1366, height: 900 });
    }
  });

  await step("explorer: in French", async () => {
    await p.getByRole("banner").getByLabel("Language").selectOption("fr");
    await p.getByRole("heading", { level: 1, name: "Explorateur de données" }).waitFor();
    await p.getByRole("button", { name: "Exécuter" }).waitFor();
    await shot("23-explorer-fr");
    await p.getByRole("banner").getByLabel("Langue").selectOption("en");
    assert.deepEqual(pageErrors, [], "no uncaught error in the explorer's pages");
  });

  await p?.close();
  // The run's files go: the environment's MinIO outlives a local run.
  if (s3) await fetch(`${s3.base}/api/v1/projects/user-alice/files?path=${encodeURIComponent(`${folder}/`)}&recursive=true`, { method: "DELETE" }).catch(() => {});
  return s3;
}
