import { useEffect, useId, useState } from "react";
import { Link } from "react-router";
import { useApi } from "../../api/ApiProvider";
import { Dialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/Feedback";
import { formatBytes } from "../../format";
import { useI18n } from "../../i18n";
import type { Engine } from "./engine";
import { encodeLink, fileQuery } from "./shareLink";
import { userMessage } from "./sqlSources";
import { quoteString } from "./sqlText";
import styles from "./Explorer.module.css";

export type SaveFormat = "parquet" | "csv";

/** The COPY statement that writes a result in a format to a file of the engine. */
export function copySql(resultSql: string, target: string, format: SaveFormat): string {
  const options = format === "parquet" ? "FORMAT PARQUET, COMPRESSION ZSTD" : "FORMAT CSV, HEADER true";
  return `COPY (${resultSql}) TO ${quoteString(target)} (${options})`;
}

/** A path beside the file the result came from, or in the home folder. */
export function suggestedPath(folder: string, format: SaveFormat, now = new Date()): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
  return `${folder}explorer-result-${stamp}.${format}`;
}

type Stage = { kind: "form" } | { kind: "writing" } | { kind: "uploading"; loaded: number; total: number } | { kind: "done"; path: string };

/** Writes the result as CSV or Parquet in the browser and uploads it through the files API, with progress. */
export function SaveResultDialog({
  engine,
  project,
  resultSql,
  folder,
  onClose,
}: {
  engine: Engine;
  project: string;
  /** The result as the table shows it (sorts and filters applied), in the engine's terms. */
  resultSql: string;
  /** Where to save by default: bucket/folder/; empty for the project's home. */
  folder: string;
  onClose(): void;
}) {
  const { t, language } = useI18n();
  const api = useApi();
  const id = useId();
  const [format, setFormat] = useState<SaveFormat>("parquet");
  const [path, setPath] = useState(() => suggestedPath(folder, "parquet"));
  const [stage, setStage] = useState<Stage>({ kind: "form" });
  const [error, setError] = useState<unknown>(null);
  const [abort] = useState(() => new AbortController());

  // Without a folder, the project's home, as the files API names it.
  useEffect(() => {
    if (folder) return;
    let live = true;
    api.listFiles(project, "").then(
      (page) => live && setPath((p) => (p.startsWith("explorer-result-") ? page.home + p : p)),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, project, folder]);

  function changeFormat(f: SaveFormat) {
    setFormat(f);
    setPath((p) => p.replace(/\.(parquet|csv)$/i, "") + `.${f}`);
  }

  async function save() {
    setError(null);
    setStage({ kind: "writing" });
    const target = `explorer-output.${format}`;
    try {
      await engine.prepareOutput(target);
      await engine.exec(copySql(resultSql, target, format));
      const bytes = await engine.takeFile(target);
      const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: format === "parquet" ? "application/vnd.apache.parquet" : "text/csv" });
      setStage({ kind: "uploading", loaded: 0, total: blob.size });
      const saved = await api.uploadFile(project, path.replace(/^\/+/, ""), blob, {
        signal: abort.signal,
        onProgress: (loaded, total) => setStage({ kind: "uploading", loaded, total }),
      });
      setStage({ kind: "done", path: saved.path });
    } catch (err) {
      setStage({ kind: "form" });
      if (err instanceof DOMException && err.name === "AbortError") return;
      setError(err instanceof Error && !("status" in err) ? new Error(userMessage(err.message)) : err);
    }
  }

  const busy = stage.kind === "writing" || stage.kind === "uploading";
  const reopen = stage.kind === "done" ? `/explorer?${encodeLink({ project, file: stage.path, sql: fileQuery(stage.path), view: { sorts: [], filters: [] } })}` : "";
  return (
    <Dialog
      title={t("explorer.save.title")}
      onClose={() => {
        abort.abort();
        onClose();
      }}
      footer={
        stage.kind === "done" ? (
          <button type="button" className="button" onClick={onClose}>
            {t("ui.close")}
          </button>
        ) : (
          <>
            <button type="button" className="button button-secondary" onClick={() => (busy ? abort.abort() : onClose())}>
              {t("ui.cancel")}
            </button>
            <button type="button" className="button" disabled={busy || !path.trim()} onClick={() => void save()}>
              {t("explorer.save.confirm")}
            </button>
          </>
        )
      }
    >
      {error ? <ErrorNotice error={error} /> : null}
      <fieldset className={styles.formatChoice} disabled={busy || stage.kind === "done"}>
        <legend>{t("explorer.save.format")}</legend>
        {(["parquet", "csv"] as const).map((f) => (
          <label key={f}>
            <input type="radio" name={`${id}-format`} value={f} checked={format === f} onChange={() => changeFormat(f)} />
            {f === "parquet" ? "Parquet" : "CSV"}
          </label>
        ))}
      </fieldset>
      <label htmlFor={`${id}-path`} className={styles.fieldLabel}>
        {t("explorer.save.path")}
      </label>
      <input
        id={`${id}-path`}
        className="field"
        value={path}
        onChange={(e) => setPath(e.target.value)}
        disabled={busy || stage.kind === "done"}
        aria-describedby={`${id}-hint`}
        data-autofocus
      />
      <p id={`${id}-hint`} className={styles.muted}>
        {t("explorer.save.hint")}
      </p>
      {stage.kind === "writing" ? <p role="status">{t("explorer.save.writing")}</p> : null}
      {stage.kind === "uploading" ? (
        <div role="status">
          <progress className={styles.progress} max={stage.total || 1} value={stage.loaded} aria-label={t("explorer.save.progress")} />
          <span>
            {t("explorer.save.uploaded", { loaded: formatBytes(stage.loaded, language), total: formatBytes(stage.total, language) })}
          </span>
        </div>
      ) : null}
      {stage.kind === "done" ? (
        <p role="status">
          {t("explorer.save.done", { path: stage.path })} <Link to={reopen} onClick={onClose}>{t("explorer.save.reopen")}</Link>
        </p>
      ) : null}
    </Dialog>
  );
}
