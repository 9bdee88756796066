import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { RegionInfo } from "../api/types";
import { mockApi, testConfig } from "../test/mockApi";
import { renderApp } from "../test/render";

const region = (id: string, name: string): RegionInfo => ({ id, name, services: true, files: true, secrets: true });
const twoRegions = { ...testConfig, regions: [region("paris", "Paris"), region("lyon", "Lyon")] };
const catalogs = { "GET /catalogs": { catalogs: [] }, "GET /catalogs/:catalog/charts": { charts: [] } };

describe("the region switcher", () => {
  beforeEach(() => {
    localStorage.clear();
    localStorage.setItem("basalt.language", "en");
  });

  it("sends the region picked with every call, and remembers it", async () => {
    const m = mockApi({ "GET /config": twoRegions, ...catalogs });
    const user = userEvent.setup();
    renderApp("/catalog", m.client);
    const select = await screen.findByLabelText("Region");
    expect(within(select).getAllByRole("option").map((o) => o.textContent)).toEqual(["Paris", "Lyon"]);
    expect((select as HTMLSelectElement).value).toBe("paris");
    await waitFor(() => expect(m.find("GET", "/catalogs")).toHaveLength(1));
    expect(m.find("GET", "/catalogs")[0]!.query.get("region")).toBeNull(); // the server's default

    await user.selectOptions(select, "lyon");
    expect(localStorage.getItem("basalt.region")).toBe("lyon");
    await waitFor(() => expect(m.find("GET", "/catalogs").map((c) => c.query.get("region"))).toEqual([null, "lyon"]));
    await waitFor(() => expect(m.find("GET", "/me").at(-1)!.query.get("region")).toBe("lyon"));
  });

  it("starts in the region saved earlier", async () => {
    localStorage.setItem("basalt.region", "lyon");
    const m = mockApi({ "GET /config": twoRegions, ...catalogs });
    renderApp("/catalog", m.client);
    expect(((await screen.findByLabelText("Region")) as HTMLSelectElement).value).toBe("lyon");
    await waitFor(() => expect(m.find("GET", "/catalogs")[0]!.query.get("region")).toBe("lyon"));
  });

  it("forgets a saved region the instance no longer has", async () => {
    localStorage.setItem("basalt.region", "marseille");
    const m = mockApi({ "GET /config": twoRegions, ...catalogs });
    renderApp("/catalog", m.client);
    expect(((await screen.findByLabelText("Region")) as HTMLSelectElement).value).toBe("paris");
    await waitFor(() => expect(localStorage.getItem("basalt.region")).toBeNull());
    await waitFor(() => expect(m.find("GET", "/catalogs").at(-1)!.query.get("region")).toBeNull());
  });

  it("is not shown with one region", async () => {
    const m = mockApi({ "GET /config": { ...testConfig, regions: [region("paris", "Paris")] }, ...catalogs });
    renderApp("/catalog", m.client);
    await screen.findByLabelText("Project");
    expect(screen.queryByLabelText("Region")).toBeNull();
  });
});
