import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useApi } from "../../api/ApiProvider";
import { ApiError } from "../../api/errors";
import { queryKeys } from "../../api/queries";
import type { Snippet } from "../../api/types";
import { CopyButton, ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { Tabs } from "../../components/Tabs";
import { formatCountdown } from "../../format";
import { useT } from "../../i18n";
import { useProject } from "../../project";
import styles from "./Account.module.css";

/**
 * The caller's storage keys for the current project: reveal, copy, expiry, snippets. Not asked
 * for where the region's store hands out none (offered false: /api/v1/config says it lacks them).
 */
export function StorageCredentials({ offered }: { offered: boolean }) {
  const t = useT();
  const api = useApi();
  const { project } = useProject();
  const q = useQuery({
    queryKey: queryKeys.storageCredentials(project.id),
    queryFn: ({ signal }) => api.getStorageCredentials(project.id, signal),
    enabled: offered,
    retry: false,
    staleTime: 60_000,
  });
  useLackLearnt(q.error);
  return (
    <section className={styles.section} aria-labelledby="account-storage">
      <h2 id="account-storage">{t("account.storage")}</h2>
      <p className="field-hint">{t("account.storage.lead")}</p>
      <CredentialsBody query={q} offered={offered} unavailable={t("account.storage.unavailable")}>
        {(c) => (
          <>
            <Expiry expiration={c.expiration} onRenew={() => void q.refetch()} />
            <dl className={styles.facts}>
              <Field name={t("account.cred.accessKeyId")} value={c.accessKeyId} />
              <Field name={t("account.cred.secretAccessKey")} value={c.secretAccessKey} secret />
              {c.sessionToken ? <Field name={t("account.cred.sessionToken")} value={c.sessionToken} secret /> : null}
              <Field name={t("account.cred.endpoint")} value={c.endpoint} />
              <Field name={t("account.cred.region")} value={c.region} />
              <dt>{t("account.cred.pathStyle")}</dt>
              <dd>{c.pathStyle ? t("account.cred.yes") : t("account.cred.no")}</dd>
              <Field name={t("account.cred.folder")} value={`${c.defaultBucket}/${c.defaultPrefix}`.replace(/\/+$/, "/")} />
            </dl>
            <Snippets id="storage-snippets" snippets={c.snippets} />
          </>
        )}
      </CredentialsBody>
    </section>
  );
}

/** The caller's token to the secrets store (Vault), with snippets; not asked for where the store hands out none. */
export function SecretsCredentials({ offered }: { offered: boolean }) {
  const t = useT();
  const api = useApi();
  const { project } = useProject();
  const q = useQuery({
    queryKey: queryKeys.secretsCredentials(project.id),
    queryFn: ({ signal }) => api.getSecretsCredentials(project.id, signal),
    enabled: offered,
    retry: false,
    staleTime: 60_000,
  });
  useLackLearnt(q.error);
  return (
    <section className={styles.section} aria-labelledby="account-secrets">
      <h2 id="account-secrets">{t("account.secrets")}</h2>
      <p className="field-hint">{t("account.secrets.lead")}</p>
      <CredentialsBody query={q} offered={offered} unavailable={t("account.secrets.unavailable")}>
        {(c) => (
          <>
            <Expiry expiration={c.expiration} onRenew={() => void q.refetch()} />
            <dl className={styles.facts}>
              <Field name={t("account.cred.token")} value={c.token} secret />
              <Field name={t("account.cred.address")} value={c.address} />
              <Field name={t("account.cred.home")} value={c.home} />
            </dl>
            <Snippets id="secrets-snippets" snippets={c.snippets} />
          </>
        )}
      </CredentialsBody>
    </section>
  );
}

/**
 * The region's plugin has answered that it does not hand this out (501): the configuration
 * says so from now on (regions[].lacks), and is read again so that the page stops asking.
 */
function useLackLearnt(error: unknown) {
  const queryClient = useQueryClient();
  const lacking = isUnimplemented(error);
  useEffect(() => {
    if (lacking) void queryClient.invalidateQueries({ queryKey: queryKeys.config });
  }, [lacking, queryClient]);
}

const isUnimplemented = (error: unknown) => error instanceof ApiError && error.status === 501;

/** "Not in this region" (not offered, or a 501), loading, an error, or the credentials. */
function CredentialsBody<T>({
  query,
  offered,
  unavailable,
  children,
}: {
  query: { data?: T; error: unknown; isPending: boolean; refetch(): unknown };
  offered: boolean;
  unavailable: string;
  children(data: T): React.ReactNode;
}) {
  if (!offered || isUnimplemented(query.error)) return <p>{unavailable}</p>;
  if (query.isPending) return <Loading />;
  if (query.error) return <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />;
  return query.data ? <>{children(query.data)}</> : null;
}

/** One credential: masked until revealed when secret, always copyable. */
export function Field({ name, value, secret }: { name: string; value: string; secret?: boolean }) {
  const t = useT();
  const [shown, setShown] = useState(!secret);
  return (
    <>
      <dt>{name}</dt>
      <dd className={styles.credential}>
        <code className={styles.credentialValue} aria-label={name}>
          {shown ? value : "•".repeat(16)}
        </code>
        {secret ? (
          <button
            type="button"
            className="icon-button"
            aria-pressed={shown}
            aria-label={shown ? t("account.cred.hide", { name }) : t("account.cred.reveal", { name })}
            onClick={() => setShown((s) => !s)}
          >
            <Icon name={shown ? "eyeOff" : "eye"} size={16} />
          </button>
        ) : null}
        <CopyButton text={value} label={t("account.cred.copy", { name })} />
      </dd>
    </>
  );
}

/** The time left until the credentials expire, each second; renew once they have. */
function Expiry({ expiration, onRenew }: { expiration?: string; onRenew(): void }) {
  const t = useT();
  const [now, setNow] = useState(() => Date.now());
  const until = expiration ? Date.parse(expiration) : NaN;
  useEffect(() => {
    if (Number.isNaN(until)) return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [until]);
  if (Number.isNaN(until)) return <p className="field-hint">{t("account.cred.noExpiry")}</p>;
  const left = until - now;
  return (
    <p className={styles.expiry} role="timer" aria-live="off">
      {left > 0 ? t("account.cred.expires", { time: formatCountdown(left) }) : t("account.cred.expired")}
      <button type="button" className="button button-secondary button-small" onClick={onRenew}>
        <Icon name="refresh" size={14} />
        {t("account.cred.renew")}
      </button>
    </p>
  );
}

/** Snippets in tabs (AWS CLI, mc, Python, R, DuckDB, vault…), each with a copy button. */
export function Snippets({ id, snippets }: { id: string; snippets: Snippet[] }) {
  const t = useT();
  const [selected, setSelected] = useState(snippets[0]?.id ?? "");
  const current = snippets.find((s) => s.id === selected) ?? snippets[0];
  if (!current) return null;
  return (
    <div className={styles.snippets}>
      <h3>{t("account.snippets")}</h3>
      <Tabs items={snippets.map((s) => ({ id: s.id, label: s.label }))} selected={current.id} onSelect={setSelected} label={t("account.snippets")} idPrefix={id} />
      <div id={`${id}-panel`} role="tabpanel" aria-labelledby={`${id}-tab-${current.id}`} className={styles.snippet}>
        <pre tabIndex={0} data-language={current.language}>
          <code>{current.code}</code>
        </pre>
        <CopyButton text={current.code} label={t("account.snippet.copy")} />
      </div>
    </div>
  );
}
