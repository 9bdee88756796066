import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useApi } from "../../api/ApiProvider";
import { ApiError, fieldViolations } from "../../api/errors";
import { queryKeys, useSecret, useSecretFolder, useSecretVersions } from "../../api/queries";
import type { SecretView as Secret } from "../../api/types";
import { Breadcrumbs } from "../../components/Breadcrumbs";
import { ConfirmDialog, Dialog } from "../../components/Dialog";
import { CopyButton, EmptyState, ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { formatDateTime } from "../../format";
import { useI18n } from "../../i18n";
import { useDocumentTitle } from "../../instance";
import { useProject } from "../../project";
import pageStyles from "../Page.module.css";
import { fromRows, duplicateKeys, KeyValueHead, RevealToggle, SecretEditor, toRows, type Row } from "./SecretEditor";
import styles from "./Secrets.module.css";

const join = (folder: string, name: string) => (folder ? `${folder.replace(/\/+$/, "")}/${name}` : name);

/** The project's secrets: folders, and one secret open at a time as a key-value table. */
export function SecretsPage() {
  const { t } = useI18n();
  const { project } = useProject();
  const [searchParams, setSearchParams] = useSearchParams();
  const path = searchParams.get("path") ?? "";
  const open = searchParams.get("secret") ?? undefined;
  const folder = useSecretFolder(project.id, path);
  const [creating, setCreating] = useState(false);
  useDocumentTitle(t("page.mySecrets.title"));

  const parts = path.split("/").filter(Boolean);
  const crumbs = [
    { label: t("secrets.top"), to: "/my-secrets" },
    ...parts.map((p, i) => ({ label: p, to: `/my-secrets?path=${encodeURIComponent(parts.slice(0, i + 1).join("/"))}` })),
  ];
  const openSecret = (p: string) => setSearchParams(path ? { path, secret: p } : { secret: p });

  return (
    <div className={styles.page}>
      <h1 className={pageStyles.title}>{t("page.mySecrets.title")}</h1>
      <p className={pageStyles.lead}>{t("page.mySecrets.summary")}</p>
      <div className={styles.layout}>
        <section aria-labelledby="secrets-folder" className={styles.folder}>
          <h2 id="secrets-folder" className="visually-hidden">
            {t("secrets.folder")}
          </h2>
          <Breadcrumbs items={crumbs} />
          <button type="button" className="button" onClick={() => setCreating(true)} style={{ marginBottom: "0.75rem" }}>
            <Icon name="plus" size={16} />
            {t("secrets.new")}
          </button>
          {folder.isPending ? <Loading /> : null}
          {folder.isError ? <ErrorNotice error={folder.error} onRetry={() => void folder.refetch()} /> : null}
          {folder.data && folder.data.entries.length === 0 ? <EmptyState title={t("secrets.empty")} /> : null}
          {folder.data && folder.data.entries.length > 0 ? (
            <ul className={styles.entries}>
              {folder.data.entries.map((e) => (
                <li key={e.path}>
                  {e.folder ? (
                    <Link to={`/my-secrets?path=${encodeURIComponent(e.path)}`} className={styles.entry}>
                      <Icon name="folder" size={18} />
                      {e.name}
                    </Link>
                  ) : (
                    <button
                      type="button"
                      className={styles.entry}
                      aria-current={open === e.path ? "true" : undefined}
                      onClick={() => openSecret(e.path)}
                    >
                      <Icon name="secrets" size={18} />
                      {e.name}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          ) : null}
        </section>
        <section className={styles.detail} aria-label={t("secrets.detail")}>
          {open ? (
            <SecretView key={open} path={open} home={folder.data?.home ?? ""} onGone={() => setSearchParams(path ? { path } : {})} />
          ) : (
            <EmptyState title={t("secrets.pick")} />
          )}
        </section>
      </div>
      {creating ? (
        <NewSecretDialog
          folder={path}
          onDone={(p) => {
            setCreating(false);
            openSecret(p);
          }}
          onCancel={() => setCreating(false)}
        />
      ) : null}
    </div>
  );
}

function SecretView({ path, home, onGone }: { path: string; home: string; onGone(): void }) {
  const { t, language } = useI18n();
  const api = useApi();
  const qc = useQueryClient();
  const { project } = useProject();
  const [viewVersion, setViewVersion] = useState<number | undefined>(undefined);
  const secret = useSecret(project.id, path, viewVersion);
  const [editing, setEditing] = useState<{ rows: Row[]; base: number } | null>(null);
  const [reveal, setReveal] = useState(false);
  const [showVersions, setShowVersions] = useState(false);
  const [confirm, setConfirm] = useState<"delete" | "destroy" | null>(null);
  const versions = useSecretVersions(project.id, path, showVersions);

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
  const overwrite = useMutation({
    mutationFn: async (data: Record<string, string>) => {
      const latest = await api.readSecret(project.id, path);
      return api.writeSecret(project.id, path, data, latest.version);
    },
    onSuccess: () => {
      save.reset();
      setEditing(null);
      void refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (all: boolean) => api.deleteSecret(project.id, path, all ? { all: true } : {}),
    onSuccess: (_d, all) => {
      setConfirm(null);
      void refresh();
      if (all) onGone();
      else setShowVersions(true);
    },
  });
  const versionAction = useMutation({
    mutationFn: (v: { version: number; restore: boolean }) =>
      v.restore ? api.undeleteSecret(project.id, path, [v.version]) : api.deleteSecret(project.id, path, { versions: [v.version] }),
    onSuccess: () => void refresh(),
  });

  const fullPath = home ? `${home}/${path}` : path;
  const s: Secret | undefined = secret.data;

  return (
    <div>
      <div className={styles.secretHead}>
        <div>
          <h2 className={styles.secretTitle}>{path.split("/").pop()}</h2>
          <p className={styles.path}>
            <code>{fullPath}</code> <CopyButton text={fullPath} label={t("secrets.copyPath")} />
          </p>
          {s ? (
            <p className="field-hint">
              {t("secrets.version", { version: s.version })}
              {s.created ? ` · ${formatDateTime(s.created, language)}` : ""}
              {viewVersion !== undefined ? (
                <>
                  {" · "}
                  <button type="button" className={styles.inlineLink} onClick={() => setViewVersion(undefined)}>
                    {t("secrets.backToLatest")}
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
            <button type="button" className="button button-secondary button-small" aria-expanded={showVersions} onClick={() => setShowVersions((v) => !v)}>
              <Icon name="history" size={16} />
              {t("secrets.versions")}
            </button>
            <button type="button" className="button button-secondary button-small" disabled={!s} onClick={() => setConfirm("delete")}>
              <Icon name="trash" size={16} />
              {t("secrets.delete")}
            </button>
          </div>
        ) : null}
      </div>

      {secret.isPending ? <Loading /> : null}
      {secret.isError ? <ErrorNotice error={secret.error} onRetry={() => void secret.refetch()} /> : null}

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
                    <td className="mono">{reveal ? v : "••••••••"}</td>
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
                <button type="button" className="button button-danger button-small" onClick={() => overwrite.mutate(fromRows(editing.rows))} disabled={overwrite.isPending}>
                  {t("secrets.conflict.overwrite")}
                </button>
              </div>
              {overwrite.isError ? <ErrorNotice error={overwrite.error} /> : null}
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

      {showVersions ? (
        <section className={styles.versions} aria-labelledby="secret-versions">
          <h3 id="secret-versions">{t("secrets.versions")}</h3>
          {versions.isPending ? <Loading /> : null}
          {versions.isError ? <ErrorNotice error={versions.error} /> : null}
          {versionAction.isError ? <ErrorNotice error={versionAction.error} /> : null}
          {versions.data ? (
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
                {[...versions.data.versions].reverse().map((v) => (
                  <tr key={v.version}>
                    <td>
                      {v.version}
                      {v.version === versions.data.currentVersion ? <span className="pill pill-info" style={{ marginLeft: "0.4rem" }}>{t("secrets.version.current")}</span> : null}
                    </td>
                    <td>{formatDateTime(v.created, language)}</td>
                    <td>
                      {v.destroyed ? (
                        <span className="pill pill-danger">{t("secrets.version.destroyed")}</span>
                      ) : v.deleted ? (
                        <span className="pill pill-warning">{t("secrets.version.deleted")}</span>
                      ) : (
                        <span className="pill pill-success">{t("secrets.version.active")}</span>
                      )}
                    </td>
                    <td className="actions">
                      {!v.destroyed && !v.deleted ? (
                        <>
                          <button type="button" className="button button-secondary button-small" onClick={() => setViewVersion(v.version)}>
                            {t("secrets.version.view", { version: v.version })}
                          </button>{" "}
                          <button
                            type="button"
                            className="button button-secondary button-small"
                            onClick={() => versionAction.mutate({ version: v.version, restore: false })}
                          >
                            {t("secrets.version.delete", { version: v.version })}
                          </button>
                        </>
                      ) : null}
                      {v.deleted && !v.destroyed ? (
                        <button
                          type="button"
                          className="button button-secondary button-small"
                          onClick={() => versionAction.mutate({ version: v.version, restore: true })}
                        >
                          {t("secrets.version.restore", { version: v.version })}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          <button type="button" className="button button-danger button-small" style={{ marginTop: "0.75rem" }} onClick={() => setConfirm("destroy")}>
            {t("secrets.destroy")}
          </button>
        </section>
      ) : null}

      {confirm ? (
        <ConfirmDialog
          title={confirm === "delete" ? t("secrets.delete.title") : t("secrets.destroy.title")}
          body={<p>{confirm === "delete" ? t("secrets.delete.body") : t("secrets.destroy.body")}</p>}
          confirmLabel={confirm === "delete" ? t("secrets.delete") : t("secrets.destroy")}
          busy={remove.isPending}
          error={remove.isError ? <ErrorNotice error={remove.error} /> : null}
          onConfirm={() => remove.mutate(confirm === "destroy")}
          onCancel={() => {
            remove.reset();
            setConfirm(null);
          }}
        />
      ) : null}
    </div>
  );
}

function NewSecretDialog({ folder, onDone, onCancel }: { folder: string; onDone(path: string): void; onCancel(): void }) {
  const { t } = useI18n();
  const api = useApi();
  const qc = useQueryClient();
  const { project } = useProject();
  const [name, setName] = useState("");
  const [rows, setRows] = useState<Row[]>(() => toRows({}));
  const target = join(folder, name.trim().replace(/^\/+|\/+$/g, ""));
  const create = useMutation({
    // checkVersion 0: fail rather than overwrite a secret of that name.
    mutationFn: () => api.writeSecret(project.id, target, fromRows(rows), 0),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: queryKeys.secrets(project.id) });
      onDone(target);
    },
  });
  const exists = create.error instanceof ApiError && create.error.status === 409;
  const valid = name.trim() !== "" && !name.split("/").some((p) => p === "." || p === "..") && duplicateKeys(rows).length === 0;
  return (
    <Dialog
      title={t("secrets.new")}
      onClose={onCancel}
      wide
      footer={
        <>
          <button type="button" className="button button-secondary" onClick={onCancel}>
            {t("ui.cancel")}
          </button>
          <button type="submit" form="new-secret" className="button" disabled={!valid || create.isPending}>
            {t("secrets.create")}
          </button>
        </>
      }
    >
      <form
        id="new-secret"
        onSubmit={(e) => {
          e.preventDefault();
          if (valid) create.mutate();
        }}
      >
        <div className="field">
          <label htmlFor="new-secret-name">{t("secrets.name")}</label>
          <input id="new-secret-name" value={name} onChange={(e) => setName(e.target.value)} data-autofocus aria-describedby="new-secret-hint" />
          <span id="new-secret-hint" className="field-hint">
            {exists ? t("secrets.exists") : t("secrets.name.hint", { folder: folder || "/" })}
          </span>
        </div>
        <SecretEditor rows={rows} onChange={setRows} violations={fieldViolations(create.error)} />
        {create.isError && !exists && fieldViolations(create.error).length === 0 ? <ErrorNotice error={create.error} /> : null}
      </form>
    </Dialog>
  );
}
