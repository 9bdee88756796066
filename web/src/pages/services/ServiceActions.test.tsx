// @vitest-environment jsdom
// jsdom for axe-core, which happy-dom does not run; colour contrast needs a real layout.
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ServiceCredential, ServiceView } from "../../api/types";
import { testService } from "../../test/fixtures";
import { apiError, mockApi } from "../../test/mockApi";
import { renderApp } from "../../test/render";

const PASSWORD = "Xq7-one-time-9fk";
const TOKEN = "jupyter-token-42";
const gateway = { url: "http://jupyter-1--user-alice.localhost:8080/", requests: 0, bytesIn: 0, bytesOut: 0, openWebSockets: 0 };
const credentials: ServiceCredential[] = [
  { path: "security.password", title: "Password of the service", kind: "password", value: PASSWORD },
  { path: "jupyter.token", title: "Jupyter token", kind: "token", value: TOKEN },
];
const values = {
  security: { password: "********" },
  resources: { requests: { cpu: "100m", memory: "1Gi" }, limits: { cpu: "2000m", memory: "4Gi", "nvidia.com/gpu": 1 } },
};

/** A server with alice's service (over changes it), its masked values and its passwords. */
function api(over: Partial<ServiceView> = {}, creds = credentials) {
  let service = testService({ urls: ["https://jupyter-1.lab.example.org"], ...over });
  return mockApi({
    "GET /catalogs": { catalogs: [{ id: "ide", allowSharing: true }] },
    "GET /me/notices": { notices: [] },
    "GET /projects/:project/services": () => ({ services: [service], commands: [] }),
    "GET /projects/:project/services/:service": () => ({ service, values, manifest: "", commands: [] }),
    "GET /projects/:project/services/:service/credentials": ({ params }) => ({
      credentials: creds,
      commands: [`helm get values ${params.service} --namespace user-alice --output json`],
    }),
    "POST /projects/:project/services/:service/suspend": () => {
      service = { ...service, suspended: true, status: "suspended", ready: false };
      return { commands: [] };
    },
    "POST /projects/:project/services/:service/resume": () => {
      service = { ...service, suspended: false, status: "deployed", ready: true };
      return { commands: [] };
    },
    "PATCH /projects/:project/services/:service": ({ body }) => {
      service = { ...service, ...(body as Partial<ServiceView>) };
      return { service, commands: [] };
    },
    "DELETE /projects/:project/services/:service": () => ({ commands: ["helm uninstall jupyter-1 --namespace user-alice"] }),
    "GET /projects/:project/services/:service/access": { grants: [] },
  });
}

async function axeViolations(node: Element) {
  const r = await axe.run(node, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    rules: { "color-contrast": { enabled: false } },
  });
  return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

function withClipboard() {
  const writeText = vi.fn(async (_: string) => {});
  // After userEvent.setup(), which installs a clipboard of its own.
  Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
  return writeText;
}

const CREDENTIALS = "/projects/user-alice/services/jupyter-1/credentials";

describe("a service's password", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("is asked for only on Show, shown with a copy button each, and taken out again by Hide", async () => {
    const m = api({ access: gateway });
    const user = userEvent.setup();
    const writeText = withClipboard();
    renderApp("/my-services/jupyter-1", m.client);
    await screen.findByRole("heading", { level: 1, name: "My notebook" });
    const section = screen.getByRole("region", { name: "Password" });
    expect(within(section).getByText(/Open signs you in without it/)).toBeTruthy();
    expect(m.find("GET", CREDENTIALS)).toHaveLength(0);
    expect(document.body.textContent).not.toContain(PASSWORD);

    await user.click(within(section).getByRole("button", { name: "Show the password of My notebook" }));
    expect(await within(section).findByText(PASSWORD)).toBeTruthy();
    expect(m.find("GET", CREDENTIALS)).toHaveLength(1);
    expect(within(section).getByText("Jupyter token")).toBeTruthy();
    expect(within(section).getByText("token")).toBeTruthy();
    expect(await axeViolations(document.body)).toEqual([]);

    await user.click(within(section).getByRole("button", { name: "Copy Jupyter token" }));
    expect(writeText).toHaveBeenCalledWith(TOKEN);

    // The command panel names the command that reads them, never a password.
    const panel = screen.getByRole("region", { name: "Commands" });
    await user.click(within(panel).getByRole("button", { name: /Commands/ }));
    expect(within(panel).getByText("Read the passwords of service jupyter-1")).toBeTruthy();
    expect(within(panel).getByText("helm get values jupyter-1 --namespace user-alice --output json")).toBeTruthy();
    expect(panel.textContent).not.toContain(PASSWORD);
    expect(panel.textContent).not.toContain(TOKEN);

    await user.click(within(section).getByRole("button", { name: "Hide the password of My notebook" }));
    expect(document.body.textContent).not.toContain(PASSWORD);
    expect(document.body.textContent).not.toContain(TOKEN);
    expect(within(section).getByRole("button", { name: "Show the password of My notebook" })).toBeTruthy();
  });

  it("is copied from the card without ever being in the page", async () => {
    const m = api();
    const user = userEvent.setup();
    const writeText = withClipboard();
    renderApp("/my-services", m.client);
    const card = await screen.findByRole("article", { name: "My notebook" });
    expect(m.find("GET", CREDENTIALS)).toHaveLength(0);
    await user.click(within(card).getByRole("button", { name: "Copy the password of My notebook" }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(PASSWORD));
    expect(within(card).getByText("Password of the service copied")).toBeTruthy();
    expect(document.body.textContent).not.toContain(PASSWORD);
    expect(m.find("GET", CREDENTIALS)).toHaveLength(1);

    await user.click(within(card).getByRole("button", { name: "Show the password of My notebook" }));
    expect(await within(card).findByText(PASSWORD)).toBeTruthy();
    expect(m.find("GET", CREDENTIALS)).toHaveLength(2);
    expect(await axeViolations(card)).toEqual([]);
  });

  it("says when the service asks for none", async () => {
    const user = userEvent.setup();
    renderApp("/my-services", api({}, []).client);
    const card = await screen.findByRole("article", { name: "My notebook" });
    await user.click(within(card).getByRole("button", { name: "Show the password of My notebook" }));
    expect(await within(card).findByText("This service asks for no password.")).toBeTruthy();
  });

  it("shows the server's refusal and copies nothing", async () => {
    const user = userEvent.setup();
    const writeText = withClipboard();
    const refused = mockApi({
      "GET /catalogs": { catalogs: [] },
      "GET /projects/:project/services": { services: [testService()], commands: [] },
      "GET /projects/:project/services/:service/credentials": apiError(403, "permission_denied", "only bob, who launched this service, can read its passwords"),
    });
    renderApp("/my-services", refused.client);
    const card = await screen.findByRole("article", { name: "My notebook" });
    await user.click(within(card).getByRole("button", { name: "Copy the password of My notebook" }));
    expect(await within(card).findByText("only bob, who launched this service, can read its passwords")).toBeTruthy();
    expect(writeText).not.toHaveBeenCalled();
  });

  it("is not offered on another member’s service", async () => {
    localStorage.setItem("basalt.project", "project-data-team");
    renderApp("/my-services/jupyter-1", api({ owner: "bob", shared: true }).client);
    await screen.findByRole("heading", { level: 1, name: "My notebook" });
    expect(screen.queryByRole("region", { name: "Password" })).toBeNull();
    expect(screen.queryByRole("button", { name: /password/ })).toBeNull();
    expect(screen.queryByRole("button", { name: "Pause" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Delete My notebook" })).toBeNull();
  });

  it("speaks French", async () => {
    localStorage.setItem("basalt.language", "fr");
    const user = userEvent.setup();
    withClipboard();
    renderApp("/my-services/jupyter-1", api().client);
    await screen.findByRole("heading", { level: 1, name: "My notebook" });
    const section = screen.getByRole("region", { name: "Mot de passe" });
    await user.click(within(section).getByRole("button", { name: "Afficher le mot de passe de My notebook" }));
    expect(await within(section).findByText(PASSWORD)).toBeTruthy();
    expect(within(section).getByText("jeton")).toBeTruthy();
    expect(within(section).getByRole("button", { name: "Masquer le mot de passe de My notebook" })).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Ressources" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Mettre en pause" })).toBeTruthy();
  });
});

describe("the service's page", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("pauses, resumes and renames the service as its card does", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/my-services/jupyter-1", m.client);
    await screen.findByRole("heading", { level: 1, name: "My notebook" });

    await user.click(screen.getByRole("button", { name: "Pause" }));
    await screen.findByRole("button", { name: "Resume" });
    expect(m.find("POST", "/projects/user-alice/services/jupyter-1/suspend")).toHaveLength(1);
    await user.click(screen.getByRole("button", { name: "Resume" }));
    await screen.findByRole("button", { name: "Pause" });
    expect(m.find("POST", "/projects/user-alice/services/jupyter-1/resume")).toHaveLength(1);

    await user.click(screen.getByRole("button", { name: "Rename" }));
    const dialog = screen.getByRole("dialog", { name: "Rename the service" });
    const input = within(dialog).getByLabelText("Name");
    await user.clear(input);
    await user.type(input, "Thesis notebook{Enter}");
    expect(await screen.findByRole("heading", { level: 1, name: "Thesis notebook" })).toBeTruthy();
    expect(m.find("PATCH", "/projects/user-alice/services/jupyter-1").at(-1)!.body).toEqual({ friendlyName: "Thesis notebook" });
  });

  it("links to the change, opens the service and shows its address and resources", async () => {
    renderApp("/my-services/jupyter-1", api().client);
    await screen.findByRole("heading", { level: 1, name: "My notebook" });
    expect(screen.getByRole("link", { name: "Change" }).getAttribute("href")).toBe("/my-services/jupyter-1/change");
    expect(screen.getByRole("link", { name: "Open https://jupyter-1.lab.example.org" }).getAttribute("href")).toBe("https://jupyter-1.lab.example.org");
    expect(screen.getByRole("link", { name: "https://jupyter-1.lab.example.org" })).toBeTruthy();

    const resources = screen.getByRole("heading", { name: "Resources" }).nextElementSibling as HTMLElement;
    const cpu = within(resources).getByRole("row", { name: /cpu/ });
    expect(within(cpu).getAllByRole("cell").map((c) => c.textContent)).toEqual(["100m", "2000m"]);
    const gpu = within(resources).getByRole("row", { name: /nvidia.com\/gpu/ });
    expect(within(gpu).getAllByRole("cell").map((c) => c.textContent)).toEqual(["—", "1"]);
    expect(screen.getByRole("link", { name: "Change the resources" }).getAttribute("href")).toBe("/my-services/jupyter-1/change");
  });

  it("shares with the group and opens the Share dialog in a group's project", async () => {
    localStorage.setItem("basalt.project", "project-data-team");
    const m = api({ access: gateway });
    const user = userEvent.setup();
    renderApp("/my-services/jupyter-1", m.client);
    await screen.findByRole("heading", { level: 1, name: "My notebook" });
    await user.click(await screen.findByRole("checkbox", { name: "Share with the group" }));
    await waitFor(() => expect(m.find("PATCH", "/projects/project-data-team/services/jupyter-1")[0]!.body).toEqual({ shared: true }));

    await user.click(screen.getByRole("button", { name: "Share" }));
    expect(screen.getByRole("dialog", { name: "Share My notebook" })).toBeTruthy();
  });

  it("deletes the service after confirmation and goes back to the list", async () => {
    const m = api();
    const user = userEvent.setup();
    const { router } = renderApp("/my-services/jupyter-1", m.client);
    await screen.findByRole("heading", { level: 1, name: "My notebook" });
    await user.click(screen.getByRole("button", { name: "Delete My notebook" }));
    const dialog = screen.getByRole("dialog", { name: "Delete My notebook?" });
    await user.keyboard("{Escape}");
    expect(m.find("DELETE", "/projects/user-alice/services/jupyter-1")).toHaveLength(0);

    await user.click(screen.getByRole("button", { name: "Delete My notebook" }));
    expect(dialog).toBeTruthy();
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(router.state.location.pathname).toBe("/my-services"));
    expect(m.find("DELETE", "/projects/user-alice/services/jupyter-1")).toHaveLength(1);
  });
});
