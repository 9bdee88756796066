import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { ServiceView as Service } from "../../api/types";
import { apiError, mockApi } from "../../test/mockApi";
import { renderApp } from "../../test/render";

const hour = 3_600_000;

function service(over: Partial<Service>): Service {
  return {
    id: "jupyter-123",
    friendlyName: "My notebook",
    catalog: "ide",
    chart: "jupyter",
    version: "2.1.0",
    status: "deployed",
    ready: true,
    workloads: [{ kind: "Deployment", name: "jupyter-123", desired: 1, ready: 1 }],
    urls: ["https://jupyter-123.lab.example.org"],
    notes: "Your **password** is in the values.",
    owner: "alice",
    shared: false,
    started: new Date(Date.now() - 2 * hour - 5 * 60_000).toISOString(),
    suspendable: true,
    suspended: false,
    simulated: false,
    ...over,
  };
}

function api(services: Service[], extra = {}) {
  let list = services;
  return mockApi({
    "GET /catalogs": { catalogs: [] },
    "GET /projects/:project/services": () => ({ services: list, commands: ["helm list --namespace user-alice"] }),
    "DELETE /projects/:project/services": () => {
      const deleted = list.filter((s) => s.owner === "alice").map((s) => s.id);
      list = list.filter((s) => s.owner !== "alice");
      return { deleted, commands: deleted.map((d) => `helm uninstall ${d} --namespace user-alice`) };
    },
    "GET /projects/:project/quota": {
      hard: { "requests.cpu": "4", "requests.memory": "8Gi", pods: "10" },
      used: { "requests.cpu": "3500m", "requests.memory": "7.8Gi", pods: "2" },
      commands: ["kubectl get resourcequota --namespace user-alice"],
    },
    "POST /projects/:project/services/:service/suspend": ({ params }) => {
      list = list.map((s) => (s.id === params.service ? { ...s, suspended: true, status: "suspended" as const } : s));
      return { commands: [`helm upgrade ${params.service} --namespace user-alice --reuse-values --set global.suspend=true <chart>`] };
    },
    "POST /projects/:project/services/:service/resume": ({ params }) => {
      list = list.map((s) => (s.id === params.service ? { ...s, suspended: false, status: "deployed" as const } : s));
      return { commands: [] };
    },
    "PATCH /projects/:project/services/:service": ({ params, body }) => {
      const b = body as { friendlyName?: string; shared?: boolean };
      if (b.friendlyName === "x".repeat(3)) return apiError(400, "invalid_argument", "cannot rename", [{ field: "friendlyName", rule: "must be 1 to 100 characters" }]);
      list = list.map((s) => (s.id === params.service ? { ...s, ...b } : s));
      return { service: list.find((s) => s.id === params.service), commands: [] };
    },
    "DELETE /projects/:project/services/:service": ({ params }) => {
      list = list.filter((s) => s.id !== params.service);
      return { commands: [`helm uninstall ${params.service} --namespace user-alice`] };
    },
    ...extra,
  });
}

describe("my services", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("shows cards with status, running time, URLs and the quota with its thresholds", async () => {
    const m = api([
      service({}),
      service({ id: "rstudio-1", friendlyName: "R", status: "pending", ready: false, urls: [] }),
      service({ id: "pg-1", friendlyName: "Database", status: "failed", ready: false, reason: "ImagePullBackOff", urls: [] }),
      service({ id: "vs-1", friendlyName: "VS Code", suspended: true, status: "suspended", ready: false }),
      service({ id: "old-1", friendlyName: "Old one", started: new Date(Date.now() - 200 * hour).toISOString() }),
    ]);
    renderApp("/my-services", m.client);
    const list = await screen.findByRole("list", { name: "Services" });
    const cards = within(list).getAllByRole("article");
    expect(cards).toHaveLength(5);
    const first = within(list).getByRole("article", { name: "My notebook" });
    expect(within(first).getByText("Ready")).toBeTruthy();
    expect(within(first).getByText("Running for 2 h 5 min")).toBeTruthy();
    const open = within(first).getByRole("link", { name: "Open https://jupyter-123.lab.example.org" });
    expect(open.getAttribute("target")).toBe("_blank");
    expect(open.getAttribute("rel")).toContain("noopener");
    expect(within(first).getByRole("button", { name: "Pause" })).toBeTruthy();
    // A personal project: no owner or sharing.
    expect(within(first).queryByText("Launched by you")).toBeNull();
    expect(within(first).queryByRole("checkbox")).toBeNull();

    expect(within(within(list).getByRole("article", { name: "R" })).getByText("Starting")).toBeTruthy();
    const failed = within(list).getByRole("article", { name: "Database" });
    expect(within(failed).getByText("Failed")).toBeTruthy();
    expect(within(failed).getByText("ImagePullBackOff")).toBeTruthy();
    const paused = within(list).getByRole("article", { name: "VS Code" });
    expect(within(paused).getByText("Paused")).toBeTruthy();
    expect(within(paused).getByRole("button", { name: "Resume" })).toBeTruthy();
    expect(within(within(list).getByRole("article", { name: "Old one" })).getByText(/Running for 8 d 8 h/)).toBeTruthy();

    const quota = await screen.findByRole("region", { name: "Project quota" });
    const cpu = within(quota).getByRole("progressbar", { name: "requests.cpu" });
    expect(cpu.getAttribute("aria-valuenow")).toBe("88");
    expect(cpu.closest("li")!.dataset.level).toBe("warning");
    expect(within(quota).getByRole("progressbar", { name: "requests.memory" }).closest("li")!.dataset.level).toBe("critical");
    expect(within(quota).getByRole("progressbar", { name: "pods" }).closest("li")!.dataset.level).toBe("ok");
    expect(within(quota).getByText("Critical")).toBeTruthy();
    expect(within(quota).getByText(/new services may not start/)).toBeTruthy();
  });

  it("pauses a service and records the command in the command panel", async () => {
    const m = api([service({})]);
    const user = userEvent.setup();
    renderApp("/my-services", m.client);
    const card = await screen.findByRole("article", { name: "My notebook" });
    await user.click(within(card).getByRole("button", { name: "Pause" }));
    await waitFor(() => expect(within(card).getByText("Paused")).toBeTruthy());
    expect(m.find("POST", "/projects/user-alice/services/jupyter-123/suspend")).toHaveLength(1);

    const panel = screen.getByRole("region", { name: "Commands" });
    await user.click(within(panel).getByRole("button", { name: /Commands/ }));
    expect(within(panel).getByText("Pause service jupyter-123")).toBeTruthy();
    expect(within(panel).getByText(/--set global.suspend=true/)).toBeTruthy();
    expect(within(panel).getByText("helm list --namespace user-alice")).toBeTruthy();
    expect(within(panel).getByRole("button", { name: "Download as .sh" })).toBeTruthy();
  });

  it("renames, showing the server's rule at the field", async () => {
    const m = api([service({})]);
    const user = userEvent.setup();
    renderApp("/my-services", m.client);
    const card = await screen.findByRole("article", { name: "My notebook" });
    await user.click(within(card).getByRole("button", { name: "Rename" }));
    const dialog = screen.getByRole("dialog", { name: "Rename the service" });
    const input = within(dialog).getByLabelText("Name");
    expect(document.activeElement).toBe(input);
    await user.clear(input);
    await user.type(input, "xxx");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(await within(dialog).findByText("must be 1 to 100 characters")).toBeTruthy();
    expect(input.getAttribute("aria-invalid")).toBe("true");
    await user.clear(input);
    await user.type(input, "Thesis notebook{Enter}");
    expect(await screen.findByRole("article", { name: "Thesis notebook" })).toBeTruthy();
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(m.find("PATCH", "/projects/user-alice/services/jupyter-123").at(-1)!.body).toEqual({ friendlyName: "Thesis notebook" });
  });

  it("deletes one service after confirmation, and can be cancelled with Escape", async () => {
    const m = api([service({}), service({ id: "rstudio-1", friendlyName: "R" })]);
    const user = userEvent.setup();
    renderApp("/my-services", m.client);
    const card = await screen.findByRole("article", { name: "My notebook" });
    await user.click(within(card).getByRole("button", { name: "Delete My notebook" }));
    expect(screen.getByRole("dialog", { name: "Delete My notebook?" })).toBeTruthy();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(m.find("DELETE", "/projects/user-alice/services/jupyter-123")).toHaveLength(0);

    await user.click(within(card).getByRole("button", { name: "Delete My notebook" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(screen.queryByRole("article", { name: "My notebook" })).toBeNull());
    expect(screen.getByRole("article", { name: "R" })).toBeTruthy();
  });

  it("in a group project, shows owners and sharing, and deletes only the caller's services", async () => {
    localStorage.setItem("basalt.project", "project-data-team");
    const m = api([service({ shared: true }), service({ id: "bob-1", friendlyName: "Bob's", owner: "bob", shared: true })]);
    const user = userEvent.setup();
    renderApp("/my-services", m.client);
    const mine = await screen.findByRole("article", { name: "My notebook" });
    expect(within(mine).getByText("Launched by you")).toBeTruthy();
    expect(within(mine).getByText("Shared")).toBeTruthy();
    const bobs = screen.getByRole("article", { name: "Bob's" });
    expect(within(bobs).getByText("Launched by bob")).toBeTruthy();
    expect(within(bobs).queryByRole("button")).toBeNull();

    await user.click(within(mine).getByRole("checkbox", { name: "Share with the group" }));
    await waitFor(() => expect(m.find("PATCH", "/projects/project-data-team/services/jupyter-123")[0]!.body).toEqual({ shared: false }));

    await user.click(screen.getByRole("button", { name: "Delete all my services" }));
    const dialog = screen.getByRole("dialog", { name: "Delete all your services?" });
    expect(within(dialog).getByText("This deletes the 1 service you own in this project:")).toBeTruthy();
    expect(within(dialog).getByText("Services launched by other members of the group stay.")).toBeTruthy();
    await user.click(within(dialog).getByRole("button", { name: "Delete them all" }));
    await waitFor(() => expect(screen.queryByRole("article", { name: "My notebook" })).toBeNull());
    expect(screen.getByRole("article", { name: "Bob's" })).toBeTruthy();
  });

  it("says when there is no service", async () => {
    renderApp("/my-services", api([]).client);
    expect(await screen.findByText("You have no service running in this project.")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Delete all my services" })).toBeNull();
  });
});

describe("a service's page", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  const details = {
    "GET /projects/:project/services/:service": ({ params }: { params: Record<string, string> }) =>
      params.service === "jupyter-123"
        ? {
            service: service({}),
            values: { service: { image: "jupyter" }, password: "••••" },
            commands: ["helm get values jupyter-123 --namespace user-alice"],
          }
        : apiError(404, "not_found", "no service"),
  };

  it("follows the logs over server-sent events until the stream ends", async () => {
    const m = api([service({})], details);
    const user = userEvent.setup();
    renderApp("/my-services/jupyter-123", m.client);
    expect(await screen.findByRole("heading", { level: 1, name: "My notebook" })).toBeTruthy();
    await user.click(screen.getByRole("tab", { name: "Logs" }));
    const stream = m.streams.last();
    expect(stream.url).toBe("/api/v1/projects/user-alice/services/jupyter-123/logs?follow=true&tail=500");
    act(() => {
      stream.emit("log", { Pod: "jupyter-123-abc", Container: "main", Line: "Server started" });
      stream.emit("log", { Pod: "jupyter-123-abc", Container: "main", Line: "Listening on 8888" });
    });
    const logs = screen.getByLabelText("Log lines");
    expect(logs.textContent).toBe("Server started\nListening on 8888");
    act(() => stream.emit("end", {}));
    expect(stream.closed).toBe(true);
    expect(screen.getByText("End of the stream")).toBeTruthy();

    await user.click(screen.getByRole("checkbox", { name: "Follow" }));
    expect(m.streams.last().url).toBe("/api/v1/projects/user-alice/services/jupyter-123/logs?tail=500");
  });

  it("shows live events and a stream error", async () => {
    const m = api([service({})], details);
    const user = userEvent.setup();
    renderApp("/my-services/jupyter-123?tab=events", m.client);
    await screen.findByRole("tab", { name: "Events", selected: true });
    const stream = m.streams.last();
    act(() => stream.emit("event", { Type: "Warning", Reason: "BackOff", Object: "Pod/jupyter-123-abc", Message: "Back-off pulling image", Count: 3 }));
    const row = screen.getByRole("row", { name: /BackOff/ });
    expect(within(row).getByText("Pod/jupyter-123-abc")).toBeTruthy();
    expect(within(row).getByText("×3")).toBeTruthy();
    act(() => stream.emit("error", { error: { code: "unavailable", message: "the region is down" } }));
    expect(screen.getByRole("alert").textContent).toContain("the region is down");
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(m.streams.opened).toHaveLength(2);
  });

  it("shows the values and the notes, with arrow keys between tabs", async () => {
    const m = api([service({})], details);
    const user = userEvent.setup();
    renderApp("/my-services/jupyter-123", m.client);
    const overview = await screen.findByRole("tab", { name: "Overview" });
    expect(screen.getByRole("cell", { name: "Deployment" })).toBeTruthy();
    overview.focus();
    await user.keyboard("{ArrowLeft}");
    expect(document.activeElement).toBe(screen.getByRole("tab", { name: "Notes" }));
    expect(await screen.findByText("password")).toBeTruthy();
    await user.keyboard("{ArrowLeft}");
    expect(screen.getByRole("tabpanel").textContent).toContain('"password": "••••"');
  });

  it("says when the service does not exist", async () => {
    renderApp("/my-services/nothing", api([], details).client);
    expect(await screen.findByText("no service")).toBeTruthy();
  });
});

describe("opening a service through Basalt", () => {
  const gateway = "http://jupyter-123--user-alice.localhost:8080/";
  const through = (over: Partial<Service> = {}) =>
    service({ access: { url: gateway, requests: 40, bytesIn: 1000, bytesOut: 90_000, openWebSockets: 0 }, ...over });
  const withDetails = (s: Service) =>
    api([s], { "GET /projects/:project/services/:service": { service: s, values: {}, manifest: "", commands: [] } });

  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("opens the gateway's address from the card, the chart's own listed as direct addresses", async () => {
    renderApp("/my-services", api([through()]).client);
    const card = await screen.findByRole("article", { name: "My notebook" });
    const open = within(card).getByRole("link", { name: `Open ${gateway}` });
    expect(open.getAttribute("href")).toBe(gateway);
    expect(open.getAttribute("target")).toBe("_blank");
    expect(open.getAttribute("rel")).toContain("noopener");
    expect(within(card).queryByRole("link", { name: "Open https://jupyter-123.lab.example.org" })).toBeNull();
    expect(within(card).getByText("Direct addresses")).toBeTruthy();
    expect(within(card).getByRole("link", { name: "https://jupyter-123.lab.example.org" }).getAttribute("href")).toBe("https://jupyter-123.lab.example.org");
  });

  it("disables a paused service's Open, with the reason, from both servers", async () => {
    const paused = { suspended: true, status: "suspended" as const, ready: false };
    renderApp("/my-services", api([through(paused), service({ id: "old-1", friendlyName: "Older server", ...paused })]).client);
    for (const [name, url] of [["My notebook", gateway], ["Older server", "https://jupyter-123.lab.example.org"]]) {
      const card = await screen.findByRole("article", { name });
      expect(within(card).queryByRole("link", { name: `Open ${url}` })).toBeNull();
      const open = within(card).getByRole("button", { name: `Open ${url}` }) as HTMLButtonElement;
      expect(open.disabled).toBe(true);
      expect(document.getElementById(open.getAttribute("aria-describedby")!)?.textContent).toBe("Paused: resume it to open it.");
    }
  });

  it("opens the gateway's address from the service's page, which says what the gateway saw", async () => {
    const s = through({ access: { url: gateway, lastRequest: new Date(Date.now() - 3 * 60_000).toISOString(), requests: 40, bytesIn: 1000, bytesOut: 90_000, openWebSockets: 2 } });
    renderApp("/my-services/jupyter-123", withDetails(s).client);
    await screen.findByRole("heading", { level: 1, name: "My notebook" });
    expect(screen.getByRole("link", { name: `Open ${gateway}` }).getAttribute("href")).toBe(gateway);
    const panel = screen.getByRole("tabpanel");
    expect(within(panel).getByRole("heading", { name: "Address" })).toBeTruthy();
    expect(within(panel).getByRole("link", { name: gateway }).getAttribute("href")).toBe(gateway);
    expect(within(panel).getByText("Last opened 3 minutes ago · 2 open connections")).toBeTruthy();
    expect(within(panel).getByRole("heading", { name: "Direct addresses" })).toBeTruthy();
    expect(within(panel).getByRole("link", { name: "https://jupyter-123.lab.example.org" })).toBeTruthy();
  });

  it("says what the gateway saw in French", async () => {
    localStorage.setItem("basalt.language", "fr");
    const s = through({ access: { url: gateway, lastRequest: new Date(Date.now() - 3 * 60_000).toISOString(), requests: 1, bytesIn: 0, bytesOut: 0, openWebSockets: 1 } });
    renderApp("/my-services/jupyter-123", withDetails(s).client);
    await screen.findByRole("heading", { level: 1, name: "My notebook" });
    expect(screen.getByRole("link", { name: `Ouvrir ${gateway}` }).getAttribute("href")).toBe(gateway);
    expect(screen.getByText("Dernière ouverture il y a 3 minutes · 1 connexion ouverte")).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Adresses directes" })).toBeTruthy();
  });

  it("says a service on simulated nodes has nothing to open, on its card and its page, and keeps its port-forward command", async () => {
    const simulated = through({ simulated: true });
    const forward = "kubectl port-forward --namespace user-alice service/jupyter-123 8888:8888";
    const m = api([simulated], { "GET /projects/:project/services/:service": { service: simulated, values: {}, manifest: "", commands: [forward] } });
    const user = userEvent.setup();
    renderApp("/my-services", m.client);
    const card = await screen.findByRole("article", { name: "My notebook" });
    expect(within(card).getByText("Simulated: runs on a simulated node, nothing to open.")).toBeTruthy();
    expect(within(card).queryByRole("link", { name: /^Open / })).toBeNull();
    expect(within(card).queryByRole("button", { name: /^Open / })).toBeNull();
    expect(within(card).queryByText("Direct addresses")).toBeNull();
    expect(within(card).queryByRole("link", { name: "https://jupyter-123.lab.example.org" })).toBeNull();

    await user.click(within(card).getByRole("link", { name: "My notebook" }));
    await screen.findByRole("heading", { level: 1, name: "My notebook" });
    expect(screen.getByText("Simulated: runs on a simulated node, nothing to open.")).toBeTruthy();
    expect(screen.queryByRole("link", { name: /^Open / })).toBeNull();
    const panel = screen.getByRole("tabpanel");
    expect(within(panel).queryByRole("heading", { name: "Address" })).toBeNull();
    expect(within(panel).queryByRole("link", { name: gateway })).toBeNull();
    const commands = screen.getByRole("region", { name: "Commands" });
    await user.click(within(commands).getByRole("button", { name: /Commands/ }));
    expect(within(commands).getByText(forward)).toBeTruthy();
  });

  it("says so in French", async () => {
    localStorage.setItem("basalt.language", "fr");
    renderApp("/my-services", api([through({ simulated: true })]).client);
    const card = await screen.findByRole("article", { name: "My notebook" });
    expect(within(card).getByText("Simulé : tourne sur un nœud simulé, rien à ouvrir.")).toBeTruthy();
  });

  it("keeps the chart's addresses under Addresses when the server has no gateway", async () => {
    renderApp("/my-services/jupyter-123", withDetails(service({})).client);
    await screen.findByRole("heading", { level: 1, name: "My notebook" });
    expect(screen.getByRole("link", { name: "Open https://jupyter-123.lab.example.org" }).getAttribute("href")).toBe("https://jupyter-123.lab.example.org");
    expect(screen.getByRole("heading", { name: "Addresses" })).toBeTruthy();
    expect(screen.queryByRole("heading", { name: "Direct addresses" })).toBeNull();
    expect(screen.queryByText(/Last opened/)).toBeNull();
  });
});
