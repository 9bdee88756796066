import { useMutation } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useApi } from "../../api/ApiProvider";
import type { ServiceView as Service } from "../../api/types";
import { CopyButton, ErrorNotice } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { useI18n } from "../../i18n";
import { useProject } from "../../project";
import styles from "./Services.module.css";

type CopyState = { state: "idle" } | { state: "copied"; title: string } | { state: "failed" } | { state: "none" };

/**
 * The service's own passwords and the application's token, for its owner. The server is asked
 * only on Show or Copy, so that nothing of them is in the page (or the browser's cache) until
 * then; Copy puts the first in the clipboard without showing it, Hide takes them out again.
 * level: the heading's level, 2 on the service's page, 3 on its card.
 */
export function ServicePasswords({ service, level = 3 }: { service: Service; level?: 2 | 3 }) {
  const { t } = useI18n();
  const api = useApi();
  const { project } = useProject();
  const headingId = useId();
  const [shown, setShown] = useState(false);
  const [copied, setCopied] = useState<CopyState>({ state: "idle" });
  const read = useMutation({ mutationFn: () => api.getServiceCredentials(project.id, service.id) });
  const name = service.friendlyName;
  const Heading = level === 2 ? "h2" : "h3";

  function show() {
    setShown(true);
    setCopied({ state: "idle" });
    read.mutate();
  }
  function hide() {
    setShown(false);
    read.reset();
  }
  async function copy() {
    setCopied({ state: "idle" });
    let first;
    try {
      first = (await read.mutateAsync()).credentials[0];
    } catch {
      return; // the error is shown below
    }
    // Copied unseen: the answer is not kept either.
    read.reset();
    if (!first) {
      setCopied({ state: "none" });
      return;
    }
    try {
      await navigator.clipboard.writeText(first.value);
      setCopied({ state: "copied", title: first.title });
    } catch {
      setCopied({ state: "failed" });
    }
  }

  const credentials = shown ? read.data?.credentials : undefined;
  return (
    <section className={level === 2 ? styles.passwordsPage : styles.passwords} aria-labelledby={headingId}>
      <Heading id={headingId} className={level === 2 ? styles.h2 : styles.passwordsTitle}>
        {t("service.passwords")}
      </Heading>
      {level === 2 && service.access?.url ? <p className="field-hint">{t("service.passwords.gateway")}</p> : null}
      {credentials && credentials.length > 0 ? (
        <dl className={styles.passwordList}>
          {credentials.map((c) => (
            <div key={c.path} className={styles.passwordRow}>
              <dt>
                {c.title}
                {c.kind === "token" ? <span className="pill">{t("service.passwords.token")}</span> : null}
              </dt>
              <dd>
                <code className={styles.passwordValue}>{c.value}</code>
                <CopyButton text={c.value} label={t("service.passwords.copyOne", { name: c.title })} />
              </dd>
            </div>
          ))}
        </dl>
      ) : null}
      {credentials?.length === 0 || copied.state === "none" ? <p className="field-hint">{t("service.passwords.none")}</p> : null}
      <div className={styles.passwordActions}>
        {credentials ? (
          <button type="button" className="button button-secondary button-small" onClick={hide} aria-label={t("service.passwords.hide", { name })}>
            <Icon name="eyeOff" size={16} />
            {t("service.passwords.hideShort")}
          </button>
        ) : (
          <button
            type="button"
            className="button button-secondary button-small"
            onClick={show}
            disabled={read.isPending}
            aria-label={t("service.passwords.show", { name })}
          >
            <Icon name="eye" size={16} />
            {t("service.passwords.showShort")}
          </button>
        )}
        {credentials ? null : (
          <button
            type="button"
            className="button button-secondary button-small"
            onClick={() => void copy()}
            disabled={read.isPending}
            aria-label={t("service.passwords.copy", { name })}
          >
            <Icon name="copy" size={16} />
            {t("service.passwords.copyShort")}
          </button>
        )}
        <span className="field-hint" aria-live="polite">
          {copied.state === "copied"
            ? t("service.passwords.copied", { name: copied.title })
            : copied.state === "failed"
              ? t("ui.copyFailed")
              : ""}
        </span>
      </div>
      {read.isError ? <ErrorNotice error={read.error} /> : null}
    </section>
  );
}
