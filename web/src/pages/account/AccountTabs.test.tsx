// @vitest-environment jsdom
// jsdom for axe-core, which happy-dom does not run.
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { RegionInfo, SecretsCredentials, UIConfig } from "../../api/types";
import { axeViolations } from "../../test/axe";
import { testRegion } from "../../test/fixtures";
import { apiError, mockApi, testConfig, type MockRoutes } from "../../test/mockApi";
import { renderApp } from "../../test/render";

const vault: SecretsCredentials = {
  token: "hvs.vault-token",
  address: "https://vault.example.org",
  home: "onyxia-kv/user-alice",
  snippets: [{ id: "vault-cli", label: "vault CLI", language: "shell", code: "export VAULT_TOKEN=hvs.vault-token" }],
};

/** The account's routes, each answering as a region with everything would. */
const everything: MockRoutes = {
  "GET /me/settings": { gitName: "Alice", gitEmail: "alice@example.org", gitToken: "", gitProject: "", gitCredentialsCacheTTL: 0, profile: {} },
  "GET /me/s3-profiles": { profiles: [] },
  "GET /projects/:project/credentials/storage": apiError(501, "not_implemented", "local files have no S3 credentials"),
  "GET /projects/:project/credentials/secrets": vault,
};

function withRegion(region: RegionInfo): { "GET /config": UIConfig } {
  return { "GET /config": { ...testConfig, regions: [region] } };
}

/** The requests the page made to any of these paths. */
function asked(m: ReturnType<typeof mockApi>, paths: string[]) {
  return m.calls.filter((c) => paths.some((p) => c.path.endsWith(p))).map((c) => c.path);
}

async function visitEveryTab() {
  const user = userEvent.setup();
  const tablist = await screen.findByRole("tablist", { name: "Account sections" });
  const names = within(tablist)
    .getAllByRole("tab")
    .map((tab) => tab.textContent!);
  for (const name of names) {
    await user.click(within(tablist).getByRole("tab", { name }));
    await screen.findByRole("tabpanel");
  }
  return names;
}

describe("the account page", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("is in tabs, each a link, asking the server only for the tab opened", async () => {
    const m = mockApi({ ...everything, ...withRegion(testRegion("lab", "Lab")) });
    const user = userEvent.setup();
    const { router } = renderApp("/account", m.client);
    const tablist = await screen.findByRole("tablist", { name: "Account sections" });
    expect(within(tablist).getAllByRole("tab").map((tab) => tab.textContent)).toEqual(["Profile", "Git", "Storage", "Vault", "Kubernetes", "Preferences"]);
    const panel = screen.getByRole("tabpanel", { name: "Profile" });
    expect(within(panel).getByRole("heading", { name: "Projects" })).toBeTruthy();
    expect(within(panel).queryByRole("heading", { name: "Vault token" })).toBeNull();
    expect(asked(m, ["/credentials/storage", "/credentials/secrets", "/me/settings", "/me/s3-profiles"])).toEqual([]);
    expect(await axeViolations(document.querySelector("main") ?? document.body)).toEqual([]);

    await user.click(within(tablist).getByRole("tab", { name: "Vault" }));
    expect(router.state.location.search).toBe("?tab=vault");
    const vaultPanel = screen.getByRole("tabpanel", { name: "Vault" });
    expect((await within(vaultPanel).findByLabelText("Your secrets’ path")).textContent).toBe("onyxia-kv/user-alice");
    expect(m.find("GET", "/projects/user-alice/credentials/secrets")).toHaveLength(1);
    expect(await axeViolations(vaultPanel)).toEqual([]);
    // Arrow keys move between tabs, as on every tab row.
    await user.keyboard("{ArrowRight}");
    expect(document.activeElement).toBe(within(tablist).getByRole("tab", { name: "Kubernetes", selected: true }));
  });

  it("opens the tab its address names, and the profile for one the region has not", async () => {
    renderApp("/account?tab=git", mockApi({ ...everything, ...withRegion({ ...testRegion("lab", "Lab"), secrets: false }) }).client);
    const tablist = await screen.findByRole("tablist", { name: "Account sections" });
    expect(within(tablist).getByRole("tab", { selected: true }).textContent).toBe("Profile");
  });

  it("offers no tab, and asks nothing, that a region without secrets store cannot answer", async () => {
    const m = mockApi({ ...everything, ...withRegion({ ...testRegion("lab", "Lab"), secrets: false, services: false }) });
    renderApp("/account", m.client);
    expect(await visitEveryTab()).toEqual(["Profile", "Storage", "Preferences"]);
    expect(asked(m, ["/me/settings", "/me/s3-profiles", "/credentials/secrets"])).toEqual([]);
    expect(screen.queryByRole("heading", { name: "Your S3 profiles" })).toBeNull();
  });

  it("asks for no key or token the region has said it lacks, and says why", async () => {
    const m = mockApi({ ...everything, ...withRegion({ ...testRegion("lab", "Lab"), lacks: ["storageCredentials", "secretsToken"] }) });
    const user = userEvent.setup();
    renderApp("/account", m.client);
    await visitEveryTab();
    expect(asked(m, ["/credentials/storage", "/credentials/secrets"])).toEqual([]);
    await user.click(screen.getByRole("tab", { name: "Vault" }));
    expect(screen.getByText("This region has no secrets store that hands out tokens.")).toBeTruthy();
    await user.click(screen.getByRole("tab", { name: "Storage" }));
    expect(screen.getByText("This region hands out no storage keys.")).toBeTruthy();
    // The rest of the tab is there: the S3 profiles the secrets store keeps.
    expect(await screen.findByText("You have no S3 profile of your own.")).toBeTruthy();
  });

  it("reads the configuration again after a 501, and asks no more", async () => {
    let lacks: RegionInfo["lacks"] = undefined;
    const m = mockApi({
      ...everything,
      "GET /config": () => ({ ...testConfig, regions: [{ ...testRegion("lab", "Lab"), lacks }] }),
      "GET /projects/:project/credentials/storage": () => {
        lacks = ["storageCredentials"];
        return apiError(501, "not_implemented", "local files have no S3 credentials");
      },
    });
    const user = userEvent.setup();
    renderApp("/account?tab=storage", m.client);
    expect(await screen.findByText("This region hands out no storage keys.")).toBeTruthy();
    await waitFor(() => expect(m.find("GET", "/config")).toHaveLength(2));
    for (const tab of ["Profile", "Storage", "Vault", "Storage"]) await user.click(screen.getByRole("tab", { name: tab }));
    expect(screen.getByText("This region hands out no storage keys.")).toBeTruthy();
    expect(m.find("GET", "/projects/user-alice/credentials/storage")).toHaveLength(1);
  });
});
