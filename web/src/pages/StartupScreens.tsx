import { useT } from "../i18n";
import { Icon } from "../components/Icon";
import styles from "./Page.module.css";

/** Shown while the instance configuration loads. */
export function LoadingScreen() {
  const t = useT();
  return (
    <div className={styles.centered} role="status" aria-live="polite">
      <div className={styles.spinner} aria-hidden="true" />
      <p>{t("app.loading")}</p>
    </div>
  );
}

/** Shown when the instance configuration could not be loaded. */
export function LoadErrorScreen({ message, onRetry }: { message: string; onRetry(): void }) {
  const t = useT();
  return (
    <main className={styles.centered}>
      <Icon name="alert" size={32} />
      <h1 className={styles.title}>{t("app.loadError.title")}</h1>
      <p>{t("app.loadError.body")}</p>
      <p className={styles.errorDetail}>{t("app.loadError.detail", { message })}</p>
      <button type="button" className="button" onClick={onRetry}>
        {t("app.retry")}
      </button>
    </main>
  );
}
