import { useEffect, useRef, useState } from "react";
import { Outlet, useLocation } from "react-router";
import { useT } from "../i18n";
import { Header } from "./Header";
import { SideNav } from "./SideNav";
import styles from "./Shell.module.css";

/** Header, side navigation and the current page. */
export function AppShell() {
  const t = useT();
  const [navOpen, setNavOpen] = useState(false);
  const mainRef = useRef<HTMLElement>(null);
  const { pathname } = useLocation();
  const firstRender = useRef(true);

  // After a navigation, move focus to the page so that screen readers announce it.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [pathname]);

  return (
    <div className={styles.shell}>
      <a className={styles.skipLink} href="#main">
        {t("app.skipToContent")}
      </a>
      <Header navOpen={navOpen} onToggleNav={() => setNavOpen((o) => !o)} />
      <div className={styles.body}>
        <SideNav open={navOpen} onNavigate={() => setNavOpen(false)} />
        <main id="main" ref={mainRef} tabIndex={-1} className={styles.main}>
          <Outlet />
        </main>
      </div>
    </div>
  );
}
