import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { useApi } from "../../api/ApiProvider";
import { fieldViolations } from "../../api/errors";
import { queryKeys, useServiceAccess } from "../../api/queries";
import type { AccessGrant, ServiceView as Service } from "../../api/types";
import { Dialog } from "../../components/Dialog";
import { CopyButton, ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { formatDateTime } from "../../format";
import { useI18n, type MessageKey } from "../../i18n";
import { toLocalInput } from "../../lifecycle/keepTime";
import { useProject } from "../../project";
import {
  checkDraft,
  expiryBounds,
  grantKey,
  GRANT_KINDS,
  grantsToSend,
  isExpired,
  linkNumbers,
  newLink,
  placeRefusal,
  type DraftField,
  type DraftProblem,
  type ExpiryChoice,
  type GrantDraft,
  type GrantKind,
  type SentGrant,
} from "./grants";
import styles from "./Services.module.css";

type NamedKind = Exclude<GrantKind, "link">;
const KIND_LABELS: Record<GrantKind, MessageKey> = {
  user: "grants.kind.user",
  group: "grants.kind.group",
  project: "grants.kind.project",
  link: "grants.kind.link",
};
const NAME_LABELS: Record<NamedKind, MessageKey> = { user: "grants.name.user", group: "grants.name.group", project: "grants.name.project" };
const NAME_HINTS: Record<NamedKind, MessageKey> = { user: "grants.name.hint.user", group: "grants.name.hint.group", project: "grants.name.hint.project" };
const EXPIRY_LABELS: Record<ExpiryChoice, MessageKey> = {
  never: "grants.expiry.never",
  day: "grants.expiry.day",
  week: "grants.expiry.week",
  month: "grants.expiry.month",
  date: "grants.expiry.date",
};
const PROBLEMS: Record<DraftProblem, MessageKey> = {
  "name.empty": "grants.error.name.empty",
  "name.long": "grants.error.name.long",
  "name.owner": "grants.error.name.owner",
  "expires.invalid": "grants.error.expires.invalid",
  "expires.past": "grants.error.expires.past",
  "expires.beyond": "grants.error.expires.beyond",
};

const emptyDraft = (kind: GrantKind = "user"): GrantDraft => ({ kind, name: "", expiry: "never", date: "" });

/**
 * "Share <name>": who else may open the service through the gateway, each grant removable, and
 * a form that gives access to a user, a group, a project's members or anyone signed in who
 * follows a link the server makes (shown with a Copy button), until an optional expiry within
 * a year. Each change sends the whole list at once; the server's refusal shows at the field it
 * names. The owner's alone: the server answers anyone else 403.
 */
export function ShareDialog({ service, onClose }: { service: Service; onClose(): void }) {
  const { t, language } = useI18n();
  const api = useApi();
  const qc = useQueryClient();
  const { me, project, isGroup } = useProject();
  const access = useServiceAccess(project.id, service.id);
  const save = useMutation({
    mutationFn: (sent: SentGrant[]) => api.setServiceAccess(project.id, service.id, sent.map((s) => s.input)),
    onSuccess: (grants) => qc.setQueryData(queryKeys.serviceAccess(project.id, service.id), grants),
  });
  const [draft, setDraft] = useState<GrantDraft>(emptyDraft);
  const [problem, setProblem] = useState<{ field: DraftField; problem: DraftProblem } | null>(null);
  const [status, setStatus] = useState("");
  const [opened] = useState(() => Date.now());
  const listTitle = useRef<HTMLHeadingElement>(null);
  const nameInput = useRef<HTMLInputElement>(null);
  const kindSelect = useRef<HTMLSelectElement>(null);
  const id = useId();
  // The link just made, whose address takes the focus once listed.
  const [made, setMade] = useState<number | null>(null);
  const linkField = (n: number) => `${id}-link-${n}`;
  useEffect(() => {
    if (made === null) return;
    const field = document.getElementById(linkField(made));
    if (field) {
      field.focus();
      setMade(null);
    }
  });

  const shown = access.data ?? [];
  const links = linkNumbers(shown);
  const refusal = placeRefusal(fieldViolations(save.error), save.variables ?? []);
  const draftError = (field: DraftField) => (problem?.field === field ? t(PROBLEMS[problem.problem]) : refusal.draft[field]);
  const placedAny = Object.keys(refusal.draft).length > 0 || Object.keys(refusal.rows).length > 0;

  const edit = (next: Partial<GrantDraft>) => {
    setDraft((d) => ({ ...d, ...next }));
    setProblem(null);
    save.reset();
  };

  const add = () => {
    if (save.isPending) return;
    const now = Date.now();
    const checked = checkDraft(draft, service.owner, now);
    if (!("grant" in checked)) {
      setProblem(checked);
      return;
    }
    const { grant } = checked;
    const replaces = shown.some((g) => grantKey(g) === grantKey(grant));
    setStatus("");
    save.mutate(grantsToSend(shown, now, { add: grant }), {
      onSuccess: (answered) => {
        setDraft((d) => emptyDraft(d.kind));
        if (grant.kind === "link") {
          const link = newLink(shown, answered);
          const n = link ? linkNumbers(answered).get(link.name) : undefined;
          setStatus(t("grants.link.made", { n: n ?? "" }));
          if (n) setMade(n);
          else kindSelect.current?.focus();
          return;
        }
        setStatus(t(replaces ? "grants.changed" : "grants.added", { name: grant.name ?? "" }));
        nameInput.current?.focus();
      },
    });
  };

  const remove = (g: AccessGrant) => {
    if (save.isPending) return;
    setProblem(null);
    setStatus("");
    save.mutate(grantsToSend(shown, Date.now(), { remove: grantKey(g) }), {
      onSuccess: () => {
        setStatus(g.kind === "link" ? t("grants.link.removed", { n: links.get(g.name) ?? "" }) : t("grants.removed", { name: g.name }));
        // The row and its button are gone: focus stays in the dialog, at the list.
        listTitle.current?.focus();
      },
    });
  };

  const field = (name: DraftField) => {
    const error = draftError(name);
    const hint = name === "name" ? `${id}-name-hint` : name === "expires" && draft.expiry === "date" ? `${id}-date-hint` : "";
    return {
      props: {
        "aria-invalid": error ? true : undefined,
        "aria-describedby": [hint, error ? `${id}-${name}-error` : ""].filter(Boolean).join(" ") || undefined,
      },
      message: error ? (
        <span id={`${id}-${name}-error`} className={styles.fieldError}>
          {error}
        </span>
      ) : null,
    };
  };
  const kind = field("kind");
  const name = field("name");
  const expires = field("expires");
  const bounds = expiryBounds(opened);

  return (
    <Dialog
      wide
      title={t("grants.title", { name: service.friendlyName })}
      onClose={onClose}
      footer={
        <button type="button" className="button button-secondary" onClick={onClose}>
          {t("ui.close")}
        </button>
      }
    >
      <p>{t("grants.lead", { name: service.friendlyName })}</p>
      {isGroup && !service.shared ? (
        <div className={`notice ${styles.shareNotice}`} data-severity="warning">
          <Icon name="alert" size={18} />
          <p>{t("grants.notShared", { name: service.friendlyName })}</p>
        </div>
      ) : null}

      <h3 ref={listTitle} tabIndex={-1} className={styles.shareTitle}>
        {t("grants.list")}
      </h3>
      {access.isPending ? <Loading /> : null}
      {access.isError ? <ErrorNotice error={access.error} onRetry={() => void access.refetch()} /> : null}
      {access.isSuccess && shown.length === 0 ? <p className="field-hint">{t("grants.none")}</p> : null}
      {shown.length > 0 ? (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t("grants.col.who")}</th>
              <th scope="col">{t("grants.col.until")}</th>
              <th scope="col">{t("grants.col.by")}</th>
              <th scope="col">
                <span className="visually-hidden">{t("grants.col.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((g, i) => {
              const key = grantKey(g);
              const rowError = refusal.rows[key];
              const rowErrorId = `${id}-row-${i}`;
              const n = links.get(g.name);
              return (
                <tr key={key}>
                  <td>
                    {g.kind === "link" && n ? (
                      <>
                        <span className="pill">{t("grants.link.pill")}</span>{" "}
                        <input
                          id={linkField(n)}
                          type="text"
                          readOnly
                          className="mono"
                          value={g.url ?? ""}
                          aria-label={t("grants.link.address", { n })}
                          onFocus={(e) => e.currentTarget.select()}
                        />{" "}
                        {g.url ? <CopyButton text={g.url} label={t("grants.link.copy", { n })} /> : null}
                      </>
                    ) : (
                      <>
                        <span className="pill">{t(KIND_LABELS[g.kind])}</span> <span className="mono">{g.name}</span>
                      </>
                    )}
                    {rowError ? (
                      <span id={rowErrorId} className={`${styles.fieldError} ${styles.block}`}>
                        {rowError}
                      </span>
                    ) : null}
                  </td>
                  <td>
                    {!g.expires
                      ? t("grants.until.never")
                      : isExpired(g, Date.now())
                        ? t("grants.until.expired", { date: formatDateTime(g.expires, language) })
                        : formatDateTime(g.expires, language)}
                  </td>
                  <td>{g.by ? t("grants.by", { name: g.by, date: formatDateTime(g.created, language) }) : null}</td>
                  <td className="actions">
                    <button
                      type="button"
                      className="button button-secondary button-small"
                      aria-label={g.kind === "link" && n ? t("grants.link.remove", { n }) : t("grants.remove", { name: g.name })}
                      aria-describedby={rowError ? rowErrorId : undefined}
                      onClick={() => remove(g)}
                    >
                      {t("grants.removeShort")}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      <p className="field-hint">{t("grants.revokes")}</p>

      <form
        className={styles.shareForm}
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          add();
        }}
      >
        <fieldset>
          <legend>{t("grants.add")}</legend>
          <div className={styles.shareFields}>
            <div className="field">
              <label htmlFor={`${id}-kind`}>{t("grants.kind")}</label>
              <select
                ref={kindSelect}
                id={`${id}-kind`}
                value={draft.kind}
                onChange={(e) => edit({ kind: e.target.value as GrantKind })}
                {...kind.props}
              >
                {GRANT_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {t(KIND_LABELS[k])}
                  </option>
                ))}
              </select>
              {kind.message}
            </div>
            {draft.kind === "link" ? (
              <p className={`field-hint ${styles.block}`}>{t("grants.link.hint", { name: service.friendlyName })}</p>
            ) : (
              <div className="field">
                <label htmlFor={`${id}-name`}>{t(NAME_LABELS[draft.kind])}</label>
                <input
                  ref={nameInput}
                  id={`${id}-name`}
                  type="text"
                  autoComplete="off"
                  spellCheck={false}
                  maxLength={128}
                  value={draft.name}
                  list={draft.kind === "user" ? undefined : `${id}-suggestions`}
                  onChange={(e) => edit({ name: e.target.value })}
                  {...name.props}
                  data-autofocus
                />
                <span id={`${id}-name-hint`} className="field-hint">
                  {t(NAME_HINTS[draft.kind])}
                </span>
                {name.message}
                {draft.kind === "user" ? null : (
                  <datalist id={`${id}-suggestions`}>
                    {(draft.kind === "group" ? me.groups : me.projects.map((p) => p.id)).map((v) => (
                      <option key={v} value={v} />
                    ))}
                  </datalist>
                )}
              </div>
            )}
            <div className="field">
              <label htmlFor={`${id}-expiry`}>{t("grants.expiry")}</label>
              <select
                id={`${id}-expiry`}
                value={draft.expiry}
                onChange={(e) => {
                  const expiry = e.target.value as ExpiryChoice;
                  edit({ expiry, date: expiry === "date" && !draft.date ? toLocalInput(bounds.max) : draft.date });
                }}
                {...(draft.expiry === "date" ? {} : expires.props)}
              >
                {(Object.keys(EXPIRY_LABELS) as ExpiryChoice[]).map((c) => (
                  <option key={c} value={c}>
                    {t(EXPIRY_LABELS[c])}
                  </option>
                ))}
              </select>
              {draft.expiry === "date" ? null : expires.message}
            </div>
            {draft.expiry === "date" ? (
              <div className="field">
                <label htmlFor={`${id}-date`}>{t("grants.expiry.on")}</label>
                <input
                  id={`${id}-date`}
                  type="datetime-local"
                  value={draft.date}
                  min={toLocalInput(bounds.min)}
                  max={toLocalInput(bounds.max)}
                  onChange={(e) => edit({ date: e.target.value })}
                  {...expires.props}
                />
                <span id={`${id}-date-hint`} className="field-hint">
                  {t("grants.expiry.hint", { date: formatDateTime(bounds.max.toISOString(), language) })}
                </span>
                {expires.message}
              </div>
            ) : null}
          </div>
          <button type="submit" className="button" aria-disabled={save.isPending || undefined}>
            {save.isPending ? t("ui.working") : t(draft.kind === "link" ? "grants.link.make" : "grants.addButton")}
          </button>
        </fieldset>
      </form>
      <p role="status" className="field-hint">
        {status}
      </p>
      {save.isError && !placedAny ? <ErrorNotice error={save.error} title={t("grants.error")} /> : null}
    </Dialog>
  );
}
