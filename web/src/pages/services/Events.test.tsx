// @vitest-environment jsdom
// jsdom for axe-core, which happy-dom does not run.
import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { EventView, ServiceView } from "../../api/types";
import { axeViolations } from "../../test/axe";
import { testService } from "../../test/fixtures";
import { mockApi } from "../../test/mockApi";
import { renderApp } from "../../test/render";
import { addEvent } from "./events";

const at = (seconds: number) => new Date(Date.UTC(2025, 2, 14, 9, 30, seconds)).toISOString();

function event(reason: string, seconds: number, over: Partial<EventView> = {}): EventView {
  return { time: at(seconds), type: "Normal", reason, object: "Pod/jupyter-1-abc", message: `${reason} message`, count: 1, ...over };
}

function api(services: () => ServiceView[]) {
  return mockApi({
    "GET /catalogs": { catalogs: [] },
    "GET /projects/:project/services": () => ({ services: services(), commands: [] }),
    "GET /projects/:project/services/:service": () => ({ service: services()[0], values: {}, commands: [] }),
    "GET /projects/:project/quota": { hard: {}, used: {}, commands: [] },
    "POST /projects/:project/services/:service/resume": { commands: [] },
  });
}

describe("a service's events", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("lists them newest first by time, to the second, a repeat replacing the row it repeats", async () => {
    const m = api(() => [testService()]);
    renderApp("/my-services/jupyter-1?tab=events", m.client);
    await screen.findByRole("tab", { name: "Events", selected: true });
    const stream = m.streams.last();
    // The past events in time order, then the watch: one older than the newest, and a repeat.
    act(() => {
      for (const e of [event("Scheduled", 5), event("Pulling", 9), event("Created", 7), event("Pulling", 31, { count: 2 })]) {
        stream.emit("event", e);
      }
    });
    const table = screen.getByRole("table");
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => within(r).getAllByRole("cell")[2]!.textContent)).toEqual(["Pulling", "Created", "Scheduled"]);
    const time = within(rows[0]!).getAllByRole("cell")[0]!.textContent!;
    expect(time).toBe(new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "medium" }).format(new Date(at(31))));
    expect(time).toMatch(/:31\b/);
    expect(within(rows[0]!).getByText("×2")).toBeTruthy();
    expect(await axeViolations(table)).toEqual([]);
  });

  it("keeps events of the same second newest first, and every distinct one", () => {
    let list: EventView[] = [];
    for (const e of [event("A", 1), event("B", 1), event("C", 2), event("D", 0, { time: "not a time" })]) list = addEvent(list, e);
    expect(list.map((e) => e.reason)).toEqual(["C", "B", "A", "D"]);
    expect(addEvent(list, event("A", 3, { message: "another message" }))).toHaveLength(5);
  });
});

describe("a resumed service", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("shows Starting without a running time while its pods start", async () => {
    const firstDeployed = new Date(Date.now() - 3 * 60_000).toISOString();
    let now = testService({ status: "suspended", suspended: true, ready: false, started: firstDeployed });
    const m = api(() => [now]);
    const user = userEvent.setup();
    renderApp("/my-services", m.client);
    const card = await screen.findByRole("article", { name: "My notebook" });
    // The release is deployed again; its pods are not ready yet, and it dates from its first deployment.
    now = { ...now, status: "deployed", suspended: false, ready: false };
    await user.click(within(card).getByRole("button", { name: "Resume" }));
    expect(await within(card).findByText("Starting")).toBeTruthy();
    expect(within(card).queryByText(/Running for/)).toBeNull();
    expect(await axeViolations(card)).toEqual([]);
  });
});
