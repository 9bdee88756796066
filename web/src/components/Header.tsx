import { Link, useLocation } from "react-router";
import { useInstance, useLocalized } from "../instance";
import { InstanceLinkList } from "./InstanceLinks";
import { useI18n, type Language } from "../i18n";
import { useProjectState } from "../project";
import { useRegion } from "../region";
import { themePreferences, useTheme, type ThemePreference } from "../theme/theme";
import { Icon } from "./Icon";
import { Notifications } from "./Notifications";
import styles from "./Shell.module.css";

export function Header({ navOpen, onToggleNav }: { navOpen: boolean; onToggleNav(): void }) {
  const { branding, links } = useInstance();
  const { t, language, languages, setLanguage } = useI18n();
  const headerText = useLocalized()(branding.headerText);
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
      {headerText ? <span className={styles.headerText}>{headerText}</span> : null}
      <InstanceLinkList links={links?.header} className={styles.headerLinks} label={t("header.links")} />

      <div className={styles.headerTools}>
        <RegionSwitcher />
        <ProjectSwitcher />
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
        <Notifications />
        <SignInOut />
      </div>
    </header>
  );
}

/** The region every call goes to; shown when the instance has more than one. */
function RegionSwitcher() {
  const { t } = useI18n();
  const { region, regions, setRegion } = useRegion();
  if (!region || regions.length < 2) return null;
  return (
    <label className={styles.tool} title={region.description}>
      <span className={styles.toolLabel}>{t("header.region")}</span>
      <select value={region.id} onChange={(e) => setRegion(e.target.value)}>
        {regions.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name || r.id}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The project every project page acts in; shown when the user has more than one. */
function ProjectSwitcher() {
  const { t } = useI18n();
  const { project, projects, setProject } = useProjectState();
  if (!project || projects.length < 2) return null;
  return (
    <label className={styles.tool}>
      <span className={styles.toolLabel}>{t("header.project")}</span>
      <select value={project.id} onChange={(e) => setProject(e.target.value)}>
        {projects.map((p) => (
          <option key={p.id} value={p.id}>
            {p.group ? p.name : t("header.project.personal", { name: p.name })}
          </option>
        ))}
      </select>
    </label>
  );
}

/** With an identity provider: the user's name and a sign-out button, or a sign-in link. */
function SignInOut() {
  const { t } = useI18n();
  const { auth } = useInstance();
  const { me, status } = useProjectState();
  const location = useLocation();
  if (auth?.mode !== "oidc") return null;
  if (status === "signedOut" && auth.loginUrl) {
    return (
      <a className="button button-small" href={signInUrl(auth.loginUrl, location.pathname + location.search)}>
        <Icon name="signIn" size={16} />
        {t("header.signIn")}
      </a>
    );
  }
  if (!me || !auth.logoutUrl) return null;
  return (
    <div className={styles.user}>
      <Link to="/account" className={styles.userName}>
        {me.name || me.username}
      </Link>
      {/* A POST, which the server requires: a link of another site cannot sign the user out. */}
      <form method="post" action={auth.logoutUrl}>
        <button type="submit" className="button button-secondary button-small">
          <Icon name="signOut" size={16} />
          {t("header.signOut")}
        </button>
      </form>
    </div>
  );
}

/** The identity provider's sign-in, coming back to where the user was. */
export function signInUrl(loginUrl: string, returnTo: string): string {
  const sep = loginUrl.includes("?") ? "&" : "?";
  return `${loginUrl}${sep}return_to=${encodeURIComponent(returnTo)}`;
}
