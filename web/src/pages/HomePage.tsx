import { Link } from "react-router";
import { useVersion } from "../api/queries";
import { Icon } from "../components/Icon";
import { useT } from "../i18n";
import { useDocumentTitle, useInstance } from "../instance";
import { sections } from "../sections";
import styles from "./Page.module.css";

export function HomePage() {
  const t = useT();
  const config = useInstance();
  const version = useVersion();
  useDocumentTitle(t("nav.home"));

  return (
    <div className={styles.page}>
      <section className={styles.hero} aria-labelledby="home-title">
        <h1 id="home-title" className={styles.title}>
          {t("home.title", { name: config.branding.name })}
        </h1>
        <p className={styles.lead}>{t("home.lead")}</p>
      </section>

      <h2 className={styles.sectionTitle}>{t("home.sections")}</h2>
      <ul className={styles.cards}>
        {sections.map((s) => (
          <li key={s.id}>
            <article className={styles.card}>
              <span className={styles.cardIcon}>
                <Icon name={s.icon} size={22} />
              </span>
              <h3 className={styles.cardTitle}>
                <Link to={s.path}>{t(s.title)}</Link>
              </h3>
              <p className={styles.cardText}>{t(s.summary)}</p>
            </article>
          </li>
        ))}
      </ul>

      <h2 className={styles.sectionTitle}>{t("home.instance")}</h2>
      <dl className={styles.facts}>
        <dt>{t("home.instance.version")}</dt>
        <dd>{version.data?.version ?? config.version ?? t("home.instance.unknown")}</dd>
        <dt>{t("home.instance.commit")}</dt>
        <dd>{version.data?.commit || t("home.instance.unknown")}</dd>
      </dl>
    </div>
  );
}
