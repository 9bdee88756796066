// End-to-end steps of the administration pages and the user profile (issue 22), run by run.mjs:
// an administrator (the local user of run.mjs's Basalt) edits a group project's quota and
// members and the cluster keeps them; picks two services in the fleet and suspends them after a
// dry run; reads usage and downloads it as CSV. Then, on a Basalt of its own whose
// administrator declares a profile, a user fills the profile form and launches a chart that
// reads it, leaving one field out.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lifecycleProject, until } from "./lifecycle.mjs";

const apiOf = (base) => async (path, init) => {
  const res = await fetch(`${base}/api/v1${path}`, init);
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
  return res.headers.get("content-type")?.includes("json") ? res.json() : res.text();
};

const json = (method, body) => ({ method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

export async function adminSteps({ step, page, base, shot, kube }) {
  const api = apiOf(base);
  const project = lifecycleProject; // a group project of the local user (auth.local.groups)
  const inProject = `/projects/${project}/services`;
  const nav = page.getByRole("navigation").first();
  const quotaKey = "count/configmaps";
  const launched = [];

  await step("administration: a project's quota and members edited on its page; the cluster keeps them", async () => {
    const { regions } = await api("/config");
    const region = regions[0].id;
    await page.goto("/");
    await nav.getByRole("link", { name: "Projects" }).click();
    await page.getByRole("heading", { level: 1, name: "Projects" }).waitFor();
    const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: project, exact: true }) });
    await row.getByRole("button", { name: "Manage" }).click();
    const detail = page.getByRole("region", { name: `Project ${project}` });
    await detail.waitFor();

    // A quota key of the administrator's, kept by the cluster as set by hand.
    const quota = detail.getByRole("form", { name: "Quota of the project" });
    await quota.getByLabel("Another resource").fill(quotaKey);
    await quota.getByLabel("Its limit").fill("50");
    await quota.getByRole("button", { name: "Save the quota" }).click();
    await detail.getByText("Quota saved.").waitFor();
    const namespace = (await api(`/admin/projects?region=${region}`)).projects.find((p) => p.id === project).namespace;
    const quotas = await kube.get(`/api/v1/namespaces/${namespace}/resourcequotas`);
    assert.ok(
      quotas.items.some((q) => q.spec?.hard?.[quotaKey] === "50"),
      `a ResourceQuota of ${namespace} holds ${quotaKey}=50: ${JSON.stringify(quotas.items.map((q) => q.spec?.hard))}`,
    );
    const seen = (await api(`/admin/projects?region=${region}`)).projects.find((p) => p.id === project);
    assert.ok(seen.quota.setByHand.includes(quotaKey), `${quotaKey} is set by hand: ${JSON.stringify(seen.quota)}`);

    // A member added in Basalt: on the namespace and in its RoleBinding.
    const members = detail.getByRole("form", { name: "Add a member" });
    await members.getByLabel("User name").fill("bob");
    await members.getByRole("button", { name: "Add" }).click();
    await detail.getByRole("button", { name: "Remove bob" }).waitFor();
    const ns = await kube.get(`/api/v1/namespaces/${namespace}`);
    assert.match(ns.metadata.annotations?.["basalt.dev/project-members"] ?? "", /"bob"/, "bob kept on the namespace");
    const bindings = await kube.get(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`);
    assert.ok(
      bindings.items.some((b) => (b.subjects ?? []).some((s) => s.kind === "User" && s.name.endsWith("bob"))),
      `bob is a subject of a RoleBinding of ${namespace}: ${JSON.stringify(bindings.items.map((b) => b.subjects))}`,
    );
    await shot("27-admin-project");

    // Both given back: the project is as the region made it.
    await detail.getByRole("button", { name: "Remove bob" }).click();
    await detail.getByText("Nobody added.").waitFor();
    await quota.getByRole("button", { name: `Give ${quotaKey} back to the region` }).click();
    await until("the quota key given back", 20_000, async () => {
      const p = (await api(`/admin/projects?region=${region}`)).projects.find((x) => x.id === project);
      return !p.quota.setByHand.includes(quotaKey);
    });
  });

  await step("administration: two services picked in the fleet, suspended after a dry run", async () => {
    for (const name of ["fleet-a", "fleet-b"]) {
      const { service } = await api(inProject, json("POST", { catalog: "ide", chart: "jupyter", name }));
      launched.push(service.id);
      // Kept from the group project's 70 s lifetime (lifecycle.mjs), so only the fleet suspends it.
      await api(`${inProject}/${encodeURIComponent(service.id)}/lifecycle`, json("PUT", { keepUntil: new Date(Date.now() + 3600_000).toISOString() }));
    }
    // From the project's service count to the fleet, filtered on the project.
    await page.goto("/admin/projects");
    const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: project, exact: true }) });
    await until("the two services counted", 30_000, async () => (await row.getByRole("link").first().textContent()) === "2" || (await page.reload(), false));
    await row.getByRole("link", { name: "2" }).click();
    await page.getByRole("heading", { level: 1, name: "Services of every project" }).waitFor();
    assert.equal(await page.getByRole("form", { name: "Filter" }).getByLabel("Project").inputValue(), project, "the filter came with the link");
    // The fleet's pages come from a listing at most 5 s old, which the portal's navigation may
    // have taken before the second service was recorded: a reload (the filter is in the
    // address) reads a newer one.
    const table = page.getByRole("table", { name: "2 services match the filter" });
    await until("both services in the fleet", 30_000, async () => {
      if (await table.waitFor({ timeout: 6_000 }).then(() => true, () => false)) return true;
      await page.reload();
      return false;
    });
    for (const name of ["fleet-a", "fleet-b"]) await table.getByRole("checkbox", { name: `Pick ${name} (${project})` }).check();
    await page.getByRole("radio", { name: "The 2 services picked" }).check();
    await page.getByRole("button", { name: "Dry run" }).click();
    const plan = page.getByRole("region", { name: "What would change" });
    await plan.getByText("2 services would change; nothing has changed yet.").waitFor();
    for (const id of launched) assert.equal((await api(`${inProject}/${encodeURIComponent(id)}`)).service.suspended, false, "the dry run changed nothing");
    await shot("28-admin-fleet-picked");
    await plan.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("dialog", { name: "Apply to 2 services?" }).getByRole("button", { name: "Apply" }).click();
    await page.getByRole("region", { name: "Result" }).getByText("2 services changed.").waitFor({ timeout: 60_000 });
    for (const id of launched) assert.equal((await api(`${inProject}/${encodeURIComponent(id)}`)).service.suspended, true, `${id} suspended on the server`);
  });

  await step("administration: usage by project from requests × running time, and as CSV", async () => {
    await page.goto("/");
    await nav.getByRole("link", { name: "Usage" }).click();
    await page.getByRole("heading", { level: 1, name: "Usage" }).waitFor();
    await page.getByText(/^These figures are requests × running time/).waitFor();
    await page.getByRole("form", { name: "Period and grouping" }).getByLabel("By").selectOption("project");
    await page.getByRole("button", { name: "Show" }).click();
    const totals = page.getByRole("table", { name: /^By project,/ });
    const line = totals.getByRole("row").filter({ has: page.getByRole("rowheader", { name: project, exact: true }) });
    await line.waitFor({ timeout: 30_000 });
    // The two services ran for seconds, each asking 100m of CPU (the region's default request).
    const report = await api("/admin/usage?by=project");
    const mine = report.totals.find((t) => t.key === project);
    assert.ok(mine?.hours.running > 0 && mine.hours.cpu > 0, `usage of ${project}: ${JSON.stringify(mine)}`);
    await shot("29-admin-usage");
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download CSV" }).click();
    const csv = await (await download).createReadStream().then(
      (s) =>
        new Promise((resolve, reject) => {
          let text = "";
          s.on("data", (d) => (text += d));
          s.on("end", () => resolve(text));
          s.on("error", reject);
        }),
    );
    const [header, ...lines] = csv.trim().split("\n");
    assert.equal(
      header,
      "day,project,running_hours,cpu_core_hours,memory_gib_hours,gpu_hours,storage_gib_hours," +
        "running_source,cpu_source,memory_source,gpu_source,storage_source",
    );
    // This Basalt names no Prometheus: every figure says it is requests × running time.
    const ours = lines.map((l) => l.split(",")).filter((cells) => cells[1] === project);
    assert.ok(ours.length > 0, `a line of ${project} in the CSV: ${csv.slice(0, 400)}`);
    for (const cells of ours) assert.deepEqual(cells.slice(7), Array(5).fill("requests"), `sources of ${cells.join(",")}`);
  });

  await step("administration: clean up", async () => {
    for (const id of launched) await api(`${inProject}/${encodeURIComponent(id)}`, { method: "DELETE" });
  });
}

/**
 * The --set flags of the profile's Basalt: a profile of two fields and a catalog of one chart
 * reading them, packaged as a Helm repository by bin's basalt-catalog, as make build does the
 * default catalog.
 */
export function profileFlags(testenv, dir, bin) {
  const source = join(dir, "profile-charts");
  const catalog = join(dir, "profile-catalog");
  const chart = join(source, "team-card");
  mkdirSync(join(chart, "templates"), { recursive: true });
  writeFileSync(join(chart, "Chart.yaml"), "apiVersion: v2\nname: team-card\nversion: 1.0.0\ndescription: A card of its launcher's team, read from their profile.\n");
  writeFileSync(join(chart, "values.yaml"), 'team: "none"\nlanguage: "none"\n');
  const fromProfile = (field) => ({ type: "string", title: field, default: "none", "x-onyxia": { overwriteDefaultWith: `user.profile.${field}` } });
  writeFileSync(join(chart, "values.schema.json"), JSON.stringify({ type: "object", properties: { team: fromProfile("team"), language: fromProfile("language") } }, null, 2));
  writeFileSync(
    join(chart, "templates", "card.yaml"),
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-card\ndata:\n  team: {{ .Values.team | quote }}\n  language: {{ .Values.language | quote }}\n",
  );
  execFileSync(join(bin, "basalt-catalog"), ["package", source, catalog]);
  const profile =
    "{type: object, required: [team], properties: {team: {type: string, title: Team, enum: [data-science, statistics]}, language: {type: string, title: Preferred language, default: python}}}";
  return [
    "plugins.cluster.enabled=true",
    `plugins.cluster.config.kubeconfig=${testenv.KUBECONFIG}`,
    "auth.local.username=e2e-profile",
    "regions=[{id: local, name: This machine, region: cluster, storage: files, secrets: secrets}]",
    `plugins.catalogs.config.catalogs=[{id: team, name: {en: Team, fr: Équipe}, location: ${catalog}, status: PROD}]`,
    `profile.schema=${profile}`,
  ].flatMap((s) => ["--set", s]);
}

export async function profileSteps({ step, context, startBasalt, testenv, scratch, shotOf, kube, bin }) {
  await step("profile: the administrator's form filled on the account page; a launch reads it, one field left out", async () => {
    const { base } = await startBasalt("profile", () => profileFlags(testenv, scratch, bin));
    const api = apiOf(base);
    const p = await context.newPage();
    const shot = shotOf(p);
    let id = "";
    try {
      await p.goto(`${base}/account`);
      await p.getByRole("tab", { name: "Profile" }).click();
      const form = p.getByRole("form", { name: "Your profile" });
      await form.getByLabel("Team").selectOption("statistics");
      await form.getByLabel("Preferred language").fill("julia");
      await form.getByRole("button", { name: "Save the profile" }).click();
      await p.getByText("Profile saved").waitFor();
      assert.deepEqual((await api("/me/profile")).values, { team: "statistics", language: "julia" });
      await shot("30-profile-form");

      await p.goto(`${base}/launcher/team/team-card`);
      const from = p.getByRole("group", { name: "From your profile" });
      await from.getByRole("checkbox", { name: "Team (statistics)" }).waitFor();
      await from.getByRole("checkbox", { name: "Preferred language (julia)" }).uncheck();
      await shot("31-launcher-profile");
      await p.getByRole("button", { name: "Launch", exact: true }).click();
      const services = `/projects/user-e2e-profile/services`;
      id = await until("the launched card", 30_000, async () => (await api(services)).services.find((s) => s.chart === "team-card")?.id);
      const card = await until("the card's ConfigMap", 30_000, () => kube.get(`/api/v1/namespaces/user-e2e-profile/configmaps/${id}-card`));
      assert.deepEqual(card.data, { team: "statistics", language: "none" }, "the team from the profile, the language left out");
    } finally {
      if (id) await api(`/projects/user-e2e-profile/services/${encodeURIComponent(id)}`, { method: "DELETE" });
      await p.close();
    }
  });
}
