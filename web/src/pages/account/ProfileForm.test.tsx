// @vitest-environment jsdom
// jsdom for axe-core, which happy-dom does not run.
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { FormField, ProfileView } from "../../api/types";
import { axeViolations } from "../../test/axe";
import { apiError, mockApi, type MockRequest } from "../../test/mockApi";
import { renderApp } from "../../test/render";

/** The form the server describes for a schema of three fields (form.Build's output). */
const form: FormField = {
  path: "",
  widget: "group",
  type: "object",
  fields: [
    { path: "team", key: "team", type: "string", title: "Team", widget: "select", options: ["data-science", "statistics"], required: true, value: "statistics" },
    { path: "preferredLanguage", key: "preferredLanguage", type: "string", title: "Preferred language", description: "For your notebooks", widget: "text", default: "python", maxLength: 20 },
    { path: "cpuBudget", key: "cpuBudget", type: "integer", title: "CPU budget", widget: "integer", minimum: 1, maximum: 16, default: 2 },
  ],
};
const profile: ProfileView = { schema: { type: "object" }, form, values: { team: "statistics" } };

async function profileForm() {
  const f = await screen.findByRole("form", { name: "Your profile" });
  return within(f);
}

/** The text an input's aria-describedby points to: its hint and its errors. */
function describedBy(el: HTMLElement): string {
  const ids = el.getAttribute("aria-describedby")?.split(" ") ?? [];
  return ids.map((id) => document.getElementById(id)?.textContent ?? "").join(" | ");
}

beforeEach(() => localStorage.setItem("basalt.language", "en"));

describe("the profile form", () => {
  it("draws the declared fields with the saved answers, and saves the answers given", async () => {
    let put: MockRequest | undefined;
    const m = mockApi({
      "GET /me/profile": profile,
      "PUT /me/profile": (req) => {
        put = req;
        return { ...profile, values: (req.body as { values: Record<string, unknown> }).values };
      },
    });
    const user = userEvent.setup();
    renderApp("/account", m.client);
    const f = await profileForm();
    expect((f.getByLabelText("Team") as HTMLSelectElement).selectedOptions[0]!.textContent).toBe("statistics");
    expect((f.getByLabelText("Preferred language") as HTMLInputElement).value).toBe("");
    expect(f.getByText("Left unanswered, these take their default: Preferred language: python, CPU budget: 2.")).toBeTruthy();
    expect(await axeViolations(document.querySelector("main") ?? document.body)).toEqual([]);

    await user.type(f.getByLabelText("Preferred language"), "r");
    await user.type(f.getByLabelText("CPU budget"), "4");
    await user.click(f.getByRole("button", { name: "Save the profile" }));
    expect((await f.findByRole("status")).textContent).toBe("Profile saved");
    expect(put?.body).toEqual({ values: { team: "statistics", preferredLanguage: "r", cpuBudget: 4 } });
  });

  it("shows the server's rules at their fields", async () => {
    const m = mockApi({
      "GET /me/profile": profile,
      "PUT /me/profile": apiError(400, "invalid_argument", "invalid profile", [
        { field: "values.team", rule: "must be one of data-science, statistics" },
        { field: "values", rule: "must be at most 16 KiB written as JSON" },
      ]),
    });
    const user = userEvent.setup();
    renderApp("/account", m.client);
    const f = await profileForm();
    await user.click(f.getByRole("button", { name: "Save the profile" }));
    await f.findByText(/must be one of data-science, statistics/);
    const team = f.getByLabelText("Team");
    expect(team.getAttribute("aria-invalid")).toBe("true");
    expect(describedBy(team)).toContain("must be one of data-science, statistics");
    expect(f.getByText(/must be at most 16 KiB/).closest("p")!.textContent).toContain("values");
    expect(await axeViolations(document.querySelector("main") ?? document.body)).toEqual([]);
  });

  it("checks bounds before sending", async () => {
    const m = mockApi({ "GET /me/profile": profile, "PUT /me/profile": profile });
    const user = userEvent.setup();
    renderApp("/account", m.client);
    const f = await profileForm();
    await user.type(f.getByLabelText("CPU budget"), "40");
    await user.click(f.getByRole("button", { name: "Save the profile" }));
    expect(describedBy(f.getByLabelText("CPU budget"))).toMatch(/16/);
    expect(m.find("PUT", "/me/profile")).toHaveLength(0);
  });

  it("is absent when the instance declares no profile, and speaks French", async () => {
    const none = mockApi({ "GET /me/profile": { values: {} } });
    const { unmount } = renderApp("/account", none.client);
    await screen.findByRole("heading", { name: "Projects" });
    expect(none.find("GET", "/me/profile")).toHaveLength(1);
    expect(screen.queryByRole("form", { name: "Your profile" })).toBeNull();
    unmount();

    localStorage.setItem("basalt.language", "fr");
    renderApp("/account", mockApi({ "GET /me/profile": profile }).client);
    const f = within(await screen.findByRole("form", { name: "Votre profil" }));
    expect(f.getByRole("button", { name: "Enregistrer le profil" })).toBeTruthy();
  });
});
