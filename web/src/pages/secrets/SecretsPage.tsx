import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useApi } from "../../api/ApiProvider";
import { ApiError, fieldViolations } from "../../api/errors";
import { queryKeys, useSecretFolder } from "../../api/queries";
import { Breadcrumbs } from "../../components/Breadcrumbs";
import { Dialog } from "../../components/Dialog";
import { EmptyState, ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { useI18n } from "../../i18n";
import { useDocumentTitle } from "../../instance";
import { useProject } from "../../project";
import pageStyles from "../Page.module.css";
import { duplicateKeys, fromRows, SecretEditor, toRows, type Row } from "./SecretEditor";
import { SecretView } from "./SecretView";
import styles from "./Secrets.module.css";

const join = (folder: string, name: string) => (folder ? `${folder.replace(/\/+$/, "")}/${name}` : name);
const parentOf = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf("/")));

/**
 * The project's secrets: folders, and one secret open at a time as a key-value table. The
 * secret stays open while the user browses the folders; the folder list marks it, or the
 * folder that holds it.
 */
export function SecretsPage() {
  const { t } = useI18n();
  const { project } = useProject();
  const [searchParams, setSearchParams] = useSearchParams();
  const open = searchParams.get("secret") ?? undefined;
  // A secret opened by its address (a link from elsewhere) shows in its folder.
  const path = searchParams.get("path") ?? (open ? parentOf(open) : "");
  const folder = useSecretFolder(project.id, path);
  const [creating, setCreating] = useState(false);
  useDocumentTitle(t("page.mySecrets.title"));

  const at = (p: string, secret = open) => {
    const q = new URLSearchParams();
    // With a secret open, the top folder is named too: without a path, its own folder is shown.
    if (p || secret) q.set("path", p);
    if (secret) q.set("secret", secret);
    const s = q.toString();
    return s ? `/my-secrets?${s}` : "/my-secrets";
  };
  const parts = path.split("/").filter(Boolean);
  const crumbs = [{ label: t("secrets.top"), to: at("") }, ...parts.map((p, i) => ({ label: p, to: at(parts.slice(0, i + 1).join("/")) }))];
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
                    <Link to={at(e.path)} className={styles.entry} data-holds-open={open?.startsWith(`${e.path}/`) || undefined}>
                      <Icon name="folder" size={18} />
                      {e.name}
                      {open?.startsWith(`${e.path}/`) ? <span className="visually-hidden"> ({t("secrets.holdsOpen")})</span> : null}
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
            <SecretView key={open} path={open} home={folder.data?.home ?? ""} onGone={() => setSearchParams(searchParams.has("path") ? { path } : {})} />
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
