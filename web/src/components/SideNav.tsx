import { NavLink } from "react-router";
import { useFleetAccess, usePlatformAccess, useVersion } from "../api/queries";
import { useT } from "../i18n";
import { useInstance } from "../instance";
import { useProjectState } from "../project";
import { sections } from "../sections";
import { Icon } from "./Icon";
import { InstanceLinkList } from "./InstanceLinks";
import styles from "./Shell.module.css";

export function SideNav({ open, onNavigate }: { open: boolean; onNavigate(): void }) {
  const t = useT();
  const config = useInstance();
  const version = useVersion().data?.version ?? config.version;
  // Only for those the server lets administer services, or see the platform's health; usage
  // is shown to the same (asking for it would add up every service's history).
  const ready = useProjectState().status === "ready";
  const admin = useFleetAccess(ready);
  const platform = usePlatformAccess(ready);
  const linkClass = ({ isActive }: { isActive: boolean }) =>
    isActive ? `${styles.navLink} ${styles.navLinkActive}` : styles.navLink;

  return (
    <nav id="side-nav" className={styles.nav} data-open={open} aria-label={t("nav.label")}>
      <ul className={styles.navList}>
        <li>
          <NavLink to="/" end className={linkClass} onClick={onNavigate}>
            <Icon name="home" />
            {t("nav.home")}
          </NavLink>
        </li>
        {sections.map((s) => (
          <li key={s.id}>
            <NavLink to={s.path} className={linkClass} onClick={onNavigate}>
              <Icon name={s.icon} />
              {t(s.nav)}
            </NavLink>
          </li>
        ))}
        {admin ? (
          <li>
            <NavLink to="/admin/services" className={linkClass} onClick={onNavigate}>
              <Icon name="shield" />
              {t("nav.admin")}
            </NavLink>
          </li>
        ) : null}
        {admin ? (
          <li>
            <NavLink to="/admin/projects" className={linkClass} onClick={onNavigate}>
              <Icon name="account" />
              {t("nav.projects")}
            </NavLink>
          </li>
        ) : null}
        {platform ? (
          <li>
            <NavLink to="/admin/platform" className={linkClass} onClick={onNavigate}>
              <Icon name="chart" />
              {t("nav.platform")}
            </NavLink>
          </li>
        ) : null}
        {admin || platform ? (
          <li>
            <NavLink to="/admin/usage" className={linkClass} onClick={onNavigate}>
              <Icon name="clock" />
              {t("nav.usage")}
            </NavLink>
          </li>
        ) : null}
      </ul>
      <InstanceLinkList
        links={config.links?.sideBar}
        className={styles.navList + " " + styles.navExtra}
        itemClassName={styles.navLink}
        label={t("nav.links")}
      />
      {version ? <p className={styles.version}>{t("nav.version", { version })}</p> : null}
    </nav>
  );
}
