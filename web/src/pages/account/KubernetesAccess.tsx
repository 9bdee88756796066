import { useMutation } from "@tanstack/react-query";
import { useApi } from "../../api/ApiProvider";
import { ApiError } from "../../api/errors";
import type { ClusterAccess } from "../../api/types";
import { CopyButton, downloadText, ErrorNotice } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { formatDateTime } from "../../format";
import { useI18n, useT } from "../../i18n";
import { useProject } from "../../project";
import styles from "./Account.module.css";

/**
 * A kubeconfig of the user's own for the current project's namespace, which kubectl takes as
 * it is, and the kubectl commands that use it. Asked for only when the user downloads it: each
 * one is a new token (audited), not something to make at every visit.
 */
export function KubernetesAccess() {
  const t = useT();
  const api = useApi();
  const { project } = useProject();
  const download = useMutation({
    mutationFn: () => api.getKubeconfig(project.id),
    onSuccess: (access) => downloadText(access.filename, access.kubeconfig, "application/yaml"),
  });
  const unavailable = download.error instanceof ApiError && download.error.status === 501;
  // A kubeconfig of another project than the current one is not shown.
  const access = download.data?.project === project.id ? download.data : undefined;
  return (
    <section className={styles.section} aria-labelledby="account-kubernetes">
      <h2 id="account-kubernetes">{t("account.kube")}</h2>
      <p className="field-hint">{t("account.kube.lead", { project: project.name })}</p>
      {unavailable ? (
        <p>{t("account.kube.unavailable")}</p>
      ) : (
        <p>
          <button type="button" className="button button-primary" disabled={download.isPending} onClick={() => download.mutate()}>
            <Icon name="download" size={16} />
            {download.isPending ? t("account.kube.downloading") : access ? t("account.kube.again") : t("account.kube.download")}
          </button>
        </p>
      )}
      {download.error && !unavailable ? <ErrorNotice error={download.error} onRetry={() => download.mutate()} /> : null}
      {access ? <KubeconfigFacts access={access} /> : null}
    </section>
  );
}

/** What the downloaded kubeconfig holds, until when, and kubectl commands using it. */
function KubeconfigFacts({ access }: { access: ClusterAccess }) {
  const { t, language } = useI18n();
  const commands = access.commands.join("\n");
  return (
    <>
      <p role="status">{t("account.kube.saved", { file: access.filename })}</p>
      <dl className={styles.facts}>
        <dt>{t("account.kube.namespace")}</dt>
        <dd className="mono">{access.namespace}</dd>
        <dt>{t("account.kube.server")}</dt>
        <dd className="mono">{access.server}</dd>
        <dt>{t("account.kube.identity")}</dt>
        <dd className="mono">{access.user}</dd>
        <dt>{t("account.kube.expires")}</dt>
        <dd>{access.expires ? formatDateTime(access.expires, language) : t("account.cred.noExpiry")}</dd>
      </dl>
      <p className="field-hint">{access.credential === "idToken" ? t("account.kube.idToken") : t("account.kube.serviceAccount")}</p>
      <h3>{t("account.kube.commands")}</h3>
      <p className="field-hint">{t("account.kube.commands.hint")}</p>
      <pre className={styles.commands} aria-label={t("account.kube.commands")} tabIndex={0}>
        {commands}
      </pre>
      <CopyButton text={commands} label={t("account.kube.copy")} />
    </>
  );
}
