import { useState } from "react";
import { CopyButton, downloadText } from "../components/Feedback";
import { Icon } from "../components/Icon";
import { useI18n, type MessageKey } from "../i18n";
import { useFeatures } from "../instance";
import { toShellScript, useCommandLog, type CommandEntry } from "./commandLog";
import styles from "./CommandPanel.module.css";

/**
 * The equivalent helm, kubectl, mc and vault commands of the last actions, taken from the
 * API's responses, to copy or save as a script. Collapsed by default; off in the preferences.
 */
export function CommandPanel() {
  const { t, language } = useI18n();
  const { entries, clear, enabled } = useCommandLog();
  const [open, setOpen] = useState(false);
  const features = useFeatures();
  if (!enabled || !features.commandPanel) return null;

  const describe = (e: CommandEntry) =>
    t(`cmd.action.${e.action}` as MessageKey, { target: e.target });
  const time = new Intl.DateTimeFormat(language, { timeStyle: "medium" });
  const all = toShellScript(entries, describe);

  return (
    <section className={styles.panel} aria-label={t("cmd.title")} data-open={open}>
      <div className={styles.bar}>
        <button
          type="button"
          className={styles.toggle}
          aria-expanded={open}
          aria-controls="command-panel-body"
          onClick={() => setOpen((o) => !o)}
        >
          <Icon name="terminal" size={18} />
          <span>{t("cmd.title")}</span>
          <span className="pill">{entries.length}</span>
          <Icon name={open ? "chevronDown" : "chevronUp"} size={18} />
        </button>
        {open && entries.length > 0 ? (
          <div className={styles.tools}>
            <CopyButton text={all} label={t("cmd.copyAll")} />
            <button
              type="button"
              className="button button-secondary button-small"
              onClick={() => downloadText("basalt-commands.sh", all)}
            >
              <Icon name="download" size={16} />
              {t("cmd.download")}
            </button>
            <button type="button" className="button button-secondary button-small" onClick={clear}>
              {t("cmd.clear")}
            </button>
          </div>
        ) : null}
      </div>
      {open ? (
        <div id="command-panel-body" className={styles.body}>
          {entries.length === 0 ? (
            <p className={styles.empty}>{t("cmd.empty")}</p>
          ) : (
            <ol className={styles.list}>
              {entries.map((e) => (
                <li key={e.id} className={styles.entry}>
                  <div className={styles.entryHead}>
                    <span className={styles.entryTitle}>{describe(e)}</span>
                    <time dateTime={e.at.toISOString()} className={styles.time}>
                      {time.format(e.at)}
                    </time>
                    <CopyButton text={e.commands.join("\n")} label={t("cmd.copy")} />
                  </div>
                  <pre className={styles.code}>
                    <code>{e.commands.join("\n")}</code>
                  </pre>
                </li>
              ))}
            </ol>
          )}
        </div>
      ) : null}
    </section>
  );
}
