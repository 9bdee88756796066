import { Link } from "react-router";
import { useT } from "../i18n";
import { useDocumentTitle } from "../instance";
import styles from "./Page.module.css";

export function NotFoundPage() {
  const t = useT();
  useDocumentTitle(t("notFound.title"));
  return (
    <div className={styles.page}>
      <h1 className={styles.title}>{t("notFound.title")}</h1>
      <p className={styles.lead}>{t("notFound.body")}</p>
      <Link className="button" to="/">
        {t("notAvailable.back")}
      </Link>
    </div>
  );
}
