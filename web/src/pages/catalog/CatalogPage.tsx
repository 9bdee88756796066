import { useEffect, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { useApi } from "../../api/ApiProvider";
import { useCatalogs, useCharts } from "../../api/queries";
import type { CatalogView as Catalog, ChartView as Chart } from "../../api/types";
import { EmptyState, ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { localize } from "../../format";
import { isOne, useI18n } from "../../i18n";
import { useDocumentTitle, useFeatures } from "../../instance";
import { useProject } from "../../project";
import pageStyles from "../Page.module.css";
import styles from "./Catalog.module.css";
import { SavedConfigurations } from "./SavedConfigurations";

const ALL = "all";

/** The catalogs as tabs ("all" first), a search, and the charts as cards, highlighted first. */
export function CatalogPage() {
  const { t, language } = useI18n();
  const { project } = useProject();
  const params = useParams();
  const [searchParams, setSearchParams] = useSearchParams();
  const features = useFeatures();
  const catalogs = useCatalogs(project.id);
  // Without the "all" tab (ui.features.all_catalogs), the catalog page opens on the first catalog.
  const catalogId = params.catalog ?? (features.allCatalogs ? ALL : (catalogs.data?.[0]?.id ?? ALL));
  const search = searchParams.get("search") ?? "";
  const [draft, setDraft] = useState(search);
  useDocumentTitle(t("page.catalog.title"));

  // The search goes to the address (and the server) once typing pauses.
  useEffect(() => {
    if (draft === search) return;
    const id = setTimeout(() => setSearchParams(draft ? { search: draft } : {}, { replace: true }), 250);
    return () => clearTimeout(id);
  }, [draft, search, setSearchParams]);

  const charts = useCharts(project.id, catalogId, search);
  const byId = new Map((catalogs.data ?? []).map((c) => [c.id, c]));
  const showAll = features.allCatalogs && (catalogs.data?.length ?? 0) > 1;
  const tabQuery = search ? `?search=${encodeURIComponent(search)}` : "";

  return (
    <div className={styles.page}>
      <h1 className={pageStyles.title}>{t("page.catalog.title")}</h1>
      <p className={pageStyles.lead}>{t("page.catalog.summary")}</p>
      <SavedConfigurations />

      {catalogs.isError ? <ErrorNotice error={catalogs.error} onRetry={() => void catalogs.refetch()} /> : null}
      {catalogs.data && catalogs.data.length > 0 ? (
        <nav aria-label={t("catalog.tabs")} className={styles.tabs} data-one-line>
          {showAll ? (
            <Link to={`/catalog/${ALL}${tabQuery}`} className={tabClass(catalogId === ALL)} aria-current={catalogId === ALL ? "page" : undefined}>
              {t("catalog.all")}
            </Link>
          ) : null}
          {catalogs.data.map((c) => (
            <Link
              key={c.id}
              to={`/catalog/${encodeURIComponent(c.id)}${tabQuery}`}
              className={tabClass(catalogId === c.id || (!showAll && catalogId === ALL))}
              aria-current={catalogId === c.id || (!showAll && catalogId === ALL) ? "page" : undefined}
            >
              {localize(c.name, language) || c.id}
            </Link>
          ))}
        </nav>
      ) : null}

      {byId.get(catalogId)?.description ? (
        <p className={styles.catalogDescription}>{localize(byId.get(catalogId)!.description, language)}</p>
      ) : null}

      <div className={styles.searchRow}>
        <label className={styles.search}>
          <span className="visually-hidden">{t("catalog.search")}</span>
          <Icon name="search" size={18} />
          <input
            type="search"
            value={draft}
            placeholder={t("catalog.search")}
            onChange={(e) => setDraft(e.target.value)}
          />
        </label>
        {charts.data ? (
          <p className={styles.count} aria-live="polite">
            {t(isOne(language, charts.data.length) ? "catalog.count.one" : "catalog.count.other", { count: charts.data.length })}
          </p>
        ) : null}
      </div>

      {charts.isPending ? <Loading /> : null}
      {charts.isError ? <ErrorNotice error={charts.error} onRetry={() => void charts.refetch()} /> : null}
      {charts.data && charts.data.length === 0 ? (
        <EmptyState title={search ? t("catalog.noMatch", { search }) : t("catalog.empty")} />
      ) : null}
      {charts.data && charts.data.length > 0 ? (
        <ul className={styles.grid}>
          {charts.data.map((chart) => (
            <li key={`${chart.catalog}/${chart.name}`}>
              <ChartCard
                chart={chart}
                catalog={byId.get(chart.catalog)}
                showCatalog={catalogId === ALL && showAll}
              />
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function tabClass(active: boolean) {
  return active ? `${styles.tab} ${styles.tabActive}` : styles.tab;
}

/** A chart's launcher, as Onyxia's cards open it. */
export const launcherPath = (catalog: string, chart: string) => `/launcher/${encodeURIComponent(catalog)}/${encodeURIComponent(chart)}`;

/** A chart's page: its README, its versions. */
export const chartPath = (catalog: string, chart: string) => `/catalog/${encodeURIComponent(catalog)}/${encodeURIComponent(chart)}`;

/**
 * One chart: icon, name, description, the chart's newest version; highlighted ones say so.
 * The card opens the launcher; its README is one click away.
 */
export function ChartCard({ chart, catalog, showCatalog }: { chart: Chart; catalog?: Catalog; showCatalog: boolean }) {
  const { t, language } = useI18n();
  const latest = chart.versions[0];
  const highlighted = catalog?.highlightedCharts.includes(chart.name) ?? false;
  return (
    <article className={styles.card}>
      <div className={styles.cardHead}>
        <ChartIcon chart={chart} />
        <div className={styles.cardTitleBox}>
          <h2 className={styles.cardTitle}>
            <Link to={launcherPath(chart.catalog, chart.name)} aria-label={t("launcher.title", { chart: chart.name })}>
              {chart.name}
            </Link>
          </h2>
          {latest ? <span className={styles.version}>{t("catalog.version", { version: latest.version })}</span> : null}
        </div>
      </div>
      <p className={styles.cardText}>{chart.description || t("catalog.noDescription")}</p>
      <div className={styles.cardFoot}>
        {highlighted ? <span className="pill pill-info">{t("catalog.highlighted")}</span> : null}
        {showCatalog ? <span className="pill">{catalog ? localize(catalog.name, language) || catalog.id : chart.catalog}</span> : null}
        {chart.error ? <span className="pill pill-danger">{t("catalog.chartError")}</span> : null}
        <Link className={styles.readmeLink} to={chartPath(chart.catalog, chart.name)} aria-label={t("catalog.readmeOf", { chart: chart.name })}>
          <Icon name="file" size={14} />
          {t("catalog.readme")}
        </Link>
      </div>
    </article>
  );
}

/**
 * The chart's icon, from Basalt (never from the site the chart names), or its initial when it
 * has none or the image fails.
 */
export function ChartIcon({ chart, size = 44 }: { chart: { catalog: string; name: string; iconDigest?: string }; size?: number }) {
  const api = useApi();
  const { project } = useProject();
  const src = chart.iconDigest ? api.chartIconUrl(project.id, chart.catalog, chart.name, chart.iconDigest) : undefined;
  const [failed, setFailed] = useState<string>();
  if (src && failed !== src) {
    return <img className={styles.icon} src={src} alt="" width={size} height={size} onError={() => setFailed(src)} />;
  }
  return (
    <span className={styles.iconFallback} style={{ width: size, height: size }} aria-hidden="true">
      {chart.name.slice(0, 1).toUpperCase()}
    </span>
  );
}
