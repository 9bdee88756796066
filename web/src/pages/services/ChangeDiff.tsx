import { useMemo } from "react";
import type { DiffView, FormField } from "../../api/types";
import { CopyButton } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { useT } from "../../i18n";
import { fieldsByPath } from "../launcher/linkChanges";
import { parseUnifiedDiff, type DiffLineKind } from "./manifestDiff";
import launcherStyles from "../launcher/Launcher.module.css";
import styles from "./Change.module.css";

/** A value as the table shows it: strings as they are, anything else as JSON. */
function valueText(v: unknown): string {
  if (typeof v === "string") return v;
  return typeof v === "object" && v !== null ? JSON.stringify(v, null, 2) : JSON.stringify(v ?? null);
}

/**
 * What a change or a rollback changes, as the server computed it (secrets already masked):
 * the chart version, each value before and after, the values left out, and the unified diff
 * of the rendered manifests, folded.
 */
export function ChangeDiff({
  diff,
  fromVersion,
  toVersion,
  root,
}: {
  diff: DiffView;
  fromVersion: string;
  toVersion: string;
  /** The form, to name the values by their fields' titles. */
  root?: FormField;
}) {
  const t = useT();
  const fields = useMemo(() => fieldsByPath(root), [root]);
  const nothing = diff.values.length === 0 && !diff.manifest && fromVersion === toVersion;

  return (
    <div className={styles.diff}>
      <p className={styles.versions}>
        {fromVersion === toVersion
          ? t("change.diff.sameVersion", { version: fromVersion })
          : t("change.diff.newVersion", { from: fromVersion, to: toVersion })}
      </p>
      {nothing ? <p>{t("change.diff.nothing")}</p> : null}
      {diff.dropped.length > 0 ? (
        <div className="notice" role="note">
          <Icon name="alert" size={18} />
          <div>
            <p>{t("change.diff.dropped", { version: toVersion })}</p>
            <ul className={styles.dropped}>
              {diff.dropped.map((p) => (
                <li key={p}>
                  <code>{p}</code>
                </li>
              ))}
            </ul>
          </div>
        </div>
      ) : null}
      {diff.values.length > 0 ? (
        <table className={`data-table ${styles.values}`}>
          <caption>{t("change.diff.values", { n: diff.values.length })}</caption>
          <thead>
            <tr>
              <th scope="col">{t("change.diff.setting")}</th>
              <th scope="col">{t("change.diff.before")}</th>
              <th scope="col">{t("change.diff.after")}</th>
            </tr>
          </thead>
          <tbody>
            {diff.values.map((v) => {
              const title = fields.get(v.path)?.title;
              return (
                <tr key={v.path}>
                  <th scope="row">
                    {title ? <span className={styles.fieldTitle}>{title}</span> : null}
                    <code>{v.path}</code>
                  </th>
                  <td>{v.before === undefined ? <em className={styles.unset}>{t("change.diff.unset")}</em> : <pre className={launcherStyles.confirmValue}>{valueText(v.before)}</pre>}</td>
                  <td>
                    {v.removed ? (
                      <em className={styles.unset}>{t("change.diff.removed")}</em>
                    ) : (
                      <pre className={launcherStyles.confirmValue}>{valueText(v.after)}</pre>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {diff.manifest ? <ManifestDiff text={diff.manifest} /> : null}
    </div>
  );
}

const PREFIX: Record<DiffLineKind, string> = { added: "+", removed: "-", context: " ", hunk: "", file: "" };

/** The unified diff of the rendered manifests, folded under its summary; line numbers on both sides. */
export function ManifestDiff({ text }: { text: string }) {
  const t = useT();
  const parsed = useMemo(() => parseUnifiedDiff(text), [text]);
  return (
    <details className={styles.manifest}>
      <summary>{t("change.manifest.summary", { added: parsed.added, removed: parsed.removed })}</summary>
      <div className={styles.manifestTools}>
        <p className="field-hint">{t("change.manifest.hint")}</p>
        <CopyButton text={text} label={t("change.manifest.copy")} />
      </div>
      {/* Focusable: the diff scrolls. The line numbers are drawn by CSS, out of the copied text. */}
      <pre className={styles.lines} tabIndex={0} aria-label={t("change.manifest.label")}>
        {parsed.lines.map((l, i) => (
          <span key={i} className={styles[l.kind]} data-kind={l.kind} data-before={l.before ?? ""} data-after={l.after ?? ""}>
            {PREFIX[l.kind]}
            {l.text}
          </span>
        ))}
      </pre>
    </details>
  );
}
