import { useState } from "react";
import { CopyButton, downloadText } from "../components/Feedback";
import { Icon } from "../components/Icon";
import { useI18n, type MessageKey } from "../i18n";
import { useFeatures } from "../instance";
import { toShellScript, useCommandLog, type CommandEntry } from "./commandLog";
import { RevealSecrets } from "./RevealSecrets";
import { revealedOf } from "./revealed";
import styles from "./CommandPanel.module.css";

/**
 * The equivalent helm, kubectl, mc and vault commands of the last actions, taken from the
 * API's responses, each with the API call itself as curl with an API token ($BASALT_TOKEN,
 * never a value), to copy or save as a script. Collapsed by default; off in the preferences.
 * Secrets are masked; an entry whose response gave them in clear reveals them on demand, and
 * each copy or download holds what is shown.
 */
export function CommandPanel() {
  const { t, language } = useI18n();
  const { entries, clear, enabled } = useCommandLog();
  const [open, setOpen] = useState(false);
  const [revealing, setRevealing] = useState<ReadonlySet<CommandEntry>>(new Set());
  const features = useFeatures();
  if (!enabled || !features.commandPanel) return null;

  const describe = (e: CommandEntry) =>
    t(`cmd.action.${e.action}` as MessageKey, { target: e.target });
  const time = new Intl.DateTimeFormat(language, { timeStyle: "medium" });
  const shown = (e: CommandEntry) => (revealing.has(e) ? (revealedOf(e) ?? e.commands) : e.commands);
  const all = toShellScript(
    entries.map((e) => ({ ...e, commands: shown(e) })),
    describe,
  );
  const reveal = (e: CommandEntry, on: boolean) =>
    setRevealing((prev) => {
      const next = new Set(prev);
      if (on) next.add(e);
      else next.delete(e);
      return next;
    });

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
            <button
              type="button"
              className="button button-secondary button-small"
              onClick={() => {
                clear();
                setRevealing(new Set());
              }}
            >
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
                    {revealedOf(e) ? <RevealSecrets revealed={revealing.has(e)} onChange={(on) => reveal(e, on)} /> : null}
                    <CopyButton text={shown(e).join("\n")} label={t("cmd.copy")} />
                  </div>
                  {/* Focusable: a long line scrolls sideways, which a keyboard must reach too. */}
                  <pre className={styles.code} tabIndex={0}>
                    <code>{shown(e).join("\n")}</code>
                  </pre>
                  {e.curl ? (
                    <div className={styles.api}>
                      <div className={styles.entryHead}>
                        <span className={styles.note}>{t("cmd.api")}</span>
                        <CopyButton text={e.curl} label={t("cmd.copyApi")} />
                      </div>
                      <pre className={styles.code} tabIndex={0}>
                        <code>{e.curl}</code>
                      </pre>
                    </div>
                  ) : null}
                  {!revealedOf(e) && e.commands.some((c) => c.includes(MASKED)) ? (
                    <p className={styles.note}>{t("cmd.secretsGone")}</p>
                  ) : null}
                </li>
              ))}
            </ol>
          )}
        </div>
      ) : null}
    </section>
  );
}

/** What the server shows in place of a secret (sdk.Masked). */
const MASKED = "********";
