// End-to-end: the real `basalt` (built by `make build`, run in bin/ as `make run` does) on a
// free loopback port, driven in Debian's Chromium through playwright-core. Screenshots of
// every page go to test-output/screenshots/ at the repository's root.
//
//   node e2e/run.mjs            (from web/; `make web-e2e` builds first)
//   E2E_BASALT_BIN=/path/to/bin where basalt and its plugins are (default: ../bin); not BASALT_*,
//                               which basalt reads as configuration
//   CHROMIUM=/usr/bin/chromium  the browser
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const bin = resolve(process.env.E2E_BASALT_BIN ?? join(root, "bin"));
const shots = join(root, "test-output", "screenshots");
const started = Date.now();

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function waitForServer(url, proc, log) {
  for (let i = 0; i < 150; i++) {
    if (proc.exitCode !== null) throw new Error(`basalt exited with ${proc.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${url}/api/v1/config`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`basalt did not answer at ${url}:\n${log()}`);
}

const SERVICES = /\/api\/v1\/projects\/[^/]+\/services$/;
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

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
let output = "";
const server = spawn("./basalt", ["serve", "--set", `server.address=127.0.0.1:${port}`], {
  cwd: bin,
  stdio: ["ignore", "pipe", "pipe"],
});
server.stdout.on("data", (d) => (output += d));
server.stderr.on("data", (d) => (output += d));

const profile = mkdtempSync(join(tmpdir(), "basalt-e2e-chromium-"));
let context;
try {
  await waitForServer(base, server, () => output);
  console.log(`basalt on ${base} (${Date.now() - started} ms)`);
  mkdirSync(shots, { recursive: true });

  context = await chromium.launchPersistentContext(profile, {
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
    viewport: { width: 1366, height: 900 },
    locale: "en-US",
    baseURL: base,
    permissions: ["clipboard-read", "clipboard-write"],
  });
  context.setDefaultTimeout(10_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

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
    await shot("02-catalog");
  });

  await step("chart page: jupyter with its README and versions", async () => {
    await page.goto("/catalog/ide/jupyter");
    await page.getByRole("heading", { level: 1, name: "jupyter" }).waitFor();
    await page.getByRole("heading", { name: "Versions" }).waitFor();
    await page.getByRole("link", { name: "Launch" }).waitFor();
    await page.waitForTimeout(300); // the README's lazy Markdown chunk
    await shot("03-chart-jupyter");
  });

  await step("launcher against the real server: no region runs services, said plainly", async () => {
    await page.getByRole("link", { name: "Launch" }).click();
    await page.waitForURL(/\/launcher\/ide\/jupyter/);
    const alert = page.getByRole("alert");
    await alert.getByText("This server cannot launch services").waitFor();
    await alert.getByText(/runs no services/).waitFor();
    await shot("04-launcher-no-region");
  });

  // Until a region plugin runs in `make run`, the server answers every launch call with 501.
  // The form description it would answer is the one captured from the same pipeline
  // (src/pages/launcher/fixtures): the browser gets it for the form call only; the launch
  // itself still goes to the real server.
  const form = JSON.parse(readFileSync(join(here, "../src/pages/launcher/fixtures/jupyter.json"), "utf8"));
  await page.route(/\/api\/v1\/projects\/[^/]+\/launch\/form\?/, (route) =>
    route.fulfill({ json: { form, catalog: "ide", allowSharing: false } }),
  );

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
    await shot("05-launcher-form-resources");
  });

  await step("launch: the real server's 501 shown plainly", async () => {
    await page.getByRole("tab", { name: "Persistent storage" }).click();
    const exact = page.getByLabel("Volume size, exact value");
    await exact.fill("500");
    await page.getByRole("button", { name: "Launch", exact: true }).click();
    const alert = page.getByRole("alert").filter({ hasText: "This server cannot launch services" });
    await alert.getByText(/runs no services/).waitFor();
    await shot("06-launcher-launch-501");
  });

  await step("launch: a field error from validation shown at the field", async () => {
    // The answer the server's validation gives for this value (core/internal/launch/check.go),
    // which it cannot reach without a region.
    await page.route(SERVICES, (route) =>
      route.request().method() === "POST"
        ? route.fulfill({
            status: 400,
            json: {
              error: {
                code: "invalid_argument",
                message: "invalid values for jupyter 1.0.0",
                details: { fields: [{ field: "persistence.size", rule: "must be at most 100Gi" }] },
              },
            },
          })
        : route.continue(),
    );
    await page.getByRole("tab", { name: "Git" }).click();
    await page.getByRole("button", { name: "Launch", exact: true }).click();
    await page.getByText("The server refused 1 value: see the field marked below.").waitFor();
    assert.equal(await page.getByRole("tab", { name: /Persistent storage/ }).getAttribute("aria-selected"), "true");
    await page.getByText("must be at most 100Gi").waitFor();
    assert.equal(await page.getByRole("slider", { name: "Volume size" }).getAttribute("aria-invalid"), "true");
    await shot("07-launcher-field-error");
    await page.unroute(SERVICES);
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

  await step("switch to French", async () => {
    await page.goto("/");
    await page.getByRole("banner").getByLabel("Language").selectOption("fr");
    await page.getByRole("link", { name: "Catalogue" }).first().waitFor();
    await page.waitForFunction(() => document.documentElement.lang === "fr");
    await shot("08-home-fr");
    await page.goto("/launcher/ide/jupyter");
    await page.getByRole("heading", { level: 1, name: "Lancer jupyter" }).waitFor();
    await page.getByRole("tablist", { name: "Réglages" }).waitFor();
    await shot("09-launcher-fr");
  });

  await step("account page", async () => {
    await page.goto("/account");
    await page.getByRole("heading", { level: 1 }).first().waitFor();
    await page.getByRole("main").getByLabel("Langue").waitFor();
    await shot("10-account-fr");
  });

  assert.deepEqual(consoleErrors, [], "no uncaught error in the page");
} catch (err) {
  steps.push({ name: "setup", ok: false });
  console.log(`FAIL ${err instanceof Error ? err.stack : err}`);
} finally {
  await context?.close().catch(() => {});
  server.kill("SIGTERM");
  rmSync(profile, { recursive: true, force: true });
}

const failed = steps.filter((s) => !s.ok);
console.log(`\ne2e: ${steps.length - failed.length}/${steps.length} steps passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${shots}`);
if (failed.length > 0) {
  if (output) console.log(`--- basalt's log (last lines)\n${output.split("\n").slice(-30).join("\n")}`);
  process.exit(1);
}
