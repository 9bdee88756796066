import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { useApi } from "../api/ApiProvider";
import { queryKeys } from "../api/queries";
import type { ServiceNotice } from "../api/types";
import { useNow } from "../clock";
import { useT } from "../i18n";
import { defaultKeep } from "../lifecycle/keepTime";
import { formatDayTime, formatRelative, noticeSentence, useWords } from "../lifecycle/lifecycleText";
import { serviceLink } from "../lifecycle/serviceLink";
import { ErrorNotice } from "./Feedback";
import { Icon } from "./Icon";
import styles from "./Shell.module.css";

const noticeKey = (n: ServiceNotice) => `${n.region}/${n.project}/${n.service}`;

/** The notification area's panel: each notice in words, with Keep it and Open. */
export function NoticeList({ notices, onOpen }: { notices: ServiceNotice[]; onOpen(): void }) {
  const t = useT();
  const words = useWords();
  const api = useApi();
  const qc = useQueryClient();
  const now = useNow();
  const [kept, setKept] = useState<{ name: string; until: string } | null>(null);
  const keep = useMutation({
    // The notice does not say how far the policy lets its service be kept: its service does.
    mutationFn: async (n: ServiceNotice) => {
      const details = await api.getService(n.project, n.service, undefined, { region: n.region });
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
                <Icon name="clock" size={16} /> <span>{noticeSentence(n.friendlyName, n, now, words)}</span>{" "}
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
