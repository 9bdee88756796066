import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useApi } from "../../api/ApiProvider";
import { ApiError, fieldViolations } from "../../api/errors";
import { queryKeys, useProfile } from "../../api/queries";
import type { FormField, ProfileView } from "../../api/types";
import { ErrorNotice, Loading } from "../../components/Feedback";
import { useT } from "../../i18n";
import { GroupView } from "../launcher/FieldWidgets";
import { checkValues, mergeErrors } from "../launcher/formChecks";
import { LaunchFormContext, type LaunchFormState } from "../launcher/formContext";
import { errorsByPath, initialValues, type FieldErrors } from "../launcher/formModel";
import { setIn, type Values } from "../launcher/paths";
import styles from "./Account.module.css";

/**
 * The profile form the administrator declares (GET/PUT /me/profile): every service the user
 * launches reads the answers as user.profile.<field>. Nothing when the instance declares none.
 */
export function ProfileForm() {
  const t = useT();
  const profile = useProfile();
  if (profile.isPending) return <Loading />;
  // A server without the form (404) or a region without a store for the answers (501): no form.
  if (profile.isError) {
    const absent = profile.error instanceof ApiError && (profile.error.status === 404 || profile.error.status === 501);
    return absent ? null : <ErrorNotice error={profile.error} onRetry={() => void profile.refetch()} />;
  }
  const form = profile.data.form;
  if (!form?.fields?.length) return null;
  return (
    <section className={styles.section} aria-labelledby="account-profile-form">
      <h2 id="account-profile-form">{t("account.profileForm")}</h2>
      <p className="field-hint">{t("account.profileForm.lead")}</p>
      <Answers form={form} saved={profile.data} />
    </section>
  );
}

const NO_LINKS = new Set<string>();
const NO_PAIRS = new Map();

/** The answers sent: those given, an empty text being none (its default applies). */
function answers(values: Values): Values {
  const out: Values = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== null && v !== "") out[k] = v;
  return out;
}

function Answers({ form, saved }: { form: FormField; saved: ProfileView }) {
  const t = useT();
  const api = useApi();
  const qc = useQueryClient();
  const initial = useMemo(() => initialValues(form), [form]);
  const [values, setValues] = useState<Values>(initial);
  const [done, setDone] = useState(false);
  const save = useMutation({
    mutationFn: (v: Values) => api.putProfile({ values: v }),
    onMutate: () => setDone(false),
    onSuccess: (view) => {
      setDone(true);
      qc.setQueryData(queryKeys.profile, view);
    },
  });
  // The server names each field as values.<field>; the form's paths are the fields' names.
  const refused: FieldErrors = errorsByPath(fieldViolations(save.error).map((v) => ({ ...v, field: v.field.replace(/^values\./, "") })));
  const checked = checkValues(form, values, { initial, linked: NO_LINKS, pairs: NO_PAIRS }, t);
  const errors = mergeErrors(checked, save.isPending ? new Map() : refused);
  const known = new Set((form.fields ?? []).map((f) => f.key));
  const unplaced = [...refused].filter(([f]) => !known.has(f));
  const state: LaunchFormState = {
    values,
    set: (path, v) => {
      setDone(false);
      save.reset();
      setValues((prev) => setIn(prev, path, v));
    },
    errors,
    pairs: NO_PAIRS,
    disabled: save.isPending,
  };
  const defaults = (form.fields ?? []).filter((f) => f.default !== undefined && saved.values[f.key ?? ""] === undefined);

  return (
    <form
      className={styles.gitForm}
      noValidate
      aria-label={t("account.profileForm")}
      onSubmit={(e) => {
        e.preventDefault();
        if (checked.size === 0) save.mutate(answers(values));
      }}
    >
      <LaunchFormContext value={state}>
        <GroupView field={form} at={[]} flat />
      </LaunchFormContext>
      {defaults.length > 0 ? (
        <p className="field-hint">
          {t("account.profileForm.defaults", { fields: defaults.map((f) => `${f.title || f.key}: ${String(f.default)}`).join(", ") })}
        </p>
      ) : null}
      {unplaced.map(([f, rules]) => (
        <p key={f} className={styles.fieldError}>
          <code>{f}</code>: {rules.join("; ")}
        </p>
      ))}
      {save.error && refused.size === 0 ? <ErrorNotice error={save.error} title={t("account.profileForm.saveError")} /> : null}
      <div className={styles.formActions}>
        <button type="submit" className="button" disabled={save.isPending}>
          {save.isPending ? t("ui.working") : t("account.profileForm.save")}
        </button>
        {done ? (
          <span role="status" className="pill pill-success">
            {t("account.profileForm.saved")}
          </span>
        ) : null}
      </div>
    </form>
  );
}
