// End-to-end: the real `basalt` (built by `make build`, run in bin/ as `make run` does) on free
// loopback ports, driven in Debian's Chromium through playwright-core, against the test
// environment (deploy/testenv): its Kubernetes is the default region's cluster, so launches
// are real, and its Hydra is the identity provider of a second basalt in OIDC mode.
// Screenshots of every page go to test-output/screenshots/ at the repository's root.
//
//   node e2e/run.mjs            (from web/; `make web-e2e` builds and starts the environment first)
//   E2E_BASALT_BIN=/path/to/bin where basalt and its plugins are (default: ../bin); not BASALT_*,
//                               which basalt reads as configuration
//   BASALT_TESTENV_FILE=...     the test environment's env file (default: ../.cache/testenv/env)
//   CHROMIUM=/usr/bin/chromium  the browser
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { clusterAccessFlags, kubeconfigSteps } from "./access.mjs";
import { adminSteps, profileSteps } from "./admin.mjs";
import { explorerSteps } from "./explorer.mjs";
import { runCell } from "./jupyter.mjs";
import { kubeClient } from "./kube.mjs";
import { lifecycleFlags, lifecycleSteps } from "./lifecycle.mjs";
import { freePort } from "./net.mjs";
import { shareSteps } from "./share.mjs";
import { tokenSteps } from "./tokens.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const bin = resolve(process.env.E2E_BASALT_BIN ?? join(root, "bin"));
const shots = join(root, "test-output", "screenshots");
const started = Date.now();
const testenv = readEnvFile(process.env.BASALT_TESTENV_FILE ?? join(root, ".cache", "testenv", "env"));

/** The env file `testenv up` writes: KEY='value' lines, single-quoted as a shell reads them. */
function readEnvFile(path) {
  const env = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2].replace(/^'|'$/g, "").replaceAll("'\\''", "'");
  }
  const needed = ["KUBECONFIG", "BASALT_TESTENV_KUBE_SERVER", "BASALT_TESTENV_KUBE_TOKEN", "BASALT_TESTENV_KUBE_CA_FILE"];
  for (const key of [...needed, "BASALT_TESTENV_OIDC_ISSUER", "BASALT_TESTENV_OIDC_ADMIN_URL"]) {
    if (!env[key]) throw new Error(`${path}: ${key} missing; run make testenv-up`);
  }
  return env;
}

/**
 * Starts bin/basalt in bin/ with flags, on a free port; resolves once it answers. Its files,
 * secrets and caches are its own (under the run's temporary directory), so that it shares
 * nothing with another basalt, `make run`'s included.
 */
async function startBasalt(name, flags) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const data = join(scratch, name);
  const own = [
    `plugins.files.config.root=${data}/files`,
    `plugins.secrets.config.file=${data}/secrets.enc`,
    `plugins.secrets.config.keyFile=${data}/secrets.key`,
    `plugins.catalogs.config.cacheDir=${data}/cache`,
  ].flatMap((s) => ["--set", s]);
  // Under make test, the debug log goes to the run's log directory too, which it scans for
  // secrets and tokens (tools/cmd/logscan).
  const logDir = process.env.BASALT_TEST_LOG_DIR;
  const debug = logDir ? ["--set", "log.level=debug"] : [];
  // Its own cache, configuration, data and state homes too, for what a plugin keeps there.
  const homes = Object.fromEntries(["cache", "config", "data", "state"].map((h) => [`XDG_${h.toUpperCase()}_HOME`, join(data, "home", h)]));
  const proc = spawn("./basalt", ["serve", "--set", `server.address=127.0.0.1:${port}`, ...own, ...debug, ...flags(base)], {
    cwd: bin,
    env: { ...process.env, ...homes },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const b = { name, base, proc, output: "" };
  const keep = (d) => {
    b.output += d;
    if (logDir) appendFileSync(join(logDir, `e2e-basalt-${name}.log`), d);
  };
  proc.stdout.on("data", keep);
  proc.stderr.on("data", keep);
  servers.push(b);
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`basalt (${name}) exited with ${proc.exitCode}:\n${b.output}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return b;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`basalt (${name}) did not answer at ${base}:\n${b.output}`);
}

/** Calls Hydra's admin API, as the test environment's login app does. */
async function hydraAdmin(method, path, body) {
  const res = await fetch(testenv.BASALT_TESTENV_OIDC_ADMIN_URL + path, {
    method,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`hydra ${method} ${path}: ${res.status} ${await res.text()}`);
}

/**
 * Starts a basalt in OIDC mode (startBasalt), signing users in through the test environment's
 * Hydra with the portal's confidential client, which learns the new basalt's addresses.
 */
async function startOidcBasalt(name, flags = []) {
  const b = await startBasalt(name, (url) => [
    "--set", "auth.mode=oidc",
    "--set", `server.public_url=${url}`,
    "--set", `auth.oidc.issuer_url=${testenv.BASALT_TESTENV_OIDC_ISSUER}`,
    "--set", `auth.oidc.client_id=${testenv.BASALT_TESTENV_OIDC_PORTAL_CLIENT_ID}`,
    "--set", `auth.oidc.client_secret=${testenv.BASALT_TESTENV_OIDC_PORTAL_CLIENT_SECRET}`,
    "--set", `auth.session.key=e2e-${crypto.randomUUID()}`,
    ...flags,
  ]);
  await hydraAdmin("PATCH", `/admin/clients/${testenv.BASALT_TESTENV_OIDC_PORTAL_CLIENT_ID}`, [
    { op: "add", path: "/redirect_uris/-", value: `${b.base}/auth/callback` },
    { op: "add", path: "/post_logout_redirect_uris/-", value: b.base },
  ]);
  return b;
}

// axe-core is evaluated through the DevTools protocol, which the portal's CSP does not govern.
const axeSource = readFileSync(join(here, "..", "node_modules", "axe-core", "axe.min.js"), "utf8");
const accessibility = [];
async function checkAccessibility(page, name) {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return {
      passed: r.passes.length,
      minor: r.violations.filter((v) => v.impact !== "serious" && v.impact !== "critical").map((v) => v.id),
      serious: r.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => ({ id: v.id, help: v.help, impact: v.impact, targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) })),
    };
  });
  console.log(`  axe ${name}: ${violations.passed} rules passed; serious ${violations.serious.length}; minor ${violations.minor.join(", ") || "none"}`);
  for (const v of violations.serious) accessibility.push({ page: name, ...v });
}

const steps = [];
async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    steps.push({ name, ok: true, ms: Date.now() - t0 });
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (err) {
    steps.push({ name, ok: false, ms: Date.now() - t0 });
    console.log(`FAIL ${name}: ${err instanceof Error ? err.stack : err}`);
  }
}

// How Chromium is started, here and for the sharing step's own browser.
const browserOptions = {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

const servers = [];
const scratch = mkdtempSync(join(tmpdir(), "basalt-e2e-"));
const profile = join(scratch, "chromium");
const kube = kubeClient(testenv);
let context;
let realNode = false;
try {
  // As `make run` starts it (the Makefile's cluster_args), on the test environment's cluster,
  // for a local user of its own so that its namespace holds only what this run launches.
  // Unlike make run, its region exposes services under a domain (config/default.yaml's region
  // with a settings file): each launch gets an Ingress, which is where the service gateway finds
  // a service's pods, and the chart's own address the portal lists as a direct one.
  const settings = join(scratch, "region-settings.yaml");
  writeFileSync(settings, "services:\n  expose:\n    domain: e2e.invalid\n");
  const region = `{id: local, name: This machine, description: Services and files on the machine Basalt runs on., region: cluster, storage: files, secrets: secrets, settings: ${settings}, resources: {cpu_request: 100m, cpu_limit: 2000m, memory_request: 1Gi, memory_limit: 4Gi}}`;
  const local = await startBasalt("local", () => [
    "--set", "plugins.cluster.enabled=true",
    "--set", `plugins.cluster.config.kubeconfig=${testenv.KUBECONFIG}`,
    "--set", "auth.local.username=e2e",
    "--set", `regions=[${region}]`,
    ...lifecycleFlags(), // a group project whose policy announces a suspension within seconds
    ...clusterAccessFlags(), // kubeconfigs of the users' own
  ]);
  const base = local.base;
  console.log(`basalt on ${base} (${Date.now() - started} ms)`);
  // A run that stopped half way (locally; CI's cluster is new) may have left services behind:
  // the steps below count the project's services, so it starts empty.
  for (const svc of (await (await fetch(`${base}/api/v1/projects/user-e2e/services`)).json()).services ?? []) {
    const res = await fetch(`${base}/api/v1/projects/user-e2e/services/${encodeURIComponent(svc.id)}`, { method: "DELETE" });
    if (!res.ok) throw new Error(`deleting the leftover ${svc.id}: ${res.status} ${await res.text()}`);
    console.log(`deleted a leftover service of an earlier run: ${svc.id}`);
  }
  // The user's services run for real on the environment's real node (deploy/testenv: only
  // labelled namespaces' pods go there in the suite's environment): Jupyter answers behind
  // Open. The group project's services (e2e/lifecycle.mjs) stay on kwok.
  await kube.realWorkloads("user-e2e", true);
  realNode = true;
  rmSync(shots, { recursive: true, force: true }); // no stale page from an older run
  mkdirSync(shots, { recursive: true });

  context = await chromium.launchPersistentContext(profile, {
    ...browserOptions,
    viewport: { width: 1366, height: 900 },
    locale: "en-US",
    baseURL: base,
    permissions: ["clipboard-read", "clipboard-write"],
  });
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(30_000); // a first load on a busy 2-core machine
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  // The header, side bar and command panel are fixed to the viewport; a "full page" capture
  // would paint them mid-page. The viewport grows to the page's height for the capture instead.
  // Every captured page is also checked by axe-core (WCAG 2.1 A and AA rules); the last step
  // fails on any serious or critical violation found on the way.
  const shotOf = (pg) => async (name) => {
    const height = await pg.evaluate(() => document.documentElement.scrollHeight);
    if (height > 900) await pg.setViewportSize({ width: 1366, height });
    await pg.screenshot({ path: join(shots, `${name}.png`) });
    if (height > 900) await pg.setViewportSize({ width: 1366, height: 900 });
    await checkAccessibility(pg, name);
  };
  const shot = shotOf(page);
  const services = async () => (await (await fetch(`${base}/api/v1/projects/user-e2e/services`)).json()).services;

  await step("home", async () => {
    await page.goto("/");
    await page.getByRole("heading", { level: 1 }).first().waitFor();
    await page.getByRole("navigation").first().waitFor();
    await shot("01-home");
  });

  await step("catalog: the default catalog's four charts", async () => {
    await page.goto("/catalog");
    const cards = page.getByRole("article");
    await cards.first().waitFor();
    await page.waitForFunction(() => document.querySelectorAll("article").length >= 4);
    const names = await page.locator("article h2, article h3").allTextContents();
    for (const n of ["jupyter", "vscode", "rstudio", "postgresql"]) assert.ok(names.includes(n), `${n} in ${names}`);
    // Each card's icon is drawn, from Basalt: the default catalog ships its icons.
    await page.waitForFunction(() => [...document.querySelectorAll("article img")].filter((i) => i.complete && i.naturalWidth > 0).length >= 4);
    const icons = await page.locator("article img").evaluateAll((imgs) => imgs.map((i) => new URL(i.src).origin));
    assert.ok(icons.length >= 4 && icons.every((o) => o === new URL(base).origin), String(icons));
    await shot("02-catalog");
  });

  await step("chart page: jupyter with its README and versions", async () => {
    await page.goto("/catalog/ide/jupyter");
    await page.getByRole("main").getByRole("heading", { level: 1, name: "jupyter" }).first().waitFor(); // the README has one too
    await page.getByRole("heading", { name: "Versions" }).waitFor();
    await page.getByRole("link", { name: "Launch" }).waitFor();
    await page.waitForTimeout(300); // the README's lazy Markdown chunk
    await shot("03-chart-jupyter");
  });

  await step("launcher form from a launch link: tabs, widgets, hidden conditions", async () => {
    await page.goto("/launcher/ide/jupyter?name=e2e-nb&resources.limits.memory=%C2%AB8Gi%C2%BB");
    await page.getByRole("tablist", { name: "Settings" }).waitFor();
    assert.equal(await page.getByLabel("Name of the service").inputValue(), "e2e-nb");
    await page.getByRole("tab", { name: "Git" }).click();
    await page.getByLabel("Author name").waitFor();
    await page.getByLabel("Configure git in the service").uncheck();
    assert.equal(await page.getByLabel("Author name").count(), 0, "hidden when git is off");
    await page.getByLabel("Configure git in the service").check();
    await page.getByRole("tab", { name: /Resources/ }).click();
    await page.getByRole("group", { name: "Memory request – Memory limit" }).waitFor();
    assert.equal(await page.getByLabel("Memory limit, exact value").inputValue(), "8", "the link's memory limit is in the form");
    await shot("04-launcher-form-resources");
  });

  await step("launch: a value out of bounds refused at the field, by the form and by the server", async () => {
    await page.getByRole("tab", { name: "Persistent storage" }).click();
    await page.getByLabel("Volume size, exact value").fill("500");
    await page.getByRole("tab", { name: "Git" }).click();
    await page.getByRole("button", { name: "Launch", exact: true }).click();
    // The form checks the schema's bounds before sending anything.
    await page.getByText("1 value to correct before launching: see the field marked below.").waitFor();
    assert.equal(await page.getByRole("tab", { name: /Persistent storage/ }).getAttribute("aria-selected"), "true");
    await page.getByText("must be between 1Gi and 100Gi").waitFor();
    assert.equal(await page.getByRole("slider", { name: "Volume size" }).getAttribute("aria-invalid"), "true");
    await shot("05-launcher-field-error");
    // The server checks again whatever a client sends, and names the field and the rule.
    const refused = await page.evaluate(async () => {
      const res = await fetch("/api/v1/projects/user-e2e/services", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ catalog: "ide", chart: "jupyter", values: { persistence: { size: "500Gi" } } }),
      });
      return { status: res.status, body: await res.text() };
    });
    assert.equal(refused.status, 400, refused.body);
    assert.ok(refused.body.includes("persistence.size") && refused.body.includes("must be between 1Gi and 100Gi"), refused.body);
    assert.deepEqual(await services(), [], "a refused launch installs nothing");
  });

  await step("launch link: only the changed values, in Onyxia's format", async () => {
    await page.getByRole("button", { name: "Copy the launch link" }).click();
    await page.getByText("Copied").waitFor();
    const link = await page.evaluate(() => navigator.clipboard.readText());
    assert.ok(link.startsWith(`${base}/launcher/ide/jupyter?name=e2e-nb&version=`), link);
    assert.ok(link.includes("resources.limits.memory=%C2%AB8Gi%C2%BB"), link);
    assert.ok(link.includes("persistence.size=%C2%AB500Gi%C2%BB"), link);
    assert.ok(link.endsWith("&autoLaunch=true"), link);
  });

  await step("launch link asking to launch at once: what it changes comes first, nothing launched on cancel", async () => {
    // ui.features.auto_launch is off by default: the link's script and settings are shown first.
    const script = encodeURIComponent("«curl -s https://init.example.org/e2e.sh | sh»");
    await page.goto(`/launcher/ide/jupyter?name=e2e-nb&resources.limits.memory=%C2%AB8Gi%C2%BB&startup.script=${script}&autoLaunch=true`);
    const check = page.getByRole("region", { name: "Check this launch link" });
    await check.waitFor();
    const row = (path) => check.getByRole("row").filter({ has: page.getByText(path, { exact: true }) });
    await row("startup.script").getByText("Script", { exact: true }).waitFor();
    await row("startup.script").getByText("curl -s https://init.example.org/e2e.sh | sh").waitFor();
    await row("resources.limits.memory").getByText("8Gi", { exact: true }).waitFor();
    await check.getByText(/runs a script in your service/).waitFor();
    await shot("05b-launch-link-confirmation");
    assert.deepEqual(await services(), [], "nothing launched before the user confirms");
    await check.getByRole("button", { name: "Cancel" }).click();
    await page.getByText(/Nothing was launched/).waitFor();
    assert.ok(!page.url().includes("autoLaunch"), page.url());
    assert.equal(await page.getByLabel("Name of the service").inputValue(), "e2e-nb");
    assert.deepEqual(await services(), [], "nothing launched on cancel");
    await page.getByRole("tab", { name: "Persistent storage" }).click();
  });

  await step("launch on the cluster: progress until the service is ready", async () => {
    await page.getByLabel("Volume size, exact value").fill("20");
    await page.getByRole("button", { name: "Launch", exact: true }).click();
    // A real Jupyter: the first run on a fresh environment unpacks its image (about 30 s).
    await page.getByRole("heading", { name: "e2e-nb is ready" }).waitFor({ timeout: 150_000 });
    const [svc] = await services();
    assert.equal(svc?.friendlyName, "e2e-nb");
    assert.ok(svc.ready && svc.status === "deployed", JSON.stringify(svc));
    await shot("06-launched-ready");
  });

  const card = page.getByRole("article").filter({ has: page.getByRole("heading", { name: "e2e-nb" }) });
  await step("service page: workloads, logs, events, values with secrets masked, notes; the command panel", async () => {
    await page.getByRole("navigation").first().getByRole("link", { name: "My services" }).click();
    await card.getByRole("link", { name: "e2e-nb" }).click();
    await page.getByRole("heading", { level: 1, name: "e2e-nb" }).waitFor();
    const panel = page.getByRole("tabpanel");
    await panel.getByRole("cell", { name: "1/1" }).first().waitFor(); // a workload ready
    await shot("07c-service-overview");
    await page.getByRole("tab", { name: "Logs" }).click();
    // The notebook server's own lines, from the real container through the API.
    await page.waitForFunction(() => /Jupyter Notebook [\d.]+ is running at/.test(document.querySelector('pre[aria-label="Log lines"]')?.textContent ?? ""), null, {
      timeout: 30_000,
    });
    await shot("07d-service-logs");
    await page.getByRole("tab", { name: "Events" }).click();
    await panel.getByRole("cell", { name: "Scheduled" }).first().waitFor({ timeout: 30_000 }); // the scheduler's own event
    await shot("07e-service-events");
    await page.getByRole("tab", { name: "Values" }).click();
    const values = await panel.locator("pre").textContent();
    assert.match(values, /"password": "\*{8}"/, "the service's password is masked");
    assert.ok(values.includes('"memory": "8Gi"'), "the launch link's value is in the values");
    await shot("07f-service-values");
    await page.getByRole("tab", { name: "Notes" }).click();
    assert.ok(((await panel.textContent()) ?? "").trim().length > 0, "the chart's notes are shown");
    // The command panel lists the launch's helm command, and the service page's.
    const commands = page.getByRole("region", { name: "Commands" });
    if ((await commands.getByRole("button", { name: /Commands/ }).getAttribute("aria-expanded")) !== "true") {
      await commands.getByRole("button", { name: /Commands/ }).click();
    }
    const text = (await commands.textContent()) ?? "";
    // The release is named after the chart (jupyter-<number>); the friendly name is a label.
    // The default catalog is a directory: the commands fetch the chart from Basalt, and mask the password.
    assert.ok(/helm upgrade --install '?jupyter-\d+'? '?\.\/jupyter-[0-9.]+\.tgz/.test(text) && text.includes("/api/v1/catalogs/ide/charts/jupyter/versions/"),
      `the launch's commands in the panel: ${text.slice(0, 300)}`);
    assert.ok(text.includes("password: '********'"), "the launch's commands mask the password");
    assert.ok(text.includes("helm status"), "the service page's commands in the panel");
    await shot("07g-command-panel");
    await commands.getByRole("button", { name: /Commands/ }).click(); // closed again for the next captures
  });

  // The service gateway (core/internal/gateway): Open goes to the service's own host on
  // localhost's apps domain, which Chromium resolves to the loopback itself; the browser is
  // signed in there through the portal (a one-time ticket traded for the host's cookie).
  await step("open the service through Basalt: its host on the apps domain, signed in through the portal", async () => {
    const [svc] = await services();
    const host = `${svc.id}--user-e2e.localhost:${new URL(base).port}`;
    assert.equal(svc.access?.url, `http://${host}/`, "the service's address through Basalt");
    await page.goto(`/my-services/${encodeURIComponent(svc.id)}`);
    const open = page.getByRole("main").getByRole("link", { name: `Open http://${host}/`, exact: true });
    assert.equal(await open.getAttribute("href"), `http://${host}/`);
    // The chart's own address (its Ingress's host) stays listed, apart.
    assert.equal(svc.urls.length, 1, JSON.stringify(svc.urls));
    const panel = page.getByRole("tabpanel");
    await panel.getByRole("heading", { name: "Direct addresses" }).waitFor();
    assert.equal(await panel.getByRole("link", { name: svc.urls[0], exact: true }).getAttribute("href"), svc.urls[0]);
    // The sign-in's responses, redirects included (not the portal's own requests meanwhile).
    const hops = [];
    const onResponse = (r) => {
      const u = new URL(r.url());
      if (u.host === host || u.pathname.startsWith("/api/v1/gateway/")) hops.push(`${r.status()} ${u.host}${u.pathname}`);
    };
    context.on("response", onResponse);
    const [tab] = await Promise.all([context.waitForEvent("page"), open.click()]);
    try {
      await tab.waitForLoadState("load");
      const portal = new URL(base).host;
      // The portal signs the browser in, the host trades the ticket for its cookie and sends it
      // on to the page asked for, which the gateway proxies.
      const chain = [`302 ${portal}/api/v1/gateway/authorize`, `302 ${host}/_basalt/ticket`];
      const at = hops.indexOf(chain[0]);
      assert.ok(at >= 0 && hops[at + 1] === chain[1], `${chain.join(", then ")} in the hops: ${hops.join(", ")}`);
      const landed = hops[at + 2] ?? "";
      assert.ok(landed.endsWith(` ${host}/`), `then the service's page: ${hops.join(", ")}`);
      const cookies = await context.cookies(`http://${host}/`);
      assert.ok(cookies.some((c) => c.name === "basalt_app" && c.httpOnly), "the host's own session cookie");
      assert.ok(!(await context.cookies(base)).some((c) => c.name === "basalt_app"), "not the portal's");
      // Jupyter's own page (Notebook 6's file list), with no password asked: the gateway
      // handed Jupyter its token, which neither the address nor the page shows.
      await tab.waitForURL((u) => u.host === host && !u.pathname.startsWith("/_basalt/"));
      const landedAt = new URL(tab.url());
      assert.equal(landedAt.host, host, tab.url());
      assert.equal(landedAt.pathname, "/tree", `Jupyter's file list, not its login page: ${tab.url()}`);
      assert.ok(!landedAt.search.includes("token"), `a token in the address: ${tab.url()}`);
      assert.equal(await tab.title(), "Home Page - Select or create a notebook");
      const token = await kube.secretValue("user-e2e", svc.id, "JUPYTER_TOKEN");
      assert.ok(token.length >= 16, "the service's token, as the chart keeps it");
      assert.ok(!(await tab.content()).includes(token), "Jupyter's token in the page the browser got");
      // A cell run on a kernel, over the kernel's WebSocket through the gateway.
      const cell = await runCell(tab, "1+1");
      assert.equal(cell.result, "2", JSON.stringify(cell));
      // The page's own scripts list the files through the gateway too.
      const name = `through-basalt-${Date.now()}.txt`;
      const put = await tab.evaluate(
        async (n) => (await fetch(`/api/contents/${n}`, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ type: "file", format: "text", content: "hello" }) })).status,
        name,
      );
      assert.equal(put, 201, `writing ${name} through Jupyter's API`);
      await tab.reload();
      await tab.locator("#notebook_list").getByText(name, { exact: true }).waitFor({ timeout: 30_000 });
      await tab.screenshot({ path: join(shots, "07c3-jupyter-through-basalt.png") });
      const after = (await services()).find((s) => s.id === svc.id);
      assert.ok(after.access.requests >= 1 && after.access.lastRequest, `the gateway counted the request: ${JSON.stringify(after.access)}`);
    } finally {
      context.off("response", onResponse);
      await tab.close();
    }
    await page.reload();
    await page.getByRole("tabpanel").getByText(/^Last opened (less than a minute|\d+ minutes?) ago$/).waitFor();
    await shot("07c2-service-opened");
  });

  await step("change the running service: a value changed, its difference reviewed and applied; history of 2 revisions; rolled back", async () => {
    const [{ id }] = await services();
    const values = async () =>
      (await (await fetch(`${base}/api/v1/projects/user-e2e/services/${encodeURIComponent(id)}`)).json()).values;
    const history = page.getByRole("table", { name: "Revisions of the service, the newest first" });
    await page.goto(`/my-services/${encodeURIComponent(id)}`);
    await page.getByRole("heading", { level: 1, name: "e2e-nb" }).waitFor();
    await page.getByRole("link", { name: "Change", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Change e2e-nb" }).waitFor();
    await page.getByRole("tablist", { name: "Settings" }).waitFor();
    assert.match(await page.getByLabel("Chart version").locator("option:checked").textContent(), /\(running\)$/);
    // The form holds the service's values: the launch link's memory limit.
    await page.getByRole("tab", { name: /Resources/ }).click();
    const memory = page.getByLabel("Memory limit, exact value");
    assert.equal(await memory.inputValue(), "8", "the service's memory limit in the form");
    await memory.fill("6");
    await shot("07h-change-form");

    await page.getByRole("button", { name: "Review the changes" }).click();
    const review = page.getByRole("region", { name: "Review the changes" });
    await review.waitFor({ timeout: 60_000 });
    const row = (scope, path) => scope.getByRole("row").filter({ has: page.getByText(path, { exact: true }) });
    const cells = async (r) => (await r.getByRole("cell").allTextContents()).map((c) => c.trim());
    assert.deepEqual(await cells(row(review, "resources.limits.memory")), ["8Gi", "6Gi"]);
    for (const text of await review.getByRole("row").allTextContents()) {
      assert.ok(!/password/i.test(text) || /\*{8}/.test(text), `a secret shown in the difference: ${text}`);
    }
    await review.getByText(/^Rendered manifests \(lines \+\d+ −\d+\)$/).click();
    const manifest = review.getByLabel("Difference of the rendered manifests");
    assert.ok(((await manifest.textContent()) ?? "").includes("memory: 6Gi"), "the manifests' difference has the new limit");
    await shot("07i-change-review");
    assert.equal((await values()).resources.limits.memory, "8Gi", "nothing changed by the review");

    await review.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("heading", { name: "e2e-nb is ready" }).waitFor({ timeout: 90_000 });
    assert.equal((await values()).resources.limits.memory, "6Gi", "changed on the server");
    await shot("07j-change-applied");

    // Within the portal from here, so that the command panel keeps every step's commands.
    await page.getByRole("link", { name: "Open the service page" }).click();
    await page.getByRole("tab", { name: "History" }).click();
    await history.waitFor();
    assert.equal(await history.locator("tbody tr").count(), 2, "the launch and the change");
    await shot("07k-service-history");
    await history.getByRole("button", { name: "Roll back to revision 1" }).click();
    const dialog = page.getByRole("dialog", { name: "Roll back to revision 1?" });
    await row(dialog, "resources.limits.memory").waitFor({ timeout: 60_000 });
    assert.deepEqual(await cells(row(dialog, "resources.limits.memory")), ["6Gi", "8Gi"]);
    await shot("07l-rollback-review");
    await dialog.getByRole("button", { name: "Roll back to revision 1" }).click();
    const done = page.getByRole("dialog", { name: "Rolled back to revision 1" });
    await done.getByRole("heading", { name: "e2e-nb is ready" }).waitFor({ timeout: 90_000 });
    await page.keyboard.press("Escape");
    await done.waitFor({ state: "detached" });
    await page.waitForFunction(() => document.querySelectorAll("table tbody tr").length === 3);
    assert.equal((await values()).resources.limits.memory, "8Gi", "rolled back on the server");

    const commands = page.getByRole("region", { name: "Commands" });
    await commands.getByRole("button", { name: /Commands/ }).click();
    const text = (await commands.textContent()) ?? "";
    for (const c of ["Review the change of", "Change service", "History of service", "Review the rollback of", "Roll back service"]) {
      assert.ok(text.includes(`${c} ${id}`), `${c} ${id} in the command panel: ${text.slice(0, 500)}`);
    }
    for (const c of ["helm upgrade", "helm history", `helm rollback ${id} 1`]) assert.ok(text.includes(c), `${c} in the command panel`);
    await shot("07m-rolled-back-commands");
    await commands.getByRole("button", { name: /Commands/ }).click();
  });

  await step("my services: the launched service paused, then resumed", async () => {
    await page.getByRole("navigation").first().getByRole("link", { name: "My services" }).click();
    await card.locator('[data-state="ready"]').waitFor();
    await shot("07-my-services");
    const [{ id }] = await services();
    const service = async () => (await (await fetch(`${base}/api/v1/projects/user-e2e/services/${encodeURIComponent(id)}`)).json()).service;
    await card.getByRole("button", { name: "Pause", exact: true }).click();
    await card.locator('[data-state="paused"]').waitFor({ timeout: 30_000 });
    await card.getByRole("button", { name: "Resume", exact: true }).waitFor();
    const paused = await service();
    assert.ok(paused.suspended, `paused on the server: ${JSON.stringify(paused)}`);
    await shot("07a-my-services-paused");
    await card.getByRole("button", { name: "Resume", exact: true }).click();
    await card.locator('[data-state="ready"]').waitFor({ timeout: 60_000 });
    const svc = await service();
    assert.ok(!svc.suspended && svc.ready, `resumed on the server: ${JSON.stringify(svc)}`);
    await shot("07b-my-services-resumed");
  });

  await step("my services: the launched service deleted", async () => {
    await card.getByRole("button", { name: "Delete e2e-nb" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete", exact: true }).click();
    await card.waitFor({ state: "detached", timeout: 30_000 });
    assert.deepEqual(await services(), [], "deleted on the server too");
    await shot("08-my-services-empty");
  });

  await step("files: upload by drag and drop, download, preview", async () => {
    const name = `e2e-cities-${Date.now()}.csv`;
    const csv = "city,population\nOslo,709037\nBergen,291940\nTromsø,78745\n";
    await page.goto("/my-files");
    await page.getByText("Drop files or folders here").waitFor();
    // A drop synthesised in the page: a DataTransfer holding a File, dispatched on the drop zone.
    const dt = await page.evaluateHandle(([n, text]) => {
      const d = new DataTransfer();
      d.items.add(new File([text], n, { type: "text/csv" }));
      return d;
    }, [name, csv]);
    const zone = page.locator('[aria-describedby="drop-hint"]');
    for (const type of ["dragenter", "dragover", "drop"]) await zone.dispatchEvent(type, { dataTransfer: dt });
    const row = page.getByRole("row").filter({ has: page.getByRole("button", { name, exact: true }) });
    await row.waitFor({ timeout: 20_000 });
    await shot("15-files-uploaded");
    const [download] = await Promise.all([page.waitForEvent("download"), row.getByRole("link", { name: `Download ${name}` }).click()]);
    assert.equal(download.suggestedFilename(), name);
    assert.equal(readFileSync(await download.path(), "utf8"), csv, "the downloaded bytes are the uploaded ones");
    await row.getByRole("button", { name, exact: true }).click();
    const table = page.getByRole("dialog").getByRole("region", { name: `First rows of ${name}` });
    await table.getByRole("cell", { name: "Tromsø" }).waitFor();
    for (const city of ["Oslo", "Bergen"]) await table.getByRole("cell", { name: city, exact: true }).waitFor();
    assert.equal(await table.getByRole("row").count(), 4, "a header row and the three rows");
    await shot("16-files-preview");
    await page.keyboard.press("Escape");
  });

  await step("files: an uploaded page, its script and an SVG never run in Basalt's origin", async () => {
    // What a group member could upload and send another member links to. The script is loaded
    // by its content URL, which the portal's CSP (script-src 'self') would allow; each marks
    // the page's title, a global and the origin's storage if it runs.
    const folder = `user-e2e/e2e-xss-${Date.now()}`;
    const content = (name) => `/api/v1/projects/user-e2e/files/content?path=${encodeURIComponent(`${folder}/${name}`)}`;
    const mark = `document.title = "pwned"; window.pwned = true; localStorage.setItem("e2e-pwned", "1");`;
    const uploads = [
      ["app.js", "application/javascript", mark],
      ["page.html", "text/html", `<!doctype html><title>page</title><script src="${content("app.js")}"></script><script>${mark}</script>`],
      ["notes.txt", "text/html", `<!doctype html><title>notes</title><script src="${content("app.js")}"></script>`],
      ["drawing.svg", "image/svg+xml", `<svg xmlns="http://www.w3.org/2000/svg" onload='${mark}'><script>${mark}</script></svg>`],
    ];
    for (const [name, type, body] of uploads) {
      const res = await fetch(base + content(name), { method: "PUT", headers: { "Content-Type": type }, body });
      assert.equal(res.status, 201, `upload ${name}: ${res.status} ${await res.text()}`);
    }
    const share = await fetch(`${base}/api/v1/projects/user-e2e/files/share`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path: `${folder}/page.html`, expiry: "1h" }),
    });
    assert.equal(share.status, 200, "a share link to the page");
    const urls = [
      ...uploads.map(([name]) => content(name)),
      `${content("page.html")}&redirect=true`,
      new URL((await share.json()).url, base).pathname,
    ];
    for (const url of urls) {
      const tab = await context.newPage();
      // A download ends the navigation with an error: nothing was shown, which is the point.
      await tab.goto(url, { waitUntil: "load" }).catch(() => {});
      await tab.waitForTimeout(300);
      const seen = await tab.evaluate(() => ({ title: document.title, pwned: "pwned" in window })).catch(() => ({ title: "", pwned: false }));
      await tab.close();
      assert.ok(seen.title !== "pwned" && !seen.pwned, `a script ran at ${url}`);
    }
    await page.goto("/my-files");
    assert.equal(await page.evaluate(() => localStorage.getItem("e2e-pwned")), null, "a script wrote to the portal's storage");
  });

  const secretName = `e2e-db-${Date.now()}`; // kept for the layout step
  await step("secrets: a secret of two keys created, read back, on the server", async () => {
    const name = secretName;
    // A canary (sdk/plugintest/logscan): make test fails if it reaches a log.
    const password = `basalt-canary-${randomBytes(8).toString("hex")}`;
    await page.goto("/my-secrets");
    await page.getByRole("button", { name: "New secret" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name", { exact: true }).fill(name);
    await dialog.getByLabel("Key 1").fill("user");
    await dialog.getByLabel("Value 1").fill("analyst");
    await dialog.getByRole("button", { name: "Add a key" }).click();
    await dialog.getByLabel("Key 2").fill("password");
    await dialog.getByLabel("Value 2").fill(password);
    await dialog.getByRole("button", { name: "Create" }).click();
    await dialog.waitFor({ state: "detached" });
    const detail = page.getByRole("region", { name: "Secret" });
    await detail.getByLabel("Show the values").check();
    for (const [k, v] of [["user", "analyst"], ["password", password]]) {
      await detail.getByRole("row").filter({ has: page.getByRole("rowheader", { name: k }) }).getByRole("cell", { name: v }).waitFor();
    }
    await shot("17-secret-created");
    const res = await fetch(`${base}/api/v1/projects/user-e2e/secrets/secret?path=${encodeURIComponent(name)}`);
    assert.equal(res.status, 200);
    assert.deepEqual((await res.json()).data, { user: "analyst", password });
  });

  // The data explorer, on a Basalt whose files are on the environment's MinIO (e2e/explorer.mjs).
  await explorerSteps({ step, context, startBasalt, testenv, scratch, shotOf });

  // The service lifecycle: notices, keep, the administrators' page (e2e/lifecycle.mjs).
  await lifecycleSteps({ step, page, base, shot });

  // The administration pages, and the user profile on a Basalt that declares one (e2e/admin.mjs).
  await adminSteps({ step, page, base, shot, kube });
  await profileSteps({ step, context, startBasalt, testenv, scratch, shotOf, kube, bin });

  // Access from outside the portal: a kubeconfig for kubectl (e2e/access.mjs).
  await kubeconfigSteps({ step, page, shot, scratch });

  await step("switch to French", async () => {
    await page.goto("/");
    await page.getByRole("banner").getByLabel("Language").selectOption("fr");
    await page.getByRole("link", { name: "Catalogue" }).first().waitFor();
    await page.waitForFunction(() => document.documentElement.lang === "fr");
    await shot("09-home-fr");
    await page.goto("/launcher/ide/jupyter");
    await page.getByRole("heading", { level: 1, name: "Lancer jupyter" }).waitFor();
    await page.getByRole("tablist", { name: "Réglages" }).waitFor();
    await shot("10-launcher-fr");
  });

  await step("account page: tabs, and no request the region answers 501 at every visit", async () => {
    const unimplemented = [];
    const on501 = (r) => r.status() === 501 && unimplemented.push(new URL(r.url()).pathname);
    const visitTabs = async () => {
      const tabs = page.getByRole("main").getByRole("tablist", { name: "Rubriques du compte" });
      await tabs.waitFor();
      for (const tab of await tabs.getByRole("tab").all()) {
        await tab.click();
        await page.getByRole("tabpanel").getByRole("heading").first().waitFor();
        await page.waitForLoadState("networkidle");
      }
    };
    page.on("response", on501);
    try {
      await page.goto("/account");
      await shot("11-account-fr");
      // The first visit may learn what the region lacks (one 501 per plugin until Basalt restarts).
      await visitTabs();
      unimplemented.length = 0;
      await page.goto("/account");
      await visitTabs();
      assert.deepEqual(unimplemented, [], "a visit after the first asks for nothing the region lacks");
      await page.getByRole("tab", { name: "Préférences" }).click();
      await page.getByRole("main").getByLabel("Langue").waitFor();
    } finally {
      page.off("response", on501);
    }
  });

  await step("dark colour scheme: the palette switches and the choice is kept", async () => {
    await page.goto("/");
    await page.getByRole("banner").getByLabel("Langue").selectOption("en");
    await page.getByRole("banner").getByLabel("Colour scheme").selectOption("dark");
    await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const dark = await background();
    const [r, g, b] = dark.match(/\d+/g).map(Number);
    assert.ok(r + g + b < 3 * 80, `a dark page background, got ${dark}`);
    await shot("11a-home-dark");
    await page.goto("/launcher/ide/jupyter");
    await page.getByRole("tablist", { name: "Settings" }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark", "kept across pages");
    await shot("11b-launcher-dark");
    await page.getByRole("banner").getByLabel("Colour scheme").selectOption("light");
    await page.waitForFunction(() => document.documentElement.dataset.theme === "light");
    assert.notEqual(await background(), dark);
  });

  // API tokens: made on the account page, used with curl, revoked (e2e/tokens.mjs).
  await tokenSteps({ step, page, shot });

  await step("a small laptop screen (1280x720): no page scrolls sideways", async () => {
    await page.setViewportSize({ width: 1280, height: 720 });
    // The catalog's, a chart's and the launcher's tab rows and rows of actions ([data-one-line])
    // stay on one line, and no button's label takes two: in English, then in French.
    const wrapped = () =>
      page.evaluate(() => [
        ...[...document.querySelectorAll("main [data-one-line], main [role=tablist]")].flatMap((row) => {
          const boxes = [...row.children].map((c) => c.getBoundingClientRect()).filter((b) => b.width > 0);
          const wraps = boxes.length > 1 && Math.max(...boxes.map((b) => b.top)) >= Math.min(...boxes.map((b) => b.bottom));
          return wraps ? [`row ${row.getAttribute("aria-label") ?? row.className}`] : [];
        }),
        ...[...document.querySelectorAll("main .button, main [role=tab]")].flatMap((b) => {
          const st = getComputedStyle(b);
          const text = b.getBoundingClientRect().height - parseFloat(st.paddingTop) - parseFloat(st.paddingBottom) - 2 * parseFloat(st.borderTopWidth);
          return text > 1.5 * parseFloat(st.lineHeight) ? [`button ${b.textContent.trim()}`] : [];
        }),
      ]);
    const oneLine = ["/catalog", "/catalog/ide/jupyter", "/launcher/ide/jupyter"];
    try {
      for (const [path, ready] of [
        ["/", () => page.getByRole("heading", { level: 1 }).first().waitFor()],
        ["/catalog", () => page.getByRole("article").first().waitFor()],
        ["/catalog/ide/jupyter", () => page.getByRole("heading", { level: 1, name: "jupyter" }).first().waitFor()],
        ["/launcher/ide/jupyter", () => page.getByRole("tablist", { name: "Settings" }).waitFor()],
        ["/my-services", () => page.getByRole("heading", { level: 1 }).first().waitFor()],
        ["/my-files", () => page.getByRole("heading", { level: 1 }).first().waitFor()],
        ["/my-secrets", () => page.getByRole("heading", { level: 1 }).first().waitFor()],
        ["/account", () => page.getByRole("heading", { level: 1 }).first().waitFor()],
      ]) {
        await page.goto(path);
        await ready();
        const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        assert.ok(scroll <= width, `${path} is ${scroll}px wide in a ${width}px window`);
        if (oneLine.includes(path)) assert.deepEqual(await wrapped(), [], `${path} at 1280 px: what wraps`);
      }
      await page.getByRole("banner").getByLabel("Language").selectOption("fr");
      await page.waitForFunction(() => document.documentElement.lang === "fr");
      for (const path of oneLine) {
        await page.goto(path);
        await page.locator(path.startsWith("/launcher/") ? "main [role=tablist]" : "main [data-one-line]").first().waitFor();
        assert.deepEqual(await wrapped(), [], `${path} at 1280 px in French: what wraps`);
      }
      await page.getByRole("banner").getByLabel("Langue").selectOption("en");
      await page.waitForFunction(() => document.documentElement.lang === "en");
      await page.goto("/launcher/ide/jupyter");
      await page.getByRole("tablist", { name: "Settings" }).waitFor();
      await page.screenshot({ path: join(shots, "11c-launcher-1280x720.png") });
      await checkAccessibility(page, "11c-launcher-1280x720");
    } finally {
      await page.setViewportSize({ width: 1366, height: 900 });
    }
  });
  // The pages people spend their time on, at both laptop sizes and in both languages: no page
  // scrolls sideways, no tab row or one-line row wraps, no button label takes two lines.
  await step("launcher, service, secrets and account pages at 1280x720 and 1440x900, English and French: nothing wraps or overflows", async () => {
    // A service to show: vscode, whose image the sandbox does not serve, runs on a kwok node.
    const res = await fetch(`${base}/api/v1/projects/user-e2e/services`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ catalog: "ide", chart: "vscode" }),
    });
    assert.equal(res.status, 202, await res.clone().text());
    const { service } = await res.json();
    const overflow = () =>
      page.evaluate(() => {
        const found = [];
        if (document.documentElement.scrollWidth > window.innerWidth) found.push(`page ${document.documentElement.scrollWidth}px wide`);
        for (const row of document.querySelectorAll("main [data-one-line], main [role=tablist]")) {
          const boxes = [...row.children].map((c) => c.getBoundingClientRect()).filter((b) => b.width > 0);
          if (boxes.length > 1 && Math.max(...boxes.map((b) => b.top)) >= Math.min(...boxes.map((b) => b.bottom))) found.push(`row ${row.getAttribute("aria-label") ?? row.className}`);
        }
        for (const b of document.querySelectorAll("main .button, main [role=tab]")) {
          const st = getComputedStyle(b);
          const text = b.getBoundingClientRect().height - parseFloat(st.paddingTop) - parseFloat(st.paddingBottom) - 2 * parseFloat(st.borderTopWidth);
          if (text > 1.5 * parseFloat(st.lineHeight)) found.push(`button ${b.textContent.trim()}`);
        }
        return found;
      });
    const pages = [
      ["launcher", "/launcher/ide/jupyter", () => page.locator("main [role=tablist]").first().waitFor()],
      ["service", `/my-services/${encodeURIComponent(service.id)}`, () => page.locator("main h1").first().waitFor()],
      ["secrets", `/my-secrets?secret=${encodeURIComponent(secretName)}`, () => page.locator("main h1").first().waitFor()],
      ["account", "/account", () => page.locator("main [role=tablist]").first().waitFor()],
    ];
    try {
      for (const [width, height] of [[1280, 720], [1440, 900]]) {
        await page.setViewportSize({ width, height });
        for (const lang of ["en", "fr"]) {
          await page.goto("/");
          const picker = page.getByRole("banner").locator("select:has(option[value=fr])");
          await picker.selectOption(lang);
          await page.waitForFunction((l) => document.documentElement.lang === l, lang);
          for (const [name, path, ready] of pages) {
            await page.goto(path);
            await ready();
            await page.waitForLoadState("networkidle");
            assert.deepEqual(await overflow(), [], `${name} at ${width}x${height} in ${lang}: what wraps or overflows`);
            await page.screenshot({ path: join(shots, `11d-${name}-${width}x${height}-${lang}.png`) });
            if (width === 1280) await checkAccessibility(page, `11d-${name}-${lang}`);
          }
        }
      }
    } finally {
      await page.getByRole("banner").locator("select:has(option[value=fr])").selectOption("en").catch(() => {});
      await page.setViewportSize({ width: 1366, height: 900 });
      await fetch(`${base}/api/v1/projects/user-e2e/services/${encodeURIComponent(service.id)}`, { method: "DELETE" });
    }
  });
  assert.deepEqual(consoleErrors, [], "no uncaught error in the page");

  // OIDC: a second basalt signs users in through the test environment's Hydra with the
  // portal's confidential client; the environment's login app plays the provider's login page.
  await step("oidc: alice signs in through Hydra, sees her projects, signs out", async () => {
    const oidc = await startOidcBasalt("oidc");
    const p = await context.newPage();
    try {
      await p.goto(`${oidc.base}/`);
      const me = () => p.evaluate(async () => (await fetch("/api/v1/me")).status);
      assert.equal(await me(), 401, "signed out at first");
      await p.getByRole("banner").getByRole("link", { name: "Sign in" }).click();
      await p.waitForURL((u) => u.href.startsWith(testenv.BASALT_TESTENV_OIDC_LOGIN_URL));
      await p.screenshot({ path: join(shots, "12-oidc-login-page.png") });
      // The portal asks the fleet whether alice administers services: she does not.
      const fleetProbe = p.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/admin/services");
      await p.getByRole("button", { name: "alice" }).click();
      await p.waitForURL((u) => u.href.startsWith(oidc.base) && !u.pathname.startsWith("/auth/"));
      const banner = p.getByRole("banner");
      await banner.getByRole("link", { name: "alice" }).waitFor();
      assert.equal((await fleetProbe).status(), 403);
      assert.equal(await p.getByRole("navigation").first().getByRole("link", { name: "Administration" }).count(), 0, "no administration for alice");
      const projects = await banner.getByLabel("Project").locator("option").allTextContents();
      assert.deepEqual(projects.sort(), ["alice (personal)", "data-team"], String(projects));
      assert.equal(await me(), 200);
      await p.screenshot({ path: join(shots, "13-oidc-signed-in.png"), fullPage: true });
      await banner.getByRole("button", { name: "Sign out" }).click(); // a form that posts
      await p.waitForURL((u) => u.href.startsWith(oidc.base) && !u.pathname.startsWith("/auth/"));
      await p.getByRole("banner").getByRole("link", { name: "Sign in" }).waitFor();
      assert.equal(await me(), 401, "the session ended");
      await p.screenshot({ path: join(shots, "14-oidc-signed-out.png") });
    } finally {
      await p.close();
    }
  });

  // Sharing a running service with named people through the gateway, in OIDC mode (e2e/share.mjs).
  await shareSteps({ step, startOidcBasalt, testenv, kube, shotOf, shots, browserOptions });

  // Rebranding from configuration only: a third basalt with the example theme, on the test
  // environment's cluster instead of the in-cluster one the example names.
  await step("rebranding: theme-rebrand.yaml's name, header line and palette", async () => {
    const branded = await startBasalt("rebrand", () => [
      "--config", join(root, "config", "examples", "theme-rebrand.yaml"),
      "--set", "plugins.cluster.config.inCluster=false",
      "--set", `plugins.cluster.config.kubeconfig=${testenv.KUBECONFIG}`,
      "--set", "auth.local.username=e2e",
    ]);
    const p = await context.newPage();
    try {
      await p.goto(`${branded.base}/`);
      await p.getByRole("dialog").getByRole("button", { name: /^(I accept|J’accepte)$/ }).click(); // the example's terms
      const banner = p.getByRole("banner");
      await banner.getByText(/^(Statistics office · data science platform|Office statistique · plateforme de data science)$/).waitFor();
      await p.waitForFunction(() => document.title.includes("Nordlys Lab"));
      const vars = await p.evaluate(() => {
        const css = getComputedStyle(document.documentElement);
        return ["--brand-primary", "--brand-secondary", "--bg"].map((v) => css.getPropertyValue(v).trim().toLowerCase());
      });
      assert.deepEqual(vars, ["#0e6e5c", "#f2a541", "#f7f5f0"]);
      await p.screenshot({ path: join(shots, "18-rebranded-home.png"), fullPage: true });
      await checkAccessibility(p, "18-rebranded-home"); // an administrator's palette is checked too
    } finally {
      await p.close();
      branded.proc.kill("SIGTERM");
    }
  });

  await step("accessibility: no serious or critical axe-core violation on any captured page", async () => {
    for (const v of accessibility) console.log(`  ${v.page}: ${v.impact} ${v.id} (${v.help}) at ${v.targets.join(" | ")}`);
    assert.equal(accessibility.length, 0, `${accessibility.length} violations`);
  });
} catch (err) {
  steps.push({ name: "setup", ok: false });
  console.log(`FAIL ${err instanceof Error ? err.stack : err}`);
} finally {
  await context?.close().catch(() => {});
  for (const b of servers) b.proc.kill("SIGTERM");
  if (realNode) await kube.realWorkloads("user-e2e", false).catch((err) => console.log(`FAIL removing the real node's label: ${err}`));
  rmSync(scratch, { recursive: true, force: true });
}

const failed = steps.filter((s) => !s.ok);
console.log(`\ne2e: ${steps.length - failed.length}/${steps.length} steps passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${shots}`);
if (failed.length > 0) {
  for (const b of servers) console.log(`--- basalt (${b.name}): last lines\n${b.output.split("\n").slice(-30).join("\n")}`);
}
// Without waiting for the servers' graceful shutdown: they got SIGTERM and their plugins end with them.
process.exit(failed.length > 0 ? 1 : 0);
