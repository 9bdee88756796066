import { Link, useParams, useSearchParams } from "react-router";
import { useChart, useChartVersion } from "../../api/queries";
import { Breadcrumbs } from "../../components/Breadcrumbs";
import { ErrorNotice, Loading } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { useT } from "../../i18n";
import { useDocumentTitle } from "../../instance";
import { useProject } from "../../project";
import pageStyles from "../Page.module.css";
import { ChartIcon } from "./CatalogPage";
import { VersionPicker } from "./ChartPage";
import styles from "./Catalog.module.css";

interface SchemaSection {
  key: string;
  title: string;
  description?: string;
}

/** The top-level groups of a values.schema.json: the tabs the launch form will have. */
export function schemaSections(schema: unknown): SchemaSection[] {
  const props = (schema as { properties?: Record<string, unknown> } | null)?.properties;
  if (!props || typeof props !== "object") return [];
  return Object.entries(props)
    .filter(([, v]) => typeof v === "object" && v !== null && !(v as { "x-onyxia"?: { hidden?: boolean } })["x-onyxia"]?.hidden)
    .map(([key, v]) => {
      const p = v as { title?: unknown; description?: unknown };
      return {
        key,
        title: typeof p.title === "string" && p.title ? p.title : key,
        description: typeof p.description === "string" ? p.description : undefined,
      };
    });
}

/**
 * The launcher. The server does not launch services yet: this page says so plainly, and shows
 * what the launch form will be made of (the chart's schema sections and default values).
 */
export function LauncherPage() {
  const t = useT();
  const { project } = useProject();
  const { catalog = "", chart: name = "" } = useParams();
  const [searchParams, setSearchParams] = useSearchParams();
  const chart = useChart(project.id, catalog, name);
  const version = searchParams.get("version") ?? chart.data?.versions[0]?.version;
  const detail = useChartVersion(project.id, catalog, name, version);
  useDocumentTitle(t("launcher.title", { chart: name }));

  const chartTo = `/catalog/${encodeURIComponent(catalog)}/${encodeURIComponent(name)}`;
  const sections = schemaSections(detail.data?.schema);

  return (
    <div className={styles.page}>
      <Breadcrumbs
        items={[
          { label: t("page.catalog.title"), to: "/catalog" },
          { label: name, to: chartTo },
          { label: t("launcher.crumb") },
        ]}
      />
      {chart.isPending ? <Loading /> : null}
      {chart.isError ? <ErrorNotice error={chart.error} onRetry={() => void chart.refetch()} /> : null}
      {chart.data ? (
        <>
          <div className={styles.chartHead}>
            <ChartIcon chart={chart.data} size={56} />
            <div>
              <h1>{t("launcher.title", { chart: chart.data.name })}</h1>
              <p style={{ margin: 0 }}>{chart.data.description}</p>
            </div>
            <div className={styles.chartActions}>
              <VersionPicker
                chart={chart.data}
                value={version}
                onChange={(v) => setSearchParams({ version: v }, { replace: true })}
              />
            </div>
          </div>

          <div className={pageStyles.notice} role="note" aria-labelledby="launch-soon">
            <span className={pageStyles.noticeIcon}>
              <Icon name="info" size={22} />
            </span>
            <div>
              <h2 id="launch-soon">{t("launcher.soon.title")}</h2>
              <p>{t("launcher.soon.body")}</p>
              <Link className="button button-secondary" to={chartTo}>
                {t("launcher.backToChart")}
              </Link>
            </div>
          </div>

          {detail.isPending && version ? <Loading /> : null}
          {detail.isError ? <ErrorNotice error={detail.error} onRetry={() => void detail.refetch()} /> : null}
          {detail.data ? (
            <div className={styles.layout} style={{ marginTop: "1.5rem" }}>
              <section className={styles.box} aria-labelledby="launcher-values">
                <h2 id="launcher-values">{t("launcher.values")}</h2>
                <pre className={styles.values}>{detail.data.values || t("launcher.noValues")}</pre>
              </section>
              <section className={styles.box} aria-labelledby="launcher-sections">
                <h2 id="launcher-sections">{t("launcher.sections")}</h2>
                {sections.length > 0 ? (
                  <ul className={styles.sections}>
                    {sections.map((s) => (
                      <li key={s.key}>
                        <strong>{s.title}</strong>
                        {s.description ? <div className="field-hint">{s.description}</div> : null}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p className="field-hint">{t("launcher.noSchema")}</p>
                )}
              </section>
            </div>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
