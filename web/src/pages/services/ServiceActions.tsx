import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { useApi } from "../../api/ApiProvider";
import { fieldViolations } from "../../api/errors";
import { queryKeys, useCatalogs } from "../../api/queries";
import type { ServiceView as Service } from "../../api/types";
import { ConfirmDialog, Dialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { useI18n } from "../../i18n";
import { useProject } from "../../project";
import { ShareDialog } from "./ShareDialog";
import styles from "./Services.module.css";

type Action = { kind: "suspend" } | { kind: "resume" } | { kind: "delete" } | { kind: "share"; shared: boolean };
type Pending = "delete" | "rename" | "grants" | null;

/**
 * What the owner can do to a service, the same on its card and on its page: pause or resume,
 * change its values or version, rename, share with the group (in a group's project whose
 * catalog allows it), give others access through the gateway (withGrants: the page's Share),
 * and delete after confirmation (then onDeleted). compact: the card's small buttons.
 */
export function ServiceActions({
  service: s,
  compact = false,
  withGrants = false,
  onDeleted,
}: {
  service: Service;
  compact?: boolean;
  withGrants?: boolean;
  onDeleted?(): void;
}) {
  const { t } = useI18n();
  const api = useApi();
  const qc = useQueryClient();
  const { project, isGroup } = useProject();
  const catalogs = useCatalogs(project.id);
  const [pending, setPending] = useState<Pending>(null);
  const refresh = useRefreshServices();
  const action = useMutation({
    mutationFn: async (a: Action) => {
      if (a.kind === "suspend") return api.suspendService(project.id, s.id);
      if (a.kind === "resume") return api.resumeService(project.id, s.id);
      if (a.kind === "delete") return api.deleteService(project.id, s.id);
      await api.updateService(project.id, s.id, { shared: a.shared });
    },
    onSuccess: (_, a) => {
      setPending(null);
      if (a.kind === "delete" && onDeleted) {
        // Gone: its page must not ask for it again.
        qc.removeQueries({ queryKey: queryKeys.service(project.id, s.id), exact: true });
        onDeleted();
      }
      void refresh();
    },
  });

  const busy = action.isPending;
  const canShare = isGroup && (catalogs.data?.find((c) => c.id === s.catalog)?.allowSharing ?? true);
  const size = compact ? " button-small" : "";
  const button = `button button-secondary${size}`;
  const deleteLabel = t("services.delete", { name: s.friendlyName });

  return (
    <>
      <div className={compact ? styles.actions : styles.serviceActions}>
        {s.suspendable ? (
          s.suspended ? (
            <button type="button" className={button} onClick={() => action.mutate({ kind: "resume" })} disabled={busy}>
              <Icon name="play" size={16} />
              {t("services.resume")}
            </button>
          ) : (
            <button type="button" className={button} onClick={() => action.mutate({ kind: "suspend" })} disabled={busy}>
              <Icon name="pause" size={16} />
              {t("services.pause")}
            </button>
          )
        ) : null}
        <Link className={button} to={`/my-services/${encodeURIComponent(s.id)}/change`}>
          <Icon name="sliders" size={16} />
          {t("services.change")}
        </Link>
        <button type="button" className={button} onClick={() => setPending("rename")} disabled={busy}>
          <Icon name="edit" size={16} />
          {t("services.rename")}
        </button>
        {withGrants && s.access ? (
          <button type="button" className={button} onClick={() => setPending("grants")}>
            <Icon name="share" size={16} />
            {t("grants.open")}
          </button>
        ) : null}
        {canShare ? (
          <label className={styles.share}>
            <input type="checkbox" checked={s.shared} disabled={busy} onChange={(e) => action.mutate({ kind: "share", shared: e.target.checked })} />
            {t("services.shareToggle")}
          </label>
        ) : null}
        {compact ? (
          <button type="button" className="icon-button" onClick={() => setPending("delete")} disabled={busy} aria-label={deleteLabel} title={deleteLabel}>
            <Icon name="trash" size={18} />
          </button>
        ) : (
          <button type="button" className="button button-danger" onClick={() => setPending("delete")} disabled={busy} aria-label={deleteLabel}>
            <Icon name="trash" size={16} />
            {t("services.delete.confirm")}
          </button>
        )}
      </div>
      {action.isError && pending !== "delete" ? <ErrorNotice error={action.error} /> : null}

      {pending === "delete" ? (
        <ConfirmDialog
          title={t("services.delete.title", { name: s.friendlyName })}
          body={<p>{t("services.delete.body")}</p>}
          confirmLabel={t("services.delete.confirm")}
          busy={busy}
          error={action.isError ? <ErrorNotice error={action.error} /> : null}
          onConfirm={() => action.mutate({ kind: "delete" })}
          onCancel={() => {
            action.reset();
            setPending(null);
          }}
        />
      ) : null}
      {pending === "rename" ? (
        <RenameDialog
          service={s}
          onDone={() => {
            setPending(null);
            void refresh();
          }}
          onCancel={() => setPending(null)}
        />
      ) : null}
      {pending === "grants" ? <ShareDialog service={s} onClose={() => setPending(null)} /> : null}
    </>
  );
}

/** Asks again for the project's services (their pages too) and for the notices, after an action. */
export function useRefreshServices() {
  const qc = useQueryClient();
  const { project } = useProject();
  return () => {
    // A step the engine announced may no longer be due: the notification area asks again too.
    void qc.invalidateQueries({ queryKey: queryKeys.notices });
    return qc.invalidateQueries({ queryKey: queryKeys.services(project.id) });
  };
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
