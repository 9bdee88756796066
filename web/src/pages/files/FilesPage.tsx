import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useApi } from "../../api/ApiProvider";
import { queryKeys, useFolder, usePublicFolders } from "../../api/queries";
import type { ObjectView as FileEntry, FolderView as FolderEntry } from "../../api/types";
import { Breadcrumbs } from "../../components/Breadcrumbs";
import { ConfirmDialog } from "../../components/Dialog";
import { EmptyState, ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { formatBytes, formatDateTime } from "../../format";
import { useI18n } from "../../i18n";
import { useDocumentTitle } from "../../instance";
import { useProject } from "../../project";
import { useRegion } from "../../region";
import pageStyles from "../Page.module.css";
import { NewFolderDialog, PreviewDialog, ShareDialog } from "./FileDialogs";
import { BookmarkBar, useBookmarks } from "./Bookmarks";
import { UploadList } from "./UploadList";
import { itemsFromDrop, itemsFromInput, useUploads } from "./uploads";
import { encodeLink, explorable, fileQuery } from "../explorer/shareLink";
import styles from "./Files.module.css";

type Pending =
  | { kind: "delete"; path: string; name: string; folder: boolean }
  | { kind: "share"; file: FileEntry }
  | { kind: "preview"; file: FileEntry }
  | { kind: "newFolder" }
  | null;

/** Browse the project's files: folders page by page, upload by drop or picker, share, preview. */
export function FilesPage() {
  const { t, language } = useI18n();
  const api = useApi();
  // Downloads from a store that browsers reach skip Basalt (regions[].download_from_store).
  const fromStore = useRegion().region?.downloadFromStore;
  const qc = useQueryClient();
  const { project } = useProject();
  const [searchParams, setSearchParams] = useSearchParams();
  const path = searchParams.get("path") ?? "";
  const folder = useFolder(project.id, path);
  const publics = usePublicFolders(project.id);
  const [pending, setPending] = useState<Pending>(null);
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  useDocumentTitle(t("page.myFiles.title"));

  const first = folder.data?.pages[0];
  const home = first?.home ?? "";
  const current = first?.path ?? path;
  const refresh = () => qc.invalidateQueries({ queryKey: queryKeys.files(project.id) });
  const marks = useBookmarks();
  const { uploads, add, cancel, dismiss, clearFinished } = useUploads(project.id, () => void refresh());

  const remove = useMutation({
    mutationFn: (p: { path: string; folder: boolean }) => api.deleteFile(project.id, p.path, p.folder),
    onSuccess: () => {
      setPending(null);
      void refresh();
    },
  });
  const policy = useMutation({
    mutationFn: (p: { path: string; public: boolean }) => api.setFolderPublic(project.id, p.path, p.public),
    onSuccess: () => void qc.invalidateQueries({ queryKey: queryKeys.publicFolders(project.id) }),
  });

  const isPublic = (p: string) => (publics.data ?? []).some((f) => f.path === p || f.path === `${p}/` || `${f.path}/` === p);
  const go = (p: string) => setSearchParams(p && p !== home ? { path: p } : {});

  const folders: FolderEntry[] = folder.data?.pages.flatMap((pg) => pg.folders) ?? [];
  const files: FileEntry[] = folder.data?.pages.flatMap((pg) => pg.files) ?? [];

  // Breadcrumbs: the home, then each folder below it.
  const rel = home && current.startsWith(home) ? current.slice(home.length) : "";
  const parts = rel.split("/").filter(Boolean);
  const crumbs = [
    { label: t("files.home"), to: "/my-files" },
    ...parts.map((name, i) => ({
      label: name,
      to: `/my-files?path=${encodeURIComponent(home + parts.slice(0, i + 1).join("/") + "/")}`,
    })),
  ];

  async function onDrop(e: React.DragEvent) {
    e.preventDefault();
    setDragging(false);
    if (!first) return;
    add(current, await itemsFromDrop(e.dataTransfer));
  }

  return (
    <div className={styles.page}>
      <h1 className={pageStyles.title}>{t("page.myFiles.title")}</h1>
      <p className={pageStyles.lead}>{t("page.myFiles.summary")}</p>

      <BookmarkBar bookmarks={marks.bookmarks} onRemove={marks.remove} error={marks.error} />
      <Breadcrumbs items={crumbs} />

      <div className={styles.toolbar}>
        <button type="button" className="button" onClick={() => fileInput.current?.click()} disabled={!first}>
          <Icon name="upload" size={16} />
          {t("files.upload")}
        </button>
        <button type="button" className="button button-secondary" onClick={() => folderInput.current?.click()} disabled={!first}>
          <Icon name="folder" size={16} />
          {t("files.uploadFolder")}
        </button>
        <button type="button" className="button button-secondary" onClick={() => setPending({ kind: "newFolder" })} disabled={!first}>
          <Icon name="plus" size={16} />
          {t("files.newFolder")}
        </button>
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          data-testid="file-input"
          onChange={(e) => {
            add(current, itemsFromInput(e.target.files));
            e.target.value = "";
          }}
        />
        <input
          ref={folderInput}
          type="file"
          hidden
          data-testid="folder-input"
          {...{ webkitdirectory: "", directory: "" }}
          onChange={(e) => {
            add(current, itemsFromInput(e.target.files));
            e.target.value = "";
          }}
        />
        {first && current !== home ? (
          <button
            type="button"
            className="button button-secondary"
            aria-pressed={marks.has(current)}
            onClick={() => marks.toggle(current)}
          >
            <Icon name="plus" size={16} />
            {t("files.bookmark.add")}
          </button>
        ) : null}
        {first && current !== home ? (
          <label className={styles.publicToggle}>
            <input
              type="checkbox"
              checked={isPublic(current)}
              disabled={policy.isPending || publics.isPending}
              onChange={(e) => policy.mutate({ path: current, public: e.target.checked })}
            />
            {t("files.public")}
          </label>
        ) : null}
      </div>
      {policy.isError ? <ErrorNotice error={policy.error} /> : null}

      <UploadList uploads={uploads} onCancel={cancel} onDismiss={dismiss} onClear={clearFinished} />

      <div
        className={styles.dropZone}
        data-dragging={dragging}
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = "copy";
          setDragging(true);
        }}
        onDragLeave={(e) => {
          if (e.currentTarget === e.target) setDragging(false);
        }}
        onDrop={(e) => void onDrop(e)}
        aria-describedby="drop-hint"
      >
        <p id="drop-hint" className={styles.dropHint}>
          <Icon name="upload" size={18} />
          {dragging ? t("files.dropNow") : t("files.dropHint")}
        </p>

        {folder.isPending ? <Loading /> : null}
        {folder.isError ? <ErrorNotice error={folder.error} onRetry={() => void folder.refetch()} /> : null}
        {folder.data && folders.length === 0 && files.length === 0 ? <EmptyState title={t("files.empty")} /> : null}
        {folders.length + files.length > 0 ? (
          <table className="data-table">
            <caption className="visually-hidden">{t("files.caption", { folder: current })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("files.name")}</th>
                <th scope="col" className="num">
                  {t("files.size")}
                </th>
                <th scope="col">{t("files.modified")}</th>
                <th scope="col" className="actions">
                  <span className="visually-hidden">{t("files.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {folders.map((f) => (
                <tr key={f.path}>
                  <td>
                    <Link className={styles.name} to={`/my-files?path=${encodeURIComponent(f.path)}`}>
                      <Icon name="folder" size={18} />
                      {f.name}
                    </Link>
                    {isPublic(f.path) ? (
                      <span className="pill pill-warning" style={{ marginLeft: "0.5rem" }}>
                        <Icon name="globe" size={12} />
                        {t("files.publicBadge")}
                      </span>
                    ) : null}
                  </td>
                  <td className="num">—</td>
                  <td />
                  <td className="actions">
                    <button
                      type="button"
                      className="icon-button"
                      aria-label={t("files.delete", { name: f.name })}
                      title={t("files.delete", { name: f.name })}
                      onClick={() => setPending({ kind: "delete", path: f.path, name: f.name, folder: true })}
                    >
                      <Icon name="trash" size={18} />
                    </button>
                  </td>
                </tr>
              ))}
              {files.map((f) => (
                <tr key={f.path}>
                  <td>
                    <button type="button" className={`${styles.name} ${styles.linkButton}`} onClick={() => setPending({ kind: "preview", file: f })}>
                      <Icon name="file" size={18} />
                      {f.name}
                    </button>
                  </td>
                  <td className="num">{formatBytes(f.size, language)}</td>
                  <td className={styles.date}>{formatDateTime(f.lastModified, language)}</td>
                  <td className="actions">
                    {explorable(f.name) ? (
                      <Link
                        className="icon-button"
                        to={`/explorer?${encodeLink({ project: project.id, file: f.path, sql: fileQuery(f.path), view: { sorts: [], filters: [] } })}`}
                        aria-label={t("files.explore", { name: f.name })}
                        title={t("files.explore", { name: f.name })}
                      >
                        <Icon name="chart" size={18} />
                      </Link>
                    ) : null}
                    <a
                      className="icon-button"
                      href={api.fileUrl(project.id, f.path, { download: true, fromStore })}
                      download={f.name}
                      aria-label={t("files.download", { name: f.name })}
                      title={t("files.download", { name: f.name })}
                    >
                      <Icon name="download" size={18} />
                    </a>
                    <button
                      type="button"
                      className="icon-button"
                      aria-label={t("files.share", { name: f.name })}
                      title={t("files.share", { name: f.name })}
                      onClick={() => setPending({ kind: "share", file: f })}
                    >
                      <Icon name="share" size={18} />
                    </button>
                    <button
                      type="button"
                      className="icon-button"
                      aria-label={t("files.delete", { name: f.name })}
                      title={t("files.delete", { name: f.name })}
                      onClick={() => setPending({ kind: "delete", path: f.path, name: f.name, folder: false })}
                    >
                      <Icon name="trash" size={18} />
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {folder.hasNextPage ? (
          <button
            type="button"
            className="button button-secondary"
            style={{ marginTop: "0.75rem" }}
            onClick={() => void folder.fetchNextPage()}
            disabled={folder.isFetchingNextPage}
          >
            {folder.isFetchingNextPage ? t("app.loading") : t("files.more")}
          </button>
        ) : null}
      </div>

      {pending?.kind === "delete" ? (
        <ConfirmDialog
          title={t("files.delete.title", { name: pending.name })}
          body={<p>{pending.folder ? t("files.delete.folder") : t("files.delete.file")}</p>}
          confirmLabel={t("files.delete.confirm")}
          busy={remove.isPending}
          error={remove.isError ? <ErrorNotice error={remove.error} /> : null}
          onConfirm={() => remove.mutate({ path: pending.path, folder: pending.folder })}
          onCancel={() => {
            remove.reset();
            setPending(null);
          }}
        />
      ) : null}
      {pending?.kind === "share" ? <ShareDialog file={pending.file} onClose={() => setPending(null)} /> : null}
      {pending?.kind === "preview" ? <PreviewDialog file={pending.file} onClose={() => setPending(null)} /> : null}
      {pending?.kind === "newFolder" ? (
        <NewFolderDialog
          parent={current}
          onDone={(p) => {
            setPending(null);
            void refresh();
            go(p);
          }}
          onCancel={() => setPending(null)}
        />
      ) : null}
    </div>
  );
}
