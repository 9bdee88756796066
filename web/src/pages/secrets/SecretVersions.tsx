import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useApi } from "../../api/ApiProvider";
import { queryKeys, useSecretVersions } from "../../api/queries";
import type { VersionInfo } from "../../api/types";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice, Loading } from "../../components/Feedback";
import { useI18n } from "../../i18n";
import { useProject } from "../../project";
import { SecretCompare } from "./SecretCompare";
import { formatVersionTime } from "./secretDiff";
import styles from "./Secrets.module.css";

type VersionAction = { kind: "delete" | "restore" | "destroy"; version: number };

const readable = (v: VersionInfo) => !v.deleted && !v.destroyed;

/** A version's action: a short word to see, the version named for screen readers. */
function RowButton({ label, text, danger, disabled, onClick }: { label: string; text: string; danger?: boolean; disabled?: boolean; onClick(): void }) {
  return (
    <button type="button" className={`button ${danger ? "button-danger" : "button-secondary"} button-small`} aria-label={label} disabled={disabled} onClick={onClick}>
      {text}
    </button>
  );
}

/**
 * A secret's versions, newest first, each as the store keeps it: readable ones can be viewed
 * or deleted, deleted ones restored or destroyed for good (after confirmation); below, the
 * difference between two readable versions.
 */
export function SecretVersions({
  path,
  viewing,
  viewingOlder,
  onView,
}: {
  path: string;
  /** The version shown above. */
  viewing?: number;
  /** Whether it is an older one than the latest. */
  viewingOlder: boolean;
  onView(version: number | undefined): void;
}) {
  const { t, language } = useI18n();
  const api = useApi();
  const qc = useQueryClient();
  const { project } = useProject();
  const versions = useSecretVersions(project.id, path, true);
  const [destroying, setDestroying] = useState<number | null>(null);
  const action = useMutation({
    mutationFn: ({ kind, version }: VersionAction) => {
      if (kind === "restore") return api.undeleteSecret(project.id, path, [version]);
      return api.deleteSecret(project.id, path, { versions: [version], destroy: kind === "destroy" });
    },
    onSuccess: (_d, { kind, version }) => {
      if (kind === "destroy") setDestroying(null);
      // A version no longer readable is no longer the one shown.
      if (kind !== "restore" && version === viewing && viewingOlder) onView(undefined);
      void qc.invalidateQueries({ queryKey: queryKeys.secrets(project.id) });
    },
  });

  const list = versions.data ? [...versions.data.versions].reverse() : [];
  const compared = list.filter(readable).map((v) => v.version);

  return (
    <section className={styles.versions} aria-labelledby="secret-versions">
      <h3 id="secret-versions">{t("secrets.versions")}</h3>
      {versions.isPending ? <Loading /> : null}
      {versions.isError ? <ErrorNotice error={versions.error} /> : null}
      {action.isError && destroying === null ? <ErrorNotice error={action.error} /> : null}
      {versions.data ? (
        <div className={styles.tableScroll}>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">{t("secrets.version.number")}</th>
                <th scope="col">{t("secrets.version.created")}</th>
                <th scope="col">{t("secrets.version.state")}</th>
                <th scope="col" className="actions">
                  <span className="visually-hidden">{t("files.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((v) => (
                <tr key={v.version} aria-current={v.version === viewing ? "true" : undefined} className={v.version === viewing ? styles.shownRow : undefined}>
                  <td className={styles.nowrap}>
                    {v.version}
                    {v.version === versions.data.currentVersion ? <span className="pill pill-info" style={{ marginLeft: "0.4rem" }}>{t("secrets.version.current")}</span> : null}
                    {/* The row shown above is tinted; said in words for screen readers. */}
                    {v.version === viewing ? <span className="visually-hidden"> ({t("secrets.version.shown")})</span> : null}
                  </td>
                  <td className={styles.nowrap}>{formatVersionTime(v.created, language)}</td>
                  <td>
                    {v.destroyed ? (
                      <span className="pill pill-danger">{t("secrets.version.destroyed")}</span>
                    ) : v.deleted ? (
                      <>
                        <span className="pill pill-warning">{t("secrets.version.deleted")}</span>
                        <span className={styles.deletedAt}>{formatVersionTime(v.deleted, language)}</span>
                      </>
                    ) : (
                      <span className="pill pill-success">{t("secrets.version.active")}</span>
                    )}
                  </td>
                  <td className="actions">
                    <div className={styles.rowActions}>
                      {readable(v) ? (
                        <>
                          <RowButton
                            label={t("secrets.version.view", { version: v.version })}
                            text={t("secrets.version.viewShort")}
                            disabled={v.version === viewing}
                            onClick={() => onView(v.version === versions.data.currentVersion ? undefined : v.version)}
                          />
                          <RowButton
                            label={t("secrets.version.delete", { version: v.version })}
                            text={t("secrets.version.deleteShort")}
                            disabled={action.isPending}
                            onClick={() => action.mutate({ kind: "delete", version: v.version })}
                          />
                        </>
                      ) : null}
                      {v.deleted && !v.destroyed ? (
                        <>
                          <RowButton
                            label={t("secrets.version.restore", { version: v.version })}
                            text={t("secrets.version.restoreShort")}
                            disabled={action.isPending}
                            onClick={() => action.mutate({ kind: "restore", version: v.version })}
                          />
                          <RowButton
                            label={t("secrets.version.destroy", { version: v.version })}
                            text={t("secrets.version.destroyShort")}
                            danger
                            onClick={() => setDestroying(v.version)}
                          />
                        </>
                      ) : null}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {compared.length >= 2 ? <SecretCompare key={compared.join(",")} path={path} versions={compared} /> : null}

      {destroying !== null ? (
        <ConfirmDialog
          title={t("secrets.version.destroy.title", { version: destroying })}
          body={<p>{t("secrets.version.destroy.body")}</p>}
          confirmLabel={t("secrets.version.destroyShort")}
          busy={action.isPending}
          error={action.isError ? <ErrorNotice error={action.error} /> : null}
          onConfirm={() => action.mutate({ kind: "destroy", version: destroying })}
          onCancel={() => {
            action.reset();
            setDestroying(null);
          }}
        />
      ) : null}
    </section>
  );
}
