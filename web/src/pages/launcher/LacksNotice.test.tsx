// @vitest-environment jsdom
// jsdom for axe-core, which happy-dom does not run.
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { ChartView as Chart, RegionInfo } from "../../api/types";
import { testRegion } from "../../test/fixtures";
import { fixture } from "../../test/launchForms";
import { mockApi, testConfig } from "../../test/mockApi";
import { axeViolations } from "../../test/axe";
import { renderApp } from "../../test/render";

const chart: Chart = { catalog: "basalt", name: "jupyter", description: "Notebooks", keywords: [], versions: [{ version: "1.0.0" }] };

/**
 * The default catalog's Jupyter as a region without S3 credentials or Vault answers it: the
 * server switched both sections off and said what they lack.
 */
function lackingForm() {
  const form = fixture("jupyter");
  for (const [key, lacks] of [
    ["s3", "storageCredentials"],
    ["vault", "secretsToken"],
  ] as const) {
    const section = form.root!.fields!.find((f) => f.key === key)!;
    section.lacks = lacks;
    for (const f of section.fields ?? []) f.value = f.key === "enabled" ? false : f.widget === "checkbox" ? f.value : "";
  }
  return form;
}

function api(region: RegionInfo) {
  return mockApi({
    "GET /config": { ...testConfig, regions: [region] },
    "GET /catalogs": { catalogs: [] },
    "GET /catalogs/:catalog/charts/:chart": chart,
    "GET /projects/:project/launch/form": { form: lackingForm(), catalog: "basalt", allowSharing: false, release: "jupyter-42" },
  });
}

async function openTab(region: RegionInfo, tab: string) {
  const user = userEvent.setup();
  const { container } = renderApp("/launcher/basalt/jupyter", api(region).client);
  const tabs = await screen.findByRole("tablist", { name: /Settings|Réglages|Paramètres/ });
  await user.click(within(tabs).getByRole("tab", { name: tab }));
  return { user, container, panel: screen.getByRole("tabpanel") };
}

describe("a tab the region cannot fill", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("says the region has no Vault, starts off, and can still be turned on to pick a secret", async () => {
    const { user, container, panel } = await openTab({ ...testRegion("local", "Local"), lacks: ["secretsToken"] }, "Secrets (Vault)");
    expect(within(panel).getByRole("note").textContent).toBe(
      "This region has no Vault for services: the service gets no Vault token, so this tab starts off. Turn it on only to pick one of your secrets: its keys reach the service as environment variables.",
    );
    const on = within(panel).getByRole("checkbox", { name: /secrets token/ });
    expect((on as HTMLInputElement).checked).toBe(false);
    expect(within(panel).queryByRole("textbox", { name: "Secret to export" })).toBeNull();
    await user.click(on);
    expect(within(panel).getByRole("textbox", { name: "Secret to export" })).toBeTruthy();
    expect(within(panel).getByRole("note")).toBeTruthy(); // the reason stays while it is on
    expect(await axeViolations(container)).toEqual([]);
  });

  it("says only that the form gets no Vault where the store has not said it hands out no token", async () => {
    const { panel } = await openTab(testRegion("vault", "Vault"), "Secrets (Vault)");
    expect(within(panel).getByRole("note").textContent).toBe(
      "This region gives launch forms no Vault address or token, so this tab starts off. Turn it on to pick one of your secrets: its keys reach the service as environment variables.",
    );
  });

  it("says the region has no S3 store, or no S3 credentials for its files", async () => {
    const noStore = await openTab({ ...testRegion("bare", "Bare"), files: false, secrets: false }, "S3 storage");
    expect(within(noStore.panel).getByRole("note").textContent).toBe(
      "This region has no S3 store: the service gets no S3 credentials, so this tab starts off.",
    );
    expect((within(noStore.panel).getByRole("checkbox", { name: /S3 credentials/ }) as HTMLInputElement).checked).toBe(false);
    noStore.container.remove();
    const localFiles = await openTab(testRegion("local", "Local"), "S3 storage");
    expect(within(localFiles.panel).getByRole("note").textContent).toMatch(/^This region's files are not in an S3 store: .*An S3 profile of your own \(Account, Storage\) would fill it\.$/);
  });

  it("speaks French, and names a region without any secrets store", async () => {
    localStorage.setItem("basalt.language", "fr");
    const { panel } = await openTab({ ...testRegion("bare", "Bare"), secrets: false }, "Secrets (Vault)");
    expect(within(panel).getByRole("note").textContent).toBe(
      "Cette région n’a pas de coffre de secrets : le service ne reçoit ni jeton Vault ni secret, cet onglet est donc désactivé au départ.",
    );
  });

  it("says nothing on a tab the region fills", async () => {
    const { panel } = await openTab(testRegion("local", "Local"), "Git");
    expect(within(panel).queryByRole("note")).toBeNull();
  });
});

