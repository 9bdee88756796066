import { useId, useState } from "react";
import { useSecret } from "../../api/queries";
import { ErrorNotice, Loading } from "../../components/Feedback";
import { isOne, useI18n } from "../../i18n";
import { useProject } from "../../project";
import { diffSecret, type KeyChangeKind } from "./secretDiff";
import { MaskedValue, RevealToggle } from "./SecretEditor";
import styles from "./Secrets.module.css";

const KIND_PILL: Record<KeyChangeKind, string> = { added: "pill pill-success", removed: "pill pill-danger", changed: "pill pill-warning" };
const KIND_LABEL = { added: "secrets.compare.added", removed: "secrets.compare.removed", changed: "secrets.compare.changed" } as const;

/**
 * The difference between two readable versions of a secret, key by key: added, removed,
 * changed, with the values masked until revealed. Versions are newest first; the comparison
 * starts from the one before the newest to the newest.
 */
export function SecretCompare({ path, versions }: { path: string; versions: number[] }) {
  const { t, language } = useI18n();
  const { project } = useProject();
  const titleId = useId();
  const [from, setFrom] = useState(versions[1]!);
  const [to, setTo] = useState(versions[0]!);
  const [reveal, setReveal] = useState(false);
  const before = useSecret(project.id, path, from);
  const after = useSecret(project.id, path, to);
  const diff = before.data && after.data ? diffSecret(before.data.data, after.data.data) : undefined;

  const picker = (id: string, label: string, value: number, onChange: (v: number) => void) => (
    <div className={styles.comparePick}>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {versions.map((v) => (
          <option key={v} value={v}>
            {t("secrets.version", { version: v })}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <section className={styles.compare} aria-labelledby={titleId}>
      <h3 id={titleId}>{t("secrets.compare.title")}</h3>
      <div className={styles.comparePicks}>
        {picker(`${titleId}-from`, t("secrets.compare.from"), from, setFrom)}
        {picker(`${titleId}-to`, t("secrets.compare.to"), to, setTo)}
      </div>
      {before.isPending || after.isPending ? <Loading /> : null}
      {before.isError ? <ErrorNotice error={before.error} /> : after.isError ? <ErrorNotice error={after.error} /> : null}
      {diff && diff.changes.length === 0 ? <p>{t("secrets.compare.same")}</p> : null}
      {diff && diff.changes.length > 0 ? (
        <>
          <RevealToggle reveal={reveal} onChange={setReveal} />
          <div className={styles.tableScroll}>
            <table className="data-table">
              <caption className="visually-hidden">{t("secrets.compare.caption", { from, to })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("secrets.key")}</th>
                  <th scope="col">{t("secrets.compare.change")}</th>
                  <th scope="col">{t("secrets.version", { version: from })}</th>
                  <th scope="col">{t("secrets.version", { version: to })}</th>
                </tr>
              </thead>
              <tbody>
                {diff.changes.map((c) => (
                  <tr key={c.key}>
                    <th scope="row" className="mono">
                      {c.key}
                    </th>
                    <td>
                      <span className={KIND_PILL[c.kind]}>{t(KIND_LABEL[c.kind])}</span>
                    </td>
                    <td className="mono">{c.before === undefined ? <em>{t("secrets.compare.absent")}</em> : <MaskedValue value={c.before} reveal={reveal} />}</td>
                    <td className="mono">{c.after === undefined ? <em>{t("secrets.compare.absent")}</em> : <MaskedValue value={c.after} reveal={reveal} />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      {diff && diff.unchanged > 0 ? (
        <p className="field-hint">{t(isOne(language, diff.unchanged) ? "secrets.compare.unchanged.one" : "secrets.compare.unchanged.other", { n: diff.unchanged })}</p>
      ) : null}
    </section>
  );
}
