// @vitest-environment jsdom
// jsdom for axe-core, which happy-dom does not run; colour contrast needs a real layout and is
// checked in Chromium by the end-to-end suite.
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, expect, it } from "vitest";
import type { FleetService } from "../../api/types";
import { testLifecycle, testService } from "../../test/fixtures";
import { axeViolations } from "../../test/axe";
import { mockApi } from "../../test/mockApi";
import { renderApp } from "../../test/render";

beforeEach(() => localStorage.setItem("basalt.language", "en"));

const member = (i: number): FleetService => ({
  region: "local",
  project: `user-u${i}`,
  state: i % 2 ? "suspended" : "running",
  service: testService({ id: `svc-${i}`, friendlyName: `Notebook ${i}`, owner: `u${i}`, suspended: i % 2 === 1 }),
  cpuMillicores: 100 * i,
  memoryBytes: 2 ** 30,
  requests: { cpuMillicores: 250, memoryBytes: 2 ** 30, gpus: 0 },
  lastActive: new Date(Date.now() - 3600_000).toISOString(),
  lifecycle: testLifecycle({}),
});

it("has no accessibility violation: the virtual table, its sort buttons, the picks and the action's choices", async () => {
  const services = Array.from({ length: 40 }, (_, i) => member(i));
  const m = mockApi({
    "GET /me/notices": { notices: [] },
    "GET /catalogs": { catalogs: [] },
    "GET /admin/services": { services, total: 40 },
  });
  const user = userEvent.setup();
  const { container } = renderApp("/admin/services", m.client);
  const table = await screen.findByRole("table", { name: "40 services match the filter" });
  await user.click(within(table).getByRole("checkbox", { name: "Pick Notebook 1 (user-u1)" }));
  expect(screen.getByRole("radio", { name: "The 1 service picked" })).toBeTruthy();
  expect(await axeViolations(container)).toEqual([]);
});
