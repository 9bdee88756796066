// How the portal opens a service: through Basalt's service gateway, which signs the browser in
// at the service's own host, when the server offers it; else (an older server) at the chart's
// own addresses; a service on simulated nodes nowhere. And the gateway's traffic in words, for
// the service page.
import type { AccessView, ServiceView as Service } from "../../api/types";
import { isOne } from "../../i18n";
import { formatRelative, type Words } from "../../lifecycle/lifecycleText";
import { serviceState } from "./serviceState";

/** What the Open action offers. */
export interface OpenTargets {
  /** The addresses Open goes to: the gateway's alone, else the chart's. */
  open: string[];
  /** The chart's own addresses, listed apart when Open goes through the gateway. */
  direct: string[];
  /** A paused service answers nowhere: its Open is disabled. */
  paused: boolean;
  /** Its pods run on simulated nodes (a sandbox's kwok nodes), where nothing runs: nothing to open. */
  simulated: boolean;
}

export function openTargets(s: Service): OpenTargets {
  const paused = serviceState(s) === "paused";
  if (s.simulated) return { open: [], direct: [], paused, simulated: true };
  const gateway = s.access?.url;
  return {
    open: gateway ? [gateway] : s.urls,
    direct: gateway ? s.urls : [],
    paused,
    simulated: false,
  };
}

/** "Last opened 3 minutes ago", "2 open connections": what the gateway saw of the service. */
export function trafficSentences(access: AccessView | undefined, now: number, w: Words): string[] {
  if (!access) return [];
  const out: string[] = [];
  if (access.lastRequest) {
    // "now" or "3 seconds ago" would change under the reader's eyes.
    const recent = now - new Date(access.lastRequest).getTime() < 60_000;
    out.push(recent ? w.t("access.lastOpened.recent") : w.t("access.lastOpened", { ago: formatRelative(access.lastRequest, now, w) }));
  }
  const open = access.openWebSockets;
  if (open > 0) out.push(w.t(isOne(w.lang, open) ? "access.connections.one" : "access.connections.other", { count: open }));
  return out;
}
