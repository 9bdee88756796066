import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { apiError, mockApi, testConfig } from "../test/mockApi";
import { renderApp } from "../test/render";

const oidc = { ...testConfig, auth: { mode: "oidc" as const, loginUrl: "/auth/login", logoutUrl: "/auth/logout" } };

describe("the header", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("switches the project every project call goes to, and remembers it", async () => {
    const m = mockApi({ "GET /catalogs": { catalogs: [] }, "GET /catalogs/:catalog/charts": { charts: [] } });
    const user = userEvent.setup();
    renderApp("/catalog", m.client);
    const select = await screen.findByLabelText("Project");
    expect(within(select).getAllByRole("option").map((o) => o.textContent)).toEqual(["alice (personal)", "data-team"]);
    await waitFor(() => expect(m.find("GET", "/catalogs")).toHaveLength(1));
    await user.selectOptions(select, "project-data-team");
    await waitFor(() => expect(m.find("GET", "/catalogs").map((c) => c.query.get("project"))).toEqual(["user-alice", "project-data-team"]));
    expect(localStorage.getItem("basalt.project")).toBe("project-data-team");
  });

  it("offers to sign in when the identity provider is used and nobody is signed in", async () => {
    const m = mockApi({ "GET /config": oidc, "GET /me": apiError(401, "unauthenticated", "sign in first") });
    renderApp("/my-files?path=x", m.client);
    expect(await screen.findByRole("heading", { name: "Sign in to continue" })).toBeTruthy();
    const links = screen.getAllByRole("link", { name: "Sign in" });
    expect(links[0]!.getAttribute("href")).toBe("/auth/login?return_to=%2Fmy-files%3Fpath%3Dx");
    expect(screen.queryByLabelText("Project")).toBeNull();
  });

  it("shows the signed-in user and a sign-out button that posts", async () => {
    renderApp("/", mockApi({ "GET /config": oidc }).client);
    expect(await screen.findByRole("link", { name: "Alice Martin" })).toBeTruthy();
    const form = screen.getByRole("button", { name: "Sign out" }).closest("form");
    expect(form?.getAttribute("method")).toBe("post");
    expect(form?.getAttribute("action")).toBe("/auth/logout");
    expect(screen.queryByRole("link", { name: "Sign out" })).toBeNull();
  });

  it("shows no sign-in in local mode", async () => {
    renderApp("/", mockApi().client);
    await screen.findByLabelText("Project");
    expect(screen.queryByRole("link", { name: "Sign in" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Sign out" })).toBeNull();
  });
});

describe("the account page", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("shows the user, roles and projects, and switches project", async () => {
    const user = userEvent.setup();
    renderApp("/account", mockApi().client);
    expect(await screen.findByText("Alice Martin")).toBeTruthy();
    expect(screen.getByText("alice@example.org")).toBeTruthy();
    expect(screen.getByText("user")).toBeTruthy();
    const rows = within(screen.getByRole("table")).getAllByRole("row");
    expect(rows).toHaveLength(3);
    expect(within(rows[1]!).getByText("Current project")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Work in data-team" }));
    expect(within(rows[2]!).getByText("Current project")).toBeTruthy();
    expect((screen.getByLabelText("Project") as HTMLSelectElement).value).toBe("project-data-team");
  });

  it("keeps the interface preferences locally", async () => {
    const user = userEvent.setup();
    renderApp("/account?tab=preferences", mockApi().client);
    const main = await screen.findByRole("main");
    expect(await screen.findByRole("region", { name: "Commands" })).toBeTruthy();
    await user.click(within(main).getByRole("checkbox", { name: /Show the command panel/ }));
    expect(screen.queryByRole("region", { name: "Commands" })).toBeNull();
    expect(localStorage.getItem("basalt.commandPanel")).toBe("off");

    await user.selectOptions(within(main).getByLabelText("Colour scheme"), "dark");
    expect(document.documentElement.dataset.theme).toBe("dark");
    await user.selectOptions(within(main).getByLabelText("Language"), "fr");
    expect(await screen.findByRole("heading", { level: 1, name: "Compte" })).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Préférences d’affichage" })).toBeTruthy();
  });
});
