import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useApi } from "../../api/ApiProvider";
import { ApiError, fieldViolations } from "../../api/errors";
import { queryKeys } from "../../api/queries";
import type { S3ProfileView as S3Profile, S3ProfileInput } from "../../api/types";
import { ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { useT } from "../../i18n";
import styles from "./Account.module.css";
import { Field, Snippets } from "./Credentials";
import { FormField } from "./GitSettings";

const blank: S3ProfileInput = {
  name: "",
  url: "",
  region: "",
  pathStyleAccess: false,
  accessKeyId: "",
  secretAccessKey: "",
  defaultForServices: false,
};

/**
 * The S3 profiles the user brought (another store, another account), kept in their account:
 * list, create, edit, delete, reveal the keys; one may be the default for their services.
 */
export function S3Profiles() {
  const t = useT();
  const api = useApi();
  const q = useQuery({ queryKey: queryKeys.s3Profiles, queryFn: ({ signal }) => api.listS3Profiles(signal), gcTime: 0 });
  // null: no form open; "": a new profile; a name: that profile being edited.
  const [editing, setEditing] = useState<string | null>(null);
  const profiles = q.data ?? [];
  return (
    <section className={styles.section} aria-labelledby="account-s3-profiles">
      <h2 id="account-s3-profiles">{t("account.s3profiles")}</h2>
      <p className="field-hint">{t("account.s3profiles.lead")}</p>
      {q.isPending ? <Loading /> : null}
      {q.error instanceof ApiError && q.error.status === 501 ? <p>{t("account.s3profiles.unavailable")}</p> : null}
      {q.isError && !(q.error instanceof ApiError && q.error.status === 501) ? <ErrorNotice error={q.error} onRetry={() => void q.refetch()} /> : null}
      {q.data && profiles.length === 0 ? <p>{t("account.s3profiles.none")}</p> : null}
      {profiles.map((p) =>
        editing === p.name ? (
          <ProfileForm key={p.name} saved={p} onDone={() => setEditing(null)} />
        ) : (
          <ProfileCard key={p.name} profile={p} onEdit={() => setEditing(p.name)} />
        ),
      )}
      {editing === "" ? (
        <ProfileForm onDone={() => setEditing(null)} />
      ) : q.data ? (
        <button type="button" className="button button-secondary" onClick={() => setEditing("")}>
          <Icon name="plus" size={16} />
          {t("account.s3profiles.add")}
        </button>
      ) : null}
    </section>
  );
}

/** One profile: its settings, its secret key masked until the user asks the server for it. */
function ProfileCard({ profile: p, onEdit }: { profile: S3Profile; onEdit(): void }) {
  const t = useT();
  const api = useApi();
  const qc = useQueryClient();
  const [revealed, setRevealed] = useState(false);
  const creds = useQuery({
    queryKey: queryKeys.s3ProfileCredentials(p.name),
    queryFn: ({ signal }) => api.getS3ProfileCredentials(p.name, signal),
    enabled: revealed,
    gcTime: 0,
    retry: false,
  });
  const remove = useMutation({
    mutationFn: () => api.deleteS3Profile(p.name),
    onSuccess: () => void qc.invalidateQueries({ queryKey: queryKeys.s3Profiles }),
  });
  const secretLabel = t("account.cred.secretAccessKey");
  return (
    <article className={styles.profile} aria-label={p.name}>
      <h3>
        {p.name}
        {p.defaultForServices ? <span className="pill pill-success">{t("account.s3profiles.forServices")}</span> : null}
      </h3>
      <dl className={styles.facts}>
        <Field name={t("account.cred.endpoint")} value={p.url} />
        <Field name={t("account.cred.region")} value={p.region || "us-east-1"} />
        <dt>{t("account.cred.pathStyle")}</dt>
        <dd>{p.pathStyleAccess ? t("account.cred.yes") : t("account.cred.no")}</dd>
        <Field name={t("account.cred.accessKeyId")} value={p.accessKeyId} />
        {creds.data ? (
          <>
            <Field name={secretLabel} value={creds.data.secretAccessKey} />
            {creds.data.sessionToken ? <Field name={t("account.cred.sessionToken")} value={creds.data.sessionToken} secret /> : null}
          </>
        ) : (
          <>
            <dt>{secretLabel}</dt>
            <dd className={styles.credential}>
              <code className={styles.credentialValue} aria-label={secretLabel}>
                {"•".repeat(16)}
              </code>
              <button
                type="button"
                className="icon-button"
                aria-label={t("account.cred.reveal", { name: secretLabel })}
                disabled={creds.isFetching}
                onClick={() => setRevealed(true)}
              >
                <Icon name="eye" size={16} />
              </button>
            </dd>
          </>
        )}
      </dl>
      {creds.isError ? <ErrorNotice error={creds.error} /> : null}
      {creds.data ? <Snippets id={`s3-profile-${p.name}-snippets`} snippets={creds.data.snippets} /> : null}
      {remove.isError ? <ErrorNotice error={remove.error} /> : null}
      <div className={styles.formActions}>
        <button type="button" className="button button-secondary button-small" onClick={onEdit}>
          {t("account.s3profiles.edit", { name: p.name })}
        </button>
        <button type="button" className="button button-danger button-small" disabled={remove.isPending} onClick={() => remove.mutate()}>
          {t("account.s3profiles.delete", { name: p.name })}
        </button>
      </div>
    </article>
  );
}

type TextField = "name" | "url" | "region" | "accessKeyId";
const placed = new Set(["name", "url", "region", "accessKeyId", "secretAccessKey", "sessionToken", "pathStyleAccess", "defaultForServices"]);

/** Creates a profile, or edits one: its secrets are never shown here, empty keeps them. */
export function ProfileForm({ saved, onDone }: { saved?: S3Profile; onDone(): void }) {
  const t = useT();
  const api = useApi();
  const qc = useQueryClient();
  const [draft, setDraft] = useState<S3ProfileInput>(saved ? { ...blank, ...saved, secretAccessKey: "" } : blank);
  const [sessionToken, setSessionToken] = useState("");
  const [dropToken, setDropToken] = useState(false);
  const [showSecret, setShowSecret] = useState(false);
  const save = useMutation({
    mutationFn: (input: S3ProfileInput) => (saved ? api.updateS3Profile(saved.name, input) : api.createS3Profile(input)),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: queryKeys.s3Profiles });
      onDone();
    },
  });
  const errors = new Map<string, string[]>();
  for (const v of fieldViolations(save.error)) errors.set(v.field, [...(errors.get(v.field) ?? []), v.rule]);
  const unplaced = [...errors].filter(([f]) => !placed.has(f));
  const id = (f: string) => `s3-profile-${saved?.name ?? "new"}-${f}`;

  const text = (field: TextField, label: string, hint?: string, type = "text") => (
    <FormField id={id(field)} label={label} hint={hint} errors={errors.get(field)}>
      {(a11y) => (
        <input {...a11y} type={type} value={draft[field]} autoComplete="off" spellCheck={false} onChange={(e) => setDraft({ ...draft, [field]: e.target.value })} />
      )}
    </FormField>
  );
  const submit = () => {
    const input: S3ProfileInput = { ...draft };
    delete input.sessionToken;
    if (sessionToken !== "") input.sessionToken = sessionToken;
    else if (!saved || dropToken) input.sessionToken = "";
    save.mutate(input);
  };

  return (
    <form
      className={styles.gitForm}
      aria-label={saved ? t("account.s3profiles.edit", { name: saved.name }) : t("account.s3profiles.add")}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {text("name", t("account.s3profiles.name"), t("account.s3profiles.nameHint"))}
      {text("url", t("account.cred.endpoint"), t("account.s3profiles.urlHint"), "url")}
      {text("region", t("account.cred.region"), t("account.s3profiles.regionHint"))}
      <label className={styles.switch}>
        <input type="checkbox" checked={draft.pathStyleAccess} onChange={(e) => setDraft({ ...draft, pathStyleAccess: e.target.checked })} />
        <span>{t("account.cred.pathStyle")}</span>
      </label>
      {text("accessKeyId", t("account.cred.accessKeyId"))}
      <FormField
        id={id("secretAccessKey")}
        label={t("account.cred.secretAccessKey")}
        hint={saved ? t("account.s3profiles.keepSecret") : undefined}
        errors={errors.get("secretAccessKey")}
      >
        {(a11y) => (
          <span className={styles.credential}>
            <input
              {...a11y}
              type={showSecret ? "text" : "password"}
              value={draft.secretAccessKey}
              autoComplete="new-password"
              spellCheck={false}
              onChange={(e) => setDraft({ ...draft, secretAccessKey: e.target.value })}
            />
            <button
              type="button"
              className="icon-button"
              aria-pressed={showSecret}
              aria-label={t(showSecret ? "account.cred.hide" : "account.cred.reveal", { name: t("account.cred.secretAccessKey") })}
              onClick={() => setShowSecret((v) => !v)}
            >
              <Icon name={showSecret ? "eyeOff" : "eye"} size={16} />
            </button>
          </span>
        )}
      </FormField>
      <FormField
        id={id("sessionToken")}
        label={t("account.s3profiles.sessionToken")}
        hint={saved?.hasSessionToken ? t("account.s3profiles.keepSecret") : t("account.s3profiles.optional")}
        errors={errors.get("sessionToken")}
      >
        {(a11y) => (
          <input {...a11y} type="password" value={sessionToken} autoComplete="off" spellCheck={false} onChange={(e) => setSessionToken(e.target.value)} />
        )}
      </FormField>
      {saved?.hasSessionToken ? (
        <label className={styles.switch}>
          <input type="checkbox" checked={dropToken} onChange={(e) => setDropToken(e.target.checked)} />
          <span>{t("account.s3profiles.dropToken")}</span>
        </label>
      ) : null}
      <label className={styles.switch}>
        <input type="checkbox" checked={draft.defaultForServices} onChange={(e) => setDraft({ ...draft, defaultForServices: e.target.checked })} />
        <span>
          {t("account.s3profiles.forServices")}
          <span className="field-hint" style={{ display: "block" }}>
            {t("account.s3profiles.forServicesHint")}
          </span>
        </span>
      </label>
      {unplaced.map(([f, rules]) => (
        <p key={f} className={styles.fieldError}>
          <code>{f}</code>: {rules.join("; ")}
        </p>
      ))}
      {save.error && errors.size === 0 ? <ErrorNotice error={save.error} /> : null}
      <div className={styles.formActions}>
        <button type="submit" className="button" disabled={save.isPending}>
          {save.isPending ? t("ui.working") : t("account.s3profiles.save")}
        </button>
        <button type="button" className="button button-secondary" onClick={onDone}>
          {t("account.s3profiles.cancel")}
        </button>
      </div>
    </form>
  );
}
