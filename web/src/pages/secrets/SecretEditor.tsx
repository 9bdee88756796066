import { useState } from "react";
import type { FieldDetail as FieldViolation } from "../../api/types";
import { Icon } from "../../components/Icon";
import { useI18n } from "../../i18n";
import styles from "./Secrets.module.css";

export interface Row {
  id: number;
  key: string;
  value: string;
}

let nextRow = 1;
export function toRows(data: Record<string, string>): Row[] {
  const rows = Object.entries(data).map(([key, value]) => ({ id: nextRow++, key, value }));
  return rows.length > 0 ? rows : [{ id: nextRow++, key: "", value: "" }];
}

/** The rows as data; null with the reason when two rows share a key. */
export function fromRows(rows: Row[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows) if (r.key.trim()) out[r.key.trim()] = r.value;
  return out;
}

export function duplicateKeys(rows: Row[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const r of rows) {
    const k = r.key.trim();
    if (!k) continue;
    if (seen.has(k)) dup.add(k);
    seen.add(k);
  }
  return [...dup];
}

/** The "show the values" switch of a secret's key-value table, when reading or editing it. */
export function RevealToggle({ reveal, onChange }: { reveal: boolean; onChange(reveal: boolean): void }) {
  const { t } = useI18n();
  return (
    <label className={styles.reveal}>
      <input type="checkbox" checked={reveal} onChange={(e) => onChange(e.target.checked)} />
      {t("secrets.showValues")}
    </label>
  );
}

/** The header row of a secret's key-value table. */
export function KeyValueHead() {
  const { t } = useI18n();
  return (
    <thead>
      <tr>
        <th scope="col">{t("secrets.key")}</th>
        <th scope="col">{t("secrets.value")}</th>
        <th scope="col" className="actions">
          <span className="visually-hidden">{t("files.actions")}</span>
        </th>
      </tr>
    </thead>
  );
}

/** A secret's value, or dots (read as "hidden value") until the user reveals the values. */
export function MaskedValue({ value, reveal }: { value: string; reveal: boolean }) {
  const { t } = useI18n();
  if (reveal) return <>{value}</>;
  return (
    <>
      <span aria-hidden="true">••••••••</span>
      <span className="visually-hidden">{t("secrets.masked")}</span>
    </>
  );
}

/** Key-value rows to edit; the server's rule for a key ("data.KEY") shows at its row. */
export function SecretEditor({ rows, onChange, violations }: { rows: Row[]; onChange(rows: Row[]): void; violations: FieldViolation[] }) {
  const { t } = useI18n();
  const [reveal, setReveal] = useState(false);
  const set = (id: number, patch: Partial<Row>) => onChange(rows.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  const dups = duplicateKeys(rows);
  return (
    <div>
      <RevealToggle reveal={reveal} onChange={setReveal} />
      <table className="data-table">
        <KeyValueHead />
        <tbody>
          {rows.map((r, i) => {
            const rule = violations.find((v) => v.field === `data.${r.key.trim()}`)?.rule ?? (dups.includes(r.key.trim()) ? t("secrets.duplicate") : undefined);
            const errId = `row-${r.id}-error`;
            return (
              <tr key={r.id}>
                <td>
                  <input
                    aria-label={t("secrets.keyOfRow", { n: i + 1 })}
                    value={r.key}
                    className={styles.keyInput}
                    spellCheck={false}
                    onChange={(e) => set(r.id, { key: e.target.value })}
                    aria-invalid={rule ? true : undefined}
                    aria-describedby={rule ? errId : undefined}
                  />
                  {rule ? (
                    <div id={errId} className={styles.rowError}>
                      {rule}
                    </div>
                  ) : null}
                </td>
                <td>
                  <input
                    aria-label={t("secrets.valueOfRow", { n: i + 1 })}
                    type={reveal ? "text" : "password"}
                    autoComplete="off"
                    value={r.value}
                    className={styles.valueInput}
                    onChange={(e) => set(r.id, { value: e.target.value })}
                  />
                </td>
                <td className="actions">
                  <button
                    type="button"
                    className="icon-button"
                    onClick={() => onChange(rows.filter((x) => x.id !== r.id))}
                    aria-label={t("secrets.removeRow", { n: i + 1 })}
                    title={t("secrets.removeRow", { n: i + 1 })}
                  >
                    <Icon name="trash" size={16} />
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <button
        type="button"
        className="button button-secondary button-small"
        style={{ marginTop: "0.5rem" }}
        onClick={() => onChange([...rows, { id: nextRow++, key: "", value: "" }])}
      >
        <Icon name="plus" size={16} />
        {t("secrets.addRow")}
      </button>
    </div>
  );
}
