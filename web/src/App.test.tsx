import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ApiError } from "./api/errors";
import { en } from "./i18n/en";
import { fr } from "./i18n/fr";
import { fakeClient, renderApp, testConfig } from "./test/render";

describe("the app shell", () => {
  it("renders the instance name, logo, navigation and home page from the config", async () => {
    localStorage.setItem("basalt.language", "en");
    renderApp("/");
    expect(await screen.findByRole("heading", { level: 1, name: "Welcome to Datalab Test" })).toBeTruthy();

    const banner = screen.getByRole("banner");
    expect(within(banner).getByText("Datalab Test")).toBeTruthy();
    const logo = banner.querySelector("img");
    expect(logo?.getAttribute("src")).toBe("/logo.svg");

    const nav = screen.getByRole("navigation", { name: en["nav.label"] });
    const links = within(nav).getAllByRole("link").map((a) => a.textContent);
    expect(links).toEqual(["Home", "Catalog", "My services", "My files", "Data explorer", "My secrets", "Account"]);
    expect(within(nav).getByRole("link", { name: "Home" }).getAttribute("aria-current")).toBe("page");

    await waitFor(() => expect(screen.getByText("abc1234")).toBeTruthy());
    expect(document.title).toBe("Home · Datalab Test");
  });

  it("applies the configured palette as CSS variables", async () => {
    renderApp("/");
    await screen.findByRole("banner");
    const style = document.documentElement.style;
    expect(style.getPropertyValue("--brand-primary")).toBe("#0a7d55");
    expect(style.getPropertyValue("--brand-on-primary")).toBe("#ffffff");
  });

  it("lazy-loads a section's page", async () => {
    localStorage.setItem("basalt.language", "en");
    renderApp("/account");
    expect(await screen.findByRole("heading", { level: 1, name: "Account" })).toBeTruthy();
  });

  it("navigates from the side navigation", async () => {
    localStorage.setItem("basalt.language", "en");
    const user = userEvent.setup();
    const { router } = renderApp("/");
    const nav = await screen.findByRole("navigation");
    await user.click(within(nav).getByRole("link", { name: "Account" }));
    expect(router.state.location.pathname).toBe("/account");
    expect(await screen.findByRole("heading", { level: 1, name: "Account" })).toBeTruthy();
    expect(within(nav).getByRole("link", { name: "Account" }).getAttribute("aria-current")).toBe("page");
  });

  it("switches to French through the labelled language selector", async () => {
    localStorage.setItem("basalt.language", "en");
    const user = userEvent.setup();
    renderApp("/");
    const select = await screen.findByLabelText(en["header.language"]);
    await user.selectOptions(select, "fr");
    expect(await screen.findByRole("heading", { level: 1, name: "Bienvenue sur Datalab Test" })).toBeTruthy();
    expect(screen.getByRole("navigation", { name: fr["nav.label"] })).toBeTruthy();
    expect(document.documentElement.lang).toBe("fr");
    expect(localStorage.getItem("basalt.language")).toBe("fr");
  });

  it("offers no language selector when the instance has one language", async () => {
    renderApp("/", fakeClient({ config: () => Promise.resolve({ ...testConfig, languages: ["fr"] }) }));
    expect(await screen.findByRole("heading", { level: 1, name: "Bienvenue sur Datalab Test" })).toBeTruthy();
    expect(screen.queryByLabelText(fr["header.language"])).toBeNull();
  });

  it("switches to the dark scheme", async () => {
    localStorage.setItem("basalt.language", "en");
    const user = userEvent.setup();
    renderApp("/");
    await user.selectOptions(await screen.findByLabelText(en["header.theme"]), "dark");
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(localStorage.getItem("basalt.theme")).toBe("dark");
  });

  it("shows a page for unknown addresses", async () => {
    localStorage.setItem("basalt.language", "en");
    renderApp("/nowhere");
    expect(await screen.findByRole("heading", { level: 1, name: en["notFound.title"] })).toBeTruthy();
  });

  it("shows the server's error and retries when the config cannot be loaded", async () => {
    localStorage.setItem("basalt.language", "en");
    let calls = 0;
    const client = fakeClient({
      config: () => {
        calls++;
        return calls === 1
          ? Promise.reject(new ApiError(503, "unavailable", "the store is down"))
          : Promise.resolve(testConfig);
      },
    });
    const user = userEvent.setup();
    renderApp("/", client);
    expect(await screen.findByRole("heading", { name: en["app.loadError.title"] })).toBeTruthy();
    expect(screen.getByText("Error: the store is down")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: en["app.retry"] }));
    expect(await screen.findByRole("heading", { level: 1, name: "Welcome to Datalab Test" })).toBeTruthy();
  });
});
