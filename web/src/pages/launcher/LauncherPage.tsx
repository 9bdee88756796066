import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { useApi } from "../../api/ApiProvider";
import { ApiError, fieldViolations } from "../../api/errors";
import { queryKeys, useChart, useLaunchForm } from "../../api/queries";
import type { LaunchForm as LaunchFormResponse, LaunchRequest, ServiceView as Service } from "../../api/types";
import { Breadcrumbs } from "../../components/Breadcrumbs";
import { Dialog } from "../../components/Dialog";
import { CopyButton, ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { useT } from "../../i18n";
import { useDocumentTitle, useFeatures } from "../../instance";
import { useProject } from "../../project";
import { ChartIcon, chartPath } from "../catalog/CatalogPage";
import { VersionPicker } from "../catalog/ChartPage";
import { checkValues, mergeErrors, standingErrors, type Refusal } from "./formChecks";
import { useErrorFocus } from "./errorFocus";
import { errorsByPath, firstSectionWithErrors, initialValues, launchValues, rangePairs } from "./formModel";
import { FormErrorSummary } from "./FormErrorSummary";
import { diffValues, launchLinkQuery, launchLinkUrl, linkOverridePairs, readLinkParams, withParam } from "./launchLink";
import { LaunchPolicy } from "./LaunchPolicy";
import { LaunchProgress } from "./LaunchProgress";
import { LinkConfirmation } from "./LinkConfirmation";
import { ProfileOptOut } from "./ProfileOptOut";
import { SaveConfigurationButton } from "./SaveConfiguration";
import { deepEqual, type Values } from "./paths";
import { ValuesEditor } from "./ValuesEditor";
import { RevealSecrets } from "../../commands/RevealSecrets";
import styles from "./Launcher.module.css";

/**
 * The launcher, /launcher/:catalog/:chart, with Onyxia's launch-link query: name, version,
 * shared, s3, autoLaunch and dotted-key overrides. The raw query goes to the server as the
 * form's `link`, which parses it; the form comes back pre-filled with it, with the list of
 * what the link changes. autoLaunch=true launches at once only where the instance allows it
 * (ui.features.auto_launch); elsewhere the user first sees that list and confirms.
 */
export function LauncherPage() {
  const t = useT();
  const { project } = useProject();
  const { catalog = "", chart: name = "" } = useParams();
  const location = useLocation();
  const navigate = useNavigate();
  const raw = location.search.replace(/^\?/, "");
  const params = readLinkParams(raw);
  // autoLaunch is not part of what the form is made of: dropping it from the address after
  // the launch must not reload the form.
  const link = withParam(raw, "autoLaunch", undefined);
  const chart = useChart(project.id, catalog, name);
  // Profile fields left out of this launch: the form is made again without them.
  const [profileOptOut, setProfileOptOut] = useState<string[]>([]);
  const form = useLaunchForm(project.id, { catalog, chart: name, version: params.version, link: link || undefined, s3: params.s3, profileOptOut });
  const profileUsed = useLastProfileFields(form.data?.form.profile);
  useDocumentTitle(t("launcher.title", { chart: name }));
  const features = useFeatures();

  const chartTo = chartPath(catalog, name);
  const shownVersion = form.data?.form.version ?? params.version ?? chart.data?.versions[0]?.version;
  const setQuery = (q: string) => navigate({ pathname: location.pathname, search: q ? `?${q}` : "" }, { replace: true });

  return (
    <div className={styles.page}>
      <Breadcrumbs
        items={[
          { label: t("page.catalog.title"), to: "/catalog" },
          { label: name, to: chartTo },
          { label: t("launcher.crumb") },
        ]}
      />
      <div className="launcher-head" style={{ display: "flex", alignItems: "flex-start", gap: "1rem", marginBottom: "1.25rem" }}>
        {chart.data ? <ChartIcon chart={chart.data} size={56} /> : null}
        <div style={{ flex: 1, minWidth: 0 }}>
          <h1 style={{ marginBottom: "0.25rem" }}>{t("launcher.title", { chart: name })}</h1>
          {chart.data?.description ? <p style={{ margin: 0 }}>{chart.data.description}</p> : null}
        </div>
        <div data-one-line style={{ display: "flex", alignItems: "flex-end", gap: "0.75rem", flexShrink: 0, whiteSpace: "nowrap" }}>
          {chart.data && chart.data.versions.length > 0 ? (
            <VersionPicker chart={chart.data} value={shownVersion} onChange={(v) => setQuery(withParam(raw, "version", v))} />
          ) : null}
          {/* The chart's README, one click away, for the version the form is of. */}
          <Link
            className="button button-secondary"
            to={`${chartTo}${shownVersion ? `?version=${encodeURIComponent(shownVersion)}` : ""}`}
            aria-label={t("launcher.readmeOf", { chart: name, version: shownVersion ?? "" })}
          >
            <Icon name="file" size={16} />
            {t("launcher.readme")}
          </Link>
        </div>
      </div>
      {chart.isError ? <ErrorNotice error={chart.error} onRetry={() => void chart.refetch()} /> : null}
      {form.isPending ? <Loading label={t("launcher.loading")} /> : null}
      {form.isError ? <LaunchUnavailable error={form.error} onRetry={() => void form.refetch()} /> : null}
      {profileUsed.length > 0 ? <ProfileOptOut used={profileUsed} optOut={profileOptOut} onChange={setProfileOptOut} /> : null}
      {form.data ? (
        <LaunchEditor
          key={`${project.id}/${form.data.form.chart}@${form.data.form.version}?${link}#${form.data.release}-${profileOptOut.join(",")}`}
          catalog={catalog}
          chart={name}
          data={form.data}
          raw={raw}
          profileOptOut={profileOptOut}
          autoLaunch={!!params.autoLaunch && features.autoLaunch}
          confirmLink={!!params.autoLaunch && !features.autoLaunch}
          onAutoLaunched={() => setQuery(withParam(raw, "autoLaunch", undefined))}
        />
      ) : null}
    </div>
  );
}

/** The profile fields the chart reads, as the last form loaded said (kept while the next loads). */
function useLastProfileFields(fields: string[] | undefined): string[] {
  const [last, setLast] = useState<string[]>([]);
  useEffect(() => {
    if (fields && fields.join(",") !== last.join(",")) setLast(fields);
  }, [fields, last]);
  return fields ?? last;
}

/** The launch forms of a project, whose names a launch may have taken. */
const launchForms = (project: string) => queryKeys.launchForm(project, { catalog: "", chart: "" }).slice(0, 3);

/** Why this server cannot launch: said plainly, with the server's own words. */
function LaunchUnavailable({ error, onRetry }: { error: unknown; onRetry(): void }) {
  const t = useT();
  if (error instanceof ApiError && error.status === 501) {
    return (
      <>
        <ErrorNotice error={error} title={t("launcher.unavailable")} />
        <p className="field-hint">{t("launcher.unavailableHint")}</p>
      </>
    );
  }
  return <ErrorNotice error={error} onRetry={onRetry} title={t("launcher.formError")} />;
}

/** A launch or a plan on its way, with what the form held, to tell later what the user changed. */
interface Sending {
  req: LaunchRequest;
  sent: Omit<Refusal, "errors">;
}

function LaunchEditor({
  catalog,
  chart,
  data,
  raw,
  profileOptOut,
  autoLaunch,
  confirmLink,
  onAutoLaunched,
}: {
  catalog: string;
  chart: string;
  data: LaunchFormResponse;
  raw: string;
  /** Profile fields this launch leaves out. */
  profileOptOut: string[];
  /** Launch at once (the link asks for it and the instance allows it). */
  autoLaunch: boolean;
  /** Show what the link changes and launch only when the user confirms. */
  confirmLink: boolean;
  /** The link's autoLaunch is done with: it leaves the address. */
  onAutoLaunched(): void;
}) {
  const t = useT();
  const api = useApi();
  const qc = useQueryClient();
  const { project } = useProject();
  const root = data.form.root;
  const params = readLinkParams(raw);
  const initial = useMemo(() => initialValues(root), [root]);
  const pairs = useMemo(() => rangePairs(root), [root]);
  const linked = useMemo(() => new Set((data.form.linkChanges ?? []).map((c) => c.path)), [data.form.linkChanges]);
  const [values, setValues] = useState<Values>(initial);
  const [friendlyName, setFriendlyName] = useState(params.name ?? chart);
  const [shared, setShared] = useState(!!params.shared && data.allowSharing);
  // What the form finds wrong, as the values change; what the server refused, until changed.
  const checked = useMemo(() => checkValues(root, values, { initial, linked, pairs }, t), [root, values, initial, linked, pairs, t]);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const settings = { name: friendlyName, shared };
  const refused = standingErrors(refusal, values, settings, pairs);
  const errors = mergeErrors(checked, refused);
  // A link's value to correct: its tab is the one open.
  const [tab, setTab] = useState<string | undefined>(() => firstSectionWithErrors(root, values, pairs, checked));
  const { editor, pointAt } = useErrorFocus(root, values, pairs, setTab);
  const [resets, setResets] = useState(0);
  const [commands, setCommands] = useState<{ shown: string[]; revealed?: string[] } | null>(null);
  const [revealed, setRevealed] = useState(false);
  const [launched, setLaunched] = useState<Service | null>(null);
  const [confirming, setConfirming] = useState(confirmLink);
  const [cancelled, setCancelled] = useState(false);

  const request = (): LaunchRequest => ({
    catalog,
    chart,
    version: data.form.version,
    name: friendlyName.trim() || chart,
    shared: data.allowSharing ? shared : undefined,
    values: launchValues(root, values, initial),
    s3: params.s3,
    profileOptOut: profileOptOut.length > 0 ? profileOptOut : undefined,
    // The name the form was made for: the commands of a preview name the service launched.
    release: data.release,
  });

  /** The server's field errors at their fields, kept with what was sent. */
  const showRefusal = (err: unknown, sent: Omit<Refusal, "errors">) => {
    const map = errorsByPath(fieldViolations(err));
    setRefusal({ ...sent, errors: map });
    if (map.size > 0) pointAt(map);
  };

  const launch = useMutation({
    mutationFn: ({ req }: Sending) => api.launchService(project.id, req),
    onMutate: () => setRefusal(null),
    onSuccess: (res) => {
      setConfirming(false);
      setLaunched(res.service);
      void qc.invalidateQueries({ queryKey: queryKeys.services(project.id) });
      // The form's name is taken now: the next form is asked anew, with a name of its own.
      void qc.invalidateQueries({ queryKey: launchForms(project.id), refetchType: "none" });
    },
    onError: (err, { sent }) => {
      // The form shows what went wrong, at the fields.
      setConfirming(false);
      showRefusal(err, sent);
      if (err instanceof ApiError && err.status === 409) void qc.invalidateQueries({ queryKey: launchForms(project.id), refetchType: "none" });
    },
  });
  const plan = useMutation({
    mutationFn: ({ req }: Sending) => api.planLaunch(project.id, req),
    onMutate: () => setRefusal(null),
    onSuccess: (res) => {
      setRevealed(false);
      setCommands({ shown: res.commands ?? [], revealed: res.commandsWithSecrets });
    },
    onError: (err, { sent }) => showRefusal(err, sent),
  });

  /** Sends the form unless it has values to correct: those are shown instead. */
  const send = (m: { mutate(s: Sending): void }) => {
    if (checked.size > 0) {
      setConfirming(false);
      pointAt(checked);
      return;
    }
    m.mutate({ req: request(), sent: { values, settings } });
  };

  // autoLaunch=true: launch at once, once; the parameter leaves the address so that a reload
  // shows the form instead of launching again.
  const autoLaunched = useRef(false);
  useEffect(() => {
    if (!autoLaunch || autoLaunched.current) return;
    autoLaunched.current = true;
    onAutoLaunched();
    send(launch);
    // Once, with the values the form was loaded with.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const changed = !deepEqual(values, initial) || friendlyName !== (params.name ?? chart);
  const linkParams = {
    name: friendlyName.trim() && friendlyName.trim() !== chart ? friendlyName.trim() : undefined,
    version: data.form.version,
    shared: shared || undefined,
    s3: params.s3,
  };
  const overrides = diffValues(initial, values);
  const linkQuery = launchLinkQuery({ ...linkParams, autoLaunch: true }, overrides, linkOverridePairs(raw));
  const linkUrl = launchLinkUrl(window.location.origin, catalog, chart, linkQuery);
  const busy = launch.isPending || plan.isPending;
  const shownCommands = (revealed ? commands?.revealed : undefined) ?? commands?.shown ?? [];
  const error = launch.error ?? plan.error;

  if (confirming) {
    return (
      <LinkConfirmation
        chart={data.form.chart}
        version={data.form.version}
        name={friendlyName.trim() || chart}
        shared={shared}
        s3={params.s3}
        changes={data.form.linkChanges ?? []}
        root={root}
        errors={checked}
        busy={launch.isPending}
        onLaunch={() => {
          onAutoLaunched();
          send(launch);
        }}
        onCancel={() => {
          onAutoLaunched();
          setConfirming(false);
          setCancelled(true);
        }}
      />
    );
  }

  if (launched) {
    return (
      <LaunchProgress
        launched={launched}
        onAgain={() => {
          setLaunched(null);
          launch.reset();
          // A new form, with a new name, replaces this one.
          void qc.invalidateQueries({ queryKey: launchForms(project.id) });
        }}
      />
    );
  }

  return (
    <div className={styles.layout}>
      <div ref={editor}>
        {cancelled ? (
          <p className="notice" data-severity="info" role="note" style={{ marginBottom: "1rem" }}>
            {t("launcher.confirm.cancelled")}
          </p>
        ) : null}
        <div className={`${styles.box} ${styles.settings}`}>
          <div className={styles.field}>
            <label className={styles.label} htmlFor="launch-name">
              {t("launcher.name")}
            </label>
            <input
              id="launch-name"
              type="text"
              value={friendlyName}
              maxLength={100}
              disabled={busy}
              onChange={(e) => setFriendlyName(e.target.value)}
              aria-invalid={errors.has("name") || undefined}
            />
            {errors.get("name")?.map((r) => (
              <p key={r} className={styles.fieldError}>
                {r}
              </p>
            ))}
          </div>
          {data.allowSharing ? (
            <label className={styles.check} style={{ marginBottom: "0.4rem" }}>
              <input type="checkbox" checked={shared} disabled={busy} onChange={(e) => setShared(e.target.checked)} />
              <span>
                {t("launcher.shared")}
                <br />
                <span className="field-hint">{t("launcher.sharedHint")}</span>
              </span>
            </label>
          ) : null}
        </div>

        {error && !(error instanceof ApiError && fieldViolations(error).length > 0) ? (
          <ErrorNotice
            error={error}
            title={error instanceof ApiError && error.status === 501 ? t("launcher.unavailable") : t("launcher.launchError")}
          />
        ) : null}
        <FormErrorSummary errors={refused} checked={checked} root={root} values={values} />

        <ValuesEditor key={resets} root={root} values={values} onValues={setValues} errors={errors} disabled={busy} tab={tab} onTab={setTab} />
      </div>

      <aside className={styles.aside}>
        <div className={styles.box}>
          <h2>{t("launcher.actions")}</h2>
          <div className={styles.actions}>
            <button type="button" className="button" disabled={busy} onClick={() => send(launch)}>
              <Icon name="play" size={16} />
              {launch.isPending ? t("launcher.launching") : t("launcher.launch")}
            </button>
            <LaunchPolicy catalog={catalog} />
            <CopyButton text={linkUrl} label={t("launcher.copyLink")} small={false} />
            <button
              type="button"
              className="button button-secondary"
              disabled={busy || !changed}
              onClick={() => {
                setValues(initial);
                setFriendlyName(params.name ?? chart);
                setShared(!!params.shared && data.allowSharing);
                setRefusal(null);
                setResets((n) => n + 1);
              }}
            >
              <Icon name="refresh" size={16} />
              {t("launcher.restore")}
            </button>
            <button type="button" className="button button-secondary" disabled={busy} onClick={() => send(plan)}>
              <Icon name="terminal" size={16} />
              {plan.isPending ? t("launcher.planning") : t("launcher.commands")}
            </button>
            <SaveConfigurationButton
              request={request}
              linkQuery={launchLinkQuery(linkParams, overrides, linkOverridePairs(raw))}
              defaultName={friendlyName.trim() || chart}
              disabled={busy}
            />
          </div>
          <p className="field-hint" style={{ marginBottom: 0 }}>
            {t("launcher.chartVersion", { chart: data.form.chart, version: data.form.version })}
          </p>
        </div>
      </aside>

      {commands ? (
        <Dialog
          title={t("launcher.commandsTitle")}
          onClose={() => setCommands(null)}
          wide
          footer={
            <>
              {commands.revealed ? <RevealSecrets revealed={revealed} onChange={setRevealed} /> : null}
              <CopyButton text={shownCommands.join("\n\n")} small={false} />
              <button type="button" className="button" onClick={() => setCommands(null)}>
                {t("ui.close")}
              </button>
            </>
          }
        >
          <p className="field-hint">{t("launcher.commandsHint")}</p>
          <pre className={styles.commands} tabIndex={0} aria-label={t("launcher.commandsTitle")}>
            {shownCommands.join("\n\n")}
          </pre>
        </Dialog>
      ) : null}
    </div>
  );
}
