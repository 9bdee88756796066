import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { FleetActionRequest, FleetService, ServiceView as Service } from "../../api/types";
import { testLifecycle, testService } from "../../test/fixtures";
import { apiError, mockApi, type MockRoutes } from "../../test/mockApi";
import { renderApp } from "../../test/render";

const member = (project: string, id: string, over: Partial<Service> = {}, cpu?: number): FleetService => ({
  region: "local",
  project,
  state: over.suspended ? "suspended" : "running",
  cpuMillicores: cpu,
  requests: over.suspended ? { cpuMillicores: 0, memoryBytes: 0, gpus: 0 } : { cpuMillicores: 500, memoryBytes: 2 ** 31, gpus: 1 },
  lastActive: new Date(Date.now() - 2 * 3600_000).toISOString(),
  service: testService({ id, friendlyName: id, owner: project.replace(/^user-/, ""), ...over }),
  lifecycle: testLifecycle({
    lastActive: new Date(Date.now() - 2 * 3600_000).toISOString(),
    notice: { action: "suspend", reason: "idle", due: new Date(Date.now() + 20 * 60_000).toISOString() },
  }),
});

const fleet = [
  member("user-bob", "jupyter-1", {}, 120),
  member("user-carol", "jupyter-2", { suspended: true, status: "suspended", ready: false }),
  member("user-bob", "rstudio-3", { chart: "rstudio", version: "1.0.0" }),
];

function api(routes: MockRoutes = {}) {
  return mockApi({
    "GET /me/notices": { notices: [] },
    "GET /catalogs": { catalogs: [] },
    "GET /admin/services": ({ query }) => {
      const services = fleet.filter((s) => !query.get("chart") || s.service.chart === query.get("chart"));
      return { services, total: services.length };
    },
    "POST /admin/services/actions": ({ body }) => {
      const req = body as FleetActionRequest;
      const matched = fleet.filter((s) => !req.filter?.chart || s.service.chart === req.filter.chart);
      return {
        dryRun: !!req.dryRun,
        results: matched.map((s) => ({
          service: s,
          change: s.service.suspended ? "" : "running → suspended",
          // One service fails when applied, as with a cluster that refuses one release.
          error: !req.dryRun && s.service.id === "jupyter-1" ? "the cluster refused the upgrade" : undefined,
        })),
        commands: matched
          .filter((s) => !s.service.suspended)
          .map((s) => `helm upgrade ${s.service.id} ide/jupyter --namespace ${s.project} --reuse-values --set global.suspend=true`),
      };
    },
    ...routes,
  });
}

/** The table's page requests (the navigation asks for one service, to know who may see the page). */
const pageCalls = (m: ReturnType<typeof api>) => m.find("GET", "/admin/services").filter((c) => c.query.get("limit") === "100");

describe("the administration of services", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("is in the navigation only for those the server lets in", async () => {
    const admin = api();
    renderApp("/", admin.client);
    const nav = await screen.findByRole("navigation", { name: "Main" });
    expect(await within(nav).findByRole("link", { name: "Administration" })).toBeTruthy();
  });

  it("is not in the navigation for others, and the page says why", async () => {
    const m = api({ "GET /admin/services": apiError(403, "permission_denied", "read services is for administrators") });
    renderApp("/admin/services", m.client);
    expect(await screen.findByText("This page is for administrators.")).toBeTruthy();
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(within(nav).queryByRole("link", { name: "Administration" })).toBeNull();
  });

  it("lists the fleet, filters it, runs a dry run, then applies after a confirmation, with each service's outcome", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/admin/services", m.client);
    const table = await screen.findByRole("table", { name: "3 services match the filter" });
    const row = within(table).getByRole("row", { name: /jupyter-1/ });
    const cells = within(row).getAllByRole("cell").map((c) => c.textContent);
    expect(cells.slice(1)).toEqual(["user-bob", "bob", "jupyter (ide)", "2.1.0", "Ready", "unknown", "2 hours ago", "120 millicores", "unknown", "500 millicores · 2.1 GB · 1 GPU", "Suspension in 20 minutes"]);
    expect(within(row).getByRole("link", { name: "jupyter-1" }).getAttribute("href")).toBe("/my-services/jupyter-1?project=user-bob&region=local");
    const paused = within(table).getByRole("row", { name: /jupyter-2/ });
    expect(within(paused).getAllByText("unknown")).toHaveLength(3);
    expect(within(paused).getByText("nothing")).toBeTruthy(); // a paused service asks nothing of the cluster
    // The fleet is every region's: no region is asked unless the filter names one; a page at a time, in the project's order.
    const first = pageCalls(m).at(-1)!.query;
    expect([first.get("region"), first.get("limit"), first.get("sort"), first.get("cursor")]).toEqual([null, "100", "project", null]);

    await user.type(screen.getByLabelText("Chart"), "jupyter");
    await user.click(screen.getByRole("button", { name: "Apply the filter" }));
    await screen.findByRole("table", { name: "2 services match the filter" });
    expect(pageCalls(m).at(-1)!.query.get("chart")).toBe("jupyter");

    await user.click(screen.getByRole("button", { name: "Dry run" }));
    const plan = await screen.findByRole("region", { name: "What would change" });
    expect(m.find("POST", "/admin/services/actions")[0]!.body).toEqual({ action: "suspend", filter: { chart: "jupyter" }, dryRun: true });
    expect(within(plan).getByText("1 service would change; nothing has changed yet.")).toBeTruthy();
    expect(within(within(plan).getByRole("row", { name: /jupyter-1/ })).getByText("running → suspended")).toBeTruthy();
    expect(within(within(plan).getByRole("row", { name: /jupyter-2/ })).getByText("no change")).toBeTruthy();
    expect(m.find("POST", "/admin/services/actions")).toHaveLength(1);

    await user.click(within(plan).getByRole("button", { name: "Apply" }));
    const dialog = screen.getByRole("dialog", { name: "Apply to 1 service?" });
    expect(within(dialog).getByText("jupyter-1 (user-bob): running → suspended")).toBeTruthy();
    await user.click(within(dialog).getByRole("button", { name: "Apply" }));
    const done = await screen.findByRole("region", { name: "Result" });
    expect(m.find("POST", "/admin/services/actions")[1]!.body).toEqual({ action: "suspend", filter: { chart: "jupyter" }, dryRun: false });
    expect(within(done).getByText("0 services changed. 1 failed: see below.")).toBeTruthy();
    expect(within(within(done).getByRole("row", { name: /jupyter-1/ })).getByText("Failed: the cluster refused the upgrade")).toBeTruthy();

    // The dry run's and the action's commands are in the command panel.
    const panel = screen.getByRole("region", { name: "Commands" });
    await user.click(within(panel).getByRole("button", { name: /Commands/ }));
    expect(within(panel).getByText("Dry run: suspend chart=jupyter")).toBeTruthy();
    expect(within(panel).getByText("Suspend chart=jupyter")).toBeTruthy();
    expect(within(panel).getAllByText(/helm upgrade jupyter-1 ide\/jupyter --namespace user-bob/)).toHaveLength(2);
  });

  it("takes its filter from the address, and keeps the applied filter there", async () => {
    const m = api();
    const user = userEvent.setup();
    const { router } = renderApp("/admin/services?region=local&project=user-bob&state=bogus", m.client);
    await screen.findByRole("table");
    const first = pageCalls(m)[0]!.query;
    expect([first.get("region"), first.get("project"), first.get("state")]).toEqual(["local", "user-bob", null]);
    const form = screen.getByRole("form", { name: "Filter" });
    expect((within(form).getByLabelText("Project") as HTMLInputElement).value).toBe("user-bob");

    await user.clear(within(form).getByLabelText("Project"));
    await user.type(within(form).getByLabelText("Chart"), "rstudio");
    await user.click(screen.getByRole("button", { name: "Apply the filter" }));
    await screen.findByRole("table", { name: "1 service matches the filter" });
    expect(router.state.location.search).toBe("?region=local&chart=rstudio");
    await user.click(screen.getByRole("button", { name: "Clear the filter" }));
    await screen.findByRole("table", { name: "3 services match the filter" });
    expect(router.state.location.search).toBe("");
  });

  it("asks an upgrade's version, and a changed action drops the dry run", async () => {
    const m = api();
    const user = userEvent.setup();
    localStorage.setItem("basalt.language", "fr");
    renderApp("/admin/services", m.client);
    await screen.findByRole("table", { name: "3 services correspondent au filtre" });
    await user.click(screen.getByRole("button", { name: "Essai à blanc" }));
    await screen.findByRole("region", { name: "Ce qui changerait" });
    await user.selectOptions(screen.getByLabelText("Action"), "upgrade");
    expect(screen.queryByRole("region", { name: "Ce qui changerait" })).toBeNull();
    await user.type(screen.getByLabelText("Version du chart"), "2.5.2");
    await user.click(screen.getByRole("button", { name: "Essai à blanc" }));
    await waitFor(() => expect(m.find("POST", "/admin/services/actions")).toHaveLength(2));
    expect(m.find("POST", "/admin/services/actions")[1]!.body).toEqual({ action: "upgrade", filter: {}, version: "2.5.2", dryRun: true });
  });

  it("holds 10,000 services: draws the rows in view, reads the next page as the table scrolls, sorts by a column on the server", async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => member(`user-u${i % 100}`, `svc-${String(i).padStart(5, "0")}`));
    const m = api({
      // Pages of the limit asked, the cursor being where the last one ended.
      "GET /admin/services": ({ query }) => {
        const from = Number(query.get("cursor") ?? 0);
        const limit = Number(query.get("limit"));
        const end = Math.min(from + limit, many.length);
        return { services: many.slice(from, end), total: many.length, next: end < many.length ? String(end) : undefined };
      },
    });
    const user = userEvent.setup();
    renderApp("/admin/services", m.client);
    const table = await screen.findByRole("table", { name: "10,000 services match the filter" });
    expect(table.getAttribute("aria-rowcount")).toBe("10001");
    const drawn = () => within(table).getAllByRole("row").length - 1;
    expect(drawn()).toBeGreaterThan(5);
    expect(drawn()).toBeLessThan(60);
    const pages = () => pageCalls(m);
    expect(pages().map((c) => c.query.get("cursor"))).toEqual([null]);

    // Scrolled to the end of what was read, the table reads the next page, and draws those rows.
    const box = screen.getByRole("region", { name: "10,000 services match the filter" });
    box.scrollTop = 100 * 52;
    fireEvent.scroll(box);
    await waitFor(() => expect(pages().map((c) => c.query.get("cursor"))).toContain("100"));
    await waitFor(() => expect(within(table).queryByRole("row", { name: /svc-00105/ })).toBeTruthy());
    expect(drawn()).toBeLessThan(60);
    expect(within(table).queryByRole("row", { name: /svc-00001 / })).toBeNull();

    // A column's header sorts on the server: ascending, then descending, read from the first page again.
    await user.click(within(table).getByRole("button", { name: "Owner" }));
    await waitFor(() => expect(pages().at(-1)!.query.get("sort")).toBe("owner"));
    expect(pages().find((c) => c.query.get("sort") === "owner")!.query.get("cursor")).toBeNull();
    expect(box.scrollTop).toBe(0);
    expect(within(table).getByRole("columnheader", { name: /Owner/ }).getAttribute("aria-sort")).toBe("ascending");
    await user.click(within(table).getByRole("button", { name: /Owner/ }));
    await waitFor(() => expect(pages().at(-1)!.query.get("sort")).toBe("-owner"));
    expect(within(table).getByRole("columnheader", { name: /Owner/ }).getAttribute("aria-sort")).toBe("descending");

    // The search and the status filter go to the server.
    await user.type(screen.getByLabelText("Search"), "u7 notebook");
    await user.selectOptions(screen.getByLabelText("Status"), "suspended");
    await user.click(screen.getByRole("button", { name: "Apply the filter" }));
    await waitFor(() => expect(pages().at(-1)!.query.get("q")).toBe("u7 notebook"));
    expect(pages().at(-1)!.query.get("state")).toBe("suspended");
  });

  it("deletes the services picked, after a dry run of exactly those", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/admin/services", m.client);
    const table = await screen.findByRole("table", { name: "3 services match the filter" });
    await user.click(within(table).getByRole("checkbox", { name: "Pick jupyter-1 (user-bob)" }));
    await user.click(within(table).getByRole("checkbox", { name: "Pick rstudio-3 (user-bob)" }));
    expect(screen.getByRole("radio", { name: "The 2 services picked" })).toHaveProperty("checked", true);
    await user.selectOptions(screen.getByLabelText("Action"), "delete");
    await user.click(screen.getByRole("button", { name: "Dry run" }));
    await screen.findByRole("region", { name: "What would change" });
    const picked = [
      { region: "local", project: "user-bob", service: "jupyter-1" },
      { region: "local", project: "user-bob", service: "rstudio-3" },
    ];
    expect(m.find("POST", "/admin/services/actions")[0]!.body).toEqual({ action: "delete", filter: { services: picked }, dryRun: true });

    // Every service the filter matches is the other choice; the dry run is dropped with the change.
    await user.click(screen.getByRole("radio", { name: "All 3 services the filter matches" }));
    expect(screen.queryByRole("region", { name: "What would change" })).toBeNull();
    await user.click(screen.getByRole("radio", { name: "The 2 services picked" }));
    await user.click(screen.getByRole("button", { name: "Dry run" }));
    const plan = await screen.findByRole("region", { name: "What would change" });
    await user.click(within(plan).getByRole("button", { name: "Apply" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Apply" }));
    await screen.findByRole("region", { name: "Result" });
    expect(m.find("POST", "/admin/services/actions").at(-1)!.body).toEqual({ action: "delete", filter: { services: picked }, dryRun: false });
    // Done with, the picks are cleared.
    expect(screen.queryByRole("radio", { name: /picked/ })).toBeNull();
    expect(within(table).getByRole("checkbox", { name: "Pick jupyter-1 (user-bob)" })).toHaveProperty("checked", false);
  });
});
