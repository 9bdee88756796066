// End-to-end steps of the service lifecycle, run by run.mjs on its Basalt, which it starts with
// lifecycleFlags: the engine looks every 2 s, announces a suspension a minute ahead, and the
// local user's group project e2e-lc has a policy that suspends a service after 70 s of running
// (so its notice comes 10 s after the launch) and lets its owner keep it for 2 h. The other
// policy covers the personal project only: the engine leaves other projects of the cluster
// (other tests') alone.
import assert from "node:assert/strict";

export const lifecycleProject = "project-e2e-lc";

/** The --set flags of the Basalt the lifecycle steps need. */
export function lifecycleFlags() {
  const policies = [
    `{name: E2E lifetime, projects: [${lifecycleProject}], max_lifetime: 70s, max_keep: 2h}`,
    "{name: Default, projects: [user-e2e], suspend_after_idle: 8h, max_suspend_after_idle: 24h, max_keep: 168h}",
  ];
  return [
    "auth.local.groups=[e2e-lc]",
    "lifecycle.interval=2s",
    "lifecycle.notices.before_suspend=1m",
    `lifecycle.policies=[${policies.join(", ")}]`,
  ].flatMap((s) => ["--set", s]);
}

/** Polls check every second until it returns something, for at most ms. */
export async function until(what, ms, check) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function lifecycleSteps({ step, page, base, shot }) {
  const api = async (path, init) => {
    const res = await fetch(`${base}/api/v1${path}`, init);
    if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const inProject = `/projects/${lifecycleProject}/services`;
  const banner = page.getByRole("banner");
  const personal = async () => {
    await banner.getByLabel("Project").selectOption({ label: "e2e (personal)" });
    await page.waitForFunction(() => localStorage.getItem("basalt.project") === "user-e2e");
  };
  let id = "";

  await step("lifecycle: the launcher says the policy; a notice comes in the bell; Open switches project; Keep it keeps", async () => {
    for (const s of (await api(inProject)).services) await api(`${inProject}/${encodeURIComponent(s.id)}`, { method: "DELETE" });
    await page.goto("/");
    await banner.getByLabel("Project").selectOption(lifecycleProject);
    await page.goto("/launcher/ide/jupyter?name=e2e-lc");
    await page.getByRole("tablist", { name: "Settings" }).waitFor();
    await page.getByText("This service will be suspended after 1 min 10 s of running; you will be told 1 min before.").waitFor();
    await page.getByRole("button", { name: "Launch", exact: true }).click();
    await page.getByRole("heading", { name: /^(Launching e2e-lc…|e2e-lc is ready)$/ }).waitFor();
    id = (await api(inProject)).services.find((s) => s.friendlyName === "e2e-lc")?.id;
    assert.ok(id, "launched in the group project");

    // From the personal project: the bell counts the notices of every project.
    await personal();
    const notice = await until("the engine's notice", 45_000, async () =>
      (await api("/me/notices")).notices.find((n) => n.service === id),
    );
    assert.equal(notice.action, "suspend");
    assert.equal(notice.reason, "lifetime");
    await page.goto("/");
    const bell = banner.getByRole("button", { name: "Notifications: 1 notice" });
    await bell.click();
    const panel = page.getByRole("region", { name: "Notifications" });
    await panel.getByText(/^e2e-lc will be suspended (today|tomorrow) at \d\d:\d\d: longest running time reached$/).waitFor();
    await shot("24-notifications");
    await panel.getByRole("link", { name: "Open" }).click();
    await page.getByRole("heading", { level: 1, name: "e2e-lc" }).waitFor();
    assert.equal(await banner.getByLabel("Project").inputValue(), lifecycleProject, "the notice's link switched project");
    await page.getByText(/^e2e-lc will be suspended (today|tomorrow) at/).waitFor();
    const section = page.getByRole("region", { name: /^Lifecycle/ });
    await section.getByText("Suspended after 1 min 10 s of running").waitFor();
    await shot("24a-service-notice");
    await banner.getByLabel("Language").selectOption("fr");
    await page.getByText(/^e2e-lc sera suspendu (aujourd’hui|demain) à/).waitFor();
    await shot("24b-service-notice-fr");
    await banner.getByLabel("Langue").selectOption("en");
    await banner.getByLabel("Colour scheme").selectOption("dark");
    await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
    await shot("24c-service-notice-dark");
    await banner.getByLabel("Colour scheme").selectOption("system");

    await banner.getByRole("button", { name: "Notifications: 1 notice" }).click();
    await panel.getByRole("button", { name: "Keep it" }).click();
    await panel.getByText(/^e2e-lc is kept until /).waitFor();
    await banner.getByRole("button", { name: "Notifications", exact: true }).waitFor();
    await page.keyboard.press("Escape");
    await section.getByText(/^Kept until /).waitFor();
    assert.equal(await page.getByText(/^e2e-lc will be suspended/).count(), 0, "the notice is gone from the page");
    const { service } = await api(`${inProject}/${encodeURIComponent(id)}`);
    const kept = Date.parse(service.lifecycle.keepUntil) - Date.now();
    // The policy allows 2 h, less than 24 h: the most it allows, to the minute.
    assert.ok(kept > 2 * 3600_000 - 3 * 60_000 && kept <= 2 * 3600_000, `kept for ${kept} ms`);
    assert.equal(service.lifecycle.notice, undefined, "the notice withdrawn on the server");
  });

  await step("lifecycle: a notice's keep link opens the service in its project and asks before keeping", async () => {
    await personal();
    const { regions } = await api("/config");
    const before = (await api(`${inProject}/${encodeURIComponent(id)}`)).service.lifecycle.keepUntil;
    await page.goto(`/my-services/${encodeURIComponent(id)}?project=${lifecycleProject}&region=${regions[0].id}&keep=1`);
    const dialog = page.getByRole("dialog", { name: "Keep e2e-lc until…" });
    await dialog.waitFor();
    assert.equal(await banner.getByLabel("Project").inputValue(), lifecycleProject);
    assert.equal((await api(`${inProject}/${encodeURIComponent(id)}`)).service.lifecycle.keepUntil, before, "opening the link kept nothing");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    assert.ok(!page.url().includes("keep=1"), page.url());
  });

  await step("administration: the fleet filtered on the chart and the project, a dry run of suspend, applied", async () => {
    await page.getByRole("navigation").first().getByRole("link", { name: "Administration" }).click();
    await page.getByRole("heading", { level: 1, name: "Services of every project" }).waitFor();
    const filter = page.getByRole("form", { name: "Filter" });
    await filter.getByLabel("Chart").fill("jupyter");
    await filter.getByLabel("Project").fill(lifecycleProject);
    await page.getByRole("button", { name: "Apply the filter" }).click();
    const table = page.getByRole("table", { name: "1 service matches the filter" });
    await table.getByRole("rowheader", { name: new RegExp(id) }).waitFor();
    await page.getByRole("button", { name: "Dry run" }).click();
    const plan = page.getByRole("region", { name: "What would change" });
    await plan.getByText("1 service would change; nothing has changed yet.").waitFor();
    await plan.getByRole("row", { name: new RegExp(id) }).getByText("running → suspended").waitFor();
    assert.equal((await api(`${inProject}/${encodeURIComponent(id)}`)).service.suspended, false, "the dry run changed nothing");
    await shot("25-admin-dry-run");
    await banner.getByLabel("Language").selectOption("fr");
    await page.getByRole("region", { name: "Ce qui changerait" }).getByText("1 service changerait ; rien n’a encore changé.").waitFor();
    await shot("25a-admin-dry-run-fr");
    await banner.getByLabel("Langue").selectOption("en");

    await plan.getByRole("button", { name: "Apply" }).click();
    const dialog = page.getByRole("dialog", { name: "Apply to 1 service?" });
    await dialog.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("region", { name: "Result" }).getByText("1 service changed.").waitFor({ timeout: 60_000 });
    assert.equal((await api(`${inProject}/${encodeURIComponent(id)}`)).service.suspended, true, "suspended on the server");
    const commands = page.getByRole("region", { name: "Commands" });
    await commands.getByRole("button", { name: /Commands/ }).click();
    const text = (await commands.textContent()) ?? "";
    for (const c of [`Dry run: suspend project=${lifecycleProject} chart=jupyter`, `Suspend project=${lifecycleProject} chart=jupyter`, "global.suspend=true"]) assert.ok(text.includes(c), `${c} in the command panel: ${text.slice(0, 400)}`);
    await commands.getByRole("button", { name: /Commands/ }).click();
  });

  // What the steps launched goes, and the portal is back in the personal project.
  await step("lifecycle: clean up", async () => {
    if (id) await api(`${inProject}/${encodeURIComponent(id)}`, { method: "DELETE" });
    await page.goto("/");
    await personal();
  });
}
