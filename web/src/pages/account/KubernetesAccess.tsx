import { CopyButton } from "../../components/Feedback";
import { useT } from "../../i18n";
import { useProject } from "../../project";
import styles from "./Account.module.css";

/**
 * The kubectl commands for the current project's namespace. The portal cannot hand out a
 * cluster credential: kubectl signs in through the cluster's own OIDC configuration.
 */
export function KubernetesAccess() {
  const t = useT();
  const { project } = useProject();
  const ns = project.id;
  const commands = [
    `kubectl --namespace ${ns} get pods`,
    `kubectl --namespace ${ns} get services,ingresses`,
    `kubectl --namespace ${ns} logs <pod>`,
    `helm list --namespace ${ns}`,
  ].join("\n");
  return (
    <section className={styles.section} aria-labelledby="account-kubernetes">
      <h2 id="account-kubernetes">{t("account.kube")}</h2>
      <p className="field-hint">{t("account.kube.lead", { namespace: ns })}</p>
      <pre className={styles.commands} aria-label={t("account.kube.commands")} tabIndex={0}>
        {commands}
      </pre>
      <CopyButton text={commands} label={t("account.kube.copy")} />
    </section>
  );
}
