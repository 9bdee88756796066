import { Link, useParams, useSearchParams } from "react-router";
import { useCatalogs, useChart, useChartVersion } from "../../api/queries";
import type { ChartView as Chart } from "../../api/types";
import { Breadcrumbs } from "../../components/Breadcrumbs";
import { EmptyState, ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { Markdown } from "../../components/Markdown";
import { formatDateTime, localize } from "../../format";
import { useI18n } from "../../i18n";
import { useDocumentTitle } from "../../instance";
import { useProject } from "../../project";
import { ChartIcon, launcherPath } from "./CatalogPage";
import styles from "./Catalog.module.css";

/** One chart: its README, its versions (one chosen with ?version=), and the way to launch it. */
export function ChartPage() {
  const { t, language } = useI18n();
  const { project } = useProject();
  const { catalog = "", chart: name = "" } = useParams();
  const [searchParams, setSearchParams] = useSearchParams();
  const chart = useChart(project.id, catalog, name);
  const catalogs = useCatalogs(project.id);
  const version = searchParams.get("version") ?? chart.data?.versions[0]?.version;
  const detail = useChartVersion(project.id, catalog, name, version);
  useDocumentTitle(name);

  const cat = catalogs.data?.find((c) => c.id === catalog);
  const crumbs = [
    { label: t("page.catalog.title"), to: "/catalog" },
    { label: cat ? localize(cat.name, language) || cat.id : catalog, to: `/catalog/${encodeURIComponent(catalog)}` },
    { label: name },
  ];

  if (chart.isPending) return <Loading />;
  if (chart.isError) {
    return (
      <div className={styles.page}>
        <Breadcrumbs items={crumbs} />
        <ErrorNotice error={chart.error} onRetry={() => void chart.refetch()} />
      </div>
    );
  }
  const c = chart.data;
  const launchTo = `${launcherPath(catalog, name)}${version ? `?version=${encodeURIComponent(version)}` : ""}`;

  return (
    <div className={styles.page}>
      <Breadcrumbs items={crumbs} />
      <div className={styles.chartHead}>
        <ChartIcon chart={c} size={64} />
        <div className={styles.chartTitle}>
          <h1>{c.name}</h1>
          <p style={{ margin: 0 }}>{c.description || t("catalog.noDescription")}</p>
          <div className={styles.chartMeta}>
            {c.keywords.map((k) => (
              <span key={k} className="pill">
                {k}
              </span>
            ))}
          </div>
        </div>
        <div className={styles.chartActions} data-one-line>
          <VersionPicker chart={c} value={version} onChange={(v) => setSearchParams({ version: v }, { replace: true })} />
          <Link className="button" to={launchTo}>
            <Icon name="play" size={16} />
            {t("chart.launch")}
          </Link>
        </div>
      </div>
      {c.error ? <ErrorNotice error={new Error(c.error)} title={t("catalog.chartError")} /> : null}

      <div className={styles.layout}>
        <section className={styles.readme} aria-labelledby="readme-title">
          <h2 id="readme-title" className="visually-hidden">
            {t("chart.readme")}
          </h2>
          {detail.isPending && version ? <Loading /> : null}
          {detail.isError ? <ErrorNotice error={detail.error} onRetry={() => void detail.refetch()} /> : null}
          {detail.data ? (
            detail.data.readme.trim() ? (
              <Markdown source={detail.data.readme} />
            ) : (
              <EmptyState title={t("chart.noReadme")} />
            )
          ) : null}
        </section>

        <aside className={styles.aside}>
          {c.home ? (
            <div className={styles.box}>
              <h2>{t("chart.home")}</h2>
              <a href={c.home} target="_blank" rel="noopener noreferrer">
                {c.home}
              </a>
            </div>
          ) : null}
          <div className={styles.box}>
            <h2>{t("chart.versions")}</h2>
            <ul className={styles.versionList} tabIndex={0} aria-label={t("chart.versions")}>
              {c.versions.map((v) => (
                <li key={v.version}>
                  <span>
                    <strong className="mono">{v.version}</strong>
                    {v.deprecated ? <span className="pill pill-warning">{t("chart.deprecated")}</span> : null}
                    {v.appVersion ? <><br /><span className="field-hint">{t("chart.appVersion", { version: v.appVersion })}</span></> : null}
                  </span>
                  <span className="field-hint">{formatDateTime(v.created, language)}</span>
                </li>
              ))}
            </ul>
          </div>
          {detail.data && detail.data.dependencies.length > 0 ? (
            <div className={styles.box}>
              <h2>{t("chart.dependencies")}</h2>
              <ul className={styles.sections}>
                {detail.data.dependencies.map((d, i) => (
                  <li key={i}>
                    <span className="mono">{d.alias || d.name}</span> {d.version}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
        </aside>
      </div>
    </div>
  );
}

export function VersionPicker({ chart, value, onChange }: { chart: Chart; value?: string; onChange(v: string): void }) {
  const { t } = useI18n();
  return (
    <label className="field" style={{ marginBottom: 0 }}>
      <span className="field-hint">{t("chart.version")}</span>
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {chart.versions.map((v) => (
          <option key={v.version} value={v.version}>
            {v.deprecated ? t("chart.versionDeprecated", { version: v.version }) : v.version}
          </option>
        ))}
      </select>
    </label>
  );
}
