// @vitest-environment jsdom
// jsdom for axe-core, which happy-dom does not run.
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { ChartView as Chart, ProfileView } from "../../api/types";
import { axeViolations } from "../../test/axe";
import { testService } from "../../test/fixtures";
import { fixture } from "../../test/launchForms";
import { mockApi } from "../../test/mockApi";
import { renderApp } from "../../test/render";

const chart: Chart = { catalog: "ide", name: "jupyter", description: "Notebooks", keywords: [], versions: [{ version: "1.0.0" }] };
const service = testService({ id: "jupyter-42", friendlyName: "jupyter", version: "1.0.0" });
const profile: ProfileView = {
  values: { team: "statistics" },
  form: {
    path: "",
    widget: "group",
    fields: [
      { path: "team", key: "team", title: "Team", widget: "text" },
      { path: "cpuBudget", key: "cpuBudget", title: "CPU budget", widget: "integer", default: 2 },
    ],
  },
};

function api() {
  return mockApi({
    "GET /catalogs": { catalogs: [] },
    "GET /catalogs/:catalog/charts/:chart": chart,
    "GET /me/profile": profile,
    "GET /projects/:project/launch/form": () => ({ form: { ...fixture("jupyter"), profile: ["team", "cpuBudget"] }, catalog: "ide", allowSharing: false }),
    "POST /projects/:project/services": { service, commands: [] },
    "GET /projects/:project/services/:service": { service, values: {} },
  });
}

beforeEach(() => localStorage.setItem("basalt.language", "en"));

describe("the launcher's profile fields", () => {
  it("lists what of the profile the chart reads, and leaves out what the user unticks", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/launcher/ide/jupyter", m.client);
    const box = within(await screen.findByRole("group", { name: "From your profile" }));
    const team = await box.findByRole("checkbox", { name: "Team (statistics)" });
    expect((team as HTMLInputElement).checked).toBe(true);
    expect(box.getByRole("checkbox", { name: "CPU budget (2)" })).toBeTruthy();
    expect(await axeViolations(document.querySelector("main") ?? document.body)).toEqual([]);

    await user.click(team);
    // The form is made again without the field, then the launch leaves it out.
    await waitFor(() => expect(m.calls.some((c) => c.path.endsWith("/launch/form") && c.query.get("profileOptOut") === "team")).toBe(true));
    await screen.findByRole("tablist", { name: "Settings" });
    expect((box.getByRole("checkbox", { name: "Team (statistics)" }) as HTMLInputElement).checked).toBe(false);
    await user.click(screen.getByRole("button", { name: "Launch" }));
    await waitFor(() => expect(m.find("POST", "/projects/user-alice/services")).toHaveLength(1));
    expect(m.find("POST", "/projects/user-alice/services")[0]!.body).toMatchObject({ profileOptOut: ["team"] });
  });

  it("says so in French", async () => {
    localStorage.setItem("basalt.language", "fr");
    renderApp("/launcher/ide/jupyter", api().client);
    expect(await screen.findByRole("group", { name: "Depuis votre profil" })).toBeTruthy();
  });
});
