import { useQuota } from "../../api/queries";
import { parseQuantity, quotaLevel, QUOTA_CRITICAL, QUOTA_WARNING } from "../../format";
import { useI18n } from "../../i18n";
import styles from "./Services.module.css";

/** The project's resource quota: one bar per limit, with warning (75 %) and critical (95 %) levels. */
export function QuotaPanel({ project }: { project: string }) {
  const { t, language } = useI18n();
  const quota = useQuota(project);
  // A project without a quota, or a region that cannot tell: nothing to show.
  if (!quota.data) return null;
  const rows = Object.entries(quota.data.hard)
    .map(([resource, hard]) => {
      const used = quota.data.used[resource] ?? "0";
      const ratio = parseQuantity(used) / parseQuantity(hard);
      return { resource, hard, used, ratio: Number.isFinite(ratio) ? ratio : 0 };
    })
    .sort((a, b) => a.resource.localeCompare(b.resource));
  if (rows.length === 0) return null;
  const pct = new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 0 });
  const worst = rows.reduce((w, r) => Math.max(w, r.ratio), 0);

  return (
    <section className={styles.quota} aria-labelledby="quota-title">
      <h2 id="quota-title">{t("quota.title")}</h2>
      {quotaLevel(worst) !== "ok" ? (
        <p className={styles.quotaAlert} role="status">
          {quotaLevel(worst) === "critical"
            ? t("quota.critical", { percent: pct.format(QUOTA_CRITICAL) })
            : t("quota.warning", { percent: pct.format(QUOTA_WARNING) })}
        </p>
      ) : null}
      <ul className={styles.quotaList}>
        {rows.map((r) => {
          const level = quotaLevel(r.ratio);
          return (
            <li key={r.resource} data-level={level}>
              <div className={styles.quotaLabel}>
                <span className="mono">{r.resource}</span>
                <span>
                  {t("quota.usage", { used: r.used, hard: r.hard })}{" "}
                  {level !== "ok" ? (
                    <span className={level === "critical" ? "pill pill-danger" : "pill pill-warning"}>
                      {level === "critical" ? t("quota.level.critical") : t("quota.level.warning")}
                    </span>
                  ) : null}
                </span>
              </div>
              <div
                className={styles.bar}
                role="progressbar"
                aria-label={r.resource}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={Math.round(Math.min(r.ratio, 1) * 100)}
                aria-valuetext={pct.format(r.ratio)}
              >
                <span style={{ width: `${Math.min(r.ratio, 1) * 100}%` }} />
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
