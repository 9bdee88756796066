import { useSearchParams } from "react-router";
import { useCommandLog } from "../../commands/commandLog";
import { Tabs } from "../../components/Tabs";
import { useI18n, type Language, type MessageKey } from "../../i18n";
import { useDocumentTitle, useFeatures, useInstance } from "../../instance";
import { useProject, useProjectState } from "../../project";
import { useRegion } from "../../region";
import { themePreferences, useTheme, type ThemePreference } from "../../theme/theme";
import pageStyles from "../Page.module.css";
import styles from "./Account.module.css";
import { accountTabs, regionOffers, type AccountTab } from "./accountTabs";
import { APITokens } from "./APITokens";
import { SecretsCredentials, StorageCredentials } from "./Credentials";
import { GitSettings } from "./GitSettings";
import { KubernetesAccess } from "./KubernetesAccess";
import { ProjectMembers } from "./ProjectMembers";
import { ProfileForm } from "./ProfileForm";
import { S3Profiles } from "./S3Profiles";

const TAB_LABELS: Record<AccountTab, MessageKey> = {
  profile: "account.tab.profile",
  git: "account.tab.git",
  storage: "account.tab.storage",
  vault: "account.tab.vault",
  kubernetes: "account.tab.kubernetes",
  tokens: "account.tab.tokens",
  preferences: "account.tab.preferences",
};

/**
 * The user's account in tabs (?tab=, so that each is a link): who they are and their
 * projects, their git identity, storage keys and S3 profiles, Vault token, Kubernetes access,
 * API tokens for scripts, and the interface preferences kept in this browser. Only the tabs of what the chosen region
 * has are offered, and each asks the server for its own content when opened.
 */
export function AccountPage() {
  const { t } = useI18n();
  const offers = regionOffers(useRegion().region);
  const tabs = accountTabs(offers, useInstance().auth.apiTokens);
  const [searchParams, setSearchParams] = useSearchParams();
  const asked = searchParams.get("tab");
  const tab = tabs.find((id) => id === asked) ?? "profile";
  useDocumentTitle(t("page.account.title"));

  return (
    <div className={styles.page}>
      <h1 className={pageStyles.title}>{t("page.account.title")}</h1>
      <p className={pageStyles.lead}>{t("account.lead")}</p>
      <Tabs
        label={t("account.tabs")}
        idPrefix="account"
        items={tabs.map((id) => ({ id, label: t(TAB_LABELS[id]) }))}
        selected={tab}
        onSelect={(id) => setSearchParams(id === "profile" ? {} : { tab: id }, { replace: true })}
      />
      <div id="account-panel" role="tabpanel" aria-labelledby={`account-tab-${tab}`} tabIndex={0} className={styles.panel}>
        {tab === "profile" ? <Profile /> : null}
        {tab === "git" ? <GitSettings /> : null}
        {tab === "storage" ? (
          <>
            {offers.files ? <StorageCredentials offered={offers.storageKeys} /> : null}
            {offers.secrets ? <S3Profiles /> : null}
          </>
        ) : null}
        {tab === "vault" ? <SecretsCredentials offered={offers.secretsToken} /> : null}
        {tab === "kubernetes" ? <KubernetesAccess /> : null}
        {tab === "tokens" ? <APITokens /> : null}
        {tab === "preferences" ? <Preferences /> : null}
      </div>
    </div>
  );
}

/** Who the user is, and their projects. */
function Profile() {
  const { t } = useI18n();
  const { me, project } = useProject();
  const { setProject } = useProjectState();
  return (
    <>
      <section className={styles.section} aria-labelledby="account-profile">
        <h2 id="account-profile">{t("account.profile")}</h2>
        <dl className={styles.facts}>
          <dt>{t("account.name")}</dt>
          <dd>{me.name || me.username}</dd>
          <dt>{t("account.username")}</dt>
          <dd className="mono">{me.username}</dd>
          <dt>{t("account.email")}</dt>
          <dd>{me.email || t("account.none")}</dd>
          <dt>{t("account.roles")}</dt>
          <dd>
            {me.roles.length > 0 ? (
              <span className={styles.pills}>
                {me.roles.map((r) => (
                  <span key={r} className="pill pill-info">
                    {r}
                  </span>
                ))}
              </span>
            ) : (
              t("account.none")
            )}
          </dd>
          <dt>{t("account.groups")}</dt>
          <dd>
            {me.groups.length > 0 ? (
              <span className={styles.pills}>
                {me.groups.map((g) => (
                  <span key={g} className="pill">
                    {g}
                  </span>
                ))}
              </span>
            ) : (
              t("account.none")
            )}
          </dd>
        </dl>
      </section>

      <ProfileForm />

      <section className={styles.section} aria-labelledby="account-projects">
        <h2 id="account-projects">{t("account.projects")}</h2>
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t("account.project.name")}</th>
              <th scope="col">{t("account.project.id")}</th>
              <th scope="col">{t("account.project.kind")}</th>
              <th scope="col" className="actions">
                <span className="visually-hidden">{t("account.project.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {me.projects.map((p) => (
              <tr key={p.id}>
                <td>{p.name}</td>
                <td className="mono">{p.id}</td>
                <td>{p.group ? t("account.project.group") : t("account.project.personal")}</td>
                <td className="actions">
                  {p.id === project.id ? (
                    <span className="pill pill-success">{t("account.project.current")}</span>
                  ) : (
                    <button type="button" className="button button-secondary button-small" onClick={() => setProject(p.id)}>
                      {t("account.project.select", { name: p.name })}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {project.group ? <ProjectMembers project={project.id} group={project.group} /> : null}
    </>
  );
}

/** The interface preferences, kept in this browser. */
function Preferences() {
  const { t, language, languages, setLanguage } = useI18n();
  const { preference, setPreference } = useTheme();
  const { enabled, setEnabled } = useCommandLog();
  const features = useFeatures();
  return (
    <section className={styles.section} aria-labelledby="account-prefs">
      <h2 id="account-prefs">{t("account.preferences")}</h2>
      <p className="field-hint">{t("account.preferences.hint")}</p>
      <div className={styles.prefs}>
        {languages.length > 1 ? (
          <label className="field">
            {t("header.language")}
            <select value={language} onChange={(e) => setLanguage(e.target.value as Language)}>
              {languages.map((l) => (
                <option key={l} value={l} lang={l}>
                  {t(`lang.${l}`)}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label className="field">
          {t("header.theme")}
          <select value={preference} onChange={(e) => setPreference(e.target.value as ThemePreference)}>
            {themePreferences.map((p) => (
              <option key={p} value={p}>
                {t(`header.theme.${p}`)}
              </option>
            ))}
          </select>
        </label>
        {features.commandPanel ? (
          <label className={styles.switch}>
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
            <span>
              {t("account.commandPanel")}
              <span className="field-hint" style={{ display: "block" }}>
                {t("account.commandPanel.hint")}
              </span>
            </span>
          </label>
        ) : null}
      </div>
    </section>
  );
}
