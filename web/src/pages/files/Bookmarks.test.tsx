import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { Bookmark as UserBookmark } from "../../api/types";
import { apiError, mockApi, reply, testConfig } from "../../test/mockApi";
import { renderApp } from "../../test/render";

const HOME = "user-alice/";

/** My files over a server that keeps bookmarks, as /me/bookmarks does. */
function api(kept: UserBookmark[], opts: { failAdd?: boolean } = {}) {
  return mockApi({
    "GET /config": { ...testConfig, bookmarks: [{ label: { en: "Shared data" }, path: "shared/" }] },
    "GET /projects/:project/files": ({ query }) => {
      const path = query.get("path") || HOME;
      return path === HOME
        ? { path, home: HOME, folders: [{ path: `${HOME}data/`, name: "data" }], files: [], commands: [] }
        : { path, home: HOME, folders: [], files: [], commands: [] };
    },
    "GET /projects/:project/files/public": { folders: [] },
    "GET /me/bookmarks": () => ({ bookmarks: kept }),
    "POST /me/bookmarks": ({ body }) => {
      const b = body as UserBookmark;
      if (opts.failAdd) return apiError(503, "unavailable", "the secrets store is down");
      if (kept.some((k) => k.path === b.path)) return apiError(400, "invalid_argument", "invalid bookmark", [{ field: "path", rule: "is already bookmarked" }]);
      kept.push(b);
      return reply(201, b);
    },
    "DELETE /me/bookmarks": ({ query }) => {
      const i = kept.findIndex((k) => k.path === query.get("path"));
      if (i < 0) return apiError(404, "not_found", "no bookmark");
      kept.splice(i, 1);
      return reply(204, null);
    },
  });
}

beforeEach(() => {
  localStorage.clear();
  localStorage.setItem("basalt.language", "en");
});

describe("bookmarks", () => {
  it("are kept by the server, next to the instance's bookmarks", async () => {
    const kept: UserBookmark[] = [];
    const m = api(kept);
    const user = userEvent.setup();
    const first = renderApp(`/my-files?path=${encodeURIComponent(`${HOME}data/`)}`, m.client);
    const bar = await screen.findByRole("navigation", { name: "Bookmarks" }, { timeout: 5000 });
    expect(within(bar).getByRole("link", { name: "Shared data" }).getAttribute("href")).toBe("/my-files?path=shared%2F");
    await user.click(await screen.findByRole("button", { name: "Bookmark this folder" }));
    expect(await within(bar).findByRole("link", { name: "data" })).toBeTruthy();
    expect(kept).toEqual([{ path: `${HOME}data/`, name: "data" }]);
    expect(Object.keys(localStorage).filter((k) => k.startsWith("basalt.bookmarks."))).toEqual([]);
    first.unmount();

    // Another browser: the same bookmarks, from the server.
    renderApp("/my-files", api(kept).client);
    const again = await screen.findByRole("navigation", { name: "Bookmarks" }, { timeout: 5000 });
    await user.click(await within(again).findByRole("button", { name: "Remove the bookmark data" }));
    await waitFor(() => expect(within(again).queryByRole("link", { name: "data" })).toBeNull());
    expect(kept).toEqual([]);
  });

  it("moves the bookmarks an older portal kept in this browser to the server, once", async () => {
    localStorage.setItem("basalt.bookmarks.user-alice", JSON.stringify([
      { path: `${HOME}data/`, name: "data" },
      { path: `${HOME}old/`, name: "Old results" },
    ]));
    localStorage.setItem("basalt.bookmarks.project-data-team", JSON.stringify([{ path: "project-data-team/shared/", name: "team" }]));
    const kept: UserBookmark[] = [{ path: `${HOME}data/`, name: "data" }];
    const m = api(kept);
    renderApp("/my-files", m.client);
    const bar = await screen.findByRole("navigation", { name: "Bookmarks" }, { timeout: 5000 });
    expect(await within(bar).findByRole("link", { name: "Old results" })).toBeTruthy();
    expect(await within(bar).findByRole("link", { name: "team" })).toBeTruthy();
    // The one the server had is not sent again; the others are, and the browser's copy is gone.
    expect(m.find("POST", "/me/bookmarks").map((c) => c.body)).toEqual([
      { path: `${HOME}old/`, name: "Old results" },
      { path: "project-data-team/shared/", name: "team" },
    ]);
    expect(localStorage.getItem("basalt.bookmarks.user-alice")).toBeNull();
    expect(localStorage.getItem("basalt.bookmarks.project-data-team")).toBeNull();
  });

  it("keeps the browser's copy when the server could not take it", async () => {
    localStorage.setItem("basalt.bookmarks.user-alice", JSON.stringify([{ path: `${HOME}old/`, name: "old" }]));
    const m = api([], { failAdd: true });
    renderApp("/my-files", m.client);
    await waitFor(() => expect(m.find("POST", "/me/bookmarks")).toHaveLength(1), { timeout: 5000 });
    await new Promise((r) => setTimeout(r, 50));
    expect(localStorage.getItem("basalt.bookmarks.user-alice")).not.toBeNull();
  });
});
