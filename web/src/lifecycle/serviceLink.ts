/** A service in a project and region, as a notice names it. */
export interface ServiceAt {
  service: string;
  project: string;
  region: string;
}

/**
 * The service page's address that first switches to the service's project and region, as the
 * lifecycle engine's e-mails and webhook write it; keep adds the offer to keep the service
 * (the page asks before acting: opening a link changes nothing).
 */
export function serviceLink(at: ServiceAt, keep = false): string {
  const q = new URLSearchParams({ project: at.project, region: at.region });
  if (keep) q.set("keep", "1");
  return `/my-services/${encodeURIComponent(at.service)}?${q.toString()}`;
}
