import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { Link } from "react-router";
import { useApi } from "../../api/ApiProvider";
import type { ApiClient } from "../../api/client";
import { ApiError } from "../../api/errors";
import { queryKeys } from "../../api/queries";
import type { Bookmark as UserBookmark } from "../../api/types";
import { ErrorNotice } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { useT } from "../../i18n";
import { useInstance, useLocalized } from "../../instance";
import styles from "./Files.module.css";

// Bookmarks used to live in this browser, one localStorage key per project; they now live in
// the user's account. What an older portal left here is sent to the server once, then dropped.
const legacyPrefix = "basalt.bookmarks.";
let migrating: Promise<boolean> | undefined;

function legacyBookmarks(): Map<string, UserBookmark[]> {
  const out = new Map<string, UserBookmark[]>();
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (!key?.startsWith(legacyPrefix)) continue;
      let v: unknown;
      try {
        v = JSON.parse(localStorage.getItem(key) ?? "[]");
      } catch {
        v = [];
      }
      out.set(key, Array.isArray(v) ? v.filter((b): b is UserBookmark => typeof b?.path === "string" && typeof b?.name === "string") : []);
    }
  } catch {
    // Storage unavailable: nothing to migrate.
  }
  return out;
}

/**
 * Sends the bookmarks an older portal kept in this browser to the server, skipping those it
 * already has, and drops each key once all of its bookmarks are in (or refused as invalid).
 * A network or server failure keeps the key for the next visit. Resolves whether any were added.
 */
export async function migrateLocalBookmarks(api: ApiClient, have: UserBookmark[]): Promise<boolean> {
  const known = new Set(have.map((b) => b.path.replace(/^\/+/, "")));
  let added = false;
  for (const [key, list] of legacyBookmarks()) {
    let kept = true;
    for (const b of list) {
      const path = b.path.replace(/^\/+/, "");
      if (known.has(path)) continue;
      try {
        await api.addBookmark({ name: b.name, path });
        known.add(path);
        added = true;
      } catch (err) {
        // 400: already there or invalid, nothing to keep; anything else: try again next time.
        if (!(err instanceof ApiError && err.status === 400)) kept = false;
      }
    }
    if (kept) localStorage.removeItem(key);
  }
  return added;
}

/** The user's bookmarks, kept in their account (/me/bookmarks). */
export function useBookmarks() {
  const api = useApi();
  const qc = useQueryClient();
  const q = useQuery({ queryKey: queryKeys.bookmarks, queryFn: ({ signal }) => api.listBookmarks(signal), retry: false });
  const refresh = () => qc.invalidateQueries({ queryKey: queryKeys.bookmarks });
  useEffect(() => {
    if (!q.data || migrating || legacyBookmarks().size === 0) return;
    migrating = migrateLocalBookmarks(api, q.data).finally(() => (migrating = undefined));
    void migrating.then((added) => {
      if (added) void refresh();
    });
  }, [q.data, api]);
  const add = useMutation({ mutationFn: (b: UserBookmark) => api.addBookmark(b), onSettled: refresh });
  const drop = useMutation({ mutationFn: (path: string) => api.removeBookmark(path), onSettled: refresh });
  const list = q.data ?? [];
  const has = (path: string) => list.some((b) => b.path === path);
  const toggle = (path: string) => {
    if (has(path)) drop.mutate(path);
    else add.mutate({ path, name: path.replace(/\/+$/, "").split("/").pop() || path });
  };
  return { bookmarks: list, has, toggle, remove: (path: string) => drop.mutate(path), error: add.error ?? drop.error };
}

const folderLink = (path: string) => `/my-files?path=${encodeURIComponent(path)}`;

/** The instance's bookmarks (ui.bookmarks) and the user's, as links to their folders. */
export function BookmarkBar({ bookmarks, onRemove, error }: { bookmarks: UserBookmark[]; onRemove(path: string): void; error?: unknown }) {
  const t = useT();
  const text = useLocalized();
  const shared = useInstance().bookmarks ?? [];
  if (shared.length === 0 && bookmarks.length === 0) return error ? <ErrorNotice error={error} /> : null;
  return (
    <nav className={styles.bookmarks} aria-label={t("files.bookmarks")}>
      <Icon name="history" size={16} />
      <ul>
        {shared.map((b) => (
          <li key={`instance:${b.path}`}>
            <Link to={folderLink(b.path)}>{text(b.label) || b.path}</Link>
            <span className="pill pill-info">{t("files.bookmarks.instance")}</span>
          </li>
        ))}
        {bookmarks.map((b) => (
          <li key={b.path}>
            <Link to={folderLink(b.path)} title={b.path}>
              {b.name}
            </Link>
            <button type="button" className="icon-button" aria-label={t("files.bookmark.remove", { name: b.name })} onClick={() => onRemove(b.path)}>
              <Icon name="close" size={14} />
            </button>
          </li>
        ))}
      </ul>
      {bookmarks.length > 0 ? <span className="field-hint">{t("files.bookmarks.hint")}</span> : null}
      {error ? <ErrorNotice error={error} /> : null}
    </nav>
  );
}
