// @vitest-environment jsdom
// jsdom for axe-core, which happy-dom does not run; colour contrast needs a real layout and is
// checked in Chromium by the end-to-end suite.
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { apiError, mockApi } from "../../test/mockApi";
import { renderApp } from "../../test/render";
import { diffSecret } from "./secretDiff";

const HOME = "onyxia/user-alice";

interface StoredVersion {
  data: Record<string, string>;
  created: string;
  deleted?: string;
  destroyed?: boolean;
}

/**
 * A secrets store of one secret, aws, with its versions (by default, 1 and 2), and the folder
 * db holding db/prod; deleting aws with all=true removes it from its folder.
 */
function api(opts: { versions?: StoredVersion[] } = {}) {
  const versions: StoredVersion[] = opts.versions ?? [
    { data: { DB_USER: "old" }, created: "2026-03-01T09:58:30Z" },
    { data: { DB_USER: "alice", DB_PASSWORD: "s3cret" }, created: "2026-03-01T10:00:07Z" },
  ];
  let gone = false;
  const top = () => [{ name: "db", path: "db", folder: true }, ...(gone ? [] : [{ name: "aws", path: "aws", folder: false }])];
  const read = (path: string | null, n: number) => {
    const v = versions[n - 1];
    if (gone || !v || v.deleted || v.destroyed) return apiError(404, "not_found", `secret "${path}" has no readable version ${n}`);
    return { path, data: v.data, version: n, created: v.created, commands: [`vault kv get ${HOME}/${path}`] };
  };
  return mockApi({
    "GET /projects/:project/secrets": ({ query }) =>
      query.get("path") === "db"
        ? { path: "db", home: HOME, entries: [{ name: "prod", path: "db/prod", folder: false }], commands: [`vault kv list ${HOME}/db`] }
        : { path: "", home: HOME, entries: top(), commands: [`vault kv list ${HOME}`] },
    "GET /projects/:project/secrets/secret": ({ query }) => read(query.get("path"), Number(query.get("version") ?? versions.length)),
    "PUT /projects/:project/secrets/secret": ({ body }) => {
      const b = body as { data: Record<string, string>; checkVersion?: number };
      const bad = Object.keys(b.data).filter((k) => /^\d/.test(k));
      if (bad.length) return apiError(400, "invalid_argument", "invalid secret", bad.map((k) => ({ field: `data.${k}`, rule: "a key must not start with a digit" })));
      if (b.checkVersion !== undefined && b.checkVersion !== versions.length) return apiError(409, "conflict", `check-and-set: the current version is ${versions.length}`);
      versions.push({ data: b.data, created: "2026-03-01T10:05:42Z" });
      return { path: "aws", version: versions.length, commands: ["vault kv put …"] };
    },
    "GET /projects/:project/secrets/secret/versions": () =>
      gone
        ? apiError(404, "not_found", "no secret")
        : {
            path: "aws",
            currentVersion: versions.length,
            versions: versions.map((v, i) => ({ version: i + 1, created: v.created, destroyed: !!v.destroyed, ...(v.deleted ? { deleted: v.deleted } : {}) })),
            commands: [],
          },
    "DELETE /projects/:project/secrets/secret": ({ query }) => {
      if (query.get("all") === "true") gone = true;
      for (const n of (query.get("versions") ?? String(versions.length)).split(",")) {
        const v = versions[Number(n) - 1]!;
        if (query.get("destroy") === "true") v.destroyed = true;
        else v.deleted = "2026-03-02T08:15:09Z";
      }
      return { commands: [`vault kv delete ${HOME}/aws`] };
    },
    "POST /projects/:project/secrets/secret/undelete": ({ query }) => {
      for (const n of query.get("versions")!.split(",")) delete versions[Number(n) - 1]!.deleted;
      return { commands: [] };
    },
  });
}

async function axeViolations(node: Element) {
  const r = await axe.run(node, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    rules: { "color-contrast": { enabled: false } },
  });
  return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

describe("my secrets", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("lists folders and secrets, opens one with masked values, and copies its path", async () => {
    const m = api();
    const user = userEvent.setup();
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    const { router } = renderApp("/my-secrets", m.client);
    await user.click(await screen.findByRole("button", { name: "aws" }));
    expect(router.state.location.search).toBe("?secret=aws");
    const detail = screen.getByRole("region", { name: "Secret" });
    const row = await within(detail).findByRole("row", { name: /DB_PASSWORD/ });
    expect(within(row).queryByText("s3cret")).toBeNull();
    await user.click(within(detail).getByRole("checkbox", { name: "Show the values" }));
    expect(within(row).getByText("s3cret")).toBeTruthy();
    expect(within(detail).getByText("Version 2", { exact: false })).toBeTruthy();
    await user.click(within(detail).getByRole("button", { name: "Copy the path" }));
    expect(writeText).toHaveBeenCalledWith(`${HOME}/aws`);

    await user.click(screen.getByRole("link", { name: "db" }));
    expect(await screen.findByRole("button", { name: "prod" })).toBeTruthy();
    expect(within(screen.getByRole("navigation", { name: "You are here" })).getByText("db").getAttribute("aria-current")).toBe("location");
  });

  it("saves an edit with checkVersion, and shows the server's rule at the key", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/my-secrets?secret=aws", m.client);
    await user.click(await screen.findByRole("button", { name: "Edit" }));
    await user.click(screen.getByRole("button", { name: "Add a key" }));
    await user.type(screen.getByLabelText("Key 3"), "1BAD");
    await user.type(screen.getByLabelText("Value 3"), "x");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("a key must not start with a digit")).toBeTruthy();
    expect(screen.getByLabelText("Key 3").getAttribute("aria-invalid")).toBe("true");

    await user.clear(screen.getByLabelText("Key 3"));
    await user.type(screen.getByLabelText("Key 3"), "REGION");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.queryByRole("button", { name: "Save" })).toBeNull());
    const put = m.find("PUT", "/projects/user-alice/secrets/secret").at(-1)!;
    expect(put.query.get("path")).toBe("aws");
    expect(put.body).toEqual({ data: { DB_USER: "alice", DB_PASSWORD: "s3cret", REGION: "x" }, checkVersion: 2 });
    expect(await screen.findByText("Version 3", { exact: false })).toBeTruthy();
  });

  it("shows a conflict when someone saved in between, and can overwrite", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/my-secrets?secret=aws", m.client);
    await user.click(await screen.findByRole("button", { name: "Edit" }));
    // Someone else saves version 3 meanwhile.
    await m.client.writeSecret("user-alice", "aws", { DB_USER: "bob" }, 2);
    await user.clear(screen.getByLabelText("Value 1"));
    await user.type(screen.getByLabelText("Value 1"), "carol");
    await user.click(screen.getByRole("button", { name: "Save" }));
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText("Someone else changed this secret")).toBeTruthy();
    expect(within(alert).getByText(/You were editing version 2/)).toBeTruthy();
    await user.click(within(alert).getByRole("button", { name: "Overwrite with mine" }));
    await waitFor(() => expect(screen.queryByRole("alert")).toBeNull());
    expect(m.find("PUT", "/projects/user-alice/secrets/secret").at(-1)!.body).toEqual({
      data: { DB_USER: "carol", DB_PASSWORD: "s3cret" },
      checkVersion: 3,
    });
  });

  it("creates a secret that must not exist yet", async () => {
    const m = api();
    const user = userEvent.setup();
    const { router } = renderApp("/my-secrets", m.client);
    await user.click(await screen.findByRole("button", { name: "New secret" }));
    const dialog = screen.getByRole("dialog", { name: "New secret" });
    await user.type(within(dialog).getByLabelText("Name"), "github");
    await user.type(within(dialog).getByLabelText("Key 1"), "GITHUB_TOKEN");
    await user.type(within(dialog).getByLabelText("Value 1"), "ghp_x");
    await user.click(within(dialog).getByRole("button", { name: "Create" }));
    // The fake store is at version 2: checkVersion 0 conflicts, as for an existing secret.
    expect(await within(dialog).findByText(/A secret of that name exists already/)).toBeTruthy();
    expect(m.find("PUT", "/projects/user-alice/secrets/secret")[0]!.body).toEqual({ data: { GITHUB_TOKEN: "ghp_x" }, checkVersion: 0 });
    expect(router.state.location.search).toBe("");
  });

  it("deletes the secret with all its versions, after confirming, and closes it", async () => {
    const m = api();
    const user = userEvent.setup();
    const { router } = renderApp("/my-secrets?secret=aws", m.client);
    await user.click(await screen.findByRole("button", { name: "Delete" }));
    const dialog = screen.getByRole("dialog", { name: "Delete the secret aws?" });
    expect(within(dialog).getByText(`${HOME}/aws and all its versions are removed for good: services that read it will no longer find it. This cannot be undone.`)).toBeTruthy();
    expect(m.find("DELETE", "/projects/user-alice/secrets/secret")).toHaveLength(0);
    await user.click(within(dialog).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(router.state.location.search).toBe(""));
    const del = m.find("DELETE", "/projects/user-alice/secrets/secret");
    expect(del).toHaveLength(1);
    expect(del[0]!.query.get("all")).toBe("true");
    expect(await screen.findByText("Choose a secret to see its keys and values.")).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole("button", { name: "aws" })).toBeNull());
  });

  it("manages versions in the versions view: view, delete, restore, and destroy after confirming", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/my-secrets?secret=aws", m.client);
    await user.click(await screen.findByRole("button", { name: "Versions" }));
    const versions = await screen.findByRole("region", { name: "Versions" });
    const row = (n: number) => within(versions).getAllByRole("row").find((r) => r.querySelector("td")?.textContent?.startsWith(String(n)))!;
    await waitFor(() => expect(row(2)).toBeTruthy());
    expect(within(row(2)).getByText("current")).toBeTruthy();
    expect(within(row(2)).getByText(/shown/)).toBeTruthy();
    expect(row(2).getAttribute("aria-current")).toBe("true");

    await user.click(within(versions).getByRole("button", { name: "View version 1" }));
    expect(await screen.findByText(/^Version 1 ·/)).toBeTruthy();
    expect(screen.getByRole("button", { name: "Edit" }).hasAttribute("disabled")).toBe(true);
    await waitFor(() => expect(within(row(1)).getByText(/shown/)).toBeTruthy());

    // Deleting the version shown goes back to the latest; the version can be restored.
    await user.click(within(versions).getByRole("button", { name: "Delete version 1" }));
    await waitFor(() => expect(within(row(1)).getByText("Deleted")).toBeTruthy());
    expect(m.find("DELETE", "/projects/user-alice/secrets/secret")[0]!.query.get("versions")).toBe("1");
    expect(await screen.findByText(/^Version 2 ·/)).toBeTruthy();
    await user.click(within(row(1)).getByRole("button", { name: "Restore version 1" }));
    await waitFor(() => expect(within(row(1)).getByText("Active")).toBeTruthy());
    expect(m.find("POST", "/projects/user-alice/secrets/secret/undelete")[0]!.query.get("versions")).toBe("1");

    // Destroying takes a deleted version and a confirmation.
    await user.click(within(row(1)).getByRole("button", { name: "Delete version 1" }));
    await user.click(await within(row(1)).findByRole("button", { name: "Destroy version 1" }));
    const dialog = screen.getByRole("dialog", { name: "Destroy version 1?" });
    await user.click(within(dialog).getByRole("button", { name: "Destroy" }));
    await waitFor(() => expect(within(row(1)).getByText("Destroyed")).toBeTruthy());
    const destroy = m.find("DELETE", "/projects/user-alice/secrets/secret").at(-1)!;
    expect([destroy.query.get("versions"), destroy.query.get("destroy"), destroy.query.get("all")]).toEqual(["1", "true", null]);
    expect(within(row(1)).queryByRole("button")).toBeNull();
  });

  it("makes an older version the latest again, with check-and-set", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/my-secrets?secret=aws", m.client);
    await user.click(await screen.findByRole("button", { name: "Versions" }));
    await user.click(await screen.findByRole("button", { name: "View version 1" }));
    await user.click(await screen.findByRole("button", { name: "Make this the latest version" }));
    expect(await screen.findByText(/^Version 3 ·/)).toBeTruthy();
    expect(m.find("PUT", "/projects/user-alice/secrets/secret").at(-1)!.body).toEqual({ data: { DB_USER: "old" }, checkVersion: 2 });
  });

  it("says where the latest version went when it is deleted, with the versions open", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/my-secrets?secret=aws", m.client);
    await user.click(await screen.findByRole("button", { name: "Versions" }));
    await user.click(await screen.findByRole("button", { name: "Delete version 2" }));
    expect(await screen.findByText(/The latest version of this secret is deleted/)).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Versions" }));
    // The versions stay: they are where the latest comes back from.
    expect(screen.getByRole("region", { name: "Versions" })).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Restore version 2" }));
    expect(await screen.findByText(/^Version 2 ·/)).toBeTruthy();
  });

  it("compares two versions key by key, values masked until revealed", async () => {
    const m = api({
      versions: [
        { data: { USER: "alice", PASSWORD: "p1", REGION: "eu" }, created: "2026-03-01T09:00:00Z" },
        { data: { USER: "alice", PASSWORD: "p2", TOKEN: "t2" }, created: "2026-03-01T09:30:00Z" },
        { data: { USER: "bob" }, created: "2026-03-01T10:00:00Z" },
      ],
    });
    const user = userEvent.setup();
    renderApp("/my-secrets?secret=aws", m.client);
    await user.click(await screen.findByRole("button", { name: "Versions" }));
    const compare = await screen.findByRole("region", { name: "Compare two versions" });
    expect((within(compare).getByLabelText("From") as HTMLSelectElement).value).toBe("2");
    expect((within(compare).getByLabelText("To") as HTMLSelectElement).value).toBe("3");
    await within(compare).findByRole("table", { name: "What changed from version 2 to version 3" });
    const change = (key: string) => {
      const r = within(within(compare).getByRole("table")).getByRole("rowheader", { name: key }).closest("tr") as HTMLElement;
      // The text a screen reader gets: the dots are hidden from it.
      return within(r).getAllByRole("cell").map((c) => c.textContent?.replace("••••••••", ""));
    };
    expect(change("PASSWORD")).toEqual(["Removed", "hidden value", "none"]);
    expect(change("TOKEN")).toEqual(["Removed", "hidden value", "none"]);
    expect(change("USER")).toEqual(["Changed", "hidden value", "hidden value"]);
    expect(within(compare).queryByText("alice")).toBeNull();
    await user.click(within(compare).getByRole("checkbox", { name: "Show the values" }));
    expect(change("USER")).toEqual(["Changed", "alice", "bob"]);

    await user.selectOptions(within(compare).getByLabelText("From"), "1");
    await within(compare).findByRole("table", { name: "What changed from version 1 to version 3" });
    expect(change("REGION")).toEqual(["Removed", "eu", "none"]);
    await user.selectOptions(within(compare).getByLabelText("To"), "2");
    await within(compare).findByRole("table", { name: "What changed from version 1 to version 2" });
    expect(change("TOKEN")).toEqual(["Added", "none", "t2"]);
    expect(within(compare).getByText("1 key unchanged.")).toBeTruthy();
  });

  it("shows times to the second", async () => {
    const user = userEvent.setup();
    renderApp("/my-secrets?secret=aws", api().client);
    const detail = await screen.findByRole("region", { name: "Secret" });
    expect(await within(detail).findByText(/^Version 2 · .*:07/)).toBeTruthy();
    await user.click(within(detail).getByRole("button", { name: "Versions" }));
    const versions = await screen.findByRole("region", { name: "Versions" });
    expect(await within(versions).findByText(/:58:30/)).toBeTruthy();
  });

  it("marks the open secret in its folder, opened by its address, and the folder holding it elsewhere", async () => {
    const m = api();
    const user = userEvent.setup();
    const { router } = renderApp("/my-secrets?secret=db/prod", m.client);
    // The folder list opens on the secret's folder, the secret marked.
    const prod = await screen.findByRole("button", { name: "prod" });
    expect(prod.getAttribute("aria-current")).toBe("true");
    expect(within(screen.getByRole("navigation", { name: "You are here" })).getByText("db").getAttribute("aria-current")).toBe("location");
    // Browsing to another folder keeps the secret open, and marks the folder that holds it.
    await user.click(within(screen.getByRole("navigation", { name: "You are here" })).getByRole("link", { name: "My secrets" }));
    const db = await screen.findByRole("link", { name: /^db.*holds the open secret/ });
    expect(db.hasAttribute("data-holds-open")).toBe(true);
    expect(router.state.location.search).toBe("?path=&secret=db%2Fprod");
    expect(within(screen.getByRole("region", { name: "Secret" })).getByRole("heading", { name: "prod" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "aws" }).getAttribute("aria-current")).toBeNull();
  });

  it("has no accessibility violation with the versions and a comparison open", async () => {
    const user = userEvent.setup();
    const { container } = renderApp("/my-secrets?secret=aws", api().client);
    await user.click(await screen.findByRole("button", { name: "Versions" }));
    await screen.findByRole("table", { name: "What changed from version 1 to version 2" });
    expect(await axeViolations(container)).toEqual([]);
  });

  it("is in French too", async () => {
    localStorage.setItem("basalt.language", "fr");
    const user = userEvent.setup();
    renderApp("/my-secrets?secret=aws", api().client);
    await user.click(await screen.findByRole("button", { name: "Versions" }));
    const compare = await screen.findByRole("region", { name: "Comparer deux versions" });
    expect(await within(compare).findByText("Modifiée")).toBeTruthy();
    expect(within(compare).getAllByText("Ajoutée")).toHaveLength(1);
    await user.click(screen.getByRole("button", { name: "Supprimer" }));
    expect(screen.getByRole("dialog", { name: "Supprimer le secret aws ?" })).toBeTruthy();
  });
});

describe("the difference of two versions", () => {
  it("lists added, removed and changed keys in order, and counts the others", () => {
    expect(diffSecret({ A: "1", B: "2", C: "3" }, { A: "1", B: "x", D: "4" })).toEqual({
      changes: [
        { key: "B", kind: "changed", before: "2", after: "x" },
        { key: "C", kind: "removed", before: "3" },
        { key: "D", kind: "added", after: "4" },
      ],
      unchanged: 1,
    });
  });
});
