import { useQueryClient } from "@tanstack/react-query";
import { useApi } from "../../api/ApiProvider";
import { queryKeys, useProjectMembers } from "../../api/queries";
import { useI18n } from "../../i18n";
import { MembersEditor } from "../admin/MembersEditor";
import styles from "./Account.module.css";

/** The people added to the current group project in Basalt; its members manage them. */
export function ProjectMembers({ project, group }: { project: string; group: string }) {
  const { t } = useI18n();
  const api = useApi();
  const queryClient = useQueryClient();
  const members = useProjectMembers(project);
  // A region that keeps no members, or a project it does not have yet: nothing to show.
  if (!members.data) return null;
  return (
    <section className={styles.section} aria-labelledby="account-members">
      <h2 id="account-members">{t("account.members", { project })}</h2>
      <MembersEditor
        members={members.data.members}
        group={group}
        canManage={members.data.canManage}
        onChange={async (change) => {
          const r = await api.setProjectMembers(project, change);
          queryClient.setQueryData(queryKeys.members(project), r);
          return r;
        }}
      />
    </section>
  );
}
