import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { useApi } from "../api/ApiProvider";
import { queryKeys, useNotices } from "../api/queries";
import type { ServiceNotice } from "../api/types";
import { useNow } from "../clock";
import { isOne, useI18n, useT } from "../i18n";
import { defaultKeep } from "../lifecycle/keepTime";
import { formatDayTime, formatRelative, noticeSentence, useWords } from "../lifecycle/lifecycleText";
import { serviceLink } from "../lifecycle/serviceLink";
import { useProjectState } from "../project";
import { ErrorNotice } from "./Feedback";
import { Icon } from "./Icon";
import styles from "./Shell.module.css";

const noticeKey = (n: ServiceNotice) => `${n.region}/${n.project}/${n.service}`;

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

  // Closed by a click elsewhere or Escape, as menus are.
  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", away);
    return () => document.removeEventListener("mousedown", away);
  }, [open]);

  if (status !== "ready") return null;
  const list = notices.data ?? [];
  const count = list.length;
  const label =
    count === 0 ? t("notices.button.none") : t(isOne(language, count) ? "notices.button.one" : "notices.button.other", { count });
  return (
    <div
      className={styles.notices}
      ref={box}
      onKeyDown={(e) => {
        if (e.key === "Escape" && open) {
          e.stopPropagation();
          setOpen(false);
          box.current?.querySelector("button")?.focus();
        }
      }}
    >
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
          <NoticeList notices={list} onOpen={() => setOpen(false)} />
        </div>
      ) : null}
    </div>
  );
}

function NoticeList({ notices, onOpen }: { notices: ServiceNotice[]; onOpen(): void }) {
  const t = useT();
  const words = useWords();
  const api = useApi();
  const qc = useQueryClient();
  const now = useNow();
  const [kept, setKept] = useState<{ name: string; until: string } | null>(null);
  const keep = useMutation({
    // The notice does not say how far the policy lets its service be kept: its service does.
    mutationFn: async (n: ServiceNotice) => {
      const details = await api.getService(n.project, n.service, undefined, n.region);
      const max = details.service.lifecycle?.maxKeepSeconds ?? 0;
      if (max <= 0) throw new Error(t("keep.notAllowed", { name: n.friendlyName }));
      const until = defaultKeep(Date.now(), max).toISOString();
      const service = await api.setServiceLifecycle(n.project, n.service, { keepUntil: until }, n.region);
      return { name: n.friendlyName, until: service.lifecycle?.keepUntil ?? until };
    },
    onSuccess: (r, n) => {
      setKept(r);
      void qc.invalidateQueries({ queryKey: queryKeys.notices });
      void qc.invalidateQueries({ queryKey: queryKeys.services(n.project) });
    },
  });

  return (
    <>
      <p role="status" className={styles.noticesStatus}>
        {kept ? t("notices.kept", { name: kept.name, date: formatDayTime(kept.until, words) }) : ""}
      </p>
      {keep.isError ? <ErrorNotice error={keep.error} /> : null}
      {notices.length === 0 ? (
        <p className="field-hint">{t("notices.empty")}</p>
      ) : (
        <ul className={styles.noticeItems}>
          {notices.map((n) => (
            <li key={noticeKey(n)} className={styles.noticeItem}>
              <p id={`notice-${noticeKey(n)}`}>
                <Icon name="clock" size={16} /> {noticeSentence(n.friendlyName, n, now, words)}{" "}
                <span className="field-hint">({formatRelative(n.due, now, words)})</span>
              </p>
              <div className={styles.noticeActions}>
                <button
                  type="button"
                  className="button button-small"
                  disabled={keep.isPending && keep.variables === n}
                  aria-describedby={`notice-${noticeKey(n)}`}
                  onClick={() => keep.mutate(n)}
                >
                  {t("notices.keep")}
                </button>
                <Link
                  className="button button-secondary button-small"
                  to={serviceLink(n)}
                  onClick={onOpen}
                  aria-describedby={`notice-${noticeKey(n)}`}
                >
                  {t("notices.open")}
                </Link>
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
