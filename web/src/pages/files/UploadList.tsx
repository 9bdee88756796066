import { formatBytes } from "../../format";
import { useI18n } from "../../i18n";
import { Icon } from "../../components/Icon";
import type { Upload } from "./uploads";
import styles from "./Files.module.css";

/** Each upload with its progress and a cancel button while it runs; a failed one with a button to dismiss it. */
export function UploadList({
  uploads,
  onCancel,
  onDismiss,
  onClear,
}: {
  uploads: Upload[];
  onCancel(id: number): void;
  onDismiss(id: number): void;
  onClear(): void;
}) {
  const { t, language } = useI18n();
  if (uploads.length === 0) return null;
  const finished = uploads.some((u) => u.state !== "queued" && u.state !== "uploading");
  const stateLabel = (u: Upload) =>
    ({
      queued: t("upload.queued"),
      uploading: t("upload.uploading"),
      done: t("upload.done"),
      failed: t("upload.failed"),
      cancelled: t("upload.cancelled"),
    })[u.state];
  return (
    <section className={styles.uploads} aria-labelledby="uploads-title">
      <div className={styles.uploadsHead}>
        <h2 id="uploads-title">{t("upload.title")}</h2>
        {finished ? (
          <button type="button" className="button button-secondary button-small" onClick={onClear}>
            {t("upload.clear")}
          </button>
        ) : null}
      </div>
      <ul>
        {uploads.map((u) => {
          const pct = u.total > 0 ? Math.round((u.loaded / u.total) * 100) : u.state === "done" ? 100 : 0;
          // Cancel while it runs; dismiss a failure, which stays until then.
          const action =
            u.state === "queued" || u.state === "uploading"
              ? { label: t("upload.cancel", { name: u.name }), run: () => onCancel(u.id) }
              : u.state === "failed"
                ? { label: t("upload.dismiss", { name: u.name }), run: () => onDismiss(u.id) }
                : undefined;
          return (
            <li key={u.id} data-state={u.state}>
              <span className={styles.uploadName}>{u.name}</span>
              <div
                className={styles.uploadBar}
                role="progressbar"
                aria-label={t("upload.progress", { name: u.name })}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={pct}
              >
                <span style={{ width: `${pct}%` }} />
              </div>
              <span className={styles.uploadState}>
                {u.state === "uploading" ? `${formatBytes(u.loaded, language)} / ${formatBytes(u.total, language)}` : stateLabel(u)}
                {u.error ? ` — ${u.error}` : ""}
              </span>
              {action ? (
                <button type="button" className="icon-button" onClick={action.run} aria-label={action.label} title={action.label}>
                  <Icon name="close" size={16} />
                </button>
              ) : (
                <span />
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
