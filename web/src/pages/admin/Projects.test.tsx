// @vitest-environment jsdom
// jsdom for axe-core, which happy-dom does not run.
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MembersChange, ProjectList, ProjectMember } from "../../api/types";
import { apiError, mockApi, type MockRequest, type MockRoutes } from "../../test/mockApi";
import { renderApp } from "../../test/render";

function fakeServer() {
  const members: ProjectMember[] = [{ username: "erin", addedBy: "carol", added: "2026-12-01T10:00:00Z" }];
  const hard: Record<string, string> = { "requests.cpu": "16", pods: "10" };
  const setByHand: string[] = [];
  const list = (): ProjectList => ({
    region: "paris",
    projects: [
      { id: "project-data-team", group: "data-team", owner: "data-team", namespace: "project-data-team", members: [...members],
        quota: { hard: { ...hard }, used: { "requests.cpu": "12", pods: "2" }, setByHand: [...setByHand] }, services: 3 },
      { id: "user-alice", owner: "alice", namespace: "user-alice", members: [], quota: { hard: {}, used: {}, setByHand: [] }, services: 1 },
    ],
  });
  const routes: MockRoutes = {
    "GET /me/notices": { notices: [] },
    "GET /catalogs": { catalogs: [] },
    "GET /admin/services": { services: [] },
    "GET /admin/platform": apiError(403, "permission_denied", "read plugins is for administrators"),
    "GET /admin/projects": () => list(),
    "POST /admin/projects/:project/members": ({ body }: MockRequest) => {
      const change = body as MembersChange;
      for (const name of change.add ?? []) members.push({ username: name, addedBy: "alice", added: new Date().toISOString() });
      for (const name of change.remove ?? []) members.splice(members.findIndex((m) => m.username === name), 1);
      return { project: "project-data-team", group: "data-team", members, canManage: true };
    },
    "PUT /admin/projects/:project/quota": ({ body }: MockRequest) => {
      for (const [k, v] of Object.entries((body as { hard: Record<string, string> }).hard)) {
        if (v) {
          hard[k] = v;
          setByHand.push(k);
        } else {
          hard[k] = "16";
          setByHand.splice(setByHand.indexOf(k), 1);
        }
      }
      return list().projects[0]!.quota;
    },
  };
  return { routes, members, hard };
}

async function axeViolations(node: Element) {
  const r = await axe.run(node, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    rules: { "color-contrast": { enabled: false } },
  });
  return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

describe("the projects page", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));
  afterEach(() => localStorage.clear());

  it("is in the navigation for administrators, lists every project with usage against quota, without axe violations", async () => {
    const m = mockApi(fakeServer().routes);
    const { container } = renderApp("/admin/projects", m.client);
    const nav = await screen.findByRole("navigation", { name: "Main" });
    expect((await within(nav).findByRole("link", { name: "Projects" })).getAttribute("href")).toBe("/admin/projects");
    const row = (await screen.findByRole("rowheader", { name: "project-data-team" })).closest("tr")!;
    expect(within(row).getByText("the group data-team")).toBeTruthy();
    const cpu = within(row).getByRole("progressbar", { name: "requests.cpu of project-data-team" });
    expect(cpu.getAttribute("aria-valuenow")).toBe("75");
    expect(cpu.closest("[data-level]")!.getAttribute("data-level")).toBe("warning");
    // The service count opens the fleet filtered on the project, in this region.
    expect(within(row).getByRole("link", { name: "3" }).getAttribute("href")).toBe("/admin/services?region=paris&project=project-data-team");
    expect(within(screen.getByRole("rowheader", { name: "user-alice" }).closest("tr")!).getByText("no quota")).toBeTruthy();
    await userEvent.click(within(row).getByRole("button", { name: "Manage" }));
    expect(await screen.findByRole("heading", { name: "Project project-data-team" })).toBeTruthy();
    expect(await axeViolations(container)).toEqual([]);
  });

  it("adds and removes members, naming the field and the rule of a bad name before sending it", async () => {
    const server = fakeServer();
    const m = mockApi(server.routes);
    renderApp("/admin/projects", m.client);
    const row = (await screen.findByRole("rowheader", { name: "project-data-team" })).closest("tr")!;
    await userEvent.click(within(row).getByRole("button", { name: "Manage" }));
    const name = await screen.findByLabelText("User name");
    await userEvent.type(name, "not a name");
    await userEvent.click(screen.getByRole("button", { name: "Add" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/^User name: a user name: 1 to 128/);
    expect(name.getAttribute("aria-invalid")).toBe("true");
    expect(m.find("POST", "/admin/projects/project-data-team/members")).toHaveLength(0);

    await userEvent.clear(name);
    await userEvent.type(name, "dave");
    await userEvent.click(screen.getByRole("button", { name: "Add" }));
    await waitFor(() => expect(m.find("POST", "/admin/projects/project-data-team/members").map((c) => c.body)).toEqual([{ add: ["dave"] }]));
    expect(await screen.findByText("dave")).toBeTruthy();

    await userEvent.click(screen.getByRole("button", { name: "Remove erin" }));
    await waitFor(() => expect(m.find("POST", "/admin/projects/project-data-team/members").map((c) => c.body)).toEqual([{ add: ["dave"] }, { remove: ["erin"] }]));
    await waitFor(() => expect(screen.queryByRole("button", { name: "Remove erin" })).toBeNull());
    expect(server.members.map((x) => x.username)).toEqual(["dave"]);
  });

  it("edits the quota key by key, refusing what is not a quantity, and gives a key set by hand back", async () => {
    const m = mockApi(fakeServer().routes);
    renderApp("/admin/projects", m.client);
    const row = (await screen.findByRole("rowheader", { name: "project-data-team" })).closest("tr")!;
    await userEvent.click(within(row).getByRole("button", { name: "Manage" }));
    const cpu = await screen.findByLabelText("requests.cpu");
    await userEvent.clear(cpu);
    await userEvent.type(cpu, "lots");
    await userEvent.click(screen.getByRole("button", { name: "Save the quota" }));
    expect((await screen.findByRole("alert")).textContent).toBe(
      "requests.cpu: a quantity of at least 0, e.g. 4, 500m or 16Gi (empty gives the key back)",
    );
    expect(cpu.getAttribute("aria-invalid")).toBe("true");
    expect(m.find("PUT", "/admin/projects/project-data-team/quota")).toHaveLength(0);

    await userEvent.clear(cpu);
    await userEvent.type(cpu, "24");
    await userEvent.type(screen.getByLabelText("Another resource"), "Requests GPU");
    await userEvent.type(screen.getByLabelText("Its limit"), "1");
    await userEvent.click(screen.getByRole("button", { name: "Save the quota" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/^Requests GPU: a resource name/);
    await userEvent.clear(screen.getByLabelText("Another resource"));
    await userEvent.clear(screen.getByLabelText("Its limit"));
    await userEvent.click(screen.getByRole("button", { name: "Save the quota" }));
    await waitFor(() => expect(m.find("PUT", "/admin/projects/project-data-team/quota").map((c) => c.body)).toEqual([{ hard: { "requests.cpu": "24" } }]));

    const giveBack = await screen.findByRole("button", { name: "Give requests.cpu back to the region" });
    expect(screen.getByText("set by hand")).toBeTruthy();
    // The editor starts again from the quota saved, and still says it was saved.
    expect((await screen.findByRole("status")).textContent).toBe("Quota saved.");
    await userEvent.click(giveBack);
    await waitFor(() => expect(m.find("PUT", "/admin/projects/project-data-team/quota").at(-1)?.body).toEqual({ hard: { "requests.cpu": "" } }));
    await waitFor(() => expect(screen.queryByText("set by hand")).toBeNull());
  });

  it("says the page is for administrators to others", async () => {
    const forbidden = apiError(403, "permission_denied", "read projects is for administrators");
    const m = mockApi({ ...fakeServer().routes, "GET /admin/services": forbidden, "GET /admin/projects": forbidden });
    renderApp("/admin/projects", m.client);
    expect(await screen.findByText("This page is for administrators.")).toBeTruthy();
    expect(within(screen.getByRole("navigation", { name: "Main" })).queryByRole("link", { name: "Projects" })).toBeNull();
  });
});

describe("the account's project members", () => {
  beforeEach(() => {
    localStorage.setItem("basalt.language", "en");
    localStorage.setItem("basalt.project", "project-data-team");
  });
  afterEach(() => localStorage.clear());

  it("lists the people added to the group project, and lets its members add some", async () => {
    const m = mockApi({
      "GET /me/notices": { notices: [] },
      "GET /me/profile": { schema: null, values: {} },
      "GET /admin/services": apiError(403, "permission_denied", "no"),
      "GET /projects/:project/members": { project: "project-data-team", group: "data-team", canManage: true,
        members: [{ username: "erin", addedBy: "carol", added: "2026-12-01T10:00:00Z" }] },
      "POST /projects/:project/members": ({ body }: MockRequest) => ({ project: "project-data-team", group: "data-team", canManage: true,
        members: [{ username: "erin", addedBy: "carol", added: "2026-12-01T10:00:00Z" },
          ...((body as MembersChange).add ?? []).map((u) => ({ username: u, addedBy: "alice", added: "2026-12-07T10:00:00Z" }))] }),
    });
    const { container } = renderApp("/account", m.client);
    const section = (await screen.findByRole("heading", { name: "Members of project-data-team" })).closest("section")!;
    expect(within(section).getByText("erin")).toBeTruthy();
    await userEvent.type(within(section).getByLabelText("User name"), "frank");
    await userEvent.click(within(section).getByRole("button", { name: "Add" }));
    expect(await within(section).findByText("frank")).toBeTruthy();
    expect(m.find("POST", "/projects/project-data-team/members").map((c) => c.body)).toEqual([{ add: ["frank"] }]);
    expect(await axeViolations(container)).toEqual([]);
  });
});
