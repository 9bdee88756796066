import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useApi } from "../../api/ApiProvider";
import { ApiError, fieldViolations } from "../../api/errors";
import { queryKeys } from "../../api/queries";
import type { APIToken, CreatedAPIToken, NewAPIToken } from "../../api/types";
import { CopyButton, ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { formatDateTime } from "../../format";
import { isOne, useI18n, useT, type MessageKey } from "../../i18n";
import styles from "./Account.module.css";
import { FormField } from "./GitSettings";

type Scope = NewAPIToken["scopes"][number];

/** How long a new token may last, in days, as offered (those beyond the instance's limit are not). */
const LIFETIMES = [1, 7, 30, 90, 365];

const SCOPE_LABELS: Record<string, MessageKey> = {
  read: "account.tokens.scope.read",
  write: "account.tokens.scope.write",
  admin: "account.tokens.scope.admin",
};
const SCOPE_HINTS: Record<string, MessageKey> = {
  read: "account.tokens.scope.read.hint",
  write: "account.tokens.scope.write.hint",
  admin: "account.tokens.scope.admin.hint",
};

/**
 * The user's API tokens for scripts: made here (name, scopes, expiry), shown once, listed
 * without their values, revoked. Scripts send one as Authorization: Bearer on /api/v1.
 */
export function APITokens() {
  const t = useT();
  const api = useApi();
  const q = useQuery({ queryKey: queryKeys.apiTokens, queryFn: ({ signal }) => api.listAPITokens(signal), gcTime: 0 });
  const [made, setMade] = useState<CreatedAPIToken | null>(null);
  const off = q.error instanceof ApiError && q.error.status === 501;
  return (
    <section className={styles.section} aria-labelledby="account-tokens">
      <h2 id="account-tokens">{t("account.tokens")}</h2>
      <p className="field-hint">{t("account.tokens.lead")}</p>
      {q.isPending ? <Loading /> : null}
      {off ? <p>{t("account.tokens.off")}</p> : null}
      {q.isError && !off ? <ErrorNotice error={q.error} onRetry={() => void q.refetch()} /> : null}
      {made ? <MadeToken made={made} onDone={() => setMade(null)} /> : null}
      {q.data ? (
        <>
          <TokenList tokens={q.data.tokens} />
          <NewTokenForm scopes={q.data.scopes} maxDays={q.data.maxDays} onMade={setMade} />
        </>
      ) : null}
    </section>
  );
}

/** A token just made: its value, this once, and how a script sends it. */
function MadeToken({ made, onDone }: { made: CreatedAPIToken; onDone(): void }) {
  const t = useT();
  return (
    <div className={styles.profile} role="status" aria-labelledby="account-token-made">
      <h3 id="account-token-made">{t("account.tokens.made", { name: made.token.name })}</h3>
      <p>{t("account.tokens.once")}</p>
      <div className={styles.credential}>
        <input
          className={styles.credentialValue}
          readOnly
          value={made.value}
          aria-label={t("account.tokens.value")}
          spellCheck={false}
          onFocus={(e) => e.currentTarget.select()}
        />
        <CopyButton text={made.value} label={t("account.tokens.copy")} />
      </div>
      <p className="field-hint">{t("account.tokens.use")}</p>
      <pre tabIndex={0} className={styles.example}>
        <code>{`read -rs BASALT_TOKEN && export BASALT_TOKEN\n${made.curl}`}</code>
      </pre>
      <div className={styles.formActions}>
        <button type="button" className="button button-secondary button-small" onClick={onDone}>
          {t("account.tokens.saved")}
        </button>
      </div>
    </div>
  );
}

/** The tokens that have not expired, each revocable. */
function TokenList({ tokens }: { tokens: APIToken[] }) {
  const { t, language } = useI18n();
  const api = useApi();
  const qc = useQueryClient();
  const revoke = useMutation({
    mutationFn: (id: string) => api.revokeAPIToken(id),
    onSuccess: () => void qc.invalidateQueries({ queryKey: queryKeys.apiTokens }),
  });
  if (tokens.length === 0) return <p>{t("account.tokens.none")}</p>;
  return (
    <>
      {revoke.isError ? <ErrorNotice error={revoke.error} /> : null}
      <table className="data-table">
        <caption className="visually-hidden">{t("account.tokens.list")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("account.tokens.name")}</th>
            <th scope="col">{t("account.tokens.scopes")}</th>
            <th scope="col">{t("account.tokens.created")}</th>
            <th scope="col">{t("account.tokens.expires")}</th>
            <th scope="col" className="actions">
              <span className="visually-hidden">{t("account.tokens.actions")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((tok) => (
            <tr key={tok.id}>
              <td>{tok.name}</td>
              <td>
                <span className={styles.pills}>
                  {tok.scopes.map((s) => (
                    <span key={s} className="pill">
                      {SCOPE_LABELS[s] ? t(SCOPE_LABELS[s]) : s}
                    </span>
                  ))}
                </span>
              </td>
              <td>{formatDateTime(tok.created, language)}</td>
              <td>{formatDateTime(tok.expires, language)}</td>
              <td className="actions">
                <button
                  type="button"
                  className="button button-danger button-small"
                  disabled={revoke.isPending}
                  onClick={() => revoke.mutate(tok.id)}
                >
                  {t("account.tokens.revoke", { name: tok.name })}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** Makes a token: a name, at least one scope, how long it lasts. */
function NewTokenForm({ scopes, maxDays, onMade }: { scopes: string[]; maxDays: number; onMade(made: CreatedAPIToken): void }) {
  const { t, language } = useI18n();
  const api = useApi();
  const qc = useQueryClient();
  const lifetimes = LIFETIMES.filter((d) => d <= maxDays);
  if (!lifetimes.includes(maxDays)) lifetimes.push(maxDays);
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<NewAPIToken["scopes"]>(["read"]);
  const [days, setDays] = useState(Math.min(30, maxDays));
  const create = useMutation({
    mutationFn: () =>
      api.createAPIToken({ name: name.trim(), scopes: chosen, expires: new Date(Date.now() + days * 86_400_000).toISOString() }),
    onSuccess: (made) => {
      setName("");
      onMade(made);
      void qc.invalidateQueries({ queryKey: queryKeys.apiTokens });
    },
  });
  const errors = new Map<string, string[]>();
  for (const v of fieldViolations(create.error)) {
    const field = v.field.replace(/\[\d+\]$/, "");
    errors.set(field, [...(errors.get(field) ?? []), v.rule]);
  }
  const unplaced = create.error && errors.size === 0;
  return (
    <form
      className={styles.gitForm}
      aria-labelledby="account-token-new"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <h3 id="account-token-new">{t("account.tokens.new")}</h3>
      <FormField id="account-token-name" label={t("account.tokens.name")} hint={t("account.tokens.nameHint")} errors={errors.get("name")}>
        {(a11y) => <input {...a11y} type="text" value={name} maxLength={100} autoComplete="off" onChange={(e) => setName(e.target.value)} />}
      </FormField>
      <fieldset className="field" aria-describedby={errors.get("scopes") ? "account-token-scopes-errors" : undefined}>
        <legend>{t("account.tokens.scopes")}</legend>
        {scopes.map((s) => (
          <label key={s} className={styles.switch}>
            <input
              type="checkbox"
              checked={chosen.includes(s as Scope)}
              onChange={(e) => setChosen(e.target.checked ? [...chosen, s as Scope] : chosen.filter((c) => c !== s))}
            />
            <span>
              {SCOPE_LABELS[s] ? t(SCOPE_LABELS[s]) : s}
              {SCOPE_HINTS[s] ? (
                <span className="field-hint" style={{ display: "block" }}>
                  {t(SCOPE_HINTS[s])}
                </span>
              ) : null}
            </span>
          </label>
        ))}
        {errors.get("scopes") ? (
          <span id="account-token-scopes-errors" className={styles.fieldError}>
            {errors.get("scopes")!.join("; ")}
          </span>
        ) : null}
      </fieldset>
      <FormField id="account-token-expires" label={t("account.tokens.lasts")} errors={errors.get("expires")}>
        {(a11y) => (
          <select {...a11y} value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {lifetimes.map((d) => (
              <option key={d} value={d}>
                {t(isOne(language, d) ? "account.tokens.days.one" : "account.tokens.days.other", { count: d })}
              </option>
            ))}
          </select>
        )}
      </FormField>
      {unplaced ? <ErrorNotice error={create.error} /> : null}
      <div className={styles.formActions}>
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          <Icon name="plus" size={16} />
          {t("account.tokens.make")}
        </button>
      </div>
    </form>
  );
}
