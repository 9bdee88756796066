// End-to-end step of sharing a running service through the gateway (issue 19), with three
// people in three browser contexts of their own, on a Basalt in OIDC mode (the environment's
// Hydra) whose region is the environment's cluster: alice's Jupyter runs on the real node,
// she opens it with no password and shares it with bob, who opens it and runs a cell; dave is
// refused; alice takes bob's access away and his open kernel connection is closed.
import assert from "node:assert/strict";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { kernelClosed, openKernel, runCell } from "./jupyter.mjs";

const owner = "alice";
const project = `user-${owner}`;
const name = "e2e-share";
// Issue 19: a revoked grant closes the grantee's open connections within 5 s.
const revocationBound = 5_000;

/**
 * The sharing step. It needs run.mjs's step, startOidcBasalt and shotOf, the test environment,
 * its Kubernetes client, the screenshots' directory and Chromium's launch options.
 */
export async function shareSteps({ step, startOidcBasalt, testenv, kube, shotOf, shots, browserOptions }) {
  await step("share: alice opens her Jupyter, shares it with bob, who runs a cell; dave is refused; revoked, bob's kernel connection closes", async () => {
    const t0 = Date.now();
    const phases = [];
    const phase = (what) => phases.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const basalt = await startOidcBasalt("share", [
      "--set", "plugins.cluster.enabled=true",
      "--set", `plugins.cluster.config.kubeconfig=${testenv.KUBECONFIG}`,
      // Its policies would act on every project of the shared cluster; sharing needs none.
      "--set", "lifecycle.enabled=false",
    ]);
    const base = basalt.base;
    let browser;
    let labelled = false;
    let alice;
    let launched = "";
    // Basalt's API as alice, from her portal page (her session, the portal's origin).
    const api = (method, path) =>
      alice.evaluate(
        async ([method, path]) => {
          const res = await fetch(`/api/v1${path}`, { method });
          return { status: res.status, body: await res.text() };
        },
        [method, path],
      );
    try {
      browser = await chromium.launch(browserOptions);
      const contextOf = async () => {
        const c = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "en-US" });
        c.setDefaultTimeout(20_000);
        c.setDefaultNavigationTimeout(30_000);
        return c;
      };
      const [contextA, contextB, contextC] = await Promise.all([contextOf(), contextOf(), contextOf()]);
      // On Hydra's login page (the environment's login app), the user's own button.
      const signIn = async (page, user) => {
        await page.waitForURL((u) => u.href.startsWith(testenv.BASALT_TESTENV_OIDC_LOGIN_URL));
        await page.getByRole("button", { name: user, exact: true }).click();
      };
      // The answers to a page's navigations, redirects included: "status host/path".
      const navigations = (page) => {
        const seen = [];
        page.on("response", (r) => {
          if (!r.request().isNavigationRequest()) return;
          const u = new URL(r.url());
          seen.push(`${r.status()} ${u.host}${u.pathname}`);
        });
        return seen;
      };
      const portal = new URL(base).host;

      // alice signs in to the portal, in her personal project.
      alice = await contextA.newPage();
      await alice.goto(`${base}/`);
      await alice.getByRole("banner").getByRole("link", { name: "Sign in" }).click();
      await signIn(alice, owner);
      await alice.waitForURL((u) => u.href.startsWith(base) && !u.pathname.startsWith("/auth/"));
      const banner = alice.getByRole("banner");
      await banner.getByRole("link", { name: owner }).waitFor();
      await banner.getByLabel("Project").selectOption({ label: `${owner} (personal)` });
      const services = async () => {
        const res = await api("GET", `/projects/${project}/services`);
        assert.equal(res.status, 200, res.body);
        return JSON.parse(res.body).services ?? [];
      };
      // A run that stopped half way may have left its service behind.
      for (const s of await services()) {
        if (s.friendlyName !== name) continue;
        const res = await api("DELETE", `/projects/${project}/services/${encodeURIComponent(s.id)}`);
        assert.ok(res.status < 300, `deleting the leftover ${s.id}: ${res.status} ${res.body}`);
        console.log(`  deleted a leftover service of an earlier run: ${s.id}`);
      }
      phase("alice signed in");

      // Her Jupyter runs for real on the environment's real node.
      await kube.realWorkloads(project, true);
      labelled = true;
      await alice.goto(`${base}/launcher/ide/jupyter?name=${name}`);
      await alice.getByRole("tablist", { name: "Settings" }).waitFor();
      await alice.getByRole("button", { name: "Launch", exact: true }).click();
      await alice.getByRole("heading", { name: `${name} is ready` }).waitFor({ timeout: 150_000 });
      const svc = (await services()).find((s) => s.friendlyName === name);
      assert.ok(svc?.ready, `${name} ready on the server: ${JSON.stringify(svc)}`);
      launched = svc.id;
      const host = `${svc.id}--${project}.localhost:${new URL(base).port}`;
      const url = `http://${host}/`;
      assert.equal(svc.access?.url, url, "the service's address through Basalt");
      phase("Jupyter ready");

      // alice opens it from its page: Jupyter's file list, no password asked, a cell runs.
      await alice.goto(`${base}/my-services/${encodeURIComponent(svc.id)}`);
      await alice.getByRole("heading", { level: 1, name }).waitFor();
      const open = alice.getByRole("main").getByRole("link", { name: `Open ${url}`, exact: true });
      const [jupyterA] = await Promise.all([contextA.waitForEvent("page"), open.click()]);
      await jupyterA.waitForURL((u) => u.host === host && u.pathname === "/tree");
      assert.equal(await jupyterA.title(), "Home Page - Select or create a notebook");
      const cellA = await runCell(jupyterA, "1+1");
      assert.equal(cellA.result, "2", JSON.stringify(cellA));
      await jupyterA.close();
      phase("alice ran a cell");

      // She shares it with bob, by name, in the Share dialog.
      await alice.getByRole("button", { name: "Share", exact: true }).click();
      const dialog = alice.getByRole("dialog", { name: `Share ${name}` });
      await dialog.getByText("No one else yet.").waitFor();
      await dialog.getByLabel("Kind").selectOption("user");
      await dialog.getByLabel("User name").fill("bob");
      await dialog.getByRole("button", { name: "Give access" }).click();
      await dialog.getByRole("status").getByText("bob may now open it.").waitFor();
      const bobRow = dialog.getByRole("row").filter({ has: alice.getByText("bob", { exact: true }) });
      await bobRow.getByRole("cell", { name: "No expiry" }).waitFor();
      await shotOf(alice)("26-share-dialog");

      // bob opens the address he was given, not signed in anywhere: the host sends him to the
      // portal, the portal to Hydra, and back with a ticket; then Jupyter, with no password.
      const bob = await contextB.newPage();
      const bobHops = navigations(bob);
      await bob.goto(url);
      await signIn(bob, "bob");
      await bob.waitForURL((u) => u.host === host || u.host === portal);
      await bob.waitForLoadState("load");
      assert.equal(`${new URL(bob.url()).host}${new URL(bob.url()).pathname}`, `${host}/tree`, `bob on Jupyter's file list after: ${bobHops.join(", ")}`);
      const ticket = bobHops.lastIndexOf(`302 ${portal}/api/v1/gateway/authorize`);
      assert.ok(ticket > 0 && bobHops[ticket + 1] === `302 ${host}/_basalt/ticket`, `a ticket from the portal after his sign-in: ${bobHops.join(", ")}`);
      assert.equal(await bob.title(), "Home Page - Select or create a notebook");
      assert.ok(!bob.url().includes("token"), `a token in the address: ${bob.url()}`);
      const cellB = await openKernel(bob, "6*7");
      assert.equal(cellB.result, "42", JSON.stringify(cellB));
      await bob.screenshot({ path: join(shots, "26a-share-bob-in-jupyter.png") });
      phase("bob ran a cell");

      // dave, with the same address, is refused: signed in, but never given the host's cookie.
      const dave = await contextC.newPage();
      const daveHops = navigations(dave);
      await dave.goto(url);
      await signIn(dave, "dave");
      await dave.waitForURL((u) => u.host === host || u.host === portal);
      await dave.getByRole("heading", { level: 1, name: "You may not open this service" }).waitFor();
      assert.deepEqual(daveHops.filter((h) => h.includes(host)), [`302 ${host}/`], `dave's one answer from the host sends him to the portal: ${daveHops.join(", ")}`);
      assert.equal(daveHops.at(-1), `403 ${portal}/api/v1/gateway/authorize`, `the portal refuses him: ${daveHops.join(", ")}`);
      assert.ok(!(await contextC.cookies(url)).some((c) => c.name === "basalt_app"), "no session on the host for dave");
      await shotOf(dave)("26b-share-dave-refused");
      phase("dave refused");

      // alice removes bob's grant: his open kernel connection is closed within seconds.
      const saved = alice.waitForResponse((r) => r.url().endsWith(`/services/${encodeURIComponent(svc.id)}/access`) && r.request().method() === "PUT");
      const clicked = Date.now();
      await bobRow.getByRole("button", { name: "Remove access for bob" }).click();
      assert.equal((await saved).status(), 200);
      const answered = Date.now();
      const closed = await kernelClosed(bob, cellB.kernel, 15_000);
      const afterClick = closed.at - clicked;
      const afterSave = closed.at - answered;
      console.log(`  bob's kernel WebSocket closed ${afterClick} ms after alice's click (${afterSave} ms after Basalt saved the grants; code ${closed.code})`);
      assert.ok(afterClick <= revocationBound, `closed ${afterClick} ms after the click, above ${revocationBound} ms`);
      await dialog.getByRole("status").getByText("bob may no longer open it; their open connections close within seconds.").waitFor();
      await dialog.getByText("No one else yet.").waitFor();
      phase("bob's access removed");

      // His next requests, to Jupyter's API and a reload of the page, are refused.
      const apiCall = await bob.evaluate(async () => (await fetch("/api/contents")).status);
      assert.equal(apiCall, 403, "Jupyter's API after the revocation");
      const reload = await bob.reload();
      assert.equal(reload?.status(), 403, "the page after the revocation");
      await bob.getByRole("heading", { level: 1, name: "You may not open this service" }).waitFor();
      await shotOf(bob)("26c-share-bob-revoked");
      phase("bob refused");
    } finally {
      console.log(`  share: ${phases.join("; ")}`);
      if (launched) {
        const res = await api("DELETE", `/projects/${project}/services/${encodeURIComponent(launched)}`).catch((err) => ({ status: 0, body: String(err) }));
        if (res.status >= 300 || res.status === 0) console.log(`FAIL deleting ${launched}: ${res.status} ${res.body}`);
      }
      if (labelled) await kube.realWorkloads(project, false).catch((err) => console.log(`FAIL removing the real node's label from ${project}: ${err}`));
      await browser?.close().catch(() => {});
      basalt.proc.kill("SIGTERM");
    }
  });
}
