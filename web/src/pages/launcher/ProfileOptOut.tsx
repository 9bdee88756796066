import { Link } from "react-router";
import { useProfile } from "../../api/queries";
import { useT } from "../../i18n";
import styles from "./Launcher.module.css";

/**
 * What of the user's profile the chart reads, a checkbox per field: unticked, the launch leaves
 * it out (profileOptOut) and the chart's default applies; the form is made again without it.
 */
export function ProfileOptOut({ used, optOut, onChange }: { used: string[]; optOut: string[]; onChange(optOut: string[]): void }) {
  const t = useT();
  const profile = useProfile();
  const fields = profile.data?.form?.fields ?? [];
  const values = profile.data?.values ?? {};
  return (
    <fieldset className={styles.group} data-profile-opt-out>
      <legend>{t("launcher.profile.title")}</legend>
      <p className="field-hint" style={{ marginTop: 0 }}>
        {t("launcher.profile.lead")} <Link to="/account">{t("launcher.profile.edit")}</Link>
      </p>
      {used.map((name) => {
        const field = fields.find((f) => f.key === name);
        const value = values[name] ?? field?.default;
        return (
          <label key={name} className={styles.check}>
            <input
              type="checkbox"
              checked={!optOut.includes(name)}
              onChange={(e) => onChange(e.target.checked ? optOut.filter((n) => n !== name) : [...optOut, name])}
            />
            <span>{`${field?.title || name} (${value !== undefined ? String(value) : t("launcher.profile.unset")})`}</span>
          </label>
        );
      })}
    </fieldset>
  );
}
