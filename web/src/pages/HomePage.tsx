import { Link } from "react-router";
import { useVersion } from "../api/queries";
import type { HomeCard } from "../api/types";
import { Icon, isIconName } from "../components/Icon";
import { InstanceAnchor, isPortalPath } from "../components/InstanceLinks";
import { useI18n } from "../i18n";
import { useDocumentTitle, useInstance, useLocalized } from "../instance";
import { sections } from "../sections";
import styles from "./Page.module.css";

/** The hero, call to action and cards the instance configures (ui.home), else Basalt's own. */
export function HomePage() {
  const { t, language } = useI18n();
  const text = useLocalized();
  const config = useInstance();
  const version = useVersion();
  useDocumentTitle(t("nav.home"));
  const home = config.home;
  const cta = home?.callToAction;
  const cards: HomeCard[] =
    home && home.cards.length > 0
      ? home.cards
      : sections.map((s) => ({ title: { [language]: t(s.title) }, description: { [language]: t(s.summary) }, url: s.path, icon: s.icon }));

  return (
    <div className={styles.page}>
      <section className={styles.hero} aria-labelledby="home-title">
        <h1 id="home-title" className={styles.title}>
          {text(home?.title) || t("home.title", { name: config.branding.name })}
        </h1>
        <p className={styles.lead}>{text(home?.subtitle) || t("home.lead")}</p>
        {cta?.url ? (
          <p className={styles.heroAction}>
            <InstanceAnchor link={cta} className="button button-accent" />
          </p>
        ) : null}
      </section>

      <h2 className={styles.sectionTitle}>{t("home.sections")}</h2>
      <ul className={styles.cards}>
        {cards.map((c) => (
          <li key={c.url + text(c.title)}>
            <article className={styles.card}>
              <span className={styles.cardIcon}>
                <CardIcon icon={c.icon} />
              </span>
              <h3 className={styles.cardTitle}>
                {isPortalPath(c.url) ? (
                  <Link to={c.url}>{text(c.title)}</Link>
                ) : (
                  <a href={c.url} target="_blank" rel="noopener noreferrer">
                    {text(c.title)}
                  </a>
                )}
              </h3>
              {c.description ? <p className={styles.cardText}>{text(c.description)}</p> : null}
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

/** A portal icon by name, an image by URL, or a plain dot. */
function CardIcon({ icon }: { icon?: string }) {
  if (icon && isIconName(icon)) return <Icon name={icon} size={22} />;
  if (icon && icon.includes("/")) return <img src={icon} alt="" width={22} height={22} />;
  return <Icon name="info" size={22} />;
}
