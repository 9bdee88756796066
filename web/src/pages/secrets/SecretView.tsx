import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useApi } from "../../api/ApiProvider";
import { ApiError, fieldViolations } from "../../api/errors";
import { queryKeys, useSecret } from "../../api/queries";
import type { SecretView as Secret } from "../../api/types";
import { ConfirmDialog } from "../../components/Dialog";
import { CopyButton, EmptyState, ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { useI18n } from "../../i18n";
import { useProject } from "../../project";
import { formatVersionTime } from "./secretDiff";
import { duplicateKeys, fromRows, KeyValueHead, MaskedValue, RevealToggle, SecretEditor, toRows, type Row } from "./SecretEditor";
import { SecretVersions } from "./SecretVersions";
import styles from "./Secrets.module.css";

/**
 * One secret: its keys and values (masked until revealed), an editor that saves a new version
 * with check-and-set, its versions, and Delete, which removes the secret with every version.
 */
export function SecretView({ path, home, onGone }: { path: string; home: string; onGone(): void }) {
  const { t, language } = useI18n();
  const api = useApi();
  const qc = useQueryClient();
  const { project } = useProject();
  const [viewVersion, setViewVersion] = useState<number | undefined>(undefined);
  const secret = useSecret(project.id, path, viewVersion);
  const [editing, setEditing] = useState<{ rows: Row[]; base: number } | null>(null);
  const [reveal, setReveal] = useState(false);
  const [showVersions, setShowVersions] = useState(false);
  const [deleting, setDeleting] = useState(false);
  // The latest version deleted (from the versions): the versions are where it comes back.
  const latestDeleted = viewVersion === undefined && secret.error instanceof ApiError && secret.error.status === 404;
  const versionsShown = showVersions || latestDeleted;

  const refresh = () => qc.invalidateQueries({ queryKey: queryKeys.secrets(project.id) });

  const save = useMutation({
    mutationFn: (v: { data: Record<string, string>; checkVersion: number }) => api.writeSecret(project.id, path, v.data, v.checkVersion),
    onSuccess: () => {
      setEditing(null);
      setViewVersion(undefined);
      void refresh();
    },
  });
  const conflict = save.error instanceof ApiError && save.error.status === 409;
  /** Writes data over whatever the latest version is now: an overwrite, or a version made the latest again. */
  const writeOverLatest = useMutation({
    mutationFn: async (data: Record<string, string>) => {
      const { currentVersion } = await api.secretVersions(project.id, path);
      return api.writeSecret(project.id, path, data, currentVersion);
    },
    onSuccess: () => {
      save.reset();
      setEditing(null);
      setViewVersion(undefined);
      void refresh();
    },
  });
  const remove = useMutation({
    mutationFn: () => api.deleteSecret(project.id, path, { all: true }),
    onSuccess: () => {
      setDeleting(false);
      void refresh();
      onGone();
    },
  });

  const name = path.split("/").pop() ?? path;
  const fullPath = home ? `${home}/${path}` : path;
  const s: Secret | undefined = secret.data;

  return (
    <div>
      <div className={styles.secretHead}>
        <div>
          <h2 className={styles.secretTitle}>{name}</h2>
          <p className={styles.path}>
            <code>{fullPath}</code> <CopyButton text={fullPath} label={t("secrets.copyPath")} />
          </p>
          {s ? (
            <p className="field-hint">
              {t("secrets.version", { version: s.version })}
              {s.created ? ` · ${formatVersionTime(s.created, language)}` : ""}
              {viewVersion !== undefined ? (
                <>
                  {" · "}
                  <button type="button" className={styles.inlineLink} onClick={() => setViewVersion(undefined)}>
                    {t("secrets.backToLatest")}
                  </button>
                  {" · "}
                  <button type="button" className={styles.inlineLink} disabled={writeOverLatest.isPending} onClick={() => writeOverLatest.mutate(s.data)}>
                    {t("secrets.makeLatest")}
                  </button>
                </>
              ) : null}
            </p>
          ) : null}
        </div>
        {!editing ? (
          <div className={styles.secretActions}>
            <button
              type="button"
              className="button button-small"
              disabled={!s || viewVersion !== undefined}
              onClick={() => s && setEditing({ rows: toRows(s.data), base: s.version })}
            >
              <Icon name="edit" size={16} />
              {t("secrets.edit")}
            </button>
            <button type="button" className="button button-secondary button-small" aria-expanded={versionsShown} onClick={() => setShowVersions((v) => !v)}>
              <Icon name="history" size={16} />
              {t("secrets.versions")}
            </button>
            <button type="button" className="button button-secondary button-small" onClick={() => setDeleting(true)}>
              <Icon name="trash" size={16} />
              {t("secrets.delete")}
            </button>
          </div>
        ) : null}
      </div>

      {secret.isPending ? <Loading /> : null}
      {latestDeleted ? (
        <p className="notice" data-severity="warning" role="note">
          {t("secrets.latestDeleted")}
        </p>
      ) : secret.isError ? (
        <ErrorNotice error={secret.error} onRetry={() => void secret.refetch()} />
      ) : null}
      {writeOverLatest.isError && !editing ? <ErrorNotice error={writeOverLatest.error} /> : null}

      {s && !editing ? (
        Object.keys(s.data).length === 0 ? (
          <EmptyState title={t("secrets.noKeys")} />
        ) : (
          <>
            <RevealToggle reveal={reveal} onChange={setReveal} />
            <table className="data-table">
              <KeyValueHead />
              <tbody>
                {Object.entries(s.data).map(([k, v]) => (
                  <tr key={k}>
                    <th scope="row" className="mono">
                      {k}
                    </th>
                    <td className="mono">
                      <MaskedValue value={v} reveal={reveal} />
                    </td>
                    <td className="actions">
                      <CopyButton text={v} label={t("secrets.copyValue", { key: k })} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )
      ) : null}

      {editing ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate({ data: fromRows(editing.rows), checkVersion: editing.base });
          }}
        >
          <SecretEditor rows={editing.rows} onChange={(rows) => setEditing({ ...editing, rows })} violations={fieldViolations(save.error)} />
          {conflict ? (
            <div className={styles.conflict} role="alert">
              <strong>{t("secrets.conflict.title")}</strong>
              <p>{t("secrets.conflict.body", { version: editing.base })}</p>
              <div className={styles.secretActions}>
                <button
                  type="button"
                  className="button button-secondary button-small"
                  onClick={() => {
                    save.reset();
                    setEditing(null);
                    void secret.refetch();
                  }}
                >
                  {t("secrets.conflict.reload")}
                </button>
                <button
                  type="button"
                  className="button button-danger button-small"
                  onClick={() => writeOverLatest.mutate(fromRows(editing.rows))}
                  disabled={writeOverLatest.isPending}
                >
                  {t("secrets.conflict.overwrite")}
                </button>
              </div>
              {writeOverLatest.isError ? <ErrorNotice error={writeOverLatest.error} /> : null}
            </div>
          ) : save.isError && fieldViolations(save.error).length === 0 ? (
            <ErrorNotice error={save.error} />
          ) : null}
          <div className={styles.formActions}>
            <button
              type="button"
              className="button button-secondary"
              onClick={() => {
                save.reset();
                setEditing(null);
              }}
            >
              {t("ui.cancel")}
            </button>
            <button type="submit" className="button" disabled={save.isPending || duplicateKeys(editing.rows).length > 0}>
              {save.isPending ? t("ui.working") : t("secrets.save")}
            </button>
          </div>
        </form>
      ) : null}

      {versionsShown ? <SecretVersions path={path} viewing={s?.version} viewingOlder={viewVersion !== undefined} onView={setViewVersion} /> : null}

      {deleting ? (
        <ConfirmDialog
          title={t("secrets.delete.title", { name })}
          body={<p>{t("secrets.delete.body", { path: fullPath })}</p>}
          confirmLabel={t("secrets.delete")}
          busy={remove.isPending}
          error={remove.isError ? <ErrorNotice error={remove.error} /> : null}
          onConfirm={() => remove.mutate()}
          onCancel={() => {
            remove.reset();
            setDeleting(false);
          }}
        />
      ) : null}
    </div>
  );
}
