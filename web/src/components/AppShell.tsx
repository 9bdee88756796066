import { Suspense, useEffect, useRef, useState } from "react";
import { Outlet, useLocation } from "react-router";
import { CommandLogProvider } from "../commands/commandLog";
import { CommandPanel } from "../commands/CommandPanel";
import { useT } from "../i18n";
import { ProjectProvider } from "../project";
import { useInstance } from "../instance";
import { AlertBanner } from "./AlertBanner";
import { Loading } from "./Feedback";
import { InstanceLinkList } from "./InstanceLinks";
import { TermsGate } from "./TermsGate";
import { Header } from "./Header";
import { SideNav } from "./SideNav";
import styles from "./Shell.module.css";

/** Header, side navigation, the current page and the command panel. */
export function AppShell() {
  const t = useT();
  const [navOpen, setNavOpen] = useState(false);
  const mainRef = useRef<HTMLElement>(null);
  const { pathname } = useLocation();
  const firstRender = useRef(true);
  const { links } = useInstance();

  // After a navigation, move focus to the page so that screen readers announce it.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [pathname]);

  return (
    <ProjectProvider>
      <CommandLogProvider>
        <div className={styles.shell}>
          <a className={styles.skipLink} href="#main">
            {t("app.skipToContent")}
          </a>
          <Header navOpen={navOpen} onToggleNav={() => setNavOpen((o) => !o)} />
          <div className={styles.body}>
            <SideNav open={navOpen} onNavigate={() => setNavOpen(false)} />
            <div className={styles.column}>
              <AlertBanner />
              <main id="main" ref={mainRef} tabIndex={-1} className={styles.main}>
                <TermsGate>
                  <Suspense fallback={<Loading />}>
                    <Outlet />
                  </Suspense>
                </TermsGate>
              </main>
              {links?.footer.length ? (
                <footer className={styles.footer}>
                  <InstanceLinkList links={links.footer} className={styles.footerLinks} label={t("footer.links")} />
                </footer>
              ) : null}
              <CommandPanel />
            </div>
          </div>
        </div>
      </CommandLogProvider>
    </ProjectProvider>
  );
}
