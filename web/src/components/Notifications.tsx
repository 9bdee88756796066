import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { useNotices } from "../api/queries";
import { isOne, useI18n } from "../i18n";
import { useProjectState } from "../project";
import { ErrorNotice, Loading } from "./Feedback";
import { Icon } from "./Icon";
import styles from "./Shell.module.css";

// The list and its words load when the panel first opens: the bell is on every page.
const NoticeList = lazy(() => import("./NoticeList").then((m) => ({ default: m.NoticeList })));

/**
 * The notification area: a bell with the count of the lifecycle engine's notices on the
 * user's services (in every project and region), and a panel listing each with "Keep it"
 * (kept for the policy's maximum or 24 h, whichever is smaller) and "Open".
 */
export function Notifications() {
  const { t, language } = useI18n();
  const { status } = useProjectState();
  const notices = useNotices(status === "ready");
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);

  // Closed by a click elsewhere or Escape, as menus are; Escape gives the focus back to the bell.
  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const escape = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setOpen(false);
      box.current?.querySelector("button")?.focus();
    };
    document.addEventListener("mousedown", away);
    document.addEventListener("keydown", escape);
    return () => {
      document.removeEventListener("mousedown", away);
      document.removeEventListener("keydown", escape);
    };
  }, [open]);

  if (status !== "ready") return null;
  const list = notices.data ?? [];
  const count = list.length;
  const label =
    count === 0 ? t("notices.button.none") : t(isOne(language, count) ? "notices.button.one" : "notices.button.other", { count });
  return (
    <div className={styles.notices} ref={box}>
      <button
        type="button"
        className={styles.bell}
        aria-expanded={open}
        aria-controls="notices-panel"
        aria-label={label}
        title={label}
        onClick={() => setOpen((o) => !o)}
      >
        <Icon name="bell" />
        {count > 0 ? (
          <span className={styles.bellCount} aria-hidden="true">
            {count}
          </span>
        ) : null}
      </button>
      {open ? (
        <div id="notices-panel" role="region" aria-label={t("notices.title")} className={styles.noticesPanel}>
          <h2 className={styles.noticesTitle}>{t("notices.title")}</h2>
          {notices.isError ? <ErrorNotice error={notices.error} title={t("notices.error")} onRetry={() => void notices.refetch()} /> : null}
          <Suspense fallback={<Loading />}>
            <NoticeList notices={list} onOpen={() => setOpen(false)} />
          </Suspense>
        </div>
      ) : null}
    </div>
  );
}
