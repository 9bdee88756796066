import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { UIConfig as InstanceConfig } from "../api/types";
import { mockApi, testConfig } from "../test/mockApi";
import { renderApp } from "../test/render";
import { applyBranding, fontFamily, paletteVariables } from "./theme";

/** The rebranding of config/examples/theme-rebrand.yaml, as /api/v1/config serves it. */
const rebrand: InstanceConfig = {
  ...testConfig,
  branding: {
    name: "Nordlys Lab",
    headerText: { en: "Statistics office", fr: "Office statistique" },
    logoUrl: "/branding/logo.svg",
    faviconUrl: "/branding/favicon.png",
    tabTitle: "Nordlys",
    palette: { primary: "#0e6e5c", secondary: "#f2a541", background: "#f7f5f0", surface: "#ffffff", text: "#1d2a26" },
    darkPalette: { primary: "#4fc1a6", background: "#0f1715", surface: "", text: "#e4efe9" },
    font: { family: "'Source Sans 3', Arial, sans-serif", cssUrl: "/branding/fonts.css" },
  },
  languages: ["fr", "en"],
  links: {
    header: [{ label: { en: "Help", fr: "Aide" }, url: "https://docs.example.org" }],
    footer: [{ label: { en: "Legal notice", fr: "Mentions légales" }, url: "https://example.org/legal" }],
    sideBar: [{ label: { en: "Training", fr: "Formations" }, url: "/catalog" }],
  },
  home: {
    title: { en: "Your statistics, reproducible", fr: "Vos statistiques, reproductibles" },
    subtitle: { en: "Notebooks next to the data.", fr: "Des notebooks à côté des données." },
    callToAction: { label: { en: "Start a notebook", fr: "Lancer un notebook" }, url: "/catalog" },
    cards: [{ title: { en: "Shared data", fr: "Données partagées" }, description: { en: "Open data sets." }, url: "/my-files", icon: "files" }],
  },
  alert: { severity: "warning", text: { en: "Maintenance on Saturday", fr: "Maintenance samedi" }, dismissible: true },
  terms: { version: "2026-01", markdown: { en: "## Terms\nBe nice.", fr: "## Conditions\nSoyez aimables." } },
  features: { commandPanel: false, autoLaunch: false, allCatalogs: false },
  bookmarks: [],
};

/** The same without the font style sheet, which the test DOM cannot load. */
const served: InstanceConfig = { ...rebrand, branding: { ...rebrand.branding, font: { family: rebrand.branding.font!.family } } };

function resetDocument() {
  document.documentElement.removeAttribute("style");
  document.getElementById("basalt-font")?.remove();
  document.getElementById("basalt-favicon")?.remove();
}

describe("branding from the configuration", () => {
  beforeEach(() => {
    localStorage.clear();
    localStorage.setItem("basalt.language", "fr");
    resetDocument();
  });
  afterEach(resetDocument);

  it("sets the palette of each scheme, the font and the favicon on the document", () => {
    const undo = applyBranding(rebrand.branding, "light");
    const style = document.documentElement.style;
    expect(style.getPropertyValue("--brand-primary")).toBe("#0e6e5c");
    expect(style.getPropertyValue("--brand-secondary")).toBe("#f2a541");
    expect(style.getPropertyValue("--brand-on-secondary")).toBe("#111111");
    expect(style.getPropertyValue("--bg")).toBe("#f7f5f0");
    expect(style.getPropertyValue("--text")).toBe("#1d2a26");
    expect(style.getPropertyValue("--font")).toBe("'Source Sans 3', Arial, sans-serif, system-ui, sans-serif");
    expect(document.querySelector<HTMLLinkElement>("link#basalt-font")?.getAttribute("href")).toBe("/branding/fonts.css");
    expect(document.querySelector<HTMLLinkElement>("link#basalt-favicon[rel=icon]")?.getAttribute("href")).toBe("/branding/favicon.png");
    undo();
    expect(style.getPropertyValue("--brand-primary")).toBe("");

    applyBranding(rebrand.branding, "dark");
    expect(style.getPropertyValue("--brand-primary")).toBe("#4fc1a6");
    expect(style.getPropertyValue("--bg")).toBe("#0f1715");
    // An empty dark surface keeps the portal's dark one, never the light palette's white.
    expect(style.getPropertyValue("--surface")).toBe("");
  });

  it("derives the dark primary from the light one, and refuses what is not a colour or a font list", () => {
    expect(paletteVariables({ primary: "" }, "dark", { primary: "#0b3d91" })["--brand-primary"]).toBe("#0b3d91");
    expect(paletteVariables({ primary: "#0b3d91", background: "url(x)" }, "light")).not.toHaveProperty("--bg");
    expect(fontFamily("Inter; } body { display: none")).toBeUndefined();
    expect(fontFamily("Marianne, sans-serif")).toBe("Marianne, sans-serif");
  });

  it("renders the configured home, links, banner, terms and tab title, in the configured language", async () => {
    const user = userEvent.setup();
    renderApp("/", mockApi({ "GET /config": served }).client);
    // Terms first: the portal waits for the user to accept them.
    const terms = await screen.findByRole("dialog", { name: "Conditions d’utilisation" });
    expect(within(terms).queryByRole("button", { name: "Fermer" })).toBeNull();
    expect(await within(terms).findByText("Soyez aimables.", {}, { timeout: 5000 })).toBeTruthy();
    await user.click(within(terms).getByRole("button", { name: "J’accepte" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(localStorage.getItem("basalt.terms.accepted")).toBe("2026-01");

    expect(screen.getByRole("heading", { level: 1, name: "Vos statistiques, reproductibles" })).toBeTruthy();
    expect(screen.getByText("Des notebooks à côté des données.")).toBeTruthy();
    expect(screen.getByRole("link", { name: "Lancer un notebook" }).getAttribute("href")).toBe("/catalog");
    expect(screen.getByRole("link", { name: "Données partagées" }).getAttribute("href")).toBe("/my-files");
    expect(screen.getByText("Office statistique")).toBeTruthy();
    const help = within(screen.getByRole("list", { name: "Liens" })).getByRole("link", { name: "Aide" });
    expect(help.getAttribute("target")).toBe("_blank");
    expect(help.getAttribute("rel")).toContain("noopener");
    expect(within(screen.getByRole("list", { name: "À propos de ce site" })).getByRole("link", { name: "Mentions légales" })).toBeTruthy();
    expect(within(screen.getByRole("list", { name: "Autres liens" })).getByRole("link", { name: "Formations" }).getAttribute("href")).toBe("/catalog");
    await waitFor(() => expect(document.title).toBe("Accueil · Nordlys"));
    // The command panel is switched off for the instance.
    expect(screen.queryByRole("region", { name: /commandes/i })).toBeNull();

    const banner = screen.getByRole("alert");
    expect(banner.textContent).toContain("Maintenance samedi");
    await user.click(within(banner).getByRole("button", { name: "Masquer ce message" }));
    expect(screen.queryByText("Maintenance samedi")).toBeNull();
  });

  it("remembers the accepted terms and the closed banner until they change", async () => {
    const first = renderApp("/", mockApi({ "GET /config": served }).client);
    await screen.findByRole("dialog");
    first.unmount();
    localStorage.setItem("basalt.terms.accepted", "2026-01");
    const again = renderApp("/", mockApi({ "GET /config": served }).client);
    await screen.findByRole("heading", { level: 1, name: "Vos statistiques, reproductibles" });
    expect(screen.queryByRole("dialog")).toBeNull();
    await userEvent.setup().click(screen.getByRole("button", { name: "Masquer ce message" }));
    again.unmount();

    const changed = { ...served, terms: { ...rebrand.terms, version: "2026-02" }, alert: { ...rebrand.alert!, text: { fr: "Nouvelle maintenance" } } };
    renderApp("/", mockApi({ "GET /config": changed }).client);
    expect(await screen.findByRole("dialog", { name: "Conditions d’utilisation" })).toBeTruthy();
    expect(screen.getByText("Nouvelle maintenance")).toBeTruthy();
  });
});
