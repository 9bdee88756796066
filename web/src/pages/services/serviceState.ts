import type { ServiceView as Service } from "../../api/types";

/** What a card shows: the four states of Onyxia's service list. */
export type ServiceState = "ready" | "progress" | "failed" | "paused";

export function serviceState(s: Service): ServiceState {
  if (s.suspended || s.status === "suspended") return "paused";
  if (s.status === "failed") return "failed";
  if (s.ready && s.status === "deployed") return "ready";
  return "progress";
}

/**
 * Since when the service has been running, for "Running for…": only once it is ready. Its
 * start is its release's first deployment, so a service starting again (resumed, or its pods
 * replaced) would otherwise show a running time beside "Starting".
 */
export function runningSince(s: Service): string | undefined {
  return serviceState(s) === "ready" ? s.started : undefined;
}

/** Onyxia's default RUNNING_TIME_THRESHOLD_HOURS: past a week, a running service is flagged. */
export const RUNNING_TIME_WARNING_HOURS = 168;

/** Whether the user may change the service: its owner, or anyone for a service without owner. */
export function canManage(s: Service, username: string): boolean {
  return !s.owner || s.owner === username;
}
