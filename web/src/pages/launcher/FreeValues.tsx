import { useState } from "react";
import { useT } from "../../i18n";
import type { Values } from "./paths";
import styles from "./Launcher.module.css";

/** A chart without values.schema.json: its values as JSON, sent as they are. */
export function FreeValues({ values, onChange }: { values: Values; onChange(v: Values): void }) {
  const t = useT();
  const [text, setText] = useState(() => JSON.stringify(values, null, 2));
  const [bad, setBad] = useState(false);
  return (
    <div className={styles.box}>
      <label className={styles.field}>
        <span className={styles.label}>{t("launcher.noSchema")}</span>
        <textarea
          rows={14}
          className={styles.code}
          spellCheck={false}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            try {
              const v: unknown = JSON.parse(e.target.value || "{}");
              if (typeof v === "object" && v !== null && !Array.isArray(v)) {
                onChange(v as Values);
                setBad(false);
              } else setBad(true);
            } catch {
              setBad(true);
            }
          }}
        />
        {bad ? <span className={styles.fieldError}>{t("launcher.field.badJson")}</span> : null}
      </label>
    </div>
  );
}
