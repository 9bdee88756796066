import { useCallback, useState } from "react";
import { Link } from "react-router";
import { Icon } from "../../components/Icon";
import { useT } from "../../i18n";
import { useInstance, useLocalized } from "../../instance";
import styles from "./Files.module.css";

/** A folder the user bookmarked. */
export interface UserBookmark {
  path: string;
  name: string;
}

// Kept in this browser for now, per project: bookmarks are not yet stored on the server.
const storageKey = (project: string) => `basalt.bookmarks.${project}`;

function read(project: string): UserBookmark[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(storageKey(project)) ?? "[]");
    return Array.isArray(v) ? v.filter((b): b is UserBookmark => typeof b?.path === "string" && typeof b?.name === "string") : [];
  } catch {
    return [];
  }
}

/** The user's bookmarks of a project, saved in localStorage. */
export function useBookmarks(project: string) {
  const [list, setList] = useState<UserBookmark[]>(() => read(project));
  const save = useCallback(
    (next: UserBookmark[]) => {
      setList(next);
      try {
        localStorage.setItem(storageKey(project), JSON.stringify(next));
      } catch {
        // Storage unavailable: the bookmarks last for this page only.
      }
    },
    [project],
  );
  const has = (path: string) => list.some((b) => b.path === path);
  const toggle = (path: string) => {
    if (has(path)) save(list.filter((b) => b.path !== path));
    else save([...list, { path, name: path.replace(/\/+$/, "").split("/").pop() || path }]);
  };
  const remove = (path: string) => save(list.filter((b) => b.path !== path));
  return { bookmarks: list, has, toggle, remove };
}

const folderLink = (path: string) => `/my-files?path=${encodeURIComponent(path)}`;

/** The instance's bookmarks (ui.bookmarks) and the user's, as links to their folders. */
export function BookmarkBar({ bookmarks, onRemove }: { bookmarks: UserBookmark[]; onRemove(path: string): void }) {
  const t = useT();
  const text = useLocalized();
  const shared = useInstance().bookmarks ?? [];
  if (shared.length === 0 && bookmarks.length === 0) return null;
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
    </nav>
  );
}
