import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { ChangeRequest, ChartView as Chart, DiffView, Form, RevisionView, ServiceView as Service } from "../../api/types";
import { fixture } from "../../test/launchForms";
import { apiError, mockApi, type MockRoutes } from "../../test/mockApi";
import { renderApp } from "../../test/render";

const NS = "user-alice";

function service(over: Partial<Service> = {}): Service {
  return {
    id: "jupyter-123",
    friendlyName: "My notebook",
    catalog: "ide",
    chart: "jupyter",
    version: "1.0.0",
    status: "deployed",
    ready: true,
    workloads: [{ kind: "Deployment", name: "jupyter-123", desired: 1, ready: 1 }],
    urls: [],
    owner: "alice",
    shared: false,
    suspendable: true,
    suspended: false,
    simulated: false,
    ...over,
  };
}

const chart: Chart = { catalog: "ide", name: "jupyter", keywords: [], versions: [{ version: "2.0.0" }, { version: "1.0.0" }] };

const manifest = "--- running\n+++ changed\n@@ -1,2 +1,2 @@\n kind: Deployment\n-  GIT_USER_NAME: John Doe\n+  GIT_USER_NAME: Ada\n";

function revision(n: number, over: Partial<RevisionView> = {}): RevisionView {
  return {
    revision: n,
    chart: "jupyter",
    chartVersion: "1.0.0",
    status: "superseded",
    updated: "2026-01-05T10:00:00Z",
    description: n === 1 ? "Install complete" : "Upgrade complete",
    ...over,
  };
}

/**
 * A server with one running service: its change form (the fixture's values as the service's,
 * the form edited by editForm), the dry run and the change, its history, and the rollback;
 * changes are kept, so that the history and the service reflect them.
 */
function api(over: MockRoutes = {}, start: Partial<Service> = {}, editForm: (form: Form) => void = () => {}) {
  let svc = service(start);
  let revisions: RevisionView[] = [revision(1, { status: "deployed" })];
  const valueDiff = (req: ChangeRequest): DiffView => {
    const name = ((req.values as { git?: { name?: string } } | undefined)?.git?.name ?? "John Doe") as string;
    return {
      values: [
        ...(name !== "John Doe" ? [{ path: "git.name", before: "John Doe", after: name }] : []),
        { path: "s3.secretAccessKey", before: "********", after: "********" },
      ],
      manifest,
      dropped: req.version === "2.0.0" ? ["legacy.flag"] : [],
    };
  };
  const m = mockApi({
    "GET /catalogs": { catalogs: [] },
    "GET /catalogs/:catalog/charts/:chart": chart,
    "GET /projects/:project/services": () => ({ services: [svc], commands: [`helm list --namespace ${NS}`] }),
    "GET /projects/:project/services/:service": () => ({ service: svc, values: {}, manifest: "", commands: [] }),
    "GET /projects/:project/services/:service/change/form": ({ query }) => {
      const form = fixture("jupyter");
      editForm(form);
      form.version = query.get("version") || svc.version;
      return { form, catalog: "ide", allowSharing: false, service: svc.id, currentVersion: svc.version, version: form.version, versions: ["2.0.0", "1.0.0"] };
    },
    "POST /projects/:project/services/:service/change/plan": ({ body }) => {
      const req = body as ChangeRequest;
      if ((req.values as { git?: { name?: string } }).git?.name === "") {
        return apiError(400, "invalid_argument", "cannot change", [{ field: "git.name", rule: "must not be empty" }]);
      }
      return {
        release: svc.id,
        fromVersion: svc.version,
        toVersion: req.version || svc.version,
        diff: valueDiff(req),
        commands: [`helm upgrade ${svc.id} ide/jupyter --namespace ${NS} --version ${req.version} --reuse-values -f values.yaml --dry-run=server`],
      };
    },
    "POST /projects/:project/services/:service/change": ({ body }) => {
      const req = body as ChangeRequest;
      const from = svc.version;
      svc = { ...svc, version: req.version || svc.version, status: "pending", ready: false };
      revisions = [revision(revisions.length + 1, { status: "deployed", chartVersion: svc.version }), ...revisions.map((r) => ({ ...r, status: "superseded" }))];
      return {
        release: svc.id,
        fromVersion: from,
        toVersion: svc.version,
        diff: valueDiff(req),
        service: svc,
        commands: [`helm upgrade ${svc.id} ide/jupyter --namespace ${NS} --version ${svc.version} --reuse-values -f values.yaml`],
      };
    },
    "GET /projects/:project/services/:service/history": () => ({ revisions, commands: [`helm history ${svc.id} --namespace ${NS}`] }),
    "POST /projects/:project/services/:service/rollback/plan": ({ body }) => {
      const n = (body as { revision: number }).revision;
      return {
        revision: n,
        fromVersion: svc.version,
        toVersion: revisions.find((r) => r.revision === n)!.chartVersion,
        diff: { values: [{ path: "git.name", before: "Ada", after: "John Doe" }], manifest, dropped: [] },
        commands: [`helm rollback ${svc.id} ${n} --namespace ${NS}`],
      };
    },
    "POST /projects/:project/services/:service/rollback": ({ body }) => {
      const n = (body as { revision: number }).revision;
      const back = revisions.find((r) => r.revision === n)!;
      svc = { ...svc, version: back.chartVersion, status: "deployed", ready: true, reason: undefined };
      revisions = [revision(revisions.length + 1, { status: "deployed", chartVersion: back.chartVersion, description: `Rollback to ${n}` }), ...revisions.map((r) => ({ ...r, status: "superseded" }))];
      return {
        revision: n,
        fromVersion: "1.0.0",
        toVersion: back.chartVersion,
        diff: { values: [], manifest: "", dropped: [] },
        service: svc,
        commands: [`helm rollback ${svc.id} ${n} --namespace ${NS}`],
      };
    },
    ...over,
  });
  return { ...m, set: (s: Partial<Service>) => (svc = { ...svc, ...s }), setHistory: (r: RevisionView[]) => (revisions = r) };
}

async function openCommands(user: ReturnType<typeof userEvent.setup>) {
  const panel = screen.getByRole("region", { name: "Commands" });
  const toggle = within(panel).getByRole("button", { name: /Commands/ });
  if (toggle.getAttribute("aria-expanded") !== "true") await user.click(toggle);
  return panel;
}

/** The change form at url, open on its Git tab, the author's name emptied. */
async function emptiedAuthor(m: ReturnType<typeof api>, url = "/my-services/jupyter-123/change") {
  const user = userEvent.setup();
  renderApp(url, m.client);
  await screen.findByRole("tablist", { name: "Settings" });
  await user.click(screen.getByRole("tab", { name: "Git" }));
  const author = screen.getByLabelText("Author name");
  await user.clear(author);
  return { user, author };
}

beforeEach(() => localStorage.setItem("basalt.language", "en"));

describe("changing a running service", () => {
  it("opens the launcher's form from the service page, filled with the service's values, and offers the update", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/my-services/jupyter-123", m.client);
    await screen.findByRole("heading", { level: 1, name: "My notebook" });
    // The catalog has 2.0.0: the service page says so.
    expect(await screen.findByRole("link", { name: "Update available: 2.0.0" })).toBeTruthy();
    await user.click(screen.getByRole("link", { name: "Change" }));

    expect(await screen.findByRole("heading", { level: 1, name: "Change My notebook" })).toBeTruthy();
    await screen.findByRole("tablist", { name: "Settings" });
    expect(m.find("GET", "/projects/user-alice/services/jupyter-123/change/form")[0]!.query.get("version")).toBeNull();
    const picker = screen.getByLabelText("Chart version") as HTMLSelectElement;
    expect(picker.value).toBe("1.0.0");
    expect([...picker.options].map((o) => o.textContent)).toEqual(["2.0.0", "1.0.0 (running)"]);
    expect(screen.getByText("Update available: 2.0.0")).toBeTruthy();
    await user.click(screen.getByRole("tab", { name: "Git" }));
    expect((screen.getByLabelText("Author name") as HTMLInputElement).value).toBe("John Doe");

    await user.click(screen.getByRole("button", { name: "Use 2.0.0" }));
    await waitFor(() => expect(m.find("GET", "/projects/user-alice/services/jupyter-123/change/form").at(-1)!.query.get("version")).toBe("2.0.0"));
    expect(await screen.findByText(/Upgrade of jupyter from 1.0.0 to 2.0.0/)).toBeTruthy();
    expect((screen.getByLabelText("Chart version") as HTMLSelectElement).value).toBe("2.0.0");
    expect(screen.queryByRole("button", { name: "Use 2.0.0" })).toBeNull();
  });

  it("reviews the difference, applies it and follows the service; the command panel has the equivalents", async () => {
    const m = api();
    const { user, author } = await emptiedAuthor(m, "/my-services/jupyter-123/change?version=2.0.0");
    await user.type(author, "Ada");
    await user.click(screen.getByRole("button", { name: "Review the changes" }));

    const review = await screen.findByRole("region", { name: "Review the changes" });
    expect(document.activeElement).toBe(within(review).getByRole("heading", { name: "Review the changes" }));
    expect(within(review).getByText("Chart version 1.0.0 → 2.0.0")).toBeTruthy();
    const row = within(review).getByRole("row", { name: /git\.name/ });
    expect(within(row).getAllByRole("cell").map((c) => c.textContent)).toEqual(["John Doe", "Ada"]);
    expect(within(within(review).getByRole("row", { name: /s3\.secretAccessKey/ })).getAllByRole("cell").map((c) => c.textContent)).toEqual(["********", "********"]);
    expect(within(review).getByText(/legacy\.flag/)).toBeTruthy();
    await user.click(within(review).getByText("Rendered manifests (lines +1 −1)"));
    expect(within(review).getByLabelText("Difference of the rendered manifests").textContent).toContain("+  GIT_USER_NAME: Ada");
    const planned = m.find("POST", "/projects/user-alice/services/jupyter-123/change/plan")[0]!.body as ChangeRequest;
    expect(planned.version).toBe("2.0.0");
    expect((planned.values as { git: { name: string } }).git.name).toBe("Ada");
    expect(m.find("POST", "/projects/user-alice/services/jupyter-123/change")).toHaveLength(0);

    await user.click(within(review).getByRole("button", { name: "Apply" }));
    expect(await screen.findByRole("heading", { name: "Changing My notebook…" })).toBe(document.activeElement);
    const applied = m.find("POST", "/projects/user-alice/services/jupyter-123/change")[0]!.body as ChangeRequest;
    expect(applied).toEqual(planned);
    const stream = m.streams.last();
    expect(stream.url).toBe("/api/v1/projects/user-alice/services/jupyter-123/events");

    const panel = await openCommands(user);
    expect(within(panel).getByText("Review the change of jupyter-123")).toBeTruthy();
    expect(within(panel).getByText("Change service jupyter-123")).toBeTruthy();
    expect(within(panel).getByText(/--dry-run=server/)).toBeTruthy();
    expect(within(panel).getByText("helm upgrade jupyter-123 ide/jupyter --namespace user-alice --version 2.0.0 --reuse-values -f values.yaml")).toBeTruthy();
  });

  it("shows the server's rules at their fields, from the review as from the form", async () => {
    const m = api({
      "POST /projects/:project/services/:service/change": apiError(400, "invalid_argument", "cannot change", [
        { field: "persistence.size", rule: "must be between 1Gi and 100Gi" },
      ]),
    });
    const { user } = await emptiedAuthor(m);
    await user.click(screen.getByRole("button", { name: "Review the changes" }));
    expect(await screen.findByText("The server refused 1 value: see the field marked below.")).toBeTruthy();
    expect(screen.getByText("must not be empty")).toBeTruthy();
    expect(screen.getByLabelText("Author name").getAttribute("aria-invalid")).toBe("true");
    expect(screen.queryByRole("region", { name: "Review the changes" })).toBeNull();

    await user.type(screen.getByLabelText("Author name"), "Ada");
    await user.click(screen.getByRole("button", { name: "Review the changes" }));
    const review = await screen.findByRole("region", { name: "Review the changes" });
    await user.click(within(review).getByRole("button", { name: "Apply" }));
    // Refused at apply: back at the form, on the tab of the field.
    expect(await screen.findByText("must be between 1Gi and 100Gi")).toBeTruthy();
    expect(screen.getByRole("tab", { name: /Persistent storage/, selected: true })).toBeTruthy();
    expect(screen.getByRole("slider", { name: "Volume size" }).getAttribute("aria-invalid")).toBe("true");
    // The user's change is still in the form.
    await user.click(screen.getByRole("tab", { name: "Git" }));
    expect((screen.getByLabelText("Author name") as HTMLInputElement).value).toBe("Ada");
  });

  it("checks the values before reviewing the changes, as the launcher does, and sends nothing while one is wrong", async () => {
    const m = api({}, {}, (form) => {
      const git = form.root!.fields!.find((f) => f.key === "git")!;
      git.fields!.find((f) => f.key === "name")!.maxLength = 8;
    });
    const { user, author } = await emptiedAuthor(m);
    await user.type(author, "Ada Lovelace");
    const rule = within(author.closest("[data-path]") as HTMLElement).getByText("must be at most 8 characters long");
    expect(author.getAttribute("aria-invalid")).toBe("true");
    expect(author.getAttribute("aria-describedby")).toContain(rule.id);
    expect(screen.getByText("1 value to correct before reviewing the changes: see the field marked below.")).toBeTruthy();

    // From another tab: the field's tab comes back, the field has the focus, nothing was sent.
    await user.click(screen.getByRole("tab", { name: "Persistent storage" }));
    await user.click(screen.getByRole("button", { name: "Review the changes" }));
    expect(screen.getByRole("tab", { name: /Git/, selected: true })).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Author name")));
    expect(m.find("POST", "/projects/user-alice/services/jupyter-123/change/plan")).toHaveLength(0);

    // Fixed: the error and the summary go, and the review comes.
    await user.clear(screen.getByLabelText("Author name"));
    await user.type(screen.getByLabelText("Author name"), "Ada");
    expect(screen.queryByText("must be at most 8 characters long")).toBeNull();
    expect(screen.queryByText(/to correct before reviewing/)).toBeNull();
    await user.click(screen.getByRole("button", { name: "Review the changes" }));
    expect(await screen.findByRole("region", { name: "Review the changes" })).toBeTruthy();
    expect((m.find("POST", "/projects/user-alice/services/jupyter-123/change/plan")[0]!.body as ChangeRequest).values).toMatchObject({ git: { name: "Ada" } });
  });

  it("clears the server's error at a field once the field is changed", async () => {
    const m = api();
    const { user } = await emptiedAuthor(m);
    await user.click(screen.getByRole("button", { name: "Review the changes" }));
    expect(await screen.findByText("must not be empty")).toBeTruthy();
    await user.type(screen.getByLabelText("Author name"), "A");
    expect(screen.queryByText("must not be empty")).toBeNull();
    expect(screen.queryByText(/The server refused/)).toBeNull();
    expect(screen.getByLabelText("Author name").getAttribute("aria-invalid")).toBeNull();
  });

  it("goes back from the review to the form as the user left it, by keyboard", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/my-services/jupyter-123/change", m.client);
    await screen.findByRole("tablist", { name: "Settings" });
    screen.getByRole("button", { name: "Review the changes" }).focus();
    await user.keyboard("{Enter}");
    const review = await screen.findByRole("region", { name: "Review the changes" });
    expect(within(review).getByText("Chart version 1.0.0, unchanged")).toBeTruthy();
    within(review).getByRole("button", { name: "Back to the form" }).focus();
    await user.keyboard("{Enter}");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: "Review the changes" })));
  });

  it("upgrades Onyxia's jupyter-python from 2.1.11 to 2.5.2 with the new version's form", async () => {
    const m = api(
      {
        "GET /projects/:project/services/:service/change/form": ({ query }) => {
          const version = query.get("version") || "2.1.11";
          const form = fixture(`onyxia-jupyter-python-${version}`);
          return { form, catalog: "interactive", allowSharing: false, service: "jupyter-python-7", currentVersion: "2.1.11", version, versions: ["2.5.2", "2.3.19", "2.1.11"] };
        },
      },
      { id: "jupyter-python-7", catalog: "interactive", chart: "jupyter-python", version: "2.1.11" },
    );
    const user = userEvent.setup();
    renderApp("/my-services/jupyter-python-7/change", m.client);
    await screen.findByRole("tablist", { name: "Settings" });
    expect(screen.queryByRole("tab", { name: "AI providers" })).toBeNull();
    expect(screen.getByText("jupyter-python version 2.1.11, the one running. Nothing changes until you apply.")).toBeTruthy();
    await user.selectOptions(screen.getByLabelText("Chart version"), "2.5.2");
    // 2.5.2 has a section 2.1.11 had not.
    expect(await screen.findByRole("tab", { name: "AI providers" })).toBeTruthy();
    expect(screen.getByText(/Upgrade of jupyter-python from 2.1.11 to 2.5.2/)).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Review the changes" }));
    await screen.findByRole("region", { name: "Review the changes" });
    expect((m.find("POST", "/projects/user-alice/services/jupyter-python-7/change/plan")[0]!.body as ChangeRequest).version).toBe("2.5.2");
  });

  it("is offered from the service card, with the update", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/my-services", m.client);
    const card = await screen.findByRole("article", { name: "My notebook" });
    expect(await within(card).findByRole("link", { name: "Update available: 2.0.0" })).toBeTruthy();
    await user.click(within(card).getByRole("link", { name: "Change" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Change My notebook" })).toBeTruthy();
  });
});

describe("a service's history", () => {
  it("lists the revisions and rolls back to an earlier one after showing its difference", async () => {
    const m = api({}, { version: "2.0.0" });
    m.setHistory([revision(2, { status: "deployed", chartVersion: "2.0.0", appVersion: "4.1" }), revision(1)]);
    const user = userEvent.setup();
    renderApp("/my-services/jupyter-123?tab=history", m.client);
    const table = await screen.findByRole("table", { name: "Revisions of the service, the newest first" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByRole("rowheader").textContent).toBe("2 current");
    expect(within(rows[0]!).getByText("Running")).toBeTruthy();
    expect(within(rows[0]!).getByText(/app 4\.1/)).toBeTruthy();
    expect(within(rows[0]!).queryByRole("button")).toBeNull();
    expect(within(rows[1]!).getByText("Replaced")).toBeTruthy();
    expect(within(rows[1]!).getByText("Install complete")).toBeTruthy();

    // By keyboard: the button, Enter, the dialog takes the focus.
    within(rows[1]!).getByRole("button", { name: "Roll back to revision 1" }).focus();
    await user.keyboard("{Enter}");
    const dialog = await screen.findByRole("dialog", { name: "Roll back to revision 1?" });
    expect(await within(dialog).findByText("Chart version 2.0.0 → 1.0.0")).toBeTruthy();
    const row = within(dialog).getByRole("row", { name: /git\.name/ });
    expect(within(row).getAllByRole("cell").map((c) => c.textContent)).toEqual(["Ada", "John Doe"]);
    expect(m.find("POST", "/projects/user-alice/services/jupyter-123/rollback")).toHaveLength(0);
    await user.click(within(dialog).getByRole("button", { name: "Roll back to revision 1" }));

    expect(await screen.findByRole("dialog", { name: "Rolled back to revision 1" })).toBeTruthy();
    expect(m.find("POST", "/projects/user-alice/services/jupyter-123/rollback")[0]!.body).toEqual({ revision: 1 });
    expect(await within(screen.getByRole("dialog")).findByRole("heading", { name: "My notebook is ready" })).toBeTruthy();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    // The history shows the rollback as a new revision.
    await waitFor(() => expect(within(screen.getByRole("table")).getAllByRole("row")).toHaveLength(4));
    expect(screen.getByText("Rollback to 1")).toBeTruthy();

    const panel = await openCommands(user);
    expect(within(panel).getByText("History of service jupyter-123")).toBeTruthy();
    expect(within(panel).getByText("Review the rollback of jupyter-123")).toBeTruthy();
    expect(within(panel).getByText("Roll back service jupyter-123")).toBeTruthy();
    expect(within(panel).getAllByText("helm rollback jupyter-123 1 --namespace user-alice").length).toBeGreaterThan(0);
    expect(within(panel).getByText("helm history jupyter-123 --namespace user-alice")).toBeTruthy();
  });

  it("names the rule when a rollback is refused", async () => {
    const m = api({
      "POST /projects/:project/services/:service/rollback/plan": apiError(400, "invalid_argument", "cannot roll back", [
        { field: "revision", rule: "revision 1 is no longer in the service's history" },
      ]),
    });
    m.setHistory([revision(2, { status: "deployed" }), revision(1)]);
    const user = userEvent.setup();
    renderApp("/my-services/jupyter-123?tab=history", m.client);
    await user.click(await screen.findByRole("button", { name: "Roll back to revision 1" }));
    const dialog = await screen.findByRole("dialog");
    expect(await within(dialog).findByText("The rollback could not be reviewed")).toBeTruthy();
    expect(within(dialog).getByText(/revision 1 is no longer in the service's history/)).toBeTruthy();
    expect((within(dialog).getByRole("button", { name: "Roll back to revision 1" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("offers to roll back a service that failed after a change, and not one that failed at its launch", async () => {
    const m = api({}, { version: "2.0.0", status: "failed", ready: false, reason: "CrashLoopBackOff" });
    m.setHistory([revision(2, { status: "deployed", chartVersion: "2.0.0" }), revision(1)]);
    const user = userEvent.setup();
    const view = renderApp("/my-services/jupyter-123", m.client);
    const offer = await screen.findByText(/The service failed after its last change\. Revision 1 \(version 1\.0\.0\) ran before it/);
    await user.click(within(offer.closest("[role=note]") as HTMLElement).getByRole("button", { name: "Roll back to revision 1" }));
    const dialog = await screen.findByRole("dialog", { name: "Roll back to revision 1?" });
    expect(await within(dialog).findByText("Chart version 2.0.0 → 1.0.0")).toBeTruthy();
    await user.click(within(dialog).getByRole("button", { name: "Roll back to revision 1" }));
    // The service runs again: the offer leaves, the dialog stays until closed.
    expect(await within(screen.getByRole("dialog")).findByRole("heading", { name: "My notebook is ready" })).toBeTruthy();
    await user.click(within(screen.getByRole("dialog")).getAllByRole("button", { name: "Close" }).at(-1)!);
    await waitFor(() => expect(screen.queryByText(/The service failed after its last change/)).toBeNull());
    view.unmount();

    const first = api({}, { status: "failed", ready: false, reason: "ImagePullBackOff" });
    renderApp("/my-services/jupyter-123", first.client);
    await screen.findByText("ImagePullBackOff");
    await waitFor(() => expect(first.find("GET", "/projects/user-alice/services/jupyter-123/history")).toHaveLength(1));
    expect(screen.queryByText(/The service failed after its last change/)).toBeNull();
  });

  it("offers the rollback when a change leaves the service failed", async () => {
    const m = api({
      "POST /projects/:project/services/:service/change": () => {
        m.set({ status: "failed", ready: false, reason: "CrashLoopBackOff" });
        m.setHistory([revision(2, { status: "deployed" }), revision(1)]);
        return { release: "jupyter-123", fromVersion: "1.0.0", toVersion: "1.0.0", diff: { values: [], manifest: "", dropped: [] }, service: service({ status: "failed", ready: false, reason: "CrashLoopBackOff" }), commands: [] };
      },
    });
    const user = userEvent.setup();
    renderApp("/my-services/jupyter-123/change", m.client);
    await screen.findByRole("tablist", { name: "Settings" });
    await user.click(screen.getByRole("button", { name: "Review the changes" }));
    await user.click(within(await screen.findByRole("region", { name: "Review the changes" })).getByRole("button", { name: "Apply" }));
    expect(await screen.findByRole("heading", { name: "My notebook failed after the change" })).toBeTruthy();
    expect(screen.getByText("CrashLoopBackOff")).toBeTruthy();
    expect(await screen.findByRole("button", { name: "Roll back to revision 1" })).toBeTruthy();
  });

  it("shows no rollback to someone who may not change the service", async () => {
    localStorage.setItem("basalt.project", "project-data-team");
    const m = api({}, { owner: "bob", shared: true });
    m.setHistory([revision(2, { status: "deployed" }), revision(1)]);
    renderApp("/my-services/jupyter-123?tab=history", m.client);
    const table = await screen.findByRole("table");
    expect(within(table).getAllByRole("row")).toHaveLength(3);
    expect(screen.queryByRole("button", { name: /Roll back/ })).toBeNull();
    expect(screen.queryByRole("link", { name: "Change" })).toBeNull();
  });
});
