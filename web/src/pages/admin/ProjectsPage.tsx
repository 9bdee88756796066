import { useMutation, useQueryClient, type UseMutationResult } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { useApi } from "../../api/ApiProvider";
import { ApiError } from "../../api/errors";
import { queryKeys, useAdminProjects } from "../../api/queries";
import type { ProjectView } from "../../api/types";
import { EmptyState, ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { parseQuantity, quotaLevel } from "../../format";
import { isOne, useI18n } from "../../i18n";
import { useDocumentTitle } from "../../instance";
import { useRegion } from "../../region";
import pageStyles from "../Page.module.css";
import quotaStyles from "../services/Services.module.css";
import fleetStyles from "./Fleet.module.css";
import { MembersEditor } from "./MembersEditor";
import { quotaProblem, type FieldProblem } from "./projectRules";
import styles from "./Projects.module.css";

/**
 * Administrators: every project of the chosen region with the people added to it in Basalt,
 * its quota against what its services use, and how many services it runs. A project opens
 * below the table to add and remove members and to edit its quota, key by key: a key set here
 * stays when onboarding applies the region's quota again, until given back.
 */
export function ProjectsPage() {
  const { t, language } = useI18n();
  useDocumentTitle(t("page.projects.title"));
  const { region } = useRegion();
  const projects = useAdminProjects(region?.id ?? "");
  const [open, setOpen] = useState<string | null>(null);
  const forbidden = projects.error instanceof ApiError && projects.error.status === 403;
  const selected = projects.data?.projects.find((p) => p.id === open);

  return (
    <div className={fleetStyles.page}>
      <h1 className={pageStyles.title}>{t("page.projects.title")}</h1>
      <p className={pageStyles.lead}>{t("page.projects.summary")}</p>
      {forbidden ? (
        <div className="notice" role="note">
          <Icon name="lock" />
          <p>{t("fleet.forbidden")}</p>
        </div>
      ) : null}
      {projects.isPending ? <Loading /> : null}
      {projects.isError && !forbidden ? (
        <ErrorNotice error={projects.error} title={t("projects.unavailable")} onRetry={() => void projects.refetch()} />
      ) : null}
      {projects.data && projects.data.projects.length === 0 ? <EmptyState title={t("projects.empty")} /> : null}
      {projects.data && projects.data.projects.length > 0 ? (
        <div className={fleetStyles.tableBox} tabIndex={0} role="region" aria-label={t("page.projects.title")}>
          <table className="data-table">
            <caption className="visually-hidden">
              {t(isOne(language, projects.data.projects.length) ? "projects.caption.one" : "projects.caption.other", {
                count: projects.data.projects.length,
              })}
            </caption>
            <thead>
              <tr>
                <th scope="col">{t("projects.col.project")}</th>
                <th scope="col">{t("projects.col.owner")}</th>
                <th scope="col" className="num">
                  {t("projects.col.members")}
                </th>
                <th scope="col" className="num">
                  {t("projects.col.services")}
                </th>
                <th scope="col">{t("projects.col.quota")}</th>
                <th scope="col">
                  <span className="visually-hidden">{t("projects.col.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {projects.data.projects.map((p) => (
                <tr key={p.id}>
                  <th scope="row" className="mono">
                    {p.id}
                  </th>
                  <td>{p.group ? t("projects.owner.group", { group: p.group }) : t("projects.owner.person", { user: p.owner })}</td>
                  <td className="num">{p.members.length}</td>
                  <td className="num">
                    <Link to={`/admin/services?${new URLSearchParams({ region: projects.data.region, project: p.id })}`} title={t("projects.services.link", { project: p.id })}>
                      {p.services}
                    </Link>
                  </td>
                  <td>
                    <QuotaBars project={p} compact />
                  </td>
                  <td>
                    <button
                      type="button"
                      className="button button-secondary"
                      aria-expanded={open === p.id}
                      aria-controls="project-detail"
                      onClick={() => setOpen(open === p.id ? null : p.id)}
                    >
                      {open === p.id ? t("projects.close") : t("projects.manage", { project: p.id })}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {selected ? <ProjectDetail key={selected.id} project={selected} region={region?.id ?? ""} /> : null}
    </div>
  );
}

interface QuotaLine {
  key: string;
  hard: string;
  used: string;
  ratio: number;
}

function quotaLines(p: ProjectView): QuotaLine[] {
  return Object.entries(p.quota.hard)
    .map(([key, hard]) => {
      const used = p.quota.used[key] ?? "0";
      const ratio = parseQuantity(used) / parseQuantity(hard);
      return { key, hard, used, ratio: Number.isFinite(ratio) ? ratio : 0 };
    })
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** Usage against quota, one bar per limit. */
function QuotaBars({ project, compact }: { project: ProjectView; compact?: boolean }) {
  const { t, language } = useI18n();
  const lines = quotaLines(project);
  if (lines.length === 0) return <span className="field-hint">{t("projects.quota.none")}</span>;
  const pct = new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 0 });
  return (
    <div className={styles.miniBars}>
      {lines.map((l) => (
        <div key={l.key} data-level={quotaLevel(l.ratio)}>
          {compact ? null : <span className="mono">{l.key}</span>}
          <div
            className={quotaStyles.bar}
            role="progressbar"
            aria-label={t("projects.quota.bar", { resource: l.key, project: project.id })}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(Math.min(l.ratio, 1) * 100)}
            aria-valuetext={t("projects.quota.barText", { used: l.used, hard: l.hard, percent: pct.format(l.ratio) })}
            title={`${l.key}: ${t("quota.usage", { used: l.used, hard: l.hard })}`}
          >
            <span style={{ width: `${Math.min(l.ratio, 1) * 100}%` }} />
          </div>
        </div>
      ))}
    </div>
  );
}

function ProjectDetail({ project, region }: { project: ProjectView; region: string }) {
  const { t } = useI18n();
  const api = useApi();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: queryKeys.adminProjects(region) });
  // Here rather than in the editor, which starts again from the saved quota: its outcome stays in view.
  const saveQuota = useMutation({
    mutationFn: async (hard: Record<string, string>) => {
      await api.setAdminProjectQuota(project.id, hard);
      await refresh();
    },
  });
  return (
    <section id="project-detail" className={styles.detail} aria-labelledby="project-detail-title">
      <h2 id="project-detail-title" className={fleetStyles.h2}>
        {t("projects.detail", { project: project.id })}
      </h2>
      <p className="field-hint">{t("projects.namespace", { namespace: project.namespace })}</p>
      <div className={styles.columns}>
        <MembersEditor
          members={project.members}
          group={project.group}
          canManage={Boolean(project.group)}
          onChange={async (change) => {
            const r = await api.setAdminProjectMembers(project.id, change);
            await refresh();
            return r;
          }}
        />
        <QuotaEditor key={JSON.stringify(project.quota)} project={project} save={saveQuota} />
      </div>
    </section>
  );
}

interface QuotaDraft {
  key: string;
  value: string;
  original: string;
  byHand: boolean;
}

/** A project's quota, key by key, with usage; a key set here is the administrator's until given back. */
function QuotaEditor({ project, save }: { project: ProjectView; save: UseMutationResult<void, Error, Record<string, string>> }) {
  const { t } = useI18n();
  const initial = (): QuotaDraft[] =>
    quotaLines(project).map((l) => ({ key: l.key, value: l.hard, original: l.hard, byHand: project.quota.setByHand.includes(l.key) }));
  const [rows, setRows] = useState<QuotaDraft[]>(initial);
  const [added, setAdded] = useState({ key: "", value: "" });
  const [problem, setProblem] = useState<FieldProblem | null>(null);
  const lines = new Map(quotaLines(project).map((l) => [l.key, l]));

  const submit = (hard: Record<string, string>) => {
    const entries = Object.entries(hard).map(([key, value]) => ({ key, value }));
    const p = quotaProblem(entries);
    setProblem(p);
    if (p) return;
    if (entries.length === 0) {
      setProblem({ field: "quota", rule: "projects.rule.nothing" });
      return;
    }
    save.mutate(hard, { onSuccess: () => setAdded({ key: "", value: "" }) });
  };

  return (
    <section aria-labelledby="quota-edit-title">
      <h3 id="quota-edit-title">{t("projects.quota")}</h3>
      <p className="field-hint">{t("projects.quota.hint")}</p>
      <form
        noValidate
        aria-label={t("projects.quota.form")}
        onSubmit={(e) => {
          e.preventDefault();
          const hard: Record<string, string> = {};
          for (const r of rows) if (r.value.trim() !== r.original) hard[r.key] = r.value.trim();
          if (added.key.trim() || added.value.trim()) hard[added.key.trim()] = added.value.trim();
          submit(hard);
        }}
      >
        {rows.map((r, i) => {
          const line = lines.get(r.key);
          return (
            <div key={r.key} className={styles.quotaRow} data-level={quotaLevel(line?.ratio ?? 0)}>
              <label htmlFor={`quota-${i}`} className="mono">
                {r.key}{" "}
                {r.byHand ? <span className="pill">{t("projects.quota.byHand")}</span> : null}
              </label>
              <input
                id={`quota-${i}`}
                type="text"
                value={r.value}
                aria-invalid={problem?.field === r.key ? true : undefined}
                aria-describedby={problem?.field === r.key ? "quota-error" : undefined}
                onChange={(e) => setRows(rows.map((x) => (x.key === r.key ? { ...x, value: e.target.value } : x)))}
              />
              <span className="field-hint">{line ? t("quota.usage", { used: line.used, hard: line.hard }) : null}</span>
              {r.byHand ? (
                <button
                  type="button"
                  className="button button-secondary"
                  disabled={save.isPending}
                  onClick={() => submit({ [r.key]: "" })}
                  aria-label={t("projects.quota.giveBack", { resource: r.key })}
                >
                  <Icon name="history" size={16} />
                </button>
              ) : (
                <span />
              )}
            </div>
          );
        })}
        <div className={styles.inline}>
          <div className="field">
            <label htmlFor="quota-new-key">{t("projects.quota.newKey")}</label>
            <input
              id="quota-new-key"
              type="text"
              placeholder="requests.nvidia.com/gpu"
              value={added.key}
              aria-invalid={problem && (problem.field === added.key.trim() || problem.field === "resource") ? true : undefined}
              aria-describedby={problem ? "quota-error" : undefined}
              onChange={(e) => setAdded({ ...added, key: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor="quota-new-value">{t("projects.quota.newValue")}</label>
            <input id="quota-new-value" type="text" placeholder="1" value={added.value} onChange={(e) => setAdded({ ...added, value: e.target.value })} />
          </div>
          <div className="field">
            <button type="submit" className="button" disabled={save.isPending}>
              {t("projects.quota.save")}
            </button>
          </div>
          {problem ? (
            <p id="quota-error" className={styles.fieldError} role="alert">
              {t("projects.problem", { field: problem.field, rule: t(problem.rule) })}
            </p>
          ) : null}
        </div>
      </form>
      {save.isSuccess ? (
        <p role="status" className="field-hint">
          {t("projects.quota.saved")}
        </p>
      ) : null}
      {save.isError ? <ErrorNotice error={save.error} title={t("projects.quota.failed")} /> : null}
    </section>
  );
}
