import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useApi } from "../../api/ApiProvider";
import { fieldViolations } from "../../api/errors";
import type { ObjectView as FileEntry } from "../../api/types";
import { Dialog } from "../../components/Dialog";
import { CopyButton, ErrorNotice, Loading } from "../../components/Feedback";
import { formatBytes, formatDateTime, formatNumber } from "../../format";
import { useI18n, useT } from "../../i18n";
import { csvPreview, parquetPreview, tableFormat, type TablePreview } from "./tablePreview";
import { useProject } from "../../project";
import { useRegion } from "../../region";
import styles from "./Files.module.css";

const VALIDITIES = [
  { value: "1h", key: "share.validity.hour" },
  { value: "24h", key: "share.validity.day" },
  { value: "168h", key: "share.validity.week" },
] as const;

/** A link to the file that works without signing in, for the validity chosen. */
export function ShareDialog({ file, onClose }: { file: FileEntry; onClose(): void }) {
  const { t, language } = useI18n();
  const api = useApi();
  const { project } = useProject();
  const [expiry, setExpiry] = useState<string>("24h");
  const share = useMutation({ mutationFn: () => api.shareFile(project.id, file.path, expiry) });
  // A relative link (signed by Basalt itself) is shown as a full address to paste elsewhere.
  const url = share.data ? new URL(share.data.url, window.location.href).toString() : "";
  // The link replaces the button that had the focus: the focus goes to the link, selected,
  // so that it stays in the dialog (Escape still closes it) and is ready to copy.
  const link = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (url) link.current?.focus();
  }, [url]);
  return (
    <Dialog title={t("share.title", { name: file.name })} onClose={onClose}>
      <label className="field">
        {t("share.validity")}
        <select
          value={expiry}
          onChange={(e) => {
            setExpiry(e.target.value);
            share.reset();
          }}
        >
          {VALIDITIES.map((v) => (
            <option key={v.value} value={v.value}>
              {t(v.key)}
            </option>
          ))}
        </select>
      </label>
      {share.data ? (
        <div className={styles.shareResult}>
          <label className="field">
            {t("share.link")}
            <input ref={link} type="text" readOnly value={url} onFocus={(e) => e.target.select()} />
          </label>
          <div className={styles.shareRow}>
            <CopyButton text={url} label={t("share.copy")} small={false} />
            <span className="field-hint">{t("share.expires", { date: formatDateTime(share.data.expiresAt, language) })}</span>
          </div>
        </div>
      ) : (
        // aria-disabled, not disabled: a disabled button loses the focus, and the dialog with it.
        <button
          type="button"
          className={`button ${styles.createLink}`}
          onClick={() => !share.isPending && share.mutate()}
          aria-disabled={share.isPending || undefined}
        >
          {share.isPending ? t("ui.working") : t("share.create")}
        </button>
      )}
      {share.isError ? <ErrorNotice error={share.error} /> : null}
    </Dialog>
  );
}

const PREVIEW_BYTES = 64 * 1024;
const IMAGE_MAX = 20 * 1000 * 1000;
const TEXT_EXT = /\.(txt|md|csv|tsv|json|ya?ml|xml|svg|log|py|r|rmd|sql|sh|ini|toml|cfg|conf|js|ts|html?|css|ipynb)$/i;
// Not SVG: it can hold scripts, so Basalt serves it as a download and it shows as its source.
const IMAGE_EXT = /\.(png|jpe?g|gif|webp|bmp|avif)$/i;

export function previewKind(file: FileEntry): "table" | "text" | "image" | "none" {
  const type = file.contentType ?? "";
  if (tableFormat(file.name, type)) return "table";
  if ((type.startsWith("image/") && !type.startsWith("image/svg")) || IMAGE_EXT.test(file.name)) return "image";
  if (type.startsWith("text/") || /json|yaml|xml|csv/.test(type) || TEXT_EXT.test(file.name)) return "text";
  return "none";
}

/**
 * The first 64 KB of a text file (a Range request), the first rows of a CSV or Parquet file
 * (Parquet: its footer and first row group, by ranges), or an image shown whole up to 20 MB.
 */
export function PreviewDialog({ file, onClose }: { file: FileEntry; onClose(): void }) {
  const { t, language } = useI18n();
  const api = useApi();
  const fromStore = useRegion().region?.downloadFromStore;
  const { project } = useProject();
  const kind = previewKind(file);
  const text = useQuery({
    queryKey: ["preview", project.id, file.path, file.lastModified],
    queryFn: async ({ signal }) => {
      const r = await api.readFileRange(project.id, file.path, PREVIEW_BYTES, signal);
      return { text: new TextDecoder().decode(await r.blob.arrayBuffer()), total: r.totalSize };
    },
    enabled: kind === "text",
    staleTime: 60_000,
  });
  const table = useQuery({
    queryKey: ["preview-table", project.id, file.path, file.lastModified],
    queryFn: async ({ signal }) => {
      const format = tableFormat(file.name, file.contentType)!;
      if (format === "parquet") {
        return parquetPreview({
          byteLength: file.size,
          slice: (start, end) => api.readFileBytes(project.id, file.path, start, end ?? file.size, signal),
        });
      }
      const r = await api.readFileRange(project.id, file.path, PREVIEW_BYTES, signal);
      const text = new TextDecoder().decode(await r.blob.arrayBuffer());
      return { ...(await csvPreview(text, r.totalSize > PREVIEW_BYTES, format)), readBytes: Math.min(PREVIEW_BYTES, r.totalSize) };
    },
    enabled: kind === "table",
    staleTime: 60_000,
    retry: false,
  });
  return (
    <Dialog
      title={file.name}
      onClose={onClose}
      wide
      footer={
        <a className="button" href={api.fileUrl(project.id, file.path, { download: true, fromStore })} download={file.name}>
          {t("files.downloadShort")}
        </a>
      }
    >
      <p className="field-hint">
        {formatBytes(file.size, language)}
        {file.lastModified ? ` · ${formatDateTime(file.lastModified, language)}` : ""}
        {file.contentType ? ` · ${file.contentType}` : ""}
      </p>
      {kind === "image" ? (
        file.size <= IMAGE_MAX ? (
          <img className={styles.previewImage} src={api.fileUrl(project.id, file.path)} alt={t("preview.imageAlt", { name: file.name })} />
        ) : (
          <p>{t("preview.tooLarge")}</p>
        )
      ) : null}
      {kind === "text" ? (
        <>
          {text.isPending ? <Loading /> : null}
          {text.isError ? <ErrorNotice error={text.error} onRetry={() => void text.refetch()} /> : null}
          {text.data ? (
            <>
              {text.data.total > PREVIEW_BYTES ? (
                <p className="field-hint" role="note">
                  {t("preview.partial", { shown: formatBytes(PREVIEW_BYTES, language), total: formatBytes(text.data.total, language) })}
                </p>
              ) : null}
              <pre className={styles.previewText} tabIndex={0} aria-label={t("preview.content")}>
                {text.data.text}
              </pre>
            </>
          ) : null}
        </>
      ) : null}
      {kind === "table" ? (
        <>
          {table.isPending ? <Loading /> : null}
          {table.isError ? <ErrorNotice error={table.error} title={t("preview.readError")} /> : null}
          {table.data ? (
            <>
              {table.data.partial ? (
                <p className="field-hint" role="note">
                  {table.data.totalRows !== undefined
                    ? t("preview.rows", {
                        shown: formatNumber(table.data.rows.length, language),
                        total: formatNumber(table.data.totalRows, language),
                      })
                    : t("preview.rowsPartial", {
                        shown: formatNumber(table.data.rows.length, language),
                        bytes: formatBytes("readBytes" in table.data ? table.data.readBytes : PREVIEW_BYTES, language),
                      })}
                </p>
              ) : null}
              <PreviewTable name={file.name} table={table.data} />
            </>
          ) : null}
        </>
      ) : null}
      {kind === "none" ? <p>{t("preview.none")}</p> : null}
    </Dialog>
  );
}

/** Rows of a CSV or Parquet file as a table that scrolls within the dialog. */
export function PreviewTable({ name, table }: { name: string; table: TablePreview }) {
  const t = useT();
  return (
    <div className={styles.previewTable} tabIndex={0} role="region" aria-label={t("preview.table", { name })}>
      <table className="data-table">
        <caption className="visually-hidden">{t("preview.table", { name })}</caption>
        <thead>
          <tr>
            {table.columns.map((c, i) => (
              <th key={i} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, r) => (
            <tr key={r}>
              {table.columns.map((_, i) => (
                <td key={i}>{row[i] ?? ""}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function NewFolderDialog({ parent, onDone, onCancel }: { parent: string; onDone(path: string): void; onCancel(): void }) {
  const { t } = useI18n();
  const api = useApi();
  const { project } = useProject();
  const [name, setName] = useState("");
  const valid = name.trim() !== "" && !name.includes("/");
  const create = useMutation({
    mutationFn: () => api.createFolder(project.id, (parent.endsWith("/") ? parent : `${parent}/`) + name.trim()),
    onSuccess: (r) => onDone(r.folder.path),
  });
  const fieldError = fieldViolations(create.error)[0];
  return (
    <Dialog
      title={t("files.newFolder")}
      onClose={onCancel}
      footer={
        <>
          <button type="button" className="button button-secondary" onClick={onCancel}>
            {t("ui.cancel")}
          </button>
          <button type="submit" form="new-folder" className="button" disabled={!valid || create.isPending}>
            {t("files.newFolder.create")}
          </button>
        </>
      }
    >
      <form
        id="new-folder"
        onSubmit={(e) => {
          e.preventDefault();
          if (valid) create.mutate();
        }}
      >
        <div className="field">
          <label htmlFor="new-folder-name">{t("files.newFolder.name")}</label>
          <input
            id="new-folder-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            data-autofocus
            aria-describedby="new-folder-hint"
            aria-invalid={fieldError ? true : undefined}
          />
          <span id="new-folder-hint" className="field-hint">
            {fieldError ? fieldError.rule : t("files.newFolder.hint")}
          </span>
        </div>
        {create.isError && !fieldError ? <ErrorNotice error={create.error} /> : null}
      </form>
    </Dialog>
  );
}
