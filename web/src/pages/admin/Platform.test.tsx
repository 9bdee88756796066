// @vitest-environment jsdom
// jsdom for axe-core, which happy-dom does not run; colour contrast needs a real layout.
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import { beforeEach, describe, expect, it } from "vitest";
import type { AuditEvent, PlatformHealth } from "../../api/types";
import { apiError, mockApi, type MockRoutes } from "../../test/mockApi";
import { renderApp } from "../../test/render";

const now = Date.now();
const iso = (msAgo: number) => new Date(now - msAgo).toISOString();

const health = (refreshed: string): PlatformHealth => ({
  replica: "basalt-7d9f-x2",
  measuredSince: iso(3 * 3600_000),
  plugins: [
    { name: "charts", kind: "catalog", running: true, pid: 4242, plugin: "helmrepo", version: "0.1.0", uptimeSeconds: 3 * 3600 + 120, restarts: 0,
      calls: 1520, errors: 3, p50Milliseconds: 1.25, p99Milliseconds: 48.5 },
    { name: "k8s", kind: "region", running: false, restarts: 2, lastError: "the plugin process exited", calls: 0, errors: 0 },
  ],
  catalogs: [
    { plugin: "charts", catalog: { id: "ide", name: { en: "IDE", fr: "EDI" }, location: "https://charts.example.org", status: "PROD",
      highlightedCharts: [], allowSharing: true, chartCount: 12, lastRefresh: refreshed } },
    { plugin: "charts", catalog: { id: "beta", name: null, location: "https://beta.example.org", status: "TEST", highlightedCharts: [],
      allowSharing: false, chartCount: 0, error: "index.yaml: 404 Not Found" } },
    { plugin: "oci", error: "plugin \"oci\" is unavailable" },
  ],
  regions: [
    { id: "paris", name: "Paris", plugin: "k8s", storage: "s3", secrets: "vault", platform: "Kubernetes", clusterVersion: "v1.31.2" },
    { id: "lyon", name: "Lyon", plugin: "k8s-lyon", error: "reading the cluster's version: connection refused" },
    { id: "files-only", name: "Files only", storage: "s3" },
  ],
});

const events: AuditEvent[] = [
  { time: iso(60_000), actor: "carol", action: "fleet.action", target: "chart=jupyter", outcome: "success", status: 200, requestId: "r3" },
  { time: iso(120_000), actor: "bob", project: "project-data-team", action: "secrets.write", target: "db", outcome: "denied", status: 404 },
  { time: iso(180_000), actor: "alice", project: "user-alice", action: "services.delete", target: "jupyter-1", outcome: "failed", status: 500 },
];

function api(routes: MockRoutes = {}) {
  let refreshed = iso(600_000);
  return mockApi({
    "GET /me/notices": { notices: [] },
    "GET /catalogs": { catalogs: [] },
    "GET /admin/services": { services: [] },
    "GET /admin/platform": () => health(refreshed),
    "POST /catalogs/refresh": ({ body }) => {
      refreshed = new Date().toISOString();
      const id = (body as { catalog?: string }).catalog;
      return { catalogs: health(refreshed).catalogs.flatMap((c) => (c.catalog && (!id || c.catalog.id === id) ? [c.catalog] : [])) };
    },
    "GET /admin/audit": ({ query }) => ({
      replica: "basalt-7d9f-x2",
      capacity: 1000,
      held: events.length,
      events: events.filter((e) => (!query.get("actor") || e.actor === query.get("actor")) && e.action.startsWith(query.get("action") ?? "")),
    }),
    ...routes,
  });
}

async function axeViolations(node: Element) {
  const r = await axe.run(node, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    rules: { "color-contrast": { enabled: false } },
  });
  return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

const cellsOf = (row: HTMLElement) => within(row).getAllByRole("cell").map((c) => c.textContent);

describe("the platform page", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("is in the navigation beside the fleet for administrators only", async () => {
    renderApp("/", api().client);
    const nav = await screen.findByRole("navigation", { name: "Main" });
    expect(await within(nav).findByRole("link", { name: "Platform" })).toBeTruthy();
    expect(within(nav).getByRole("link", { name: "Administration" })).toBeTruthy();
  });

  it("is not in the navigation for others, and the page says why", async () => {
    const forbidden = apiError(403, "permission_denied", "read plugins is for administrators");
    const m = api({ "GET /admin/services": forbidden, "GET /admin/platform": forbidden, "GET /admin/audit": forbidden });
    renderApp("/admin/platform", m.client);
    expect(await screen.findByText("This page is for administrators.")).toBeTruthy();
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(within(nav).queryByRole("link", { name: "Platform" })).toBeNull();
    expect(screen.queryByRole("region", { name: "Audit trail" })).toBeNull();
  });

  it("shows an auditor the audit trail alone", async () => {
    const m = api({ "GET /admin/platform": apiError(403, "permission_denied", "read plugins is for administrators") });
    renderApp("/admin/platform", m.client);
    expect(await screen.findByRole("table", { name: "3 events, the newest first" })).toBeTruthy();
    expect(screen.queryByRole("region", { name: "Plugins" })).toBeNull();
    expect(screen.queryByText("This page is for administrators.")).toBeNull();
  });

  it("is in the navigation of an instance without a lifecycle engine when the platform answers", async () => {
    const m = api({ "GET /admin/services": apiError(501, "not_implemented", "this instance has no lifecycle engine") });
    renderApp("/", m.client);
    const nav = await screen.findByRole("navigation", { name: "Main" });
    expect(await within(nav).findByRole("link", { name: "Platform" })).toBeTruthy();
    expect(within(nav).queryByRole("link", { name: "Administration" })).toBeNull();
  });

  it("shows the plugins, catalogs and regions as the replica sees them, without axe violations", async () => {
    const m = api();
    const { container } = renderApp("/admin/platform", m.client);
    const plugins = await screen.findByRole("region", { name: "Plugins" });
    expect(screen.getByText(/As the replica basalt-7d9f-x2 sees it/)).toBeTruthy();
    expect(cellsOf(within(plugins).getByRole("row", { name: /charts/ }))).toEqual([
      "Running", "helmrepo 0.1.0", "4242", "3 h 2 min", "0", "1,520", "3", "1.25 ms", "48.5 ms", "",
    ]);
    expect(cellsOf(within(plugins).getByRole("row", { name: /k8s/ }))).toEqual(["Stopped", "", "", "", "2", "0", "0", "", "", "the plugin process exited"]);
    // The platform is every region's: no region is asked.
    expect(m.find("GET", "/admin/platform")[0]!.query.get("region")).toBeNull();

    const catalogs = screen.getByRole("region", { name: "Catalogs" });
    const ide = cellsOf(within(catalogs).getByRole("row", { name: /IDE/ }));
    expect(ide.slice(0, 3)).toEqual(["charts", "PROD", "12"]);
    expect(ide[3]).not.toBe("");
    expect(cellsOf(within(catalogs).getByRole("row", { name: /beta/ })).slice(0, 5)).toEqual(["charts", "TEST", "0", "", "index.yaml: 404 Not Found"]);
    expect(within(catalogs).getByText('plugin "oci" is unavailable')).toBeTruthy();

    const regions = screen.getByRole("region", { name: "Regions" });
    expect(cellsOf(within(regions).getByRole("row", { name: /Paris/ }))).toEqual(["k8s", "s3", "vault", "Kubernetes v1.31.2"]);
    expect(cellsOf(within(regions).getByRole("row", { name: /Lyon/ }))).toEqual(["k8s-lyon", "none", "none", "reading the cluster's version: connection refused"]);
    expect(cellsOf(within(regions).getByRole("row", { name: /Files only/ }))).toEqual(["none", "s3", "none", ""]);

    await screen.findByRole("table", { name: "3 events, the newest first" });
    expect(await axeViolations(container)).toEqual([]);
  });

  it("refreshes one catalog, or all, and shows their new state", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/admin/platform", m.client);
    const catalogs = await screen.findByRole("region", { name: "Catalogs" });
    const before = cellsOf(within(catalogs).getByRole("row", { name: /IDE/ }))[3];
    await user.click(within(catalogs).getByRole("button", { name: "Refresh the catalog IDE" }));
    expect(await within(catalogs).findByText("1 catalog refreshed.")).toBeTruthy();
    expect(m.find("POST", "/catalogs/refresh")[0]!.body).toEqual({ catalog: "ide" });
    await waitFor(() => expect(m.find("GET", "/admin/platform").length).toBeGreaterThan(1));
    await waitFor(() => expect(cellsOf(within(catalogs).getByRole("row", { name: /IDE/ }))[3]).not.toBe(before));

    await user.click(within(catalogs).getByRole("button", { name: "Refresh every catalog" }));
    expect(await within(catalogs).findByText("2 catalogs refreshed.")).toBeTruthy();
    expect(m.find("POST", "/catalogs/refresh")[1]!.body).toEqual({});
  });

  it("says why a refresh failed", async () => {
    const m = api({ "POST /catalogs/refresh": apiError(503, "unavailable", "refreshing through plugin charts: the registry did not answer") });
    const user = userEvent.setup();
    renderApp("/admin/platform", m.client);
    const catalogs = await screen.findByRole("region", { name: "Catalogs" });
    await user.click(within(catalogs).getByRole("button", { name: "Refresh every catalog" }));
    expect(await within(catalogs).findByText(/the registry did not answer/)).toBeTruthy();
  });

  it("lists the audit trail, newest first, and filters it", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/admin/platform", m.client);
    const audit = await screen.findByRole("region", { name: "Audit trail" });
    expect(
      await within(audit).findByText(
        "The last 1000 actions that changed something, kept in memory by the replica basalt-7d9f-x2 and lost when it restarts; the audit webhook keeps them all.",
      ),
    ).toBeTruthy();
    const table = within(audit).getByRole("table", { name: "3 events, the newest first" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => within(r).getByRole("rowheader").textContent)).toEqual(["fleet.action", "secrets.write", "services.delete"]);
    expect(cellsOf(rows[1]!).slice(1)).toEqual(["bob", "project-data-team", "db", "Refused", "404"]);

    await user.type(within(audit).getByLabelText("User"), "alice");
    await user.type(within(audit).getByLabelText("Action starting with"), "services.");
    await user.selectOptions(within(audit).getByLabelText("Outcome"), "failed");
    await user.type(within(audit).getByLabelText("Since"), "2026-05-01T12:00");
    await user.type(within(audit).getByLabelText("At most"), "50");
    await user.click(within(audit).getByRole("button", { name: "Apply the filter" }));
    await within(audit).findByRole("table", { name: "1 event, the newest first" });
    const q = m.find("GET", "/admin/audit").at(-1)!.query;
    expect([q.get("actor"), q.get("action"), q.get("outcome"), q.get("limit"), q.get("region")]).toEqual(["alice", "services.", "failed", "50", null]);
    expect(new Date(q.get("since")!).getTime()).toBe(new Date(2026, 4, 1, 12, 0).getTime());

    await user.clear(within(audit).getByLabelText("User"));
    await user.type(within(audit).getByLabelText("User"), "dave");
    await user.click(within(audit).getByRole("button", { name: "Apply the filter" }));
    expect(await within(audit).findByText("No event matches the filter.")).toBeTruthy();
  });

  it("speaks French", async () => {
    localStorage.setItem("basalt.language", "fr");
    renderApp("/admin/platform", api().client);
    expect(await screen.findByRole("heading", { name: "Plateforme", level: 1 })).toBeTruthy();
    const catalogs = await screen.findByRole("region", { name: "Catalogues" });
    expect(within(catalogs).getByRole("button", { name: "Rafraîchir le catalogue EDI" })).toBeTruthy();
    expect(await screen.findByRole("table", { name: "3 événements, les plus récents d’abord" })).toBeTruthy();
    expect(screen.getByRole("region", { name: "Journal d’audit" })).toBeTruthy();
  });
});
