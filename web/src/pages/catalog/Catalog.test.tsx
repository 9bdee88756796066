// @vitest-environment jsdom
// DOMPurify does not support happy-dom (cure53/DOMPurify#1457): the README sanitising is checked in jsdom.
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { CatalogView as Catalog, ChartView as Chart } from "../../api/types";
import { axeViolations } from "../../test/axe";
import { apiError, mockApi } from "../../test/mockApi";
import { renderApp } from "../../test/render";

const catalogs: Catalog[] = [
  {
    id: "ide",
    name: { en: "IDEs", fr: "IDE" },
    description: { en: "Development environments" },
    location: "https://charts.example.org/ide",
    status: "PROD",
    highlightedCharts: ["jupyter"],
    allowSharing: true,
    chartCount: 2,
  },
  {
    id: "db",
    name: { en: "Databases", fr: "Bases de données" },
    location: "https://charts.example.org/db",
    status: "PROD",
    highlightedCharts: [],
    allowSharing: false,
    chartCount: 1,
  },
];

// postgresql's icon could not be fetched: the catalog plugin gave it no digest.
const chart = (catalog: string, name: string, description: string, versions: string[]): Chart => ({
  catalog,
  name,
  description,
  iconDigest: name === "postgresql" ? undefined : `digest-of-${name}`,
  keywords: [],
  versions: versions.map((v) => ({ version: v, appVersion: "4.1" })),
});

const charts: Record<string, Chart[]> = {
  all: [
    chart("ide", "jupyter", "Notebooks for Python", ["2.1.0", "2.0.0"]),
    chart("ide", "rstudio", "The IDE for R", ["1.5.0"]),
    chart("db", "postgresql", "A relational database", ["15.2.0"]),
  ],
};
charts.ide = charts.all!.filter((c) => c.catalog === "ide");

function api() {
  return mockApi({
    "GET /catalogs": { catalogs },
    "GET /catalogs/:catalog/charts": ({ params, query }) => {
      const search = (query.get("search") ?? "").toLowerCase();
      return { charts: (charts[params.catalog!] ?? []).filter((c) => c.name.includes(search)) };
    },
    "GET /catalogs/:catalog/charts/:chart": ({ params }) =>
      charts.all!.find((c) => c.name === params.chart) ?? apiError(404, "not_found", "no such chart"),
    "GET /catalogs/:catalog/charts/:chart/versions/:version": ({ params }) => ({
      catalog: params.catalog,
      chart: params.chart,
      version: params.version,
      readme: `# ${params.chart} ${params.version}\n\nRead **this**.<script>alert(1)</script><img src=x onerror="alert(2)">\n\n[docs](https://docs.example.org)`,
      values: "service:\n  image: jupyter\n",
      schema: {
        properties: {
          service: { title: "Service", description: "The image and its version" },
          resources: { title: "Resources" },
          internal: { "x-onyxia": { hidden: true } },
        },
      },
      dependencies: [{ name: "library-chart", version: "1.0.0" }],
    }),
  });
}

describe("the catalog", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("shows the catalogs as tabs, all first, and the charts in the server's order", async () => {
    const m = api();
    renderApp("/catalog", m.client);
    const tabs = await screen.findByRole("navigation", { name: "Catalogs" });
    await waitFor(() => expect(within(tabs).getAllByRole("link").map((a) => a.textContent)).toEqual(["All", "IDEs", "Databases"]));
    expect(within(tabs).getByRole("link", { name: "All" }).getAttribute("aria-current")).toBe("page");

    const cards = await screen.findAllByRole("article");
    expect(cards.map((c) => within(c).getByRole("heading").textContent)).toEqual(["jupyter", "rstudio", "postgresql"]);
    const jupyter = cards[0]!;
    expect(within(jupyter).getByText("Chart version 2.1.0")).toBeTruthy();
    expect(within(jupyter).getByText("Notebooks for Python")).toBeTruthy();
    expect(within(jupyter).getByText("Featured")).toBeTruthy();
    expect(within(cards[2]!).getByText("Databases")).toBeTruthy();
    expect(screen.getByText("3 services")).toBeTruthy();
    // The personal project is the default.
    expect(m.find("GET", "/catalogs")[0]!.query.get("project")).toBe("user-alice");
  });

  it("searches through the server and keeps the search in the address", async () => {
    const m = api();
    const user = userEvent.setup();
    const { router } = renderApp("/catalog/ide", m.client);
    await screen.findAllByRole("article");
    await user.type(screen.getByRole("searchbox", { name: "Search the catalog" }), "rst");
    await waitFor(() => expect(screen.getAllByRole("article")).toHaveLength(1));
    expect(screen.getByText("1 service")).toBeTruthy();
    expect(router.state.location.search).toBe("?search=rst");
    expect(m.calls.some((c) => c.path === "/catalogs/ide/charts" && c.query.get("search") === "rst")).toBe(true);
  });

  it("says when nothing matches", async () => {
    renderApp("/catalog/all?search=zzz", api().client);
    expect(await screen.findByText("No service matches “zzz”.")).toBeTruthy();
  });

  it("shows a chart's README, sanitised, with its versions and a launch link", async () => {
    const m = api();
    const user = userEvent.setup();
    const { router } = renderApp("/catalog/ide/jupyter", m.client);
    expect(await screen.findByRole("heading", { level: 1, name: "jupyter" })).toBeTruthy();
    const readme = await screen.findByRole("heading", { level: 1, name: "jupyter 2.1.0" });
    const section = readme.closest("section")!;
    expect(section.querySelector("script")).toBeNull();
    expect(section.querySelector("img")?.getAttribute("onerror")).toBeNull();
    const link = within(section).getByRole("link", { name: "docs" });
    expect(link.getAttribute("target")).toBe("_blank");
    expect(link.getAttribute("rel")).toContain("noopener");

    await user.selectOptions(screen.getByLabelText("Chart version"), "2.0.0");
    expect(await screen.findByRole("heading", { level: 1, name: "jupyter 2.0.0" })).toBeTruthy();
    expect(router.state.location.search).toBe("?version=2.0.0");
    expect(screen.getByText("library-chart")).toBeTruthy();

    await user.click(screen.getByRole("link", { name: "Launch" }));
    expect(router.state.location.pathname).toBe("/launcher/ide/jupyter");
    expect(router.state.location.search).toBe("?version=2.0.0");
    expect(await screen.findByRole("heading", { level: 1, name: "Launch jupyter" })).toBeTruthy();
  });

  it("shows icons from Basalt, never from another site, and the initial when there is none", async () => {
    const { container } = renderApp("/catalog", api().client);
    const cards = await screen.findAllByRole("article");
    const icons = [...container.querySelectorAll("article img")].map((img) => img.getAttribute("src"));
    expect(icons).toEqual([
      "/api/v1/catalogs/ide/charts/jupyter/icon?project=user-alice&v=digest-of-jupyter",
      "/api/v1/catalogs/ide/charts/rstudio/icon?project=user-alice&v=digest-of-rstudio",
    ]);
    expect(cards[2]!.querySelector("img")).toBeNull();
    expect(within(cards[2]!).getByText("P")).toBeTruthy();
    // An icon the browser cannot load gives the initial too, not a broken image.
    cards[0]!.querySelector("img")!.dispatchEvent(new Event("error"));
    await waitFor(() => expect(cards[0]!.querySelector("img")).toBeNull());
    expect(within(cards[0]!).getByText("J")).toBeTruthy();
  });

  it("opens the launcher from a card, with the chart's README one click away", async () => {
    const user = userEvent.setup();
    const { router, container } = renderApp("/catalog", api().client);
    const cards = await screen.findAllByRole("article");
    expect(await axeViolations(container)).toEqual([]);
    await user.click(within(cards[0]!).getByRole("link", { name: "Launch jupyter" }));
    expect(router.state.location.pathname).toBe("/launcher/ide/jupyter");
    expect(await screen.findByRole("heading", { level: 1, name: "Launch jupyter" })).toBeTruthy();

    // From the launcher, the README of the version the form is of.
    await user.click(await screen.findByRole("link", { name: "Read me: jupyter, chart version 2.1.0" }));
    expect(router.state.location.pathname).toBe("/catalog/ide/jupyter");
    expect(router.state.location.search).toBe("?version=2.1.0");
    expect(await screen.findByRole("heading", { level: 1, name: "jupyter 2.1.0" })).toBeTruthy();

    await router.navigate("/catalog");
    const again = await screen.findAllByRole("article");
    await user.click(within(again[1]!).getByRole("link", { name: "Read me: rstudio" }));
    expect(router.state.location.pathname).toBe("/catalog/ide/rstudio");
    expect(await screen.findByRole("heading", { level: 1, name: "rstudio 1.5.0" })).toBeTruthy();
  });

  it("shows the server's error for a chart it does not know", async () => {
    renderApp("/catalog/ide/nothing", api().client);
    expect(await screen.findByRole("alert")).toBeTruthy();
    expect(screen.getByText("no such chart")).toBeTruthy();
  });

  it("is in French too", async () => {
    localStorage.setItem("basalt.language", "fr");
    renderApp("/catalog", api().client);
    const tabs = await screen.findByRole("navigation", { name: "Catalogues" });
    await waitFor(() => expect(within(tabs).getByRole("link", { name: "Bases de données" })).toBeTruthy());
    expect(await screen.findByText("3 services")).toBeTruthy();
    expect(screen.getByRole("searchbox", { name: "Rechercher dans le catalogue" })).toBeTruthy();
    const jupyter = screen.getAllByRole("article")[0]!;
    expect(within(jupyter).getByText("Version du chart 2.1.0")).toBeTruthy();
    expect(within(jupyter).getByRole("link", { name: "Lancer jupyter" }).getAttribute("href")).toBe("/launcher/ide/jupyter");
    expect(within(jupyter).getByRole("link", { name: "Lisez-moi : jupyter" }).getAttribute("href")).toBe("/catalog/ide/jupyter");
  });
});
