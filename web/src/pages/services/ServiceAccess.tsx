import { useId } from "react";
import type { ServiceView as Service } from "../../api/types";
import { useNow } from "../../clock";
import { CopyButton } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { useI18n } from "../../i18n";
import { useWords } from "../../lifecycle/lifecycleText";
import { openTargets, trafficSentences } from "./access";
import { serviceState } from "./serviceState";
import styles from "./Services.module.css";

/**
 * The Open action: the service's address through Basalt (or, from an older server, each of
 * the chart's) in a new tab; disabled, with why, while the service is paused; in its place,
 * why there is nothing to open when the service runs on simulated nodes. withAddress writes
 * the address beside its button, as the service cards do.
 */
export function OpenService({ service, small = false, withAddress = false }: { service: Service; small?: boolean; withAddress?: boolean }) {
  const { t } = useI18n();
  const reasonId = useId();
  const { open, paused, simulated } = openTargets(service);
  if (simulated) return <p className={styles.openReason}>{t("services.simulated")}</p>;
  if (open.length === 0) return null;
  // Starting or failed: still offered, but not as the page's main action.
  const primary = serviceState(service) === "ready";
  const className = ["button", small ? "button-small" : "", primary ? "" : "button-secondary"].filter(Boolean).join(" ");
  return (
    <div className={styles.open}>
      <ul className={styles.urls}>
        {open.map((u) => (
          <li key={u}>
            {paused ? (
              <button type="button" className={className} disabled aria-label={t("services.open", { url: u })} aria-describedby={reasonId}>
                <Icon name="external" size={16} />
                {t("services.openShort")}
              </button>
            ) : (
              <a className={className} href={u} target="_blank" rel="noopener noreferrer" aria-label={t("services.open", { url: u })}>
                <Icon name="external" size={16} />
                {t("services.openShort")}
              </a>
            )}
            {withAddress ? <span className={styles.url}>{u}</span> : null}
          </li>
        ))}
      </ul>
      {paused ? (
        <p id={reasonId} className={styles.openReason}>
          {t("services.open.paused")}
        </p>
      ) : null}
    </div>
  );
}

/**
 * The chart's own addresses (its Ingress hosts), listed apart when Open goes through Basalt
 * (on a card, under the launch's progress): they may be out of the browser's reach and ask
 * for the service's own password.
 */
export function DirectAddresses({ service }: { service: Service }) {
  const { t } = useI18n();
  const { direct } = openTargets(service);
  if (direct.length === 0) return null;
  return (
    <div className={styles.direct}>
      <span className={styles.directLabel}>{t("service.directUrls")}</span>
      <ul className={styles.urls}>
        {direct.map((u) => (
          <li key={u}>
            <a href={u} target="_blank" rel="noopener noreferrer" className={styles.url}>
              {u}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * The service page's addresses: Basalt's, with what the gateway saw of the traffic, then the
 * chart's; from an older server, the chart's alone, as they always were. None for a service
 * on simulated nodes: none of them answers.
 */
export function AddressesSection({ service }: { service: Service }) {
  const { t } = useI18n();
  const words = useWords();
  const now = useNow();
  const { direct, simulated } = openTargets(service);
  if (simulated) return null;
  const gateway = service.access?.url;
  if (!gateway) {
    if (service.urls.length === 0) return null;
    return (
      <>
        <h2 className={styles.h2}>{t("service.urls")}</h2>
        <AddressList urls={service.urls} />
      </>
    );
  }
  const traffic = trafficSentences(service.access, now, words);
  return (
    <>
      <h2 className={styles.h2}>{t("service.address")}</h2>
      <AddressList urls={[gateway]} />
      {traffic.length > 0 ? <p className={styles.traffic}>{traffic.join(" · ")}</p> : null}
      {direct.length > 0 ? (
        <>
          <h2 className={styles.h2}>{t("service.directUrls")}</h2>
          <AddressList urls={direct} />
        </>
      ) : null}
    </>
  );
}

function AddressList({ urls }: { urls: string[] }) {
  return (
    <ul className={styles.urls}>
      {urls.map((u) => (
        <li key={u}>
          <a href={u} target="_blank" rel="noopener noreferrer">
            {u}
          </a>
          <CopyButton text={u} />
        </li>
      ))}
    </ul>
  );
}
