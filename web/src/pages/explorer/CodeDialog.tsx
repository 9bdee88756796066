import { useEffect, useState } from "react";
import { ApiError } from "../../api/errors";
import { useApi } from "../../api/ApiProvider";
import { Dialog } from "../../components/Dialog";
import { CopyButton, ErrorNotice } from "../../components/Feedback";
import { Tabs } from "../../components/Tabs";
import { useI18n, type MessageKey } from "../../i18n";
import { SNIPPET_LANGUAGES, snippet, type SnippetLanguage, type SnippetStore } from "./codeSnippets";
import styles from "./Explorer.module.css";

const NAMES: Record<SnippetLanguage, MessageKey> = {
  "python-duckdb": "explorer.code.pythonDuckdb",
  "python-polars": "explorer.code.pythonPolars",
  "r-duckdb": "explorer.code.r",
};

/**
 * The query as code to run elsewhere (a notebook, a script): the store's settings from the
 * user's storage credentials, the keys from the environment unless they ask to write theirs in.
 */
export function CodeDialog({ project, sql, onClose }: { project: string; sql: string; onClose(): void }) {
  const { t } = useI18n();
  const api = useApi();
  const [language, setLanguage] = useState<SnippetLanguage>("python-duckdb");
  const [store, setStore] = useState<SnippetStore | null>(null);
  const [withKeys, setWithKeys] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [noKeys, setNoKeys] = useState(false);

  async function load(keys: boolean) {
    setError(null);
    try {
      const c = await api.getStorageCredentials(project);
      setStore({
        endpoint: c.endpoint,
        region: c.region,
        pathStyle: c.pathStyle,
        keys: keys ? { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken } : undefined,
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 501) setNoKeys(true);
      else setError(err);
    }
  }
  useEffect(() => {
    void load(false);
    // Once, when the dialog opens; the checkbox loads again.
  }, []);

  const shown = store ?? { endpoint: "https://s3.example.org", region: "us-east-1", pathStyle: true };
  const code = snippet(language, sql, shown);
  return (
    <Dialog title={t("explorer.code.title")} onClose={onClose} wide>
      <p className={styles.muted}>{t("explorer.code.lead")}</p>
      {noKeys ? <p className="notice">{t("explorer.code.noStore")}</p> : null}
      {error ? <ErrorNotice error={error} /> : null}
      {!noKeys ? (
        <label className={styles.inline}>
          <input
            type="checkbox"
            checked={withKeys}
            onChange={(e) => {
              setWithKeys(e.target.checked);
              void load(e.target.checked);
            }}
          />
          {t("explorer.code.withKeys")}
        </label>
      ) : null}
      <Tabs
        items={SNIPPET_LANGUAGES.map((l) => ({ id: l, label: t(NAMES[l]) }))}
        selected={language}
        onSelect={(l) => setLanguage(l as SnippetLanguage)}
        label={t("explorer.code.languages")}
        idPrefix="explorer-code"
      />
      <div id="explorer-code-panel" role="tabpanel" aria-labelledby={`explorer-code-tab-${language}`}>
        <pre className={styles.code} tabIndex={0}>
          <code>{code}</code>
        </pre>
        <CopyButton text={code} label={t("explorer.code.copy")} small={false} />
      </div>
    </Dialog>
  );
}
