import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import type { MemberList, MembersChange, ProjectMember } from "../../api/types";
import { ErrorNotice } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { formatDateTime } from "../../format";
import { useI18n } from "../../i18n";
import { usernameProblem, type FieldProblem } from "./projectRules";
import styles from "./Projects.module.css";

/**
 * The people added to a project in Basalt, and for whoever may, adding and removing them; the group's
 * own members come from the identity provider.
 */
export function MembersEditor({
  members,
  group,
  canManage,
  onChange,
}: {
  members: ProjectMember[];
  group?: string;
  canManage: boolean;
  onChange(change: MembersChange): Promise<MemberList>;
}) {
  const { t, language } = useI18n();
  const [name, setName] = useState("");
  const [problem, setProblem] = useState<FieldProblem | null>(null);
  const change = useMutation({ mutationFn: onChange, onSuccess: () => setName("") });
  return (
    <section aria-labelledby="members-title">
      <h3 id="members-title">{t("projects.members")}</h3>
      {group ? <p className="field-hint">{t("projects.members.group", { group })}</p> : <p className="field-hint">{t("projects.members.personal")}</p>}
      {members.length === 0 ? (
        <p>{t("projects.members.none")}</p>
      ) : (
        <ul className={styles.members}>
          {members.map((m) => (
            <li key={m.username}>
              <span>
                <strong>{m.username}</strong>{" "}
                <span className="field-hint">{t("projects.members.added", { by: m.addedBy, date: formatDateTime(m.added, language) })}</span>
              </span>
              {canManage ? (
                <button
                  type="button"
                  className="button button-secondary"
                  disabled={change.isPending}
                  aria-label={t("projects.members.remove", { user: m.username })}
                  onClick={() => change.mutate({ remove: [m.username] })}
                >
                  <Icon name="trash" size={16} />
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {canManage && group ? (
        <form
          className={styles.inline}
          noValidate
          aria-label={t("projects.members.addForm")}
          onSubmit={(e) => {
            e.preventDefault();
            const p = usernameProblem(name);
            setProblem(p);
            if (!p) change.mutate({ add: [name.trim()] });
          }}
        >
          <div className="field">
            <label htmlFor="member-name">{t("projects.members.username")}</label>
            <input
              id="member-name"
              type="text"
              autoComplete="off"
              value={name}
              aria-invalid={problem ? true : undefined}
              aria-describedby={problem ? "member-name-error" : undefined}
              onChange={(e) => setName(e.target.value)}
            />
          </div>
          <div className="field">
            <button type="submit" className="button" disabled={change.isPending}>
              <Icon name="plus" size={16} />
              {t("projects.members.add")}
            </button>
          </div>
          {problem ? (
            <p id="member-name-error" className={styles.fieldError} role="alert">
              {t("projects.problem", { field: t("projects.members.username"), rule: t(problem.rule) })}
            </p>
          ) : null}
        </form>
      ) : null}
      {change.isError ? <ErrorNotice error={change.error} title={t("projects.members.failed")} /> : null}
    </section>
  );
}
