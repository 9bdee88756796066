import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { useParams, useSearchParams } from "react-router";
import { useApi } from "../../api/ApiProvider";
import { ApiError, fieldViolations } from "../../api/errors";
import { queryKeys, useChangeForm, useService } from "../../api/queries";
import type { ChangeForm, ChangeRequest, ChangeView, ServiceView as Service } from "../../api/types";
import { Breadcrumbs } from "../../components/Breadcrumbs";
import { ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { useT } from "../../i18n";
import { useDocumentTitle } from "../../instance";
import { useProject } from "../../project";
import { checkValues, mergeErrors, standingErrors, type Refusal } from "../launcher/formChecks";
import { useErrorFocus } from "../launcher/errorFocus";
import { errorsByPath, initialValues, rangePairs } from "../launcher/formModel";
import { FormErrorSummary } from "../launcher/FormErrorSummary";
import { LaunchProgress } from "../launcher/LaunchProgress";
import { deepEqual, type Values } from "../launcher/paths";
import { ValuesEditor } from "../launcher/ValuesEditor";
import launcherStyles from "../launcher/Launcher.module.css";
import { ChangeDiff } from "./ChangeDiff";
import { ChangeVersionPicker } from "./ChangeVersionPicker";
import { FailedChangeOffer } from "./ServiceHistory";
import styles from "./Change.module.css";
import serviceStyles from "./Services.module.css";

/**
 * /my-services/:service/change?version=: the launcher's form of a running service, filled
 * with its values carried over to the version picked (its own by default); the difference
 * reviewed, then the change applied and followed like a launch.
 */
export function ChangePage() {
  const t = useT();
  const { project } = useProject();
  const { service: id = "" } = useParams();
  const [search, setSearch] = useSearchParams();
  const asked = search.get("version") ?? "";
  const details = useService(project.id, id);
  const form = useChangeForm(project.id, id, asked);
  const name = details.data?.service.friendlyName ?? id;
  const shown = form.data;
  // While another version's form loads, the previous one stays for the picker only.
  const fresh = form.data && !form.isPlaceholderData ? form.data : undefined;
  useDocumentTitle(t("change.title", { name }));

  return (
    <div className={serviceStyles.page}>
      <Breadcrumbs
        items={[
          { label: t("page.myServices.title"), to: "/my-services" },
          { label: name, to: `/my-services/${encodeURIComponent(id)}` },
          { label: t("change.crumb") },
        ]}
      />
      <div className={styles.head}>
        <div>
          <h1>{t("change.title", { name })}</h1>
          {shown ? (
            <p className={styles.sub}>
              {shown.form.chart} {shown.currentVersion} · <span className="mono">{id}</span>
            </p>
          ) : null}
        </div>
        {shown ? (
          <ChangeVersionPicker
            current={shown.currentVersion}
            versions={shown.versions}
            value={asked || shown.version}
            onChange={(v) => setSearch(v === shown.currentVersion ? {} : { version: v }, { replace: true })}
          />
        ) : null}
      </div>
      {form.isFetching && !fresh ? <Loading label={t("change.loading")} /> : null}
      {form.isError ? <ErrorNotice error={form.error} onRetry={() => void form.refetch()} title={t("change.formError")} /> : null}
      {fresh ? (
        <ChangeEditor key={`${project.id}/${id}@${fresh.version}`} id={id} data={fresh} current={details.data?.service} />
      ) : null}
    </div>
  );
}

/** A running service's form has no launch link: what it checks is what the user changed. */
const NO_LINK: ReadonlySet<string> = new Set();

function ChangeEditor({ id, data, current }: { id: string; data: ChangeForm; current?: Service }) {
  const t = useT();
  const api = useApi();
  const qc = useQueryClient();
  const { project } = useProject();
  const root = data.form.root;
  const initial = useMemo(() => initialValues(root), [root]);
  const pairs = useMemo(() => rangePairs(root), [root]);
  const [values, setValues] = useState<Values>(initial);
  // What the form finds wrong, as the values change; what the server refused, until changed.
  const checked = useMemo(() => checkValues(root, values, { initial, linked: NO_LINK, pairs }, t), [root, values, initial, pairs, t]);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const refused = standingErrors(refusal, values, {}, pairs);
  const errors = mergeErrors(checked, refused);
  const [tab, setTab] = useState<string>();
  const { editor, pointAt } = useErrorFocus(root, values, pairs, setTab);
  const [resets, setResets] = useState(0);
  const [review, setReview] = useState<ChangeView | null>(null);
  const [applied, setApplied] = useState<Service | null>(null);
  const reviewButton = useRef<HTMLButtonElement>(null);
  const leftReview = useRef(false);

  const request = (): ChangeRequest => ({ version: data.version, values });

  /** Refused values go back to the form, at their fields, kept with what was sent. */
  const showErrors = (err: unknown, sent: ChangeRequest) => {
    const map = errorsByPath(fieldViolations(err));
    setRefusal({ errors: map, values: (sent.values as Values | undefined) ?? {}, settings: {} });
    if (map.size === 0) return;
    setReview(null);
    pointAt(map);
  };

  const plan = useMutation({
    mutationFn: (req: ChangeRequest) => api.planChange(project.id, id, req),
    onMutate: () => setRefusal(null),
    onSuccess: setReview,
    onError: showErrors,
  });
  /** Reviews the changes unless the form has values to correct: those are shown instead. */
  const reviewChanges = () => {
    if (checked.size > 0) {
      pointAt(checked);
      return;
    }
    plan.mutate(request());
  };
  const apply = useMutation({
    mutationFn: (req: ChangeRequest) => api.changeService(project.id, id, req),
    onSuccess: (res) => {
      setApplied(res.service ?? current ?? null);
      void qc.invalidateQueries({ queryKey: queryKeys.services(project.id) });
    },
    onError: showErrors,
  });

  // Back from the review, the user is where they left.
  useEffect(() => {
    if (!review && leftReview.current) reviewButton.current?.focus();
    leftReview.current = !!review;
  }, [review]);

  if (applied) {
    return (
      <LaunchProgress launched={applied} verb="change" focus>
        <FailedChangeOffer service={current ?? applied} />
      </LaunchProgress>
    );
  }

  if (review) {
    return (
      <ChangeReview
        review={review}
        data={data}
        busy={apply.isPending}
        error={apply.error && fieldViolations(apply.error).length === 0 ? apply.error : null}
        onApply={() => apply.mutate(request())}
        onBack={() => {
          apply.reset();
          setReview(null);
        }}
      />
    );
  }

  const busy = plan.isPending || apply.isPending;
  const error = plan.error ?? apply.error;
  const changed = !deepEqual(values, initial);
  return (
    <div className={launcherStyles.layout}>
      <div ref={editor}>
        {error && !(error instanceof ApiError && fieldViolations(error).length > 0) ? (
          <ErrorNotice error={error} title={t("change.planError")} />
        ) : null}
        <FormErrorSummary errors={refused} checked={checked} root={root} values={values} sending="change" />
        <ValuesEditor key={resets} root={root} values={values} onValues={setValues} errors={errors} disabled={busy} tab={tab} onTab={setTab} />
      </div>

      <aside className={launcherStyles.aside}>
        <div className={launcherStyles.box}>
          <h2>{t("change.actions")}</h2>
          <div className={launcherStyles.actions}>
            <button ref={reviewButton} type="button" className="button" disabled={busy} onClick={reviewChanges}>
              <Icon name="eye" size={16} />
              {plan.isPending ? t("change.reviewing") : t("change.review")}
            </button>
            <button
              type="button"
              className="button button-secondary"
              disabled={busy || !changed}
              onClick={() => {
                setValues(initial);
                setRefusal(null);
                setResets((n) => n + 1);
              }}
            >
              <Icon name="refresh" size={16} />
              {t("change.restore")}
            </button>
          </div>
          <p className="field-hint" style={{ marginBottom: 0 }}>
            {data.version === data.currentVersion
              ? t("change.hint.same", { chart: data.form.chart, version: data.version })
              : t("change.hint.upgrade", { chart: data.form.chart, from: data.currentVersion, to: data.version })}
          </p>
        </div>
      </aside>
    </div>
  );
}

/** The change's difference before it is applied. */
function ChangeReview({
  review,
  data,
  busy,
  error,
  onApply,
  onBack,
}: {
  review: ChangeView;
  data: ChangeForm;
  busy: boolean;
  error: unknown;
  onApply(): void;
  onBack(): void;
}) {
  const t = useT();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className={`${launcherStyles.box} ${styles.review}`} aria-labelledby="change-review">
      <h2 id="change-review" ref={heading} tabIndex={-1}>
        {t("change.reviewTitle")}
      </h2>
      <p className="field-hint">{t("change.reviewHint")}</p>
      <ChangeDiff diff={review.diff} fromVersion={review.fromVersion} toVersion={review.toVersion} root={data.form.root} />
      {error ? <ErrorNotice error={error} title={t("change.applyError")} /> : null}
      <div className={styles.reviewActions}>
        <button type="button" className="button" disabled={busy} onClick={onApply}>
          <Icon name="play" size={16} />
          {busy ? t("change.applying") : t("change.apply")}
        </button>
        <button type="button" className="button button-secondary" disabled={busy} onClick={onBack}>
          {t("change.back")}
        </button>
      </div>
    </section>
  );
}
