import { useId } from "react";
import { useT } from "../../i18n";
import { updateAvailable } from "./versions";
import styles from "./Change.module.css";

/**
 * The chart version a change runs: the catalog's versions (newest first), the running one
 * marked (kept in the list when the catalog no longer has it), and "update available" with a
 * button to pick it when the newest is newer than the running one.
 */
export function ChangeVersionPicker({
  current,
  versions,
  value,
  disabled,
  onChange,
}: {
  current: string;
  versions: readonly string[];
  value: string;
  disabled?: boolean;
  onChange(version: string): void;
}) {
  const t = useT();
  const id = useId();
  const newest = updateAvailable(current, versions);
  const options = versions.includes(current) ? versions : [...versions, current];
  return (
    <div className={styles.picker}>
      <div className="field">
        <label htmlFor={id} className="field-hint">
          {t("change.version.label")}
        </label>
        <select id={id} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)}>
          {options.map((v) => (
            <option key={v} value={v}>
              {v === current ? t("change.version.running", { version: v }) : v}
            </option>
          ))}
        </select>
      </div>
      {newest ? (
        <div className={styles.update}>
          <span className="pill pill-info">
            {t("change.version.available", { version: newest })}
          </span>
          {value !== newest ? (
            <button type="button" className="button button-secondary button-small" disabled={disabled} onClick={() => onChange(newest)}>
              {t("change.version.use", { version: newest })}
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
