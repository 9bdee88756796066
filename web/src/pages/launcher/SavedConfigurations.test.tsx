import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { ChartView as Chart, SavedConfiguration } from "../../api/types";
import { fixture } from "../../test/launchForms";
import { apiError, mockApi, reply, type MockRoutes } from "../../test/mockApi";
import { renderApp } from "../../test/render";
import { restorePath } from "./savedConfiguration";

const chart: Chart = { catalog: "ide", name: "jupyter", description: "Notebooks", keywords: [], versions: [{ version: "1.0.0" }] };

function api(routes: MockRoutes = {}) {
  return mockApi({
    "GET /catalogs": { catalogs: [] },
    "GET /catalogs/:catalog/charts": { charts: [] },
    "GET /catalogs/:catalog/charts/:chart": chart,
    "GET /projects/:project/launch/form": { form: fixture("jupyter"), catalog: "ide", allowSharing: false },
    ...routes,
  });
}

beforeEach(() => localStorage.setItem("basalt.language", "en"));

describe("saving a launch", () => {
  it("keeps the launch request and the link of the user's changes under the name given", async () => {
    const m = api({ "PUT /projects/:project/configurations/:name": ({ params, body }) => ({ name: params.name, ...(body as object) }) });
    const user = userEvent.setup();
    renderApp("/launcher/ide/jupyter", m.client);
    await screen.findByRole("tablist", { name: "Settings" });
    await user.clear(screen.getByLabelText("Name of the service"));
    await user.type(screen.getByLabelText("Name of the service"), "nb");
    await user.click(screen.getByRole("tab", { name: "Git" }));
    await user.click(screen.getByLabelText("Configure git in the service"));
    await user.click(screen.getByRole("button", { name: "Save the configuration" }));

    const dialog = await screen.findByRole("dialog", { name: "Save the configuration" });
    const name = within(dialog).getByLabelText("Name of the configuration");
    expect((name as HTMLInputElement).value).toBe("nb");
    await user.clear(name);
    await user.type(name, "my notebook");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));

    expect(await screen.findByText("Saved as my notebook.")).toBeTruthy();
    expect(screen.queryByRole("dialog")).toBeNull();
    const put = m.find("PUT", "/projects/user-alice/configurations/my%20notebook");
    expect(put).toHaveLength(1);
    const body = put[0]!.body as { launch: Record<string, unknown>; extra: { link: string } };
    expect(body.launch).toMatchObject({ catalog: "ide", chart: "jupyter", version: "1.0.0", name: "nb" });
    expect((body.launch.values as { git: { enabled: boolean } }).git.enabled).toBe(false);
    expect(body.extra.link).toContain("name=nb");
    expect(body.extra.link).toContain("git.enabled=false");
    expect(body.extra.link).not.toContain("autoLaunch");
  });

  it("shows the server's rule for the name in the dialog", async () => {
    const m = api({
      "PUT /projects/:project/configurations/:name": apiError(400, "invalid_argument", "cannot save", [
        { field: "name", rule: "1 to 63 letters, digits, spaces, dots, dashes or underscores" },
      ]),
    });
    const user = userEvent.setup();
    renderApp("/launcher/ide/jupyter", m.client);
    await screen.findByRole("tablist", { name: "Settings" });
    await user.click(screen.getByRole("button", { name: "Save the configuration" }));
    const dialog = await screen.findByRole("dialog");
    await user.clear(within(dialog).getByLabelText("Name of the configuration"));
    await user.type(within(dialog).getByLabelText("Name of the configuration"), "été/2");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(await within(dialog).findByText("1 to 63 letters, digits, spaces, dots, dashes or underscores")).toBeTruthy();
    expect(within(dialog).getByLabelText("Name of the configuration").getAttribute("aria-invalid")).toBe("true");
    expect(screen.queryByText(/Saved as/)).toBeNull();
  });
});

const withLink: SavedConfiguration = {
  name: "big notebook",
  launch: { catalog: "ide", chart: "jupyter", version: "1.0.0", name: "nb", values: { resources: { limits: { memory: "8Gi" } } } },
  extra: { link: "name=nb&version=1.0.0&resources.limits.memory=%C2%AB8Gi%C2%BB" },
};
const fromElsewhere: SavedConfiguration = {
  name: "cli",
  launch: { catalog: "ide", chart: "jupyter", version: "0.9.0", name: "other", shared: true, values: { git: { enabled: true }, tags: ["a"] } },
};

describe("the saved configurations", () => {
  it("restores from the link the portal saved, or from the launch's values", () => {
    expect(restorePath(withLink)).toBe("/launcher/ide/jupyter?name=nb&version=1.0.0&resources.limits.memory=%C2%AB8Gi%C2%BB");
    expect(restorePath(fromElsewhere)).toBe("/launcher/ide/jupyter?name=other&version=0.9.0&shared=true&git.enabled=true&tags[0].=%C2%ABa%C2%BB");
  });

  it("are listed on the catalog page; open restores one in the launcher, delete forgets one", async () => {
    let list = [withLink, fromElsewhere];
    const m = api({
      "GET /projects/:project/configurations": () => ({ configurations: list }),
      "DELETE /projects/:project/configurations/:name": ({ params }) => {
        list = list.filter((c) => c.name !== params.name);
        return reply(204, "");
      },
    });
    const user = userEvent.setup();
    const { router } = renderApp("/catalog", m.client);
    const section = (await screen.findByRole("heading", { name: "Saved configurations" })).closest("section")!;
    const s = within(section);
    expect(s.getByText("ide/jupyter 0.9.0")).toBeTruthy();

    await user.click(s.getByRole("button", { name: "Delete cli" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(s.queryByText("cli")).toBeNull());
    expect(m.find("DELETE", "/projects/user-alice/configurations/cli")).toHaveLength(1);

    await user.click(s.getByRole("link", { name: "Open the launcher with big notebook" }));
    expect(router.state.location.pathname).toBe("/launcher/ide/jupyter");
    await screen.findByRole("tablist", { name: "Settings" });
    // The saved link goes to the server as the form's link, which pre-fills the form with it.
    expect(m.find("GET", "/projects/user-alice/launch/form").at(-1)!.query.get("link")).toBe(withLink.extra!.link);
    expect((screen.getByLabelText("Name of the service") as HTMLInputElement).value).toBe("nb");
  });

  it("say nothing where the region keeps none", async () => {
    const m = api({ "GET /projects/:project/configurations": apiError(501, "unimplemented", "no secrets store") });
    renderApp("/catalog", m.client);
    await waitFor(() => expect(m.find("GET", "/projects/user-alice/configurations")).toHaveLength(1));
    expect(screen.queryByText("Saved configurations")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
