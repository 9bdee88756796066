import { useState } from "react";
import { ApiError, fieldViolations } from "../api/errors";
import { useT } from "../i18n";
import { Icon } from "./Icon";
import styles from "./ui.module.css";

/** A busy indicator that screen readers announce. */
export function Loading({ label }: { label?: string }) {
  const t = useT();
  return (
    <div className={styles.loading} role="status" aria-live="polite">
      <span className={styles.spinner} aria-hidden="true" />
      <span>{label ?? t("app.loading")}</span>
    </div>
  );
}

/** An error from the API: its message, the fields it names, and a retry when one makes sense. */
export function ErrorNotice({ error, onRetry, title }: { error: unknown; onRetry?(): void; title?: string }) {
  const t = useT();
  const message = error instanceof Error ? error.message : String(error);
  const fields = fieldViolations(error);
  const status = error instanceof ApiError ? error.status : undefined;
  return (
    <div className={styles.error} role="alert">
      <Icon name="alert" />
      <div>
        <strong>{title ?? (status === 0 ? t("ui.error.network") : t("ui.error.title"))}</strong>
        <p className={styles.errorMessage}>{message}</p>
        {fields.length > 0 ? (
          <ul className={styles.errorFields}>
            {fields.map((f) => (
              <li key={f.field + f.rule}>
                <code>{f.field}</code>: {f.rule}
              </li>
            ))}
          </ul>
        ) : null}
        {onRetry ? (
          <button type="button" className="button button-secondary button-small" onClick={onRetry}>
            {t("app.retry")}
          </button>
        ) : null}
      </div>
    </div>
  );
}

/** Nothing to show yet, said plainly. */
export function EmptyState({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div className={styles.empty}>
      <p className={styles.emptyTitle}>{title}</p>
      {children}
    </div>
  );
}

/** Copies text to the clipboard and says so for a moment. */
export function CopyButton({ text, label, small = true }: { text: string; label?: string; small?: boolean }) {
  const t = useT();
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("failed");
    }
    setTimeout(() => setState("idle"), 2000);
  }
  const name = label ?? t("ui.copy");
  return (
    <button
      type="button"
      className={`button button-secondary${small ? " button-small" : ""}`}
      onClick={() => void copy()}
      aria-label={state === "idle" ? name : undefined}
    >
      <Icon name="copy" size={16} />
      <span aria-live="polite">{state === "copied" ? t("ui.copied") : state === "failed" ? t("ui.copyFailed") : name}</span>
    </button>
  );
}

/** Offers text as a file to save. */
export function downloadText(filename: string, text: string, type = "text/x-shellscript") {
  downloadBlob(filename, new Blob([text], { type }));
}

/** Offers bytes as a file to save. */
export function downloadBlob(filename: string, blob: Blob) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
