import { Link } from "react-router";
import { Icon } from "../components/Icon";
import { useT } from "../i18n";
import { useDocumentTitle } from "../instance";
import type { Section } from "../sections";
import styles from "./Page.module.css";

/**
 * The page of a section the server does not offer yet: its title, what it is for,
 * and a plain statement that it is not available. No sample data.
 */
export function FeaturePage({ section }: { section: Section }) {
  const t = useT();
  const title = t(section.title);
  useDocumentTitle(title);

  return (
    <div className={styles.page}>
      <h1 className={styles.title}>{title}</h1>
      <p className={styles.lead}>{t(section.summary)}</p>
      <div className={styles.notice} role="note" aria-labelledby={`${section.id}-na`}>
        <span className={styles.noticeIcon}>
          <Icon name="info" size={22} />
        </span>
        <div>
          <h2 id={`${section.id}-na`}>{t("notAvailable.title")}</h2>
          <p>{t("notAvailable.body")}</p>
          <Link className="button button-secondary" to="/">
            {t("notAvailable.back")}
          </Link>
        </div>
      </div>
    </div>
  );
}
