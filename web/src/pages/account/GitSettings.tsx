import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useApi } from "../../api/ApiProvider";
import { fieldViolations } from "../../api/errors";
import { queryKeys, useSettings } from "../../api/queries";
import type { UserSettings } from "../../api/types";
import { ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { useT } from "../../i18n";
import styles from "./Account.module.css";

/** The git identity every launched service receives (GET/PUT /me/settings). */
export function GitSettings() {
  const t = useT();
  const settings = useSettings();
  return (
    <section className={styles.section} aria-labelledby="account-git">
      <h2 id="account-git">{t("account.git")}</h2>
      <p className="field-hint">{t("account.git.lead")}</p>
      {settings.isPending ? <Loading /> : null}
      {settings.isError ? <ErrorNotice error={settings.error} onRetry={() => void settings.refetch()} /> : null}
      {settings.data ? <GitForm initial={settings.data} /> : null}
    </section>
  );
}

type TextField = "gitName" | "gitEmail" | "gitToken" | "gitProject";

function GitForm({ initial }: { initial: UserSettings }) {
  const t = useT();
  const api = useApi();
  const qc = useQueryClient();
  const [draft, setDraft] = useState(initial);
  // The TTL as typed: an empty or partial number must not turn into 0 under the user's fingers.
  const [ttl, setTtl] = useState(String(initial.gitCredentialsCacheTTL || ""));
  const [showToken, setShowToken] = useState(false);
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (s: UserSettings) => api.putSettings(s),
    onMutate: () => setSaved(false),
    onSuccess: (s) => {
      setSaved(true);
      qc.setQueryData(queryKeys.settings, s);
    },
  });
  const errors = new Map<string, string[]>();
  for (const v of fieldViolations(save.error)) errors.set(v.field, [...(errors.get(v.field) ?? []), v.rule]);
  const placed = new Set<string>(["gitName", "gitEmail", "gitToken", "gitProject", "gitCredentialsCacheTTL"]);
  const unplaced = [...errors].filter(([f]) => !placed.has(f));

  const edit = (field: keyof UserSettings, value: string) => {
    setSaved(false);
    setDraft({ ...draft, [field]: value });
  };
  const text = (field: TextField, label: string, type = "text", hint?: string) => (
    <FormField id={`git-${field}`} label={label} hint={hint} errors={errors.get(field)}>
      {(a11y) => (
        <input {...a11y} type={type} value={draft[field]} autoComplete="off" onChange={(e) => edit(field, e.target.value)} />
      )}
    </FormField>
  );

  return (
    <form
      className={styles.gitForm}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ ...draft, gitCredentialsCacheTTL: ttl.trim() === "" ? 0 : Number(ttl) });
      }}
    >
      {text("gitName", t("account.git.name"))}
      {text("gitEmail", t("account.git.email"), "email")}
      <FormField id="git-gitToken" label={t("account.git.token")} hint={t("account.git.tokenHint")} errors={errors.get("gitToken")}>
        {(a11y) => (
          <span className={styles.credential}>
            <input
              {...a11y}
              type={showToken ? "text" : "password"}
              value={draft.gitToken}
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => edit("gitToken", e.target.value)}
            />
            <button
              type="button"
              className="icon-button"
              aria-pressed={showToken}
              aria-label={t(showToken ? "account.cred.hide" : "account.cred.reveal", { name: t("account.git.token") })}
              onClick={() => setShowToken((v) => !v)}
            >
              <Icon name={showToken ? "eyeOff" : "eye"} size={16} />
            </button>
          </span>
        )}
      </FormField>
      {text("gitProject", t("account.git.project"), "text", t("account.git.projectHint"))}
      <FormField id="git-ttl" label={t("account.git.ttl")} hint={t("account.git.ttlHint")} errors={errors.get("gitCredentialsCacheTTL")}>
        {(a11y) => (
          <input
            {...a11y}
            type="number"
            min={0}
            step={1}
            value={ttl}
            onChange={(e) => {
              setSaved(false);
              setTtl(e.target.value);
            }}
          />
        )}
      </FormField>
      {unplaced.map(([f, rules]) => (
        <p key={f} className={styles.fieldError}>
          <code>{f}</code>: {rules.join("; ")}
        </p>
      ))}
      {save.error && errors.size === 0 ? <ErrorNotice error={save.error} title={t("account.git.saveError")} /> : null}
      <div className={styles.formActions}>
        <button type="submit" className="button" disabled={save.isPending}>
          {save.isPending ? t("ui.working") : t("account.git.save")}
        </button>
        {saved ? (
          <span role="status" className="pill pill-success">
            {t("account.git.saved")}
          </span>
        ) : null}
      </div>
    </form>
  );
}

/** A labelled input with its hint and the server's rules for it, both read out with it. */
export function FormField({
  id,
  label,
  hint,
  errors,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  errors?: string[];
  children(a11y: { id: string; "aria-invalid"?: true; "aria-describedby"?: string }): React.ReactNode;
}) {
  const described = [hint ? `${id}-hint` : "", errors ? `${id}-errors` : ""].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, "aria-invalid": errors ? true : undefined, "aria-describedby": described || undefined })}
      {hint ? (
        <span id={`${id}-hint`} className="field-hint">
          {hint}
        </span>
      ) : null}
      {errors ? (
        <span id={`${id}-errors`} className={styles.fieldError}>
          {errors.join("; ")}
        </span>
      ) : null}
    </div>
  );
}
