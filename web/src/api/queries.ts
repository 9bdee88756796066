import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useApi } from "./ApiProvider";
import { ApiError } from "./errors";
import type { AuditFilter, FleetQuery, FleetSort, LaunchFormQuery, UsageQuery } from "./client";
import type { FleetFilter } from "./types";

/** Query keys: everything of a project starts with ["project", id], so a switch refetches it. */
export const queryKeys = {
  config: ["config"] as const,
  version: ["version"] as const,
  me: ["me"] as const,
  settings: ["me", "settings"] as const,
  profile: ["me", "profile"] as const,
  bookmarks: ["me", "bookmarks"] as const,
  s3Profiles: ["me", "s3-profiles"] as const,
  s3ProfileCredentials: (name: string) => ["me", "s3-profiles", name, "credentials"] as const,
  apiTokens: ["me", "tokens"] as const,
  notices: ["me", "notices"] as const,
  fleet: (query: FleetQuery) => ["admin", "fleet", query] as const,
  fleetPages: (filter: FleetFilter, sort: FleetSort) => ["admin", "fleet", "pages", filter, sort] as const,
  platform: ["admin", "platform"] as const,
  audit: (filter: AuditFilter) => ["admin", "audit", filter] as const,
  usage: (query: UsageQuery) => ["admin", "usage", query] as const,
  adminProjects: (region: string) => ["admin", "projects", region] as const,
  members: (project: string) => ["project", project, "members"] as const,
  catalogs: (project: string) => ["project", project, "catalogs"] as const,
  charts: (project: string, catalog: string, search: string) => ["project", project, "charts", catalog, search] as const,
  chart: (project: string, catalog: string, chart: string) => ["project", project, "chart", catalog, chart] as const,
  chartVersion: (project: string, catalog: string, chart: string, version: string) =>
    ["project", project, "chart", catalog, chart, version] as const,
  files: (project: string) => ["project", project, "files"] as const,
  folder: (project: string, path: string) => ["project", project, "files", path] as const,
  publicFolders: (project: string) => ["project", project, "public-folders"] as const,
  secrets: (project: string) => ["project", project, "secrets"] as const,
  secretFolder: (project: string, path: string) => ["project", project, "secrets", "folder", path] as const,
  secret: (project: string, path: string, version?: number) =>
    ["project", project, "secrets", "secret", path, version ?? "latest"] as const,
  secretVersions: (project: string, path: string) => ["project", project, "secrets", "versions", path] as const,
  services: (project: string) => ["project", project, "services"] as const,
  service: (project: string, id: string) => ["project", project, "services", id] as const,
  serviceHistory: (project: string, id: string) => ["project", project, "services", id, "history"] as const,
  serviceAccess: (project: string, id: string) => ["project", project, "services", id, "access"] as const,
  changeForm: (project: string, id: string, version: string) => ["project", project, "change-form", id, version] as const,
  quota: (project: string) => ["project", project, "quota"] as const,
  storageCredentials: (project: string) => ["project", project, "credentials", "storage"] as const,
  secretsCredentials: (project: string) => ["project", project, "credentials", "secrets"] as const,
  configurations: (project: string) => ["project", project, "configurations"] as const,
  lifecyclePolicy: (project: string, catalog: string) => ["project", project, "lifecycle-policy", catalog] as const,
  launchForm: (project: string, q: LaunchFormQuery) =>
    ["project", project, "launch-form", q.catalog, q.chart, q.version ?? "", q.link ?? "", q.s3 ?? "", q.profileOptOut?.join(",") ?? ""] as const,
};

/** The instance configuration; it changes only when the server restarts. */
export function useConfig() {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.config,
    queryFn: ({ signal }) => api.getConfig(signal),
    staleTime: Infinity,
  });
}

export function useVersion() {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.version,
    queryFn: ({ signal }) => api.getVersion(signal),
    staleTime: 5 * 60_000,
  });
}

/** The signed-in user; an ApiError with status 401 when nobody is. */
export function useMe() {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.me,
    queryFn: ({ signal }) => api.getMe(signal),
    staleTime: 5 * 60_000,
    retry: false,
  });
}

export function useCatalogs(project: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.catalogs(project),
    queryFn: ({ signal }) => api.listCatalogs(project, signal),
    staleTime: 60_000,
  });
}

export function useCharts(project: string, catalog: string, search: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.charts(project, catalog, search),
    queryFn: ({ signal }) => api.listCharts(project, catalog, search, signal),
    staleTime: 60_000,
    placeholderData: (prev) => prev,
  });
}

export function useChart(project: string, catalog: string, chart: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.chart(project, catalog, chart),
    queryFn: ({ signal }) => api.getChart(project, catalog, chart, signal),
    staleTime: 60_000,
  });
}

export function useChartVersion(project: string, catalog: string, chart: string, version: string | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.chartVersion(project, catalog, chart, version ?? ""),
    queryFn: ({ signal }) => api.getChartVersion(project, catalog, chart, version!, signal),
    enabled: !!version,
    staleTime: 5 * 60_000,
  });
}

/** A folder of files, page by page (nextPageToken). */
export function useFolder(project: string, path: string) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: queryKeys.folder(project, path),
    queryFn: ({ signal, pageParam }) => api.listFiles(project, path, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextPageToken || undefined,
  });
}

export function usePublicFolders(project: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.publicFolders(project),
    queryFn: ({ signal }) => api.listPublicFolders(project, signal),
  });
}

export function useSecretFolder(project: string, path: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.secretFolder(project, path),
    queryFn: ({ signal }) => api.listSecrets(project, path, signal),
  });
}

export function useSecret(project: string, path: string | undefined, version?: number) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.secret(project, path ?? "", version),
    queryFn: ({ signal }) => api.readSecret(project, path!, version, signal),
    enabled: !!path,
  });
}

export function useSecretVersions(project: string, path: string, enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.secretVersions(project, path),
    queryFn: ({ signal }) => api.secretVersions(project, path, signal),
    enabled,
  });
}

/** The project's services, refreshed often while one of them is on its way. */
export function useServices(project: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.services(project),
    queryFn: ({ signal }) => api.listServices(project, signal),
    refetchInterval: (q) =>
      q.state.data?.some((s) => !s.suspended && s.status !== "failed" && !s.ready) ? 3_000 : 15_000,
  });
}

export function useService(project: string, id: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.service(project, id),
    queryFn: ({ signal }) => api.getService(project, id, signal),
    refetchInterval: (q) => (q.state.data && !q.state.data.service.ready && !q.state.data.service.suspended ? 3_000 : 15_000),
  });
}

/** A service's revisions, the newest first. */
export function useServiceHistory(project: string, id: string, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.serviceHistory(project, id),
    queryFn: ({ signal }) => api.serviceHistory(project, id, signal),
    enabled,
  });
}

/**
 * The launch form of a running service at a chart version ("" for its own). Fetched once, as
 * the launch form is: the form being edited must not change under the user; forgotten when
 * left, as it holds the service's credentials.
 */
export function useChangeForm(project: string, id: string, version: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.changeForm(project, id, version),
    queryFn: ({ signal }) => api.getChangeForm(project, id, version || undefined, signal),
    // Another version's form keeps the previous one meanwhile (the version picker stays).
    placeholderData: (prev) => prev,
    staleTime: Infinity,
    gcTime: 0,
    refetchOnWindowFocus: false,
    retry: false,
  });
}

export function useQuota(project: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.quota(project),
    queryFn: ({ signal }) => api.getQuota(project, signal),
    refetchInterval: 30_000,
  });
}

/**
 * A chart version's launch form, pre-filled for the user. Fetched once: each answer draws new
 * random host names, and the form the user is editing must not change under them.
 */
export function useLaunchForm(project: string, q: LaunchFormQuery) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.launchForm(project, q),
    queryFn: ({ signal }) => api.getLaunchForm(project, q, signal),
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    retry: false,
  });
}

/** The user's git identity and profile; never kept stale, it holds a token. */
export function useSettings() {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.settings,
    queryFn: ({ signal }) => api.getSettings(signal),
    gcTime: 0,
    refetchOnWindowFocus: false,
  });
}

/** The profile form and the user's answers to it. */
export function useProfile() {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.profile,
    queryFn: ({ signal }) => api.getProfile(signal),
    refetchOnWindowFocus: false,
    retry: false,
  });
}

export function useConfigurations(project: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.configurations(project),
    queryFn: ({ signal }) => api.listConfigurations(project, signal),
  });
}

/** The lifecycle engine's notices on the caller's services, asked again every minute. */
export function useNotices(enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.notices,
    queryFn: ({ signal }) => api.listNotices(signal),
    refetchInterval: 60_000,
    enabled,
  });
}

/** Who else may open a service through the gateway, for its owner. */
export function useServiceAccess(project: string, id: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.serviceAccess(project, id),
    queryFn: ({ signal }) => api.getServiceAccess(project, id, signal),
  });
}

/** The lifecycle policy a launch from the catalog would get. */
export function useLifecyclePolicy(project: string, catalog: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.lifecyclePolicy(project, catalog),
    queryFn: ({ signal }) => api.getLifecyclePolicy(project, catalog, signal),
    staleTime: 5 * 60_000,
  });
}

/** Administrators: the services the filter matches, in every region. */
export function useFleet(query: FleetQuery, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.fleet(query),
    queryFn: ({ signal }) => api.listFleet(query, signal),
    enabled,
    staleTime: 30_000,
    retry: false,
  });
}

/** How many services a page of the fleet's table holds. */
export const FLEET_PAGE = 100;

/** The fleet the filter matches in one sort, page after page (each page's next cursor). */
export function useFleetPages(filter: FleetFilter, sort: FleetSort) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: queryKeys.fleetPages(filter, sort),
    queryFn: ({ signal, pageParam }) => api.listFleet({ ...filter, sort, limit: FLEET_PAGE, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next || undefined,
    // Another sort or filter keeps the table in place until its first page comes.
    placeholderData: keepPreviousData,
    staleTime: 30_000,
    retry: false,
  });
}

/**
 * Whether the signed-in user administers the fleet: the server alone knows (its policy), and
 * answers the fleet's listing with 403 to others, 501 when the instance runs no lifecycle engine.
 * The answer is the administration page's first listing.
 */
export function useFleetAccess(signedIn: boolean): boolean {
  const fleet = useFleet({ limit: 1 }, signedIn);
  return signedIn && (fleet.isSuccess || (fleet.isError && !(fleet.error instanceof ApiError && [401, 403, 404, 501].includes(fleet.error.status))));
}

/** Administrators: plugins, catalogs and regions as the answering replica sees them. */
export function usePlatformHealth(enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.platform,
    queryFn: ({ signal }) => api.getPlatformHealth(signal),
    enabled,
    staleTime: 15_000,
    retry: false,
  });
}

/** Administrators: the answering replica's recent audit events the filter selects. */
export function useAuditEvents(filter: AuditFilter) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.audit(filter),
    queryFn: ({ signal }) => api.listAuditEvents(filter, signal),
    staleTime: 15_000,
    retry: false,
  });
}

/** Administrators: every project of the chosen region. */
export function useAdminProjects(region: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.adminProjects(region),
    queryFn: ({ signal }) => api.listAdminProjects(signal),
    staleTime: 15_000,
    retry: false,
  });
}

/** The people added to a project in Basalt. */
export function useProjectMembers(project: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.members(project),
    queryFn: ({ signal }) => api.getProjectMembers(project, signal),
    retry: false,
  });
}

/** Administrators: usage by day and by user or project, in a period. */
export function useUsage(query: UsageQuery) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.usage(query),
    queryFn: ({ signal }) => api.getUsage(query, signal),
    staleTime: 60_000,
    retry: false,
  });
}

/**
 * Whether the signed-in user sees the platform's health: those who administer the fleet, and,
 * on an instance without a lifecycle engine (whose fleet answers 501), those the platform's
 * own answer lets in.
 */
export function usePlatformAccess(signedIn: boolean): boolean {
  const fleet = useFleet({ limit: 1 }, signedIn);
  const fleetAccess = useFleetAccess(signedIn);
  const noEngine = fleet.error instanceof ApiError && fleet.error.status === 501;
  const platform = usePlatformHealth(signedIn && noEngine);
  return fleetAccess || (noEngine && platform.isSuccess);
}
