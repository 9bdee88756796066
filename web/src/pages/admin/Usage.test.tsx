// @vitest-environment jsdom
// jsdom for axe-core, which happy-dom does not run; colour contrast needs a real layout.
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { UsageReport } from "../../api/types";
import { axeViolations } from "../../test/axe";
import { apiError, mockApi, type MockRequest, type MockRoutes } from "../../test/mockApi";
import { renderApp } from "../../test/render";
import { chartData, daysOf, formatHours } from "./UsagePage";

const hours = (running: number, cpu: number, memoryGiB: number, gpu: number, storageGiB: number) => ({ running, cpu, memoryGiB, gpu, storageGiB });

function usage(q: URLSearchParams, over: Partial<UsageReport> = {}): UsageReport {
  const by = (q.get("by") ?? "user") as "user" | "project";
  const [a, b] = by === "user" ? ["alice", "bob"] : ["project-data-team", "user-bob"];
  return {
    from: q.get("from") ?? "2026-05-01",
    to: q.get("to") ?? "2026-05-30",
    by,
    basis: "requests",
    sources: { running: "requests", cpu: "requests", memoryGiB: "requests", gpu: "requests", storageGiB: "requests" },
    measuredRegions: [],
    prometheusFailures: [],
    note: "requests × running time …",
    asOf: "2026-05-20T09:00:00Z",
    rows: [
      { day: "2026-05-19", key: a, hours: hours(12, 6, 24, 0, 140) },
      { day: "2026-05-19", key: b, hours: hours(2, 4, 8, 2, 0) },
      { day: "2026-05-20", key: a, hours: hours(9, 4.5, 18, 0, 90) },
    ],
    totals: [
      { key: a, hours: hours(21, 10.5, 42, 0, 230) },
      { key: b, hours: hours(2, 4, 8, 2, 0) },
    ],
    total: hours(23, 14.5, 50, 2, 230),
    servicesExamined: 3,
    serviceCap: 2000,
    capReached: false,
    shortHistories: 0,
    skipped: [],
    ...over,
  };
}

function api(routes: MockRoutes = {}) {
  return mockApi({
    "GET /me/notices": { notices: [] },
    "GET /catalogs": { catalogs: [] },
    "GET /admin/services": { services: [] },
    "GET /admin/platform": apiError(403, "permission_denied", "read plugins is for administrators"),
    "GET /admin/usage": ({ query }: MockRequest) => usage(query),
    ...routes,
  });
}

const cellsOf = (row: HTMLElement) => within(row).getAllByRole("cell").map((c) => c.textContent);
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe("the usage page", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));
  afterEach(() => vi.restoreAllMocks());

  it("is in the navigation beside the platform for administrators only", async () => {
    renderApp("/", api().client);
    const nav = await screen.findByRole("navigation", { name: "Main" });
    expect((await within(nav).findByRole("link", { name: "Usage" })).getAttribute("href")).toBe("/admin/usage");
  });

  it("is not in the navigation for others, and the page says why", async () => {
    const forbidden = apiError(403, "permission_denied", "read usage is for administrators");
    const m = api({ "GET /admin/services": forbidden, "GET /admin/usage": forbidden });
    renderApp("/admin/usage", m.client);
    expect(await screen.findByText("This page is for administrators.")).toBeTruthy();
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(within(nav).queryByRole("link", { name: "Usage" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Download CSV" })).toBeNull();
  });

  it("shows the last 30 days by user, says what the figures are, with a chart and tables, without axe violations", async () => {
    const m = api();
    const { container } = renderApp("/admin/usage", m.client);
    expect(await screen.findByRole("heading", { name: "Usage", level: 1 })).toBeTruthy();
    expect((await screen.findByText(/^These figures are requests × running time/)).textContent).toContain("Services deleted before now are not counted");
    expect(within(screen.getByLabelText("Where each figure comes from")).getAllByText("requests × running time")).toHaveLength(5);
    const totals = await screen.findByRole("table", { name: /^By user, / });
    const q = m.find("GET", "/admin/usage")[0]!.query;
    const today = utcDay(Date.now());
    expect([q.get("from"), q.get("to"), q.get("by"), q.get("region")]).toEqual([utcDay(Date.now() - 29 * 86_400_000), today, "user", null]);

    expect(cellsOf(within(totals).getByRole("row", { name: /alice/ }))).toEqual(["21", "10.5", "42", "0", "230"]);
    expect(cellsOf(within(totals).getByRole("row", { name: /Everyone/ }))).toEqual(["23", "14.5", "50", "2", "230"]);
    const days = screen.getByRole("table", { name: "3 rows, by day (UTC)" });
    const rows = within(days).getAllByRole("row").slice(1);
    expect(rows.map((r) => within(r).getByRole("rowheader").textContent)).toEqual(["alice", "bob", "alice"]);
    expect(cellsOf(rows[1]!)).toEqual(["2026-05-19", "2", "4", "8", "2", "0"]);
    expect(screen.getByText(/3 services examined\./)).toBeTruthy();

    // The chart: CPU core-hours first, one image named as a whole; another measure on a click.
    const chart = await waitFor(() => {
      const svg = screen.getByTestId("usage-chart").querySelector("svg[role=img]");
      expect(svg).toBeTruthy();
      return svg!;
    });
    expect(chart.getAttribute("aria-label")).toMatch(/^CPU core-hours per day, /);
    await userEvent.setup().click(screen.getByRole("radio", { name: "Storage (GiB·h)" }));
    await waitFor(() =>
      expect(screen.getByTestId("usage-chart").querySelector("svg[role=img]")!.getAttribute("aria-label")).toMatch(/^Storage GiB-hours per day, /),
    );
    expect(screen.getByRole("radio", { name: "Storage (GiB·h)" }).getAttribute("aria-checked")).toBe("true");
    expect(await axeViolations(container)).toEqual([]);
  });

  it("asks for another period by project, and checks the period before asking", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/admin/usage", m.client);
    await screen.findByRole("table", { name: /^By user, / });
    const form = screen.getByRole("form", { name: "Period and grouping" });
    const from = within(form).getByLabelText("From");
    const to = within(form).getByLabelText("To (included)");

    await user.clear(from);
    await user.type(from, "2026-01-01");
    await user.clear(to);
    await user.type(to, "2026-04-30");
    await user.click(within(form).getByRole("button", { name: "Show" }));
    expect((await within(form).findByRole("alert")).textContent).toBe("A period is at most 92 days.");
    expect(from.getAttribute("aria-invalid")).toBe("true");
    await user.clear(to);
    await user.type(to, "2025-12-31");
    await user.click(within(form).getByRole("button", { name: "Show" }));
    expect(within(form).getByRole("alert").textContent).toBe("The last day is the first one or comes after it.");
    expect(to.getAttribute("aria-invalid")).toBe("true");
    expect(m.find("GET", "/admin/usage")).toHaveLength(1);

    await user.clear(to);
    await user.type(to, "2026-03-31");
    await user.selectOptions(within(form).getByLabelText("By"), "project");
    await user.click(within(form).getByRole("button", { name: "Show" }));
    const totals = await screen.findByRole("table", { name: "By project, 2026-01-01 to 2026-03-31" });
    expect(within(totals).getByRole("columnheader", { name: "Project" })).toBeTruthy();
    expect(within(totals).getByRole("row", { name: /project-data-team/ })).toBeTruthy();
    const q = m.find("GET", "/admin/usage").at(-1)!.query;
    expect([q.get("from"), q.get("to"), q.get("by")]).toEqual(["2026-01-01", "2026-03-31", "project"]);
    expect(within(form).queryByRole("alert")).toBeNull();
  });

  it("downloads the same period as CSV from the server", async () => {
    const csv = "day,user,running_hours,cpu_core_hours,memory_gib_hours,gpu_hours,storage_gib_hours\n2026-05-19,alice,12.000000,6.000000,24.000000,0.000000,140.000000\n";
    const m = api({
      "GET /admin/usage": ({ query }: MockRequest) =>
        query.get("format") === "csv" ? new Response(csv, { status: 200, headers: { "Content-Type": "text/csv; charset=utf-8" } }) : usage(query),
    });
    const saved: { name: string; blob: Blob }[] = [];
    let blob: Blob | undefined;
    URL.createObjectURL = vi.fn((b: Blob) => {
      blob = b;
      return "blob:usage";
    });
    URL.revokeObjectURL = vi.fn();
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      saved.push({ name: this.download, blob: blob! });
    });
    renderApp("/admin/usage", m.client);
    await screen.findByRole("table", { name: /^By user, / });
    await userEvent.setup().click(screen.getByRole("button", { name: "Download CSV" }));
    await waitFor(() => expect(saved).toHaveLength(1));
    const [report, download] = m.find("GET", "/admin/usage");
    expect(download!.query.get("format")).toBe("csv");
    expect(download!.headers.Accept).toBe("text/csv");
    expect([download!.query.get("from"), download!.query.get("to"), download!.query.get("by")]).toEqual([
      report!.query.get("from"),
      report!.query.get("to"),
      "user",
    ]);
    expect(saved[0]!.name).toBe(`usage-${report!.query.get("from")}-${report!.query.get("to")}-by-user.csv`);
    expect(await saved[0]!.blob.text()).toBe(csv);
  });

  it("says when the cap was reached, what could not be read, and an empty period", async () => {
    const m = api({
      "GET /admin/usage": ({ query }: MockRequest) =>
        usage(query, {
          rows: [],
          totals: [],
          total: hours(0, 0, 0, 0, 0),
          capReached: true,
          serviceCap: 500,
          shortHistories: 1,
          skipped: [{ region: "lyon", reason: "listing its services: connection refused" }],
        }),
    });
    renderApp("/admin/usage", m.client);
    expect(await screen.findByText("Only the first 500 services were examined: the others are not counted.")).toBeTruthy();
    expect(screen.getByText(/listing its services: connection refused/)).toBeTruthy();
    expect(screen.getByText(/1 service’s oldest revisions are no longer kept/)).toBeTruthy();
    expect(screen.getAllByText("No usage in this period.").length).toBeGreaterThan(0);
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("says per quantity what Prometheus measured and what is requests × time, without axe violations", async () => {
    const measured = { running: "prometheus", cpu: "prometheus", memoryGiB: "prometheus", gpu: "requests", storageGiB: "requests" } as const;
    const m = api({
      "GET /admin/usage": ({ query }: MockRequest) => usage(query, { basis: "prometheus", sources: measured, measuredRegions: ["paris"] }),
    });
    const { container } = renderApp("/admin/usage", m.client);
    expect((await screen.findByText(/^Hours running, CPU and memory are what Prometheus measured/)).textContent).toContain("(no known service)");
    const sources = within(screen.getByLabelText("Where each figure comes from"));
    const sourceOf = (measure: string) => sources.getByText(measure).nextElementSibling!.textContent;
    expect(["Hours running", "CPU core-hours", "Memory GiB-hours", "GPU-hours", "Storage GiB-hours"].map(sourceOf)).toEqual([
      "measured by Prometheus",
      "measured by Prometheus",
      "measured by Prometheus",
      "requests × running time",
      "requests × running time",
    ]);
    expect(screen.queryByText(/could not be read: their hours running/)).toBeNull();
    await screen.findByRole("table", { name: /^By user, / });
    expect(await axeViolations(container)).toEqual([]);
  });

  it("says which regions' Prometheus failed and were counted as requests × time instead", async () => {
    const mixed = { running: "mixed", cpu: "mixed", memoryGiB: "mixed", gpu: "requests", storageGiB: "requests" } as const;
    const reason = "the Prometheus at http://prometheus.lyon:9090 did not answer within 30s (the region's prometheus.timeout)";
    const m = api({
      "GET /admin/usage": ({ query }: MockRequest) =>
        usage(query, { basis: "mixed", sources: mixed, measuredRegions: ["paris"], prometheusFailures: [{ region: "lyon", reason }] }),
    });
    renderApp("/admin/usage", m.client);
    const failures = (await screen.findByText(/^The Prometheus of these regions could not be read/)).parentElement!;
    expect(within(failures).getByRole("listitem").textContent).toBe(`lyon: ${reason}`);
    expect(screen.getByText(/^In paris, hours running, CPU and memory are what Prometheus measured/)).toBeTruthy();
    const sources = within(screen.getByLabelText("Where each figure comes from"));
    expect(sources.getByText("CPU core-hours").nextElementSibling!.textContent).toBe("measured by Prometheus in paris, requests × running time elsewhere");
  });

  it("speaks French", async () => {
    localStorage.setItem("basalt.language", "fr");
    renderApp("/admin/usage", api().client);
    expect(await screen.findByRole("heading", { name: "Consommation", level: 1 })).toBeTruthy();
    expect(await screen.findByText(/les demandes × le temps de fonctionnement/)).toBeTruthy();
    expect(within(screen.getByLabelText("D’où vient chaque chiffre")).getAllByText("demandes × temps de fonctionnement")).toHaveLength(5);
    const totals = await screen.findByRole("table", { name: /^Par utilisateur, du / });
    expect(cellsOf(within(totals).getByRole("row", { name: /alice/ }))).toEqual(["21", "10,5", "42", "0", "230"]);
    expect(screen.getByRole("button", { name: "Télécharger le CSV" })).toBeTruthy();
    const nav = screen.getByRole("navigation", { name: /./ });
    expect(within(nav).getByRole("link", { name: "Consommation" })).toBeTruthy();
  });
});

describe("the usage chart's data", () => {
  it("stacks the largest users by name and sums the others", () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ day: "2026-05-19", key: `u${i}`, hours: hours(1, i + 1, 0, 0, 0) }));
    const report = usage(new URLSearchParams(), { rows, totals: rows.map((r) => ({ key: r.key, hours: r.hours })) });
    const data = chartData(report, "cpu", "others");
    expect(data.map((d) => d.key).sort()).toEqual(["others", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9"]);
    expect(data.find((d) => d.key === "others")!.value).toBe(1 + 2);
  });

  it("shows usage too small for two decimals as such, not as none", () => {
    expect([formatHours(0.004, "en"), formatHours(0, "en"), formatHours(0.006, "en"), formatHours(1234.5, "fr")]).toEqual(["< 0.01", "0", "0.01", "1\u202f234,5"]);
  });

  it("lists every day of the period, the month's end crossed", () => {
    expect(daysOf("2026-01-30", "2026-02-02")).toEqual(["2026-01-30", "2026-01-31", "2026-02-01", "2026-02-02"]);
  });
});
