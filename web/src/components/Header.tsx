import { Link } from "react-router";
import { useInstance } from "../instance";
import { useI18n, type Language } from "../i18n";
import { themePreferences, useTheme, type ThemePreference } from "../theme/theme";
import { Icon } from "./Icon";
import styles from "./Shell.module.css";

export function Header({ navOpen, onToggleNav }: { navOpen: boolean; onToggleNav(): void }) {
  const { branding } = useInstance();
  const { t, language, languages, setLanguage } = useI18n();
  const { preference, setPreference } = useTheme();

  return (
    <header className={styles.header}>
      <button
        type="button"
        className={styles.menuButton}
        aria-expanded={navOpen}
        aria-controls="side-nav"
        onClick={onToggleNav}
      >
        <Icon name="menu" />
        <span className="visually-hidden">{t("header.menu")}</span>
      </button>

      <Link to="/" className={styles.brand} aria-label={t("header.home", { name: branding.name })}>
        {branding.logoUrl ? <img className={styles.logo} src={branding.logoUrl} alt="" /> : null}
        <span className={styles.brandName}>{branding.name}</span>
      </Link>

      <div className={styles.headerTools}>
        {languages.length > 1 ? (
          <label className={styles.tool}>
            <span className={styles.toolLabel}>{t("header.language")}</span>
            <select value={language} onChange={(e) => setLanguage(e.target.value as Language)}>
              {languages.map((l) => (
                <option key={l} value={l} lang={l}>
                  {t(`lang.${l}`)}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label className={styles.tool}>
          <span className={styles.toolLabel}>{t("header.theme")}</span>
          <select value={preference} onChange={(e) => setPreference(e.target.value as ThemePreference)}>
            {themePreferences.map((p) => (
              <option key={p} value={p}>
                {t(`header.theme.${p}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
    </header>
  );
}
