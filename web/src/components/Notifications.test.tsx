import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { ServiceNotice } from "../api/types";
import { testLifecycle, testService, twoRegionsConfig } from "../test/fixtures";
import { mockApi } from "../test/mockApi";
import { renderApp } from "../test/render";

const DAY = 86_400;
const lifecycle = testLifecycle({ maxKeepSeconds: 7 * DAY });
const service = testService({ friendlyName: "Team notebook", lifecycle });

// A notice in another project and region than the ones the portal shows.
const notice: ServiceNotice = {
  action: "suspend",
  reason: "idle",
  due: new Date(Date.now() + 25 * 60_000).toISOString(),
  region: "lyon",
  project: "project-data-team",
  service: "jupyter-1",
  friendlyName: "Team notebook",
  maxKeepSeconds: 7 * DAY,
};

function api() {
  let notices = [notice];
  let kept: string | undefined;
  return mockApi({
    "GET /config": twoRegionsConfig,
    "GET /me/notices": () => ({ notices }),
    "GET /projects/:project/services/:service": () => ({
      service: { ...service, lifecycle: { ...lifecycle, keepUntil: kept } },
      values: {},
      manifest: "",
      commands: ["helm status jupyter-1 --namespace project-data-team"],
    }),
    "PUT /projects/:project/services/:service/lifecycle": ({ body }) => {
      kept = (body as { keepUntil: string }).keepUntil;
      notices = [];
      return { service: { ...service, lifecycle: { ...lifecycle, keepUntil: kept } }, commands: [] };
    },
  });
}

describe("the notification area", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("counts the notices, lists them, and keeps a service of another project and region in one click", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/", m.client);
    const bell = await screen.findByRole("button", { name: "Notifications: 1 notice" });
    expect(bell.getAttribute("aria-expanded")).toBe("false");
    await user.click(bell);
    const panel = screen.getByRole("region", { name: "Notifications" });
    expect(await within(panel).findByText(/^Team notebook will be suspended (today|tomorrow) at \d\d:\d\d: idle$/)).toBeTruthy();
    expect(within(panel).getByText("(in 25 minutes)")).toBeTruthy();
    expect(within(panel).getByRole("link", { name: "Open" }).getAttribute("href")).toBe(
      "/my-services/jupyter-1?project=project-data-team&region=lyon",
    );

    const before = Date.now();
    await user.click(within(panel).getByRole("button", { name: "Keep it" }));
    await within(panel).findByText(/^Team notebook is kept until /);
    // The service's policy is read where the service is, then the keep asked there.
    const read = m.find("GET", "/projects/project-data-team/services/jupyter-1")[0]!;
    expect(read.query.get("region")).toBe("lyon");
    const put = m.find("PUT", "/projects/project-data-team/services/jupyter-1/lifecycle")[0]!;
    expect(put.query.get("region")).toBe("lyon");
    // The policy allows a week: the keep is for 24 h, to the minute.
    const until = Date.parse((put.body as { keepUntil: string }).keepUntil);
    expect(until).toBeGreaterThan(before + DAY * 1000 - 61_000);
    expect(until).toBeLessThanOrEqual(Date.now() + DAY * 1000);
    // The notices are asked again: none is left.
    await waitFor(() => expect(screen.getByRole("button", { name: "Notifications" })).toBeTruthy());
    expect(within(panel).getByText("Nothing is about to happen to your services.")).toBeTruthy();
    // Where the portal was: the paris region, the personal project.
    expect(localStorage.getItem("basalt.region")).toBeNull();
    // The keep has no command-line equivalent, and the read of its policy is not the user's action.
    const commands = screen.getByRole("region", { name: "Commands" });
    await user.click(within(commands).getByRole("button", { name: /Commands/ }));
    expect(within(commands).queryByText(/jupyter-1/)).toBeNull();
  });

  it("closes with Escape, and speaks French", async () => {
    localStorage.setItem("basalt.language", "fr");
    const m = api();
    const user = userEvent.setup();
    renderApp("/", m.client);
    await user.click(await screen.findByRole("button", { name: "Notifications : 1 avis" }));
    const panel = screen.getByRole("region", { name: "Notifications" });
    expect(await within(panel).findByText(/^Team notebook sera suspendu (aujourd’hui|demain) à \d\d:\d\d : inactif$/)).toBeTruthy();
    expect(within(panel).getByText("(dans 25 minutes)")).toBeTruthy();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("region", { name: "Notifications" })).toBeNull();
  });
});
