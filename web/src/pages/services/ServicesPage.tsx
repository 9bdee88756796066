import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { useApi } from "../../api/ApiProvider";
import { fieldViolations } from "../../api/errors";
import { queryKeys, useCatalogs, useServices } from "../../api/queries";
import type { ServiceView as Service } from "../../api/types";
import { ConfirmDialog, Dialog } from "../../components/Dialog";
import { EmptyState, ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { isOne, useI18n } from "../../i18n";
import { useDocumentTitle } from "../../instance";
import { useProject } from "../../project";
import pageStyles from "../Page.module.css";
import { KeepDialog, LifecycleSummary, NoticeBanner } from "./Lifecycle";
import { QuotaPanel } from "./QuotaPanel";
import { DirectAddresses, OpenService } from "./ServiceAccess";
import { canManage } from "./serviceState";
import { RunningTime, StatusBadge, UpdateBadge } from "./ServiceWidgets";
import styles from "./Services.module.css";

type Pending =
  | { kind: "delete"; service: Service }
  | { kind: "deleteAll" }
  | { kind: "rename"; service: Service }
  | { kind: "keep"; service: Service }
  | null;

/** The project's services as cards, the quota, and what can be done to them. */
export function ServicesPage() {
  const { t, language } = useI18n();
  const api = useApi();
  const qc = useQueryClient();
  const { me, project, isGroup } = useProject();
  const services = useServices(project.id);
  const catalogs = useCatalogs(project.id);
  const [pending, setPending] = useState<Pending>(null);
  useDocumentTitle(t("page.myServices.title"));

  const refresh = () => {
    // A step the engine announced may no longer be due: the notification area asks again too.
    void qc.invalidateQueries({ queryKey: queryKeys.notices });
    return qc.invalidateQueries({ queryKey: queryKeys.services(project.id) });
  };
  const action = useMutation({
    mutationFn: async (a: { kind: "suspend" | "resume" | "delete" | "share"; service: Service; shared?: boolean }) => {
      if (a.kind === "suspend") return api.suspendService(project.id, a.service.id);
      if (a.kind === "resume") return api.resumeService(project.id, a.service.id);
      if (a.kind === "delete") return api.deleteService(project.id, a.service.id);
      await api.updateService(project.id, a.service.id, { shared: a.shared });
    },
    onSuccess: () => {
      setPending(null);
      void refresh();
    },
  });
  const deleteAll = useMutation({
    mutationFn: () => api.deleteMyServices(project.id),
    onSuccess: () => {
      setPending(null);
      void refresh();
    },
  });

  const mine = (services.data ?? []).filter((s) => canManage(s, me.username));
  const sharingAllowed = (s: Service) =>
    isGroup && (catalogs.data?.find((c) => c.id === s.catalog)?.allowSharing ?? true);

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

      {action.isError && !pending ? <ErrorNotice error={action.error} /> : null}
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
              <ServiceCard
                service={s}
                username={me.username}
                isGroup={isGroup}
                canShare={sharingAllowed(s)}
                busy={action.isPending && action.variables?.service.id === s.id}
                onSuspend={() => action.mutate({ kind: "suspend", service: s })}
                onResume={() => action.mutate({ kind: "resume", service: s })}
                onShare={(shared) => action.mutate({ kind: "share", service: s, shared })}
                onRename={() => setPending({ kind: "rename", service: s })}
                onKeep={() => setPending({ kind: "keep", service: s })}
                onDelete={() => setPending({ kind: "delete", service: s })}
              />
            </li>
          ))}
        </ul>
      ) : null}

      {pending?.kind === "delete" ? (
        <ConfirmDialog
          title={t("services.delete.title", { name: pending.service.friendlyName })}
          body={<p>{t("services.delete.body")}</p>}
          confirmLabel={t("services.delete.confirm")}
          busy={action.isPending}
          error={action.isError ? <ErrorNotice error={action.error} /> : null}
          onConfirm={() => action.mutate({ kind: "delete", service: pending.service })}
          onCancel={() => {
            action.reset();
            setPending(null);
          }}
        />
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
      {pending?.kind === "rename" ? (
        <RenameDialog
          service={pending.service}
          onDone={() => {
            setPending(null);
            void refresh();
          }}
          onCancel={() => setPending(null)}
        />
      ) : null}
    </div>
  );
}

function ServiceCard({
  service: s,
  username,
  isGroup,
  canShare,
  busy,
  onSuspend,
  onResume,
  onShare,
  onRename,
  onKeep,
  onDelete,
}: {
  service: Service;
  username: string;
  isGroup: boolean;
  canShare: boolean;
  busy: boolean;
  onSuspend(): void;
  onResume(): void;
  onShare(shared: boolean): void;
  onRename(): void;
  onKeep(): void;
  onDelete(): void;
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

      {manage ? (
        <div className={styles.actions}>
          {s.suspendable ? (
            s.suspended ? (
              <button type="button" className="button button-secondary button-small" onClick={onResume} disabled={busy}>
                <Icon name="play" size={16} />
                {t("services.resume")}
              </button>
            ) : (
              <button type="button" className="button button-secondary button-small" onClick={onSuspend} disabled={busy}>
                <Icon name="pause" size={16} />
                {t("services.pause")}
              </button>
            )
          ) : null}
          <Link className="button button-secondary button-small" to={`/my-services/${encodeURIComponent(s.id)}/change`}>
            <Icon name="sliders" size={16} />
            {t("services.change")}
          </Link>
          <button type="button" className="button button-secondary button-small" onClick={onRename} disabled={busy}>
            <Icon name="edit" size={16} />
            {t("services.rename")}
          </button>
          {isGroup && canShare ? (
            <label className={styles.share}>
              <input type="checkbox" checked={s.shared} disabled={busy} onChange={(e) => onShare(e.target.checked)} />
              {t("services.shareToggle")}
            </label>
          ) : null}
          <button
            type="button"
            className="icon-button"
            onClick={onDelete}
            disabled={busy}
            aria-label={t("services.delete", { name: s.friendlyName })}
            title={t("services.delete", { name: s.friendlyName })}
          >
            <Icon name="trash" size={18} />
          </button>
        </div>
      ) : null}
    </article>
  );
}

function RenameDialog({ service, onDone, onCancel }: { service: Service; onDone(): void; onCancel(): void }) {
  const { t } = useI18n();
  const api = useApi();
  const { project } = useProject();
  const [name, setName] = useState(service.friendlyName);
  const rename = useMutation({
    mutationFn: () => api.updateService(project.id, service.id, { friendlyName: name.trim() }),
    onSuccess: onDone,
  });
  const fieldError = fieldViolations(rename.error).find((f) => f.field === "friendlyName");
  return (
    <Dialog
      title={t("services.rename.title")}
      onClose={onCancel}
      footer={
        <>
          <button type="button" className="button button-secondary" onClick={onCancel}>
            {t("ui.cancel")}
          </button>
          <button type="submit" form="rename-form" className="button" disabled={rename.isPending || !name.trim()}>
            {t("services.rename.save")}
          </button>
        </>
      }
    >
      <form
        id="rename-form"
        onSubmit={(e) => {
          e.preventDefault();
          rename.mutate();
        }}
      >
        <div className="field">
          <label htmlFor="rename-name">{t("services.rename.label")}</label>
          <input
            id="rename-name"
            value={name}
            maxLength={100}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={fieldError ? true : undefined}
            aria-describedby={fieldError ? "rename-error" : undefined}
            data-autofocus
          />
          {fieldError ? (
            <span id="rename-error" className={styles.fieldError}>
              {fieldError.rule}
            </span>
          ) : null}
        </div>
        {rename.isError && !fieldError ? <ErrorNotice error={rename.error} /> : null}
      </form>
    </Dialog>
  );
}
