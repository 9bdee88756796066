import { useLifecyclePolicy } from "../../api/queries";
import { Icon } from "../../components/Icon";
import { launchSentence, useWords } from "../../lifecycle/lifecycleText";
import { useProject } from "../../project";

/**
 * What the lifecycle engine will do with the service, under the launch button: "This service
 * will be suspended after 8 h without use; you will be told 30 min before." Nothing without a
 * policy (none matches, or the instance runs no engine), nor when the server cannot say.
 */
export function LaunchPolicy({ catalog }: { catalog: string }) {
  const words = useWords();
  const { project } = useProject();
  const policy = useLifecyclePolicy(project.id, catalog);
  const p = policy.data;
  const text = p ? launchSentence(p.lifecycle, { suspend: p.noticeBeforeSuspendSeconds, delete: p.noticeBeforeDeleteSeconds }, words) : "";
  if (!text) return null;
  return (
    <p className="field-hint" style={{ display: "flex", gap: "0.4rem", alignItems: "flex-start", margin: 0 }}>
      <Icon name="clock" size={16} />
      <span>{text}</span>
    </p>
  );
}
