import { Link } from "react-router";
import { useT } from "../i18n";
import styles from "./ui.module.css";

export interface Crumb {
  label: string;
  /** Absent for the current place. */
  to?: string;
}

export function Breadcrumbs({ items }: { items: Crumb[] }) {
  const t = useT();
  return (
    <nav aria-label={t("ui.breadcrumbs")} className={styles.breadcrumbs}>
      <ol>
        {items.map((c, i) => (
          <li key={i}>
            {c.to && i < items.length - 1 ? (
              <Link to={c.to}>{c.label}</Link>
            ) : (
              <span aria-current="location">{c.label}</span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}
