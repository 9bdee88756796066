import { screen } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import type { ServiceView } from "../../api/types";
import { testService } from "../../test/fixtures";
import { mockApi } from "../../test/mockApi";
import { renderApp } from "../../test/render";

const GRAFANA = "https://grafana.example.org/d/pods?var-namespace=user-alice&var-release=jupyter-1";

function api(over: Partial<ServiceView>) {
  const service = testService(over);
  return mockApi({
    "GET /catalogs": { catalogs: [] },
    "GET /me/notices": { notices: [] },
    "GET /projects/:project/services": { services: [service], commands: [] },
    "GET /projects/:project/services/:service": { service, values: {}, manifest: "", commands: [] },
  });
}

describe("a service's monitoring link", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("opens the monitoring page the region's pattern gives, in a new tab", async () => {
    renderApp("/my-services/jupyter-1", api({ monitoringUrl: GRAFANA }).client);
    // The service page is a lazy chunk: its first load, cold, can outlast the default wait.
    const link = await screen.findByRole("link", { name: "Monitoring" }, { timeout: 10_000 });
    expect([link.getAttribute("href"), link.getAttribute("target"), link.getAttribute("rel")]).toEqual([GRAFANA, "_blank", "noopener noreferrer"]);
  });

  it("is absent when the region has no pattern, and speaks French", async () => {
    localStorage.setItem("basalt.language", "fr");
    renderApp("/my-services/jupyter-1", api({}).client);
    await screen.findByRole("heading", { name: "My notebook", level: 1 }, { timeout: 10_000 });
    expect(screen.queryByRole("link", { name: "Supervision" })).toBeNull();
  });
});
