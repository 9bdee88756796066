import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { useApi } from "../../api/ApiProvider";
import { useServices } from "../../api/queries";
import type { ServiceView as Service } from "../../api/types";
import { ConfirmDialog } from "../../components/Dialog";
import { EmptyState, ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { isOne, useI18n } from "../../i18n";
import { useDocumentTitle } from "../../instance";
import { useProject } from "../../project";
import pageStyles from "../Page.module.css";
import { KeepDialog, LifecycleSummary, NoticeBanner } from "./Lifecycle";
import { QuotaPanel } from "./QuotaPanel";
import { DirectAddresses, OpenService } from "./ServiceAccess";
import { ServiceActions, useRefreshServices } from "./ServiceActions";
import { ServicePasswords } from "./ServicePasswords";
import { canManage } from "./serviceState";
import { RunningTime, StatusBadge, UpdateBadge } from "./ServiceWidgets";
import styles from "./Services.module.css";

type Pending = { kind: "deleteAll" } | { kind: "keep"; service: Service } | null;

/** The project's services as cards, the quota, and what can be done to them. */
export function ServicesPage() {
  const { t, language } = useI18n();
  const api = useApi();
  const { me, project, isGroup } = useProject();
  const services = useServices(project.id);
  const [pending, setPending] = useState<Pending>(null);
  useDocumentTitle(t("page.myServices.title"));

  const refresh = useRefreshServices();
  const deleteAll = useMutation({
    mutationFn: () => api.deleteMyServices(project.id),
    onSuccess: () => {
      setPending(null);
      void refresh();
    },
  });

  const mine = (services.data ?? []).filter((s) => canManage(s, me.username));

  return (
    <div className={styles.page}>
      <div className={styles.pageHead}>
        <div>
          <h1 className={pageStyles.title}>{t("page.myServices.title")}</h1>
          <p className={pageStyles.lead}>{t("page.myServices.summary")}</p>
        </div>
        <div className={styles.pageActions}>
          <Link className="button" to="/catalog">
            <Icon name="plus" size={16} />
            {t("services.new")}
          </Link>
          {mine.length > 0 ? (
            <button type="button" className="button button-secondary" onClick={() => setPending({ kind: "deleteAll" })}>
              <Icon name="trash" size={16} />
              {t("services.deleteAll")}
            </button>
          ) : null}
        </div>
      </div>

      <QuotaPanel project={project.id} />

      {services.isPending ? <Loading /> : null}
      {services.isError ? <ErrorNotice error={services.error} onRetry={() => void services.refetch()} /> : null}
      {services.data && services.data.length === 0 ? (
        <EmptyState title={t("services.empty")}>
          <Link className="button" to="/catalog">
            {t("services.empty.action")}
          </Link>
        </EmptyState>
      ) : null}
      {services.data && services.data.length > 0 ? (
        <ul className={styles.grid} aria-label={t("services.list")}>
          {services.data.map((s) => (
            <li key={s.id}>
              <ServiceCard service={s} username={me.username} isGroup={isGroup} onKeep={() => setPending({ kind: "keep", service: s })} />
            </li>
          ))}
        </ul>
      ) : null}

      {pending?.kind === "deleteAll" ? (
        <ConfirmDialog
          title={t("services.deleteAll.title")}
          body={
            <>
              <p>
                {t(isOne(language, mine.length) ? "services.deleteAll.body.one" : "services.deleteAll.body.other", {
                  count: mine.length,
                })}
              </p>
              <ul>
                {mine.map((s) => (
                  <li key={s.id}>{s.friendlyName}</li>
                ))}
              </ul>
              {isGroup ? <p className="field-hint">{t("services.deleteAll.others")}</p> : null}
            </>
          }
          confirmLabel={t("services.deleteAll.confirm")}
          busy={deleteAll.isPending}
          error={deleteAll.isError ? <ErrorNotice error={deleteAll.error} /> : null}
          onConfirm={() => deleteAll.mutate()}
          onCancel={() => {
            deleteAll.reset();
            setPending(null);
          }}
        />
      ) : null}
      {pending?.kind === "keep" ? <KeepDialog service={pending.service} onClose={() => setPending(null)} /> : null}
    </div>
  );
}

function ServiceCard({
  service: s,
  username,
  isGroup,
  onKeep,
}: {
  service: Service;
  username: string;
  isGroup: boolean;
  onKeep(): void;
}) {
  const { t } = useI18n();
  const manage = canManage(s, username);
  const titleId = `service-${s.id}`;
  return (
    <article className={styles.card} aria-labelledby={titleId}>
      <div className={styles.cardHead}>
        <div className={styles.cardTitleBox}>
          <h2 id={titleId} className={styles.cardTitle}>
            <Link to={`/my-services/${encodeURIComponent(s.id)}`}>{s.friendlyName}</Link>
          </h2>
          <span className={styles.cardSub}>
            {s.chart} {s.version}
          </span>
        </div>
        <StatusBadge service={s} />
      </div>

      <div className={styles.badges}>
        <RunningTime service={s} />
        {isGroup && s.owner ? (
          <span className="pill">{s.owner === username ? t("services.owner.me") : t("services.owner", { owner: s.owner })}</span>
        ) : null}
        {isGroup && s.shared ? <span className="pill pill-info">{t("services.shared")}</span> : null}
        {manage ? <UpdateBadge service={s} /> : null}
      </div>

      {s.status === "failed" && s.reason ? <p className={styles.reason}>{s.reason}</p> : null}
      <NoticeBanner service={s} onKeep={manage ? onKeep : undefined} />
      <LifecycleSummary service={s} />

      <OpenService service={s} small withAddress />
      <DirectAddresses service={s} />
      {manage ? <ServicePasswords service={s} /> : null}

      {manage ? <ServiceActions service={s} compact /> : null}
    </article>
  );
}
