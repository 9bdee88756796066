// @vitest-environment jsdom
// jsdom for axe-core, which happy-dom does not run; colour contrast needs a real layout.
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AccessGrant, AccessGrantInput, ServiceView } from "../../api/types";
import { formatDateTime } from "../../format";
import { fromLocalInput, toLocalInput } from "../../lifecycle/keepTime";
import { testService } from "../../test/fixtures";
import { apiError, mockApi } from "../../test/mockApi";
import { renderApp } from "../../test/render";

const DAY = 86_400_000;
const ACCESS = "/projects/user-alice/services/jupyter-1/access";
const gateway = { url: "http://jupyter-1--user-alice.localhost:8080/", requests: 0, bytesIn: 0, bytesOut: 0, openWebSockets: 0 };

const bobUntil = new Date(Date.now() + 3 * DAY).toISOString();
const created = new Date(Date.now() - DAY).toISOString();
const listed = (): AccessGrant[] => [
  { kind: "user", name: "bob", expires: bobUntil, by: "alice", created },
  { kind: "group", name: "data-team", by: "alice", created },
  { kind: "user", name: "carol", expires: new Date(Date.now() - 60_000).toISOString(), by: "alice", created },
];

const linkURL = (id: string) => `http://jupyter-1--user-alice.localhost:8080/_basalt/link/${id}`;
const linked = (id: string): AccessGrant => ({ kind: "link", name: id, url: linkURL(id), by: "alice", created });

/**
 * A server whose service, the owner's with the gateway on unless over says otherwise, has the
 * grants given; PUT …/access replaces them as the server does (a kept grant keeps who gave it
 * and when, a link without a name gets a new id and its address), or answers what refuse says.
 */
function api(over: Partial<ServiceView> = {}, grants = listed(), refuse?: (sent: AccessGrantInput[]) => unknown) {
  let current = grants;
  let made = 0;
  const service = testService({ access: gateway, ...over });
  return mockApi({
    "GET /catalogs": { catalogs: [] },
    "GET /me/notices": { notices: [] },
    "GET /projects/:project/services": { services: [service], commands: [] },
    "GET /projects/:project/services/:service": { service, values: {}, manifest: "", commands: [] },
    "GET /projects/:project/services/:service/access": () => ({ grants: current }),
    "PUT /projects/:project/services/:service/access": ({ body }) => {
      const sent = (body as { grants: AccessGrantInput[] }).grants;
      const refused = refuse?.(sent);
      if (refused) return refused;
      const now = new Date().toISOString();
      current = sent.map((g) => {
        const old = current.find((o) => o.kind === g.kind && o.name === g.name);
        const name = g.name ?? `made-by-the-server-${++made}-0123456789`;
        return { ...g, name, ...(g.kind === "link" ? { url: linkURL(name) } : {}), by: old?.by ?? "alice", created: old?.created ?? now };
      });
      return { grants: current };
    },
  });
}

async function openShare() {
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: "Share" }));
  const dialog = screen.getByRole("dialog", { name: "Share My notebook" });
  return { user, dialog };
}

async function axeViolations(node: Element) {
  const r = await axe.run(node, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    rules: { "color-contrast": { enabled: false } },
  });
  return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

const rowOf = (dialog: HTMLElement, name: string) => within(dialog).getByText(name).closest("tr")!;

describe("sharing a service", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("lists who else may open it, with expiry and who gave it, and says what removing does", async () => {
    renderApp("/my-services/jupyter-1", api().client);
    const { dialog } = await openShare();
    const bob = await within(dialog).findByText("bob");
    const cells = (row: HTMLElement) => within(row).getAllByRole("cell").map((c) => c.textContent);
    expect(cells(bob.closest("tr")!)).toEqual([
      "User bob",
      formatDateTime(bobUntil, "en"),
      `alice, ${formatDateTime(created, "en")}`,
      "Remove",
    ]);
    expect(cells(rowOf(dialog, "data-team")).slice(0, 2)).toEqual(["Group data-team", "No expiry"]);
    expect(cells(rowOf(dialog, "carol"))[1]).toMatch(/^Expired on /);
    expect(within(dialog).getByText(/^Removing a grant closes that person’s open connections within seconds/)).toBeTruthy();
    // Focus starts in the form, at the name to give access to.
    expect(document.activeElement).toBe(within(dialog).getByLabelText("User name"));
  });

  it("gives a group access for a week, sending the whole list", async () => {
    const m = api();
    renderApp("/my-services/jupyter-1", m.client);
    const { user, dialog } = await openShare();
    await within(dialog).findByText("bob");
    await user.selectOptions(within(dialog).getByLabelText("Kind"), "Group");
    await user.type(within(dialog).getByLabelText("Group name"), "physics");
    await user.selectOptions(within(dialog).getByLabelText("Expires"), "In 1 week");
    const before = Date.now();
    await user.click(within(dialog).getByRole("button", { name: "Give access" }));

    expect(await within(dialog).findByText("physics may now open it.")).toBeTruthy();
    const sent = (m.find("PUT", ACCESS)[0]!.body as { grants: AccessGrantInput[] }).grants;
    // The expired grant is left out: the server would refuse its past expiry.
    expect(sent.slice(0, 2)).toEqual([
      { kind: "user", name: "bob", expires: bobUntil },
      { kind: "group", name: "data-team" },
    ]);
    expect(sent).toHaveLength(3);
    expect(sent[2]).toMatchObject({ kind: "group", name: "physics" });
    const until = Date.parse(sent[2]!.expires!);
    expect(until).toBeGreaterThanOrEqual(before + 7 * DAY);
    expect(until).toBeLessThanOrEqual(Date.now() + 7 * DAY);
    // The list is the server's answer; the form is ready for someone else.
    expect(rowOf(dialog, "physics")).toBeTruthy();
    expect(within(dialog).queryByText("carol")).toBeNull();
    const name = within(dialog).getByLabelText("Group name") as HTMLInputElement;
    expect(name.value).toBe("");
    expect(document.activeElement).toBe(name);
  });

  it("gives a user access until a chosen date", async () => {
    const m = api({}, []);
    renderApp("/my-services/jupyter-1", m.client);
    const { user, dialog } = await openShare();
    expect(await within(dialog).findByText("No one else yet.")).toBeTruthy();
    await user.type(within(dialog).getByLabelText("User name"), "dave");
    await user.selectOptions(within(dialog).getByLabelText("Expires"), "On a date…");
    const date = within(dialog).getByLabelText("Expires on");
    // The field offers no further than a year.
    expect(fromLocalInput(date.getAttribute("max")!)!.getTime()).toBeLessThanOrEqual(Date.now() + 365 * DAY);
    const chosen = toLocalInput(new Date(Date.now() + 10 * DAY));
    fireEvent.change(date, { target: { value: chosen } });
    await user.click(within(dialog).getByRole("button", { name: "Give access" }));
    await within(dialog).findByText("dave may now open it.");
    expect(m.find("PUT", ACCESS)[0]!.body).toEqual({ grants: [{ kind: "user", name: "dave", expires: fromLocalInput(chosen)!.toISOString() }] });
  });

  it("removes a grant, the rest sent again", async () => {
    const m = api();
    renderApp("/my-services/jupyter-1", m.client);
    const { user, dialog } = await openShare();
    await user.click(await within(dialog).findByRole("button", { name: "Remove access for bob" }));
    expect(await within(dialog).findByText("bob may no longer open it; their open connections close within seconds.")).toBeTruthy();
    expect(m.find("PUT", ACCESS)[0]!.body).toEqual({ grants: [{ kind: "group", name: "data-team" }] });
    expect(within(dialog).queryByText("bob")).toBeNull();
    // Its button is gone: focus stays in the dialog, at the list.
    expect(document.activeElement).toBe(within(dialog).getByRole("heading", { name: "Who else may open it" }));
    // Who gave a kept grant, and when, stay.
    expect(within(rowOf(dialog, "data-team")).getByText(`alice, ${formatDateTime(created, "en")}`)).toBeTruthy();
  });

  it("shows the server's refusal at the field it names, and its own checks before any request", async () => {
    const m = api({}, listed(), (sent) =>
      apiError(400, "invalid_argument", "invalid grants", [{ field: `grants[${sent.length - 1}].expires`, rule: "a time in the future, within a year" }]),
    );
    renderApp("/my-services/jupyter-1", m.client);
    const { user, dialog } = await openShare();
    await within(dialog).findByText("bob");

    await user.click(within(dialog).getByRole("button", { name: "Give access" }));
    const name = within(dialog).getByLabelText("User name");
    expect(within(dialog).getByText("Enter a name.").id).toBe(name.getAttribute("aria-describedby")!.split(" ").at(-1));
    expect(name.getAttribute("aria-invalid")).toBe("true");
    await user.type(name, "alice");
    await user.click(within(dialog).getByRole("button", { name: "Give access" }));
    expect(within(dialog).getByText("That is you: the owner needs no grant.")).toBeTruthy();
    expect(m.find("PUT", ACCESS)).toHaveLength(0);

    await user.clear(name);
    await user.type(name, "erin");
    await user.selectOptions(within(dialog).getByLabelText("Expires"), "In 30 days");
    await user.click(within(dialog).getByRole("button", { name: "Give access" }));
    const rule = await within(dialog).findByText("a time in the future, within a year");
    const expires = within(dialog).getByLabelText("Expires");
    expect(expires.getAttribute("aria-invalid")).toBe("true");
    expect(expires.getAttribute("aria-describedby")).toContain(rule.id);
    expect(name.getAttribute("aria-invalid")).toBeNull();
    // Placed at its field, the refusal is not repeated above.
    expect(within(dialog).queryByRole("alert")).toBeNull();
    expect(m.find("PUT", ACCESS)).toHaveLength(1);
  });

  it("says why when the server refuses the list as a whole", async () => {
    const m = api({}, listed(), () => apiError(400, "invalid_argument", "invalid grants", [{ field: "grants", rule: "at most 32" }]));
    renderApp("/my-services/jupyter-1", m.client);
    const { user, dialog } = await openShare();
    await user.type(within(dialog).getByLabelText("User name"), "erin");
    await user.click(within(dialog).getByRole("button", { name: "Give access" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("The access could not be changed");
    expect(alert.textContent).toContain("at most 32");
  });

  it("has no accessibility violation, with its list, a chosen date and a refusal at a field", async () => {
    const m = api({}, listed(), () => apiError(400, "invalid_argument", "invalid grants", [{ field: "grants[2].name", rule: "no such user" }]));
    renderApp("/my-services/jupyter-1", m.client);
    const { user, dialog } = await openShare();
    await within(dialog).findByText("bob");
    await user.type(within(dialog).getByLabelText("User name"), "erin");
    await user.selectOptions(within(dialog).getByLabelText("Expires"), "On a date…");
    await user.click(within(dialog).getByRole("button", { name: "Give access" }));
    await within(dialog).findByText("no such user");
    expect(await axeViolations(dialog)).toEqual([]);
  });

  it("makes a link that expires in a week, gives its address the focus and copies it", async () => {
    const m = api();
    renderApp("/my-services/jupyter-1", m.client);
    const { user, dialog } = await openShare();
    await within(dialog).findByText("bob");
    await user.selectOptions(within(dialog).getByLabelText("Kind"), "Anyone with the link (signed in)");
    // No name to give: the server makes the link.
    expect(within(dialog).queryByLabelText("User name")).toBeNull();
    expect(within(dialog).getByText(/^Basalt makes a new link\. Anyone who follows it and signs in/)).toBeTruthy();
    await user.selectOptions(within(dialog).getByLabelText("Expires"), "In 1 week");
    const before = Date.now();
    await user.click(within(dialog).getByRole("button", { name: "Make a link" }));

    expect(await within(dialog).findByText(/^Link 1 is ready/)).toBeTruthy();
    const sent = (m.find("PUT", ACCESS)[0]!.body as { grants: AccessGrantInput[] }).grants;
    expect(sent).toHaveLength(3);
    expect(sent[2]).toEqual({ kind: "link", expires: expect.any(String) });
    expect(Date.parse(sent[2]!.expires!)).toBeGreaterThanOrEqual(before + 7 * DAY);
    const address = within(dialog).getByLabelText("Link 1") as HTMLInputElement;
    expect(address.value).toBe(linkURL("made-by-the-server-1-0123456789"));
    expect(address.readOnly).toBe(true);
    await waitFor(() => expect(document.activeElement).toBe(address));
    // Its id is the address's, not shown a second time as a name.
    expect(within(dialog).queryByText("made-by-the-server-1-0123456789")).toBeNull();

    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    fireEvent.click(within(dialog).getByRole("button", { name: "Copy link 1" }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(linkURL("made-by-the-server-1-0123456789")));
  });

  it("removes a link, the others kept by their id", async () => {
    const first = "first-link-0123456789abcdef";
    const second = "second-link-0123456789abcdef";
    const m = api({}, [linked(first), { kind: "user", name: "bob", by: "alice", created }, linked(second)]);
    renderApp("/my-services/jupyter-1", m.client);
    const { user, dialog } = await openShare();
    expect(((await within(dialog).findByLabelText("Link 2")) as HTMLInputElement).value).toBe(linkURL(second));
    await user.click(within(dialog).getByRole("button", { name: "Remove link 1" }));
    expect(await within(dialog).findByText("Link 1 no longer opens it; connections opened with it close within seconds.")).toBeTruthy();
    expect(m.find("PUT", ACCESS)[0]!.body).toEqual({
      grants: [
        { kind: "user", name: "bob" },
        { kind: "link", name: second },
      ],
    });
    // The link left is now the first.
    expect((within(dialog).getByLabelText("Link 1") as HTMLInputElement).value).toBe(linkURL(second));
    expect(within(dialog).queryByLabelText("Link 2")).toBeNull();
  });

  it("has no accessibility violation with links listed and the link form", async () => {
    renderApp("/my-services/jupyter-1", api({}, [linked("first-link-0123456789abcdef"), ...listed()]).client);
    const { user, dialog } = await openShare();
    await within(dialog).findByLabelText("Link 1");
    await user.selectOptions(within(dialog).getByLabelText("Kind"), "Anyone with the link (signed in)");
    expect(await axeViolations(dialog)).toEqual([]);
  });

  it("offers a link in French", async () => {
    localStorage.setItem("basalt.language", "fr");
    const user = userEvent.setup();
    renderApp("/my-services/jupyter-1", api({}, [linked("first-link-0123456789abcdef")]).client);
    await user.click(await screen.findByRole("button", { name: "Partager" }));
    const dialog = screen.getByRole("dialog", { name: "Partager My notebook" });
    expect(await within(dialog).findByRole("button", { name: "Copier le lien 1" })).toBeTruthy();
    expect(within(dialog).getByRole("button", { name: "Retirer le lien 1" })).toBeTruthy();
    await user.selectOptions(within(dialog).getByLabelText("Type"), "Toute personne ayant le lien (connectée)");
    expect(within(dialog).getByRole("button", { name: "Créer un lien" })).toBeTruthy();
  });

  it("is not offered on another member’s service", async () => {
    localStorage.setItem("basalt.project", "project-data-team");
    renderApp("/my-services/jupyter-1", api({ owner: "bob", shared: true }).client);
    await screen.findByRole("heading", { level: 1, name: "My notebook" });
    expect(screen.queryByRole("button", { name: "Share" })).toBeNull();
  });

  it("is not offered without the gateway", async () => {
    renderApp("/my-services/jupyter-1", api({ access: undefined }).client);
    await screen.findByRole("heading", { level: 1, name: "My notebook" });
    expect(screen.queryByRole("button", { name: "Share" })).toBeNull();
  });

  it("warns, in French too, that a group project's service must be shared with the group first", async () => {
    localStorage.setItem("basalt.language", "fr");
    localStorage.setItem("basalt.project", "project-data-team");
    const user = userEvent.setup();
    renderApp("/my-services/jupyter-1", api({ shared: false }).client);
    await user.click(await screen.findByRole("button", { name: "Partager" }));
    const dialog = screen.getByRole("dialog", { name: "Partager My notebook" });
    expect(within(dialog).getByText(/^My notebook n’est pas partagé avec le groupe/)).toBeTruthy();
    expect(within(dialog).getByLabelText("Nom d’utilisateur")).toBeTruthy();
    expect(await within(dialog).findByText("Sans expiration")).toBeTruthy();
  });
});
