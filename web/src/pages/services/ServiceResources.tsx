import { Link } from "react-router";
import type { ServiceView as Service } from "../../api/types";
import { Icon } from "../../components/Icon";
import { useI18n } from "../../i18n";
import styles from "./Services.module.css";

type Amounts = Record<string, unknown>;

/** The requests and limits of Onyxia's charts' resources value: each resource with its two amounts. */
export function resourceRows(values: Record<string, unknown> | undefined): { name: string; request?: string; limit?: string }[] {
  const resources = values?.resources;
  if (!resources || typeof resources !== "object") return [];
  const { requests, limits } = resources as { requests?: Amounts; limits?: Amounts };
  const amount = (m: Amounts | undefined, k: string) => {
    const v = m?.[k];
    return typeof v === "string" || typeof v === "number" ? String(v) : undefined;
  };
  const names = [...new Set([...Object.keys(requests ?? {}), ...Object.keys(limits ?? {})])];
  return names
    .map((name) => ({ name, request: amount(requests, name), limit: amount(limits, name) }))
    .filter((r) => r.request !== undefined || r.limit !== undefined);
}

/**
 * What the service asked of the cluster (CPU, memory, GPUs), as its values say; to its owner, a
 * link to change them. Nothing for a chart without the resources value.
 */
export function ServiceResources({ service, values, manage }: { service: Service; values?: Record<string, unknown>; manage: boolean }) {
  const { t } = useI18n();
  const rows = resourceRows(values);
  if (rows.length === 0) return null;
  return (
    <>
      <h2 className={styles.h2}>{t("service.resources")}</h2>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">{t("service.resources.name")}</th>
            <th scope="col" className="num">
              {t("service.resources.request")}
            </th>
            <th scope="col" className="num">
              {t("service.resources.limit")}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name}>
              <th scope="row" className="mono">
                {r.name}
              </th>
              <td className="num">{r.request ?? "—"}</td>
              <td className="num">{r.limit ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {manage ? (
        <p>
          <Link className="button button-secondary button-small" to={`/my-services/${encodeURIComponent(service.id)}/change`}>
            <Icon name="sliders" size={16} />
            {t("service.resources.change")}
          </Link>
        </p>
      ) : null}
    </>
  );
}
