import { useId } from "react";
import type { FormField, FormChange as LinkChange } from "../../api/types";
import { Icon } from "../../components/Icon";
import { useT } from "../../i18n";
import type { FieldErrors } from "./formModel";
import { changeText, reviewChanges, type ChangeFlag } from "./linkChanges";
import styles from "./Launcher.module.css";

const FLAG_PILL: Record<ChangeFlag, string> = { script: "pill pill-danger", url: "pill pill-warning", hidden: "pill" };
const FLAG_LABEL = { script: "launcher.confirm.flag.script", url: "launcher.confirm.flag.url", hidden: "launcher.confirm.flag.hidden" } as const;

/**
 * What a launch link asking to launch at once changes, for the user to confirm: the instance
 * does not launch from links by itself (ui.features.auto_launch), since a link from anyone
 * would run a service, and its scripts, with the user's credentials.
 */
export function LinkConfirmation({
  chart,
  version,
  name,
  shared,
  s3,
  changes,
  root,
  errors,
  busy,
  onLaunch,
  onCancel,
}: {
  chart: string;
  version: string;
  name: string;
  shared: boolean;
  s3?: string;
  changes: LinkChange[];
  root?: FormField;
  /** What the form's checks refuse, by path: launching then opens the form to correct it. */
  errors?: FieldErrors;
  busy: boolean;
  onLaunch(): void;
  onCancel(): void;
}) {
  const t = useT();
  const titleId = useId();
  const reviewed = reviewChanges(changes, root);
  const runsScript = reviewed.some((c) => c.flags.includes("script"));
  const setsAddress = reviewed.some((c) => c.flags.includes("url"));

  return (
    <section className={`${styles.box} ${styles.confirm}`} aria-labelledby={titleId}>
      <h2 id={titleId}>{t("launcher.confirm.title")}</h2>
      <p>{t("launcher.confirm.lead", { chart, version })}</p>
      <dl className={styles.confirmParams}>
        <dt>{t("launcher.name")}</dt>
        <dd>{name}</dd>
        {shared ? (
          <>
            <dt>{t("launcher.shared")}</dt>
            <dd>{t("launcher.confirm.yes")}</dd>
          </>
        ) : null}
        {s3 ? (
          <>
            <dt>{t("launcher.confirm.s3")}</dt>
            <dd className="mono">{s3}</dd>
          </>
        ) : null}
      </dl>
      {runsScript || setsAddress ? (
        <div className="notice" data-severity="error" role="note">
          <Icon name="alert" size={18} />
          <p>
            {runsScript ? t("launcher.confirm.scriptWarning") : null}
            {runsScript && setsAddress ? " " : null}
            {setsAddress ? t("launcher.confirm.urlWarning") : null}
          </p>
        </div>
      ) : null}
      {reviewed.length === 0 ? (
        <p>{t("launcher.confirm.none")}</p>
      ) : (
        <table className={`data-table ${styles.confirmTable}`}>
          <caption className="visually-hidden">{t("launcher.confirm.changes")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("launcher.confirm.setting")}</th>
              <th scope="col">{t("launcher.confirm.value")}</th>
            </tr>
          </thead>
          <tbody>
            {reviewed.map((c) => (
              <tr key={c.path} data-flagged={c.flags.length > 0 || undefined}>
                <th scope="row">
                  {c.field?.title ? <span className={styles.confirmTitle}>{c.field.title}</span> : null}
                  <code>{c.path}</code>
                  {c.flags.map((f) => (
                    <span key={f} className={FLAG_PILL[f]}>
                      {t(FLAG_LABEL[f])}
                    </span>
                  ))}
                </th>
                <td>
                  {c.removed ? (
                    <em>{t("launcher.confirm.removed")}</em>
                  ) : (
                    <pre className={styles.confirmValue}>{changeText(c.value)}</pre>
                  )}
                  {errors?.get(c.path)?.map((r) => (
                    <p key={r} className={styles.fieldError}>
                      <Icon name="alert" size={14} /> {r}
                    </p>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className={styles.confirmActions}>
        <button type="button" className="button" disabled={busy} onClick={onLaunch}>
          <Icon name="play" size={16} />
          {busy ? t("launcher.launching") : t("launcher.launch")}
        </button>
        <button type="button" className="button button-secondary" disabled={busy} onClick={onCancel}>
          {t("ui.cancel")}
        </button>
      </div>
    </section>
  );
}
