import { useState } from "react";
import type { Alert } from "../api/types";
import { useT } from "../i18n";
import { useInstance, useLocalized } from "../instance";
import { Icon } from "./Icon";

const STORAGE_KEY = "basalt.alert.dismissed";

/** A short fingerprint of the alert's texts: a new text shows the banner again. */
export function alertId(alert: Alert): string {
  const source = JSON.stringify(Object.entries(alert.text ?? {}).sort());
  let h = 5381;
  for (let i = 0; i < source.length; i++) h = ((h * 33) ^ source.charCodeAt(i)) >>> 0;
  return h.toString(36);
}

function dismissedId(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** The instance's banner (ui.alert) on every page; closed, it stays closed until its text changes. */
export function AlertBanner() {
  const t = useT();
  const text = useLocalized();
  const { alert } = useInstance();
  const id = alert ? alertId(alert) : "";
  const [dismissed, setDismissed] = useState(() => dismissedId() === id);
  const message = text(alert?.text);
  if (!alert || !message || (alert.dismissible && dismissed)) return null;
  const urgent = alert.severity === "error" || alert.severity === "warning";
  return (
    <div className="notice banner" data-severity={alert.severity} role={urgent ? "alert" : "status"}>
      <Icon name={urgent ? "alert" : "info"} size={18} />
      <p>{message}</p>
      {alert.dismissible ? (
        <button
          type="button"
          className="icon-button"
          aria-label={t("alert.dismiss")}
          onClick={() => {
            setDismissed(true);
            try {
              localStorage.setItem(STORAGE_KEY, id);
            } catch {
              // Storage unavailable: closed for this page only.
            }
          }}
        >
          <Icon name="close" size={16} />
        </button>
      ) : null}
    </div>
  );
}
