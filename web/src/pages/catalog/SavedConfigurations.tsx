import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { useApi } from "../../api/ApiProvider";
import { ApiError } from "../../api/errors";
import { queryKeys, useConfigurations } from "../../api/queries";
import type { SavedConfiguration } from "../../api/types";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { useT } from "../../i18n";
import { useProject } from "../../project";
import { restorePath } from "../launcher/savedConfiguration";
import styles from "./Catalog.module.css";

/**
 * The project's saved launch configurations: restore opens the launcher pre-filled with one,
 * delete forgets it. Nothing is shown while there are none, or where the region keeps none.
 */
export function SavedConfigurations() {
  const t = useT();
  const api = useApi();
  const qc = useQueryClient();
  const { project } = useProject();
  const list = useConfigurations(project.id);
  const [deleting, setDeleting] = useState<SavedConfiguration | null>(null);
  const remove = useMutation({
    mutationFn: (name: string) => api.deleteConfiguration(project.id, name),
    onSuccess: () => {
      setDeleting(null);
      void qc.invalidateQueries({ queryKey: queryKeys.configurations(project.id) });
    },
  });

  // A region without a secrets store keeps no configurations: nothing to say about it here.
  if (list.error instanceof ApiError && list.error.status === 501) return null;
  if (list.isError) return <ErrorNotice error={list.error} title={t("configs.error")} onRetry={() => void list.refetch()} />;
  if (!list.data || list.data.length === 0) return null;

  return (
    <section className={styles.saved} aria-labelledby="saved-configurations">
      <h2 id="saved-configurations">{t("configs.title")}</h2>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">{t("configs.name")}</th>
            <th scope="col">{t("configs.chart")}</th>
            <th scope="col" className="actions">
              <span className="visually-hidden">{t("configs.actions")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.data.map((cfg) => (
            <tr key={cfg.name}>
              <td>{cfg.name}</td>
              <td className="mono">
                {cfg.launch.catalog}/{cfg.launch.chart}
                {cfg.launch.version ? ` ${cfg.launch.version}` : ""}
              </td>
              <td className="actions">
                <Link
                  to={restorePath(cfg)}
                  className="button button-secondary button-small"
                  aria-label={t("configs.restore", { name: cfg.name })}
                >
                  <Icon name="play" size={14} />
                  {t("configs.open")}
                </Link>{" "}
                <button
                  type="button"
                  className="icon-button"
                  aria-label={t("configs.delete", { name: cfg.name })}
                  onClick={() => {
                    remove.reset();
                    setDeleting(cfg);
                  }}
                >
                  <Icon name="trash" size={16} />
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {deleting ? (
        <ConfirmDialog
          title={t("configs.deleteTitle")}
          body={t("configs.deleteBody", { name: deleting.name })}
          confirmLabel={t("configs.deleteConfirm")}
          busy={remove.isPending}
          error={remove.error ? <ErrorNotice error={remove.error} /> : null}
          onConfirm={() => remove.mutate(deleting.name)}
          onCancel={() => setDeleting(null)}
        />
      ) : null}
    </section>
  );
}
