import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { apiError, mockApi } from "../../test/mockApi";
import { renderApp } from "../../test/render";

const HOME = "onyxia/user-alice";

function api(opts: { current?: number } = {}) {
  let version = opts.current ?? 2;
  let data: Record<string, string> = { DB_USER: "alice", DB_PASSWORD: "s3cret" };
  const deleted = new Set<number>();
  return mockApi({
    "GET /projects/:project/secrets": ({ query }) =>
      query.get("path") === "db"
        ? { path: "db", home: HOME, entries: [{ name: "prod", path: "db/prod", folder: false }], commands: [`vault kv list ${HOME}/db`] }
        : {
            path: "",
            home: HOME,
            entries: [
              { name: "db", path: "db", folder: true },
              { name: "aws", path: "aws", folder: false },
            ],
            commands: [`vault kv list ${HOME}`],
          },
    "GET /projects/:project/secrets/secret": ({ query }) =>
      query.get("version") === "1"
        ? { path: query.get("path"), data: { DB_USER: "old" }, version: 1, commands: [] }
        : { path: query.get("path"), data, version, created: "2026-03-01T10:00:00Z", commands: [`vault kv get ${HOME}/${query.get("path")}`] },
    "PUT /projects/:project/secrets/secret": ({ body }) => {
      const b = body as { data: Record<string, string>; checkVersion?: number };
      const bad = Object.keys(b.data).filter((k) => /^\d/.test(k));
      if (bad.length) return apiError(400, "invalid_argument", "invalid secret", bad.map((k) => ({ field: `data.${k}`, rule: "a key must not start with a digit" })));
      if (b.checkVersion !== undefined && b.checkVersion !== version) return apiError(409, "conflict", `check-and-set: the current version is ${version}`);
      version++;
      data = b.data;
      return { path: "aws", version, commands: ["vault kv put …"] };
    },
    "GET /projects/:project/secrets/secret/versions": () => ({
      path: "aws",
      currentVersion: version,
      versions: Array.from({ length: version }, (_, i) => ({ version: i + 1, created: "2026-03-01T10:00:00Z", destroyed: false, ...(deleted.has(i + 1) ? { deleted: "2026-03-02T10:00:00Z" } : {}) })),
      commands: [],
    }),
    "DELETE /projects/:project/secrets/secret": ({ query }) => {
      for (const v of (query.get("versions") ?? String(version)).split(",")) deleted.add(Number(v));
      return { commands: [`vault kv delete ${HOME}/aws`] };
    },
    "POST /projects/:project/secrets/secret/undelete": ({ query }) => {
      for (const v of query.get("versions")!.split(",")) deleted.delete(Number(v));
      return { commands: [] };
    },
  });
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

  it("deletes the latest version, then restores it from the versions", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/my-secrets?secret=aws", m.client);
    await user.click(await screen.findByRole("button", { name: "Delete" }));
    await user.click(within(screen.getByRole("dialog", { name: "Delete the latest version?" })).getByRole("button", { name: "Delete" }));
    const versions = await screen.findByRole("region", { name: "Versions" });
    const v2 = await within(versions).findByRole("row", { name: /^2/ });
    await waitFor(() => expect(within(v2).getByText("Deleted")).toBeTruthy());
    await user.click(within(v2).getByRole("button", { name: "Restore version 2" }));
    await waitFor(() => expect(within(within(versions).getByRole("row", { name: /^2/ })).getByText("Active")).toBeTruthy());
    expect(m.find("POST", "/projects/user-alice/secrets/secret/undelete")[0]!.query.get("versions")).toBe("2");

    await user.click(within(versions).getByRole("button", { name: "View version 1" }));
    expect(await screen.findByText(/^Version 1/)).toBeTruthy();
    expect(screen.getByRole("button", { name: "Edit" }).hasAttribute("disabled")).toBe(true);
  });
});
