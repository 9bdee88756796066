import { useQuery } from "@tanstack/react-query";
import { useApi } from "../../api/ApiProvider";
import { ErrorNotice } from "../../components/Feedback";
import { formatDateTime } from "../../format";
import { useI18n } from "../../i18n";
import styles from "./Explorer.module.css";

export const historyKey = ["me", "query-history"] as const;

/** The user's past queries (kept by the server, on every browser): choosing one puts it in the editor. */
export function QueryHistory({ onPick }: { onPick(sql: string): void }) {
  const { t, language } = useI18n();
  const api = useApi();
  const history = useQuery({ queryKey: historyKey, queryFn: ({ signal }) => api.listQueryHistory(signal), staleTime: 10_000 });
  return (
    <section className={styles.history} aria-labelledby="explorer-history">
      <h2 id="explorer-history" className={styles.sideTitle}>
        {t("explorer.history.title")}
      </h2>
      {history.error ? <ErrorNotice error={history.error} /> : null}
      {history.data && history.data.length === 0 ? <p className={styles.muted}>{t("explorer.history.empty")}</p> : null}
      <ul className={styles.historyList}>
        {(history.data ?? []).map((q) => (
          <li key={q.sql}>
            <button type="button" className={styles.historyItem} onClick={() => onPick(q.sql)} title={q.sql}>
              <code>{q.sql.length > 160 ? `${q.sql.slice(0, 160)}…` : q.sql}</code>
              <span className={styles.muted}>{formatDateTime(q.ranAt, language)}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
