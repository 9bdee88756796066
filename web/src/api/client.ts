import { curlCommand } from "../commands/curl";
import { ApiError, CLIENT_CODES, decodeError } from "./errors";
import { savedRegion } from "./region";
import type {
  APITokenList,
  CreatedAPIToken,
  NewAPIToken,
  AccessGrant,
  AccessGrantInput,
  AccessGrants,
  AuditTrail,
  CatalogList,
  CatalogView as Catalog,
  ChangeForm,
  ChangeRequest,
  ChangeView,
  ChartView as Chart,
  ChartVersionView as ChartVersion,
  ClusterAccess,
  FleetActionRequest,
  FleetActionResult,
  FleetFilter,
  FleetList,
  LifecycleChange,
  LifecyclePolicy,
  Notices,
  ObjectView as FileEntry,
  PlatformHealth,
  FileList,
  FolderView as FolderEntry,
  UIConfig as InstanceConfig,
  LaunchResult as LaunchAccepted,
  LaunchForm as LaunchFormResponse,
  PlanView as LaunchPlan,
  LaunchRequest,
  LogView as LogLine,
  Me,
  MemberList,
  MembersChange,
  ProjectList,
  ProjectQuota,
  ProfileUpdate,
  ProfileView,
  Quota,
  RevisionList,
  RollbackView,
  SavedConfiguration,
  SecretView as Secret,
  SecretList,
  SecretsCredentials,
  StorageCredentials,
  S3ProfileView as S3Profile,
  S3ProfileInput,
  SecretVersions,
  SecretWritten,
  ServiceView as Service,
  ServiceCredentials,
  ServiceDetails,
  EventView as ServiceEvent,
  ServiceList,
  ServiceNotice,
  ServiceUpdated,
  ShareLink,
  Bookmark as UserBookmark,
  QueryList,
  SavedQuery,
  UsageReport,
  UserSettings,
  Version as VersionInfo,
} from "./types";

/** Every answer of an action carries the equivalent command-line commands. */
interface WithCommands {
  commands?: string[];
  /** The same commands with the secrets they mask in clear, when they mask some. */
  commandsWithSecrets?: string[];
}

/** A byte range of a file, read for a preview. */
export interface FileRange {
  blob: Blob;
  contentType: string;
  /** The file's whole size when the server said it (Content-Range), else the bytes received. */
  totalSize: number;
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** The part of EventSource the client uses; tests pass a fake. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (e: Event) => void): void;
  close(): void;
}
export type EventSourceFactory = (url: string) => EventSourceLike;

/** The part of XMLHttpRequest an upload uses; tests pass a fake. */
export type XhrFactory = () => XMLHttpRequest;

/**
 * What the command panel records: the commands equivalent to one call, named by the action
 * (a key of the "cmd.action." messages) and what it acted on.
 */
export interface CommandRecord {
  action: CommandAction;
  target: string;
  commands: string[];
  /**
   * The commands with the secrets they mask in clear, for a copy the user reveals: kept in
   * memory only, never with the recorded history.
   */
  revealed?: string[];
  /** True for calls that change something; reads are recorded once. */
  change: boolean;
  /** The call itself as a script makes it with an API token (from $BASALT_TOKEN), secrets masked. */
  curl?: string;
}

export type CommandAction =
  | "filesList"
  | "fileUpload"
  | "fileDelete"
  | "folderCreate"
  | "fileShare"
  | "folderPolicy"
  | "secretsList"
  | "secretRead"
  | "secretWrite"
  | "secretDelete"
  | "secretUndelete"
  | "secretVersions"
  | "servicesList"
  | "serviceRead"
  | "serviceUpdate"
  | "serviceSuspend"
  | "serviceResume"
  | "serviceDelete"
  | "serviceCredentials"
  | "kubeconfig"
  | "servicesDelete"
  | "quota"
  | "launchPlan"
  | "launch"
  | "changePlan"
  | "change"
  | "serviceHistory"
  | "rollbackPlan"
  | "rollback"
  | "fleetSuspendPlan"
  | "fleetSuspend"
  | "fleetResumePlan"
  | "fleetResume"
  | "fleetUpgradePlan"
  | "fleetUpgrade"
  | "fleetDeletePlan"
  | "fleetDelete";

export interface ApiClientOptions {
  /** Prefix of every path; "/api/v1" on the server that serves the portal. */
  baseUrl?: string;
  fetch?: FetchLike;
  eventSource?: EventSourceFactory;
  xhr?: XhrFactory;
  /** The region every call names (?region=); by default the one saved in this browser. */
  region?: () => string | undefined;
}

export interface LogsOptions {
  follow?: boolean;
  tail?: number;
  pod?: string;
  container?: string;
}

/** Callbacks of a server-sent event stream (logs, events). */
export interface StreamHandlers<T> {
  onItem(item: T): void;
  /** The server sent an error event, or the connection failed. */
  onError(err: ApiError): void;
  /** The server ended the stream. */
  onEnd(): void;
}

export interface UploadOptions {
  onProgress?(loaded: number, total: number): void;
  signal?: AbortSignal;
}

/** Which launch form to describe: a chart version, with a launch link's query string applied. */
export interface LaunchFormQuery {
  catalog: string;
  chart: string;
  version?: string;
  /** The launch link's raw query string (Onyxia's format): the server parses it. */
  link?: string;
  s3?: string;
  /** Fields of the user's profile left out of the form's pre-filling. */
  profileOptOut?: string[];
}

export interface DeleteSecretOptions {
  versions?: number[];
  destroy?: boolean;
  all?: boolean;
}

/** The typed client of Basalt's /api/v1. Every method rejects with an ApiError. */
export interface ApiClient {
  getConfig(signal?: AbortSignal): Promise<InstanceConfig>;
  getVersion(signal?: AbortSignal): Promise<VersionInfo>;
  getMe(signal?: AbortSignal): Promise<Me>;
  getSettings(signal?: AbortSignal): Promise<UserSettings>;
  putSettings(settings: UserSettings): Promise<UserSettings>;
  /** The profile form the administrator declares, and the user's answers. */
  getProfile(signal?: AbortSignal): Promise<ProfileView>;
  putProfile(profile: ProfileUpdate): Promise<ProfileView>;
  listBookmarks(signal?: AbortSignal): Promise<UserBookmark[]>;
  addBookmark(bookmark: UserBookmark): Promise<UserBookmark>;
  removeBookmark(path: string): Promise<void>;
  /** The SQL queries the user ran in the data explorer, the latest first. */
  listQueryHistory(signal?: AbortSignal): Promise<SavedQuery[]>;
  /** Keeps a query that ran in the user's history. */
  addQueryHistory(sql: string): Promise<SavedQuery>;
  listS3Profiles(signal?: AbortSignal): Promise<S3Profile[]>;
  createS3Profile(profile: S3ProfileInput): Promise<S3Profile>;
  updateS3Profile(name: string, profile: S3ProfileInput): Promise<S3Profile>;
  deleteS3Profile(name: string): Promise<void>;
  /** A profile's keys revealed, with snippets. */
  getS3ProfileCredentials(name: string, signal?: AbortSignal): Promise<StorageCredentials>;
  /** The caller's API tokens (never their values), and what a new one may be. */
  listAPITokens(signal?: AbortSignal): Promise<APITokenList>;
  /** Makes an API token: its value is in this answer only. */
  createAPIToken(token: NewAPIToken): Promise<CreatedAPIToken>;
  revokeAPIToken(id: string): Promise<void>;

  listCatalogs(project: string, signal?: AbortSignal): Promise<Catalog[]>;
  listCharts(project: string, catalog: string, search: string, signal?: AbortSignal): Promise<Chart[]>;
  getChart(project: string, catalog: string, chart: string, signal?: AbortSignal): Promise<Chart>;
  getChartVersion(project: string, catalog: string, chart: string, version: string, signal?: AbortSignal): Promise<ChartVersion>;
  /** Where Basalt serves a chart's icon (never the site the chart names), by its digest, which the browser keeps for good. */
  chartIconUrl(project: string, catalog: string, chart: string, iconDigest: string): string;

  listFiles(project: string, path: string, pageToken?: string, signal?: AbortSignal): Promise<FileList>;
  deleteFile(project: string, path: string, recursive: boolean): Promise<{ deleted: number }>;
  createFolder(project: string, path: string): Promise<{ folder: FolderEntry }>;
  shareFile(project: string, path: string, expiry: string): Promise<ShareLink>;
  setFolderPublic(project: string, path: string, isPublic: boolean): Promise<void>;
  listPublicFolders(project: string, signal?: AbortSignal): Promise<FolderEntry[]>;
  /**
   * The address of a file's content, for links and images. download asks for an attachment;
   * fromStore, for a region whose store browsers reach, for a redirect to a link the store
   * signs, so that the bytes skip Basalt.
   */
  fileUrl(project: string, path: string, opts?: { download?: boolean; fromStore?: boolean }): string;
  readFileRange(project: string, path: string, bytes: number, signal?: AbortSignal): Promise<FileRange>;
  /** Bytes [start, end) of a file through a Range request, e.g. a Parquet file's footer. */
  readFileBytes(project: string, path: string, start: number, end: number, signal?: AbortSignal): Promise<ArrayBuffer>;
  /** Storage keys of the caller for the project, with snippets; 501 when the region has none. */
  getStorageCredentials(project: string, signal?: AbortSignal): Promise<StorageCredentials>;
  /** The caller's token to the secrets store, with snippets; 501 when the region has none. */
  getSecretsCredentials(project: string, signal?: AbortSignal): Promise<SecretsCredentials>;
  /** A kubeconfig of the caller's own for the project's namespace (a new token each time); 501 when the region gives none. */
  getKubeconfig(project: string): Promise<ClusterAccess>;
  uploadFile(project: string, path: string, file: Blob, opts?: UploadOptions): Promise<FileEntry>;

  listSecrets(project: string, path: string, signal?: AbortSignal): Promise<SecretList>;
  readSecret(project: string, path: string, version?: number, signal?: AbortSignal): Promise<Secret>;
  writeSecret(project: string, path: string, data: Record<string, string>, checkVersion?: number): Promise<SecretWritten>;
  deleteSecret(project: string, path: string, opts?: DeleteSecretOptions): Promise<void>;
  undeleteSecret(project: string, path: string, versions: number[]): Promise<void>;
  secretVersions(project: string, path: string, signal?: AbortSignal): Promise<SecretVersions>;

  getLaunchForm(project: string, q: LaunchFormQuery, signal?: AbortSignal): Promise<LaunchFormResponse>;
  /** Validates a launch and returns what it would install; installs nothing. */
  planLaunch(project: string, req: LaunchRequest): Promise<LaunchPlan>;
  /** Launches a service; it is being installed when this resolves. */
  launchService(project: string, req: LaunchRequest): Promise<LaunchAccepted>;
  listConfigurations(project: string, signal?: AbortSignal): Promise<SavedConfiguration[]>;
  saveConfiguration(project: string, name: string, launch: LaunchRequest, extra?: Record<string, unknown>): Promise<SavedConfiguration>;
  deleteConfiguration(project: string, name: string): Promise<void>;

  listServices(project: string, signal?: AbortSignal): Promise<Service[]>;
  /**
   * A service with its values and manifest. elsewhere: a service of a notice, in its own
   * region, read for what its policy allows: not an action of the user's, so its commands do
   * not go to the command panel.
   */
  getService(project: string, service: string, signal?: AbortSignal, elsewhere?: { region: string }): Promise<ServiceDetails>;
  updateService(project: string, service: string, patch: { friendlyName?: string; shared?: boolean }): Promise<Service>;
  suspendService(project: string, service: string): Promise<void>;
  resumeService(project: string, service: string): Promise<void>;
  deleteService(project: string, service: string): Promise<void>;
  /** The service's own passwords and token, in clear: its owner's, asked for on demand (audited, never cached). */
  getServiceCredentials(project: string, service: string): Promise<ServiceCredentials>;
  deleteMyServices(project: string): Promise<string[]>;
  getQuota(project: string, signal?: AbortSignal): Promise<Quota>;
  /** The launch form of a running service, filled with its values carried over to version (its own when absent). */
  getChangeForm(project: string, service: string, version?: string, signal?: AbortSignal): Promise<ChangeForm>;
  /** What a change would change (values, rendered manifests); changes nothing. */
  planChange(project: string, service: string, req: ChangeRequest): Promise<ChangeView>;
  /** Reconfigures or upgrades a service; the new revision is recorded when this resolves. */
  changeService(project: string, service: string, req: ChangeRequest): Promise<ChangeView>;
  /** The service's revisions, the newest first. */
  serviceHistory(project: string, service: string, signal?: AbortSignal): Promise<RevisionList>;
  /** What bringing revision back would change; changes nothing. */
  planRollback(project: string, service: string, revision: number): Promise<RollbackView>;
  /** Brings revision back, as a new revision. */
  rollbackService(project: string, service: string, revision: number): Promise<RollbackView>;
  /** Keeps a service from the lifecycle engine's steps, stops keeping it, or sets its idle time; region as getService's. */
  setServiceLifecycle(project: string, service: string, change: LifecycleChange, region?: string): Promise<Service>;
  /** Who else may open the service through the gateway (its owner only may ask). */
  getServiceAccess(project: string, service: string, signal?: AbortSignal): Promise<AccessGrant[]>;
  /** Replaces who else may open the service: the whole list; answers the grants now. */
  setServiceAccess(project: string, service: string, grants: AccessGrantInput[]): Promise<AccessGrant[]>;
  /** The lifecycle policy a launch of the catalog's charts would get in the project. */
  getLifecyclePolicy(project: string, catalog: string, signal?: AbortSignal): Promise<LifecyclePolicy>;
  /** The steps the lifecycle engine announced on the caller's services, in every project and region. */
  listNotices(signal?: AbortSignal): Promise<ServiceNotice[]>;
  /** Administrators: the services of every region the filter matches, sorted, a page at a time with a limit (403 for others). */
  listFleet(query: FleetQuery, signal?: AbortSignal): Promise<FleetList>;
  /** Administrators: suspends, resumes, deletes or upgrades what the filter (or its list of services) matches, or says what would change (dryRun). */
  fleetAction(req: FleetActionRequest): Promise<FleetActionResult>;
  /** Administrators: plugins, catalogs and regions as the answering replica sees them (403 for others). */
  getPlatformHealth(signal?: AbortSignal): Promise<PlatformHealth>;
  /** Administrators: the answering replica's recent audit events the filter selects, newest first. */
  listAuditEvents(filter: AuditFilter, signal?: AbortSignal): Promise<AuditTrail>;
  /** Administrators: usage by day (UTC) and by user or project, as requests × running time (403 for others). */
  getUsage(query: UsageQuery, signal?: AbortSignal): Promise<UsageReport>;
  /** The same usage as CSV, to save. */
  getUsageCsv(query: UsageQuery): Promise<Blob>;
  /** Administrators: every project of the chosen region, with its added members, quota and services (403 for others). */
  listAdminProjects(signal?: AbortSignal): Promise<ProjectList>;
  /** Administrators: adds people to a group's project, or removes people added before. */
  setAdminProjectMembers(project: string, change: MembersChange): Promise<MemberList>;
  /** Administrators: sets keys of a project's quota (an empty value gives the key back to the region). */
  setAdminProjectQuota(project: string, hard: Record<string, string>): Promise<ProjectQuota>;
  /** The people added to the project in Basalt, and whether the caller may change them. */
  getProjectMembers(project: string, signal?: AbortSignal): Promise<MemberList>;
  /** Adds people to the caller's group project, or removes people added before. */
  setProjectMembers(project: string, change: MembersChange): Promise<MemberList>;
  /** Administrators: reloads one catalog, or all; answers the catalogs reloaded. */
  refreshCatalogs(catalog?: string): Promise<Catalog[]>;
  /** Streams a service's logs; returns the function that stops it. */
  streamLogs(project: string, service: string, opts: LogsOptions, h: StreamHandlers<LogLine>): () => void;
  /** Streams a service's events, live; returns the function that stops it. */
  streamEvents(project: string, service: string, h: StreamHandlers<ServiceEvent>): () => void;

  /** Calls listener with the commands of every response that has some; returns the unsubscribe. */
  onCommands(listener: (r: CommandRecord) => void): () => void;
}

/** The audit trail's filter: only what is set. */
export interface AuditFilter {
  actor?: string;
  project?: string;
  /** A prefix of the action: "services." selects every action on services. */
  action?: string;
  outcome?: "success" | "denied" | "failed";
  /** RFC 3339. */
  since?: string;
  limit?: number;
}

/** The fleet's sorts: a key, "-" before it for the reverse order. */
export type FleetSortKey = "project" | "owner" | "name" | "chart" | "state" | "started" | "lastActive";
export type FleetSort = FleetSortKey | `-${FleetSortKey}`;

/** A listing of the fleet: its filter (services picked are for actions), sort and page. */
export type FleetQuery = Omit<FleetFilter, "services"> & { sort?: FleetSort; limit?: number; cursor?: string };

/** A usage report's period (days as YYYY-MM-DD, both included) and grouping. */
export interface UsageQuery {
  from?: string;
  to?: string;
  by?: "user" | "project";
}

type Query = Record<string, string | number | boolean | undefined>;

function queryString(q: Query | undefined): string {
  if (!q) return "";
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== "") params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : "";
}

const seg = encodeURIComponent;

/** The server's JSON for a log line or event has Go's field names; accept either case. */
function pick<T>(raw: Record<string, unknown>, keys: string[]): T {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const upper = k[0]!.toUpperCase() + k.slice(1);
    out[k] = raw[k] ?? raw[upper];
  }
  return out as T;
}

export function createApiClient(opts: ApiClientOptions = {}): ApiClient {
  const baseUrl = (opts.baseUrl ?? "/api/v1").replace(/\/+$/, "");
  const doFetch: FetchLike = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const newEventSource: EventSourceFactory = opts.eventSource ?? ((url) => new EventSource(url, { withCredentials: true }));
  const newXhr: XhrFactory = opts.xhr ?? (() => new XMLHttpRequest());
  const region = opts.region ?? savedRegion;
  // Every URL names the chosen region, or the call's own; none leaves the server's default.
  const withRegion = (q?: Query, own?: string): string => queryString({ ...q, region: own ?? region() });
  const listeners = new Set<(r: CommandRecord) => void>();

  /** The whole URL of a call, as a script outside the browser names it. */
  const absolute = (path: string, q?: Query, own?: string) =>
    new URL(baseUrl + path + withRegion(q, own), globalThis.location?.href ?? "http://localhost/").href;

  function emit(action: CommandAction, target: string, change: boolean, body: unknown, curl: string) {
    const commands = (body as WithCommands | null)?.commands;
    if (!Array.isArray(commands) || commands.length === 0) return;
    const withSecrets = (body as WithCommands).commandsWithSecrets;
    const revealed = Array.isArray(withSecrets) && withSecrets.length === commands.length ? withSecrets : undefined;
    for (const l of listeners) l({ action, target, commands, change, curl, ...(revealed ? { revealed } : {}) });
  }

  interface Call {
    method?: string;
    query?: Query;
    body?: unknown;
    headers?: Record<string, string>;
    signal?: AbortSignal;
    /** The region asked instead of the chosen one; "" for none (the administrator's calls across regions). */
    region?: string;
    /** Record the response's commands under this action. */
    action?: CommandAction;
    target?: string;
  }

  async function send(path: string, call: Call): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json", ...call.headers };
    let body: BodyInit | undefined;
    if (call.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(call.body);
    }
    try {
      return await doFetch(baseUrl + path + withRegion(call.query, call.region), {
        method: call.method ?? "GET",
        headers,
        body,
        credentials: "same-origin",
        signal: call.signal,
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") throw err;
      throw new ApiError(0, CLIENT_CODES.network, err instanceof Error ? err.message : String(err));
    }
  }

  async function call<T>(path: string, c: Call = {}): Promise<T> {
    const res = await send(path, c);
    const text = await res.text();
    if (!res.ok) throw decodeError(res.status, res.statusText, text);
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw new ApiError(res.status, CLIENT_CODES.badResponse, `${path}: the response is not JSON`);
    }
    if (c.action) {
      const method = c.method ?? "GET";
      // A secret's values are all secret, whatever their names.
      emit(c.action, c.target ?? "", method !== "GET", parsed, curlCommand(method, absolute(path, c.query, c.region), { body: c.body, maskAll: c.action === "secretWrite" ? "data" : undefined }));
    }
    return parsed as T;
  }

  function stream<T>(path: string, query: Query, event: string, keys: string[], h: StreamHandlers<T>): () => void {
    const es = newEventSource(baseUrl + path + withRegion(query));
    let done = false;
    const stop = () => {
      done = true;
      es.close();
    };
    es.addEventListener(event, (e) => {
      try {
        h.onItem(pick<T>(JSON.parse((e as MessageEvent<string>).data) as Record<string, unknown>, keys));
      } catch {
        // A line that is not JSON: skip it rather than stop the stream.
      }
    });
    es.addEventListener("end", () => {
      if (done) return;
      stop();
      h.onEnd();
    });
    es.addEventListener("error", (e) => {
      if (done) return;
      const data = (e as MessageEvent<string>).data;
      // A server-sent "error" event carries Basalt's error body; a bare Event is the connection.
      const err =
        typeof data === "string" && data
          ? decodeError(500, "", data)
          : new ApiError(0, CLIENT_CODES.network, "the connection to the server was lost");
      stop();
      h.onError(err);
    });
    return stop;
  }

  const p = (project: string) => `/projects/${seg(project)}`;

  /** GET bytes [start, end) of a file's content; rejects with the server's error. */
  async function ranged(project: string, path: string, start: number, end: number, signal?: AbortSignal): Promise<Response> {
    const res = await send(`${p(project)}/files/content`, {
      query: { path },
      headers: { Range: `bytes=${start}-${end - 1}`, Accept: "*/*" },
      signal,
    });
    if (!res.ok) throw decodeError(res.status, res.statusText, await res.text());
    return res;
  }

  return {
    getConfig: (signal) => call("/config", { signal }),
    getVersion: (signal) => call("/version", { signal }),
    getMe: (signal) => call("/me", { signal }),
    getSettings: (signal) => call("/me/settings", { signal }),
    putSettings: (settings) => call("/me/settings", { method: "PUT", body: settings }),
    getProfile: (signal) => call("/me/profile", { signal }),
    putProfile: (profile) => call("/me/profile", { method: "PUT", body: profile }),
    listBookmarks: async (signal) => (await call<{ bookmarks: UserBookmark[] }>("/me/bookmarks", { signal })).bookmarks,
    addBookmark: (bookmark) => call("/me/bookmarks", { method: "POST", body: bookmark }),
    removeBookmark: async (path) => {
      await call("/me/bookmarks", { method: "DELETE", query: { path } });
    },
    listQueryHistory: async (signal) => (await call<QueryList>("/me/query-history", { signal })).queries,
    addQueryHistory: (sql) => call("/me/query-history", { method: "POST", body: { sql } }),
    listS3Profiles: async (signal) => (await call<{ profiles: S3Profile[] }>("/me/s3-profiles", { signal })).profiles,
    createS3Profile: (profile) => call("/me/s3-profiles", { method: "POST", body: profile }),
    updateS3Profile: (name, profile) => call(`/me/s3-profiles/${seg(name)}`, { method: "PUT", body: profile }),
    deleteS3Profile: async (name) => {
      await call(`/me/s3-profiles/${seg(name)}`, { method: "DELETE" });
    },
    getS3ProfileCredentials: (name, signal) => call(`/me/s3-profiles/${seg(name)}/credentials`, { signal }),
    listAPITokens: (signal) => call("/me/tokens", { signal }),
    createAPIToken: (token) => call("/me/tokens", { method: "POST", body: token }),
    revokeAPIToken: async (id) => {
      await call(`/me/tokens/${seg(id)}`, { method: "DELETE" });
    },

    listCatalogs: async (project, signal) =>
      (await call<{ catalogs: Catalog[] }>("/catalogs", { query: { project }, signal })).catalogs,
    listCharts: async (project, catalog, search, signal) =>
      (await call<{ charts: Chart[] }>(`/catalogs/${seg(catalog)}/charts`, { query: { project, search }, signal })).charts,
    getChart: (project, catalog, chart, signal) =>
      call(`/catalogs/${seg(catalog)}/charts/${seg(chart)}`, { query: { project }, signal }),
    chartIconUrl: (project, catalog, chart, iconDigest) =>
      `${baseUrl}/catalogs/${seg(catalog)}/charts/${seg(chart)}/icon${queryString({ project, v: iconDigest })}`,
    getChartVersion: (project, catalog, chart, version, signal) =>
      call(`/catalogs/${seg(catalog)}/charts/${seg(chart)}/versions/${seg(version)}`, { query: { project }, signal }),

    listFiles: (project, path, pageToken, signal) =>
      call(`${p(project)}/files`, { query: { path, pageToken }, signal, action: "filesList", target: path }),
    deleteFile: (project, path, recursive) =>
      call(`${p(project)}/files`, {
        method: "DELETE",
        query: { path, recursive: recursive || undefined },
        action: "fileDelete",
        target: path,
      }),
    createFolder: (project, path) =>
      call(`${p(project)}/files/folders`, { method: "POST", body: { path }, action: "folderCreate", target: path }),
    shareFile: (project, path, expiry) =>
      call(`${p(project)}/files/share`, { method: "POST", body: { path, expiry }, action: "fileShare", target: path }),
    setFolderPublic: async (project, path, isPublic) => {
      await call(`${p(project)}/files/policy`, {
        method: "PUT",
        body: { path, public: isPublic },
        action: "folderPolicy",
        target: path,
      });
    },
    listPublicFolders: async (project, signal) =>
      (await call<{ folders: FolderEntry[] }>(`${p(project)}/files/public`, { signal })).folders,
    fileUrl: (project, path, opts) =>
      baseUrl +
      `${p(project)}/files/content` +
      withRegion({ path, download: opts?.download ? "1" : undefined, redirect: opts?.fromStore ? "true" : undefined }),
    readFileRange: async (project, path, bytes, signal) => {
      const res = await ranged(project, path, 0, bytes, signal);
      const blob = await res.blob();
      const range = /\/(\d+)$/.exec(res.headers.get("Content-Range") ?? "");
      return {
        blob,
        contentType: res.headers.get("Content-Type") ?? "application/octet-stream",
        totalSize: range ? Number(range[1]) : blob.size,
      };
    },
    readFileBytes: async (project, path, start, end, signal) => {
      const res = await ranged(project, path, start, end, signal);
      const body = await res.arrayBuffer();
      // A server that ignores Range answers 200 with the whole file: cut it here.
      return res.status === 206 ? body : body.slice(start, end);
    },
    getStorageCredentials: (project, signal) => call(`${p(project)}/credentials/storage`, { signal }),
    getSecretsCredentials: (project, signal) => call(`${p(project)}/credentials/secrets`, { signal }),
    getKubeconfig: (project) => call(`${p(project)}/kubeconfig`, { query: { format: "json" }, action: "kubeconfig", target: project }),
    uploadFile: (project, path, file, o = {}) =>
      new Promise<FileEntry>((resolve, reject) => {
        const xhr = newXhr();
        const abort = () => xhr.abort();
        if (o.signal?.aborted) {
          reject(new DOMException("aborted", "AbortError"));
          return;
        }
        o.signal?.addEventListener("abort", abort);
        const cleanup = () => o.signal?.removeEventListener("abort", abort);
        xhr.open("PUT", baseUrl + `${p(project)}/files/content` + withRegion({ path }));
        xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
        xhr.setRequestHeader("Accept", "application/json");
        xhr.upload.addEventListener("progress", (e) => o.onProgress?.(e.loaded, e.lengthComputable ? e.total : file.size));
        xhr.addEventListener("load", () => {
          cleanup();
          if (xhr.status < 200 || xhr.status >= 300) {
            reject(decodeError(xhr.status, xhr.statusText, xhr.responseText));
            return;
          }
          try {
            const body = JSON.parse(xhr.responseText) as { file: FileEntry; commands?: string[] };
            emit("fileUpload", path, true, body, curlCommand("PUT", absolute(`${p(project)}/files/content`, { path }), { file: { name: file instanceof File ? file.name : (path.split("/").pop() ?? ""), type: file.type } }));
            resolve(body.file);
          } catch {
            reject(new ApiError(xhr.status, CLIENT_CODES.badResponse, "the upload's response is not JSON"));
          }
        });
        xhr.addEventListener("error", () => {
          cleanup();
          reject(new ApiError(0, CLIENT_CODES.network, "the upload could not reach the server"));
        });
        xhr.addEventListener("abort", () => {
          cleanup();
          reject(new DOMException("aborted", "AbortError"));
        });
        xhr.send(file);
      }),

    listSecrets: (project, path, signal) =>
      call(`${p(project)}/secrets`, { query: { path }, signal, action: "secretsList", target: path || "/" }),
    readSecret: (project, path, version, signal) =>
      call(`${p(project)}/secrets/secret`, { query: { path, version }, signal, action: "secretRead", target: path }),
    writeSecret: (project, path, data, checkVersion) =>
      call(`${p(project)}/secrets/secret`, {
        method: "PUT",
        query: { path },
        body: checkVersion === undefined ? { data } : { data, checkVersion },
        action: "secretWrite",
        target: path,
      }),
    deleteSecret: async (project, path, o = {}) => {
      await call(`${p(project)}/secrets/secret`, {
        method: "DELETE",
        query: { path, versions: o.versions?.join(","), destroy: o.destroy || undefined, all: o.all || undefined },
        action: "secretDelete",
        target: path,
      });
    },
    undeleteSecret: async (project, path, versions) => {
      await call(`${p(project)}/secrets/secret/undelete`, {
        method: "POST",
        query: { path, versions: versions.join(",") },
        action: "secretUndelete",
        target: path,
      });
    },
    secretVersions: (project, path, signal) =>
      call(`${p(project)}/secrets/secret/versions`, { query: { path }, signal, action: "secretVersions", target: path }),

    getLaunchForm: (project, q, signal) =>
      call(`${p(project)}/launch/form`, {
        query: { catalog: q.catalog, chart: q.chart, version: q.version, link: q.link, s3: q.s3, profileOptOut: q.profileOptOut?.join(",") || undefined },
        signal,
      }),
    planLaunch: (project, req) =>
      call(`${p(project)}/launch/plan`, { method: "POST", body: req, action: "launchPlan", target: req.name || req.chart }),
    launchService: (project, req) =>
      call(`${p(project)}/services`, { method: "POST", body: req, action: "launch", target: req.name || req.chart }),
    listConfigurations: async (project, signal) =>
      (await call<{ configurations: SavedConfiguration[] }>(`${p(project)}/configurations`, { signal })).configurations,
    saveConfiguration: (project, name, launch, extra) =>
      call(`${p(project)}/configurations/${seg(name)}`, { method: "PUT", body: extra ? { launch, extra } : { launch } }),
    deleteConfiguration: async (project, name) => {
      await call(`${p(project)}/configurations/${seg(name)}`, { method: "DELETE" });
    },

    listServices: async (project, signal) =>
      (await call<ServiceList>(`${p(project)}/services`, { signal, action: "servicesList", target: project })).services,
    getService: (project, service, signal, elsewhere) =>
      call(`${p(project)}/services/${seg(service)}`, {
        signal,
        region: elsewhere?.region,
        action: elsewhere ? undefined : "serviceRead",
        target: service,
      }),
    updateService: async (project, service, patch) =>
      (
        await call<{ service: Service }>(`${p(project)}/services/${seg(service)}`, {
          method: "PATCH",
          body: patch,
          action: "serviceUpdate",
          target: service,
        })
      ).service,
    suspendService: async (project, service) => {
      await call(`${p(project)}/services/${seg(service)}/suspend`, { method: "POST", action: "serviceSuspend", target: service });
    },
    resumeService: async (project, service) => {
      await call(`${p(project)}/services/${seg(service)}/resume`, { method: "POST", action: "serviceResume", target: service });
    },
    deleteService: async (project, service) => {
      await call(`${p(project)}/services/${seg(service)}`, { method: "DELETE", action: "serviceDelete", target: service });
    },
    // Its command reads the values; the passwords themselves never reach the command panel.
    getServiceCredentials: (project, service) =>
      call(`${p(project)}/services/${seg(service)}/credentials`, { action: "serviceCredentials", target: service }),
    deleteMyServices: async (project) =>
      (
        await call<{ deleted: string[] }>(`${p(project)}/services`, {
          method: "DELETE",
          action: "servicesDelete",
          target: project,
        })
      ).deleted,
    getQuota: (project, signal) => call(`${p(project)}/quota`, { signal, action: "quota", target: project }),
    getChangeForm: (project, service, version, signal) =>
      call(`${p(project)}/services/${seg(service)}/change/form`, { query: { version }, signal }),
    planChange: (project, service, req) =>
      call(`${p(project)}/services/${seg(service)}/change/plan`, { method: "POST", body: req, action: "changePlan", target: service }),
    changeService: (project, service, req) =>
      call(`${p(project)}/services/${seg(service)}/change`, { method: "POST", body: req, action: "change", target: service }),
    serviceHistory: (project, service, signal) =>
      call(`${p(project)}/services/${seg(service)}/history`, { signal, action: "serviceHistory", target: service }),
    planRollback: (project, service, revision) =>
      call(`${p(project)}/services/${seg(service)}/rollback/plan`, {
        method: "POST",
        body: { revision },
        action: "rollbackPlan",
        target: service,
      }),
    rollbackService: (project, service, revision) =>
      call(`${p(project)}/services/${seg(service)}/rollback`, { method: "POST", body: { revision }, action: "rollback", target: service }),
    // The lifecycle has no helm equivalent: its answers carry no commands.
    setServiceLifecycle: async (project, service, change, region) =>
      (await call<ServiceUpdated>(`${p(project)}/services/${seg(service)}/lifecycle`, { method: "PUT", body: change, region })).service,
    // Sharing has no helm equivalent either.
    getServiceAccess: async (project, service, signal) =>
      (await call<AccessGrants>(`${p(project)}/services/${seg(service)}/access`, { signal })).grants,
    setServiceAccess: async (project, service, grants) =>
      (await call<AccessGrants>(`${p(project)}/services/${seg(service)}/access`, { method: "PUT", body: { grants } })).grants,
    getLifecyclePolicy: (project, catalog, signal) => call(`${p(project)}/lifecycle`, { query: { catalog }, signal }),
    listNotices: async (signal) => (await call<Notices>("/me/notices", { signal })).notices,
    // The filter's region, not the chosen one: administrators look across regions.
    listFleet: (query, signal) => call("/admin/services", { query: { ...query }, region: query.region ?? "", signal }),
    fleetAction: (req) =>
      call("/admin/services/actions", {
        method: "POST",
        body: req,
        region: "",
        action: fleetCommandAction(req),
        target: describeFleetFilter(req.filter ?? {}, req.version),
      }),
    getPlatformHealth: (signal) => call("/admin/platform", { region: "", signal }),
    listAuditEvents: (filter, signal) => call("/admin/audit", { query: { ...filter }, region: "", signal }),
    getUsage: (query, signal) => call("/admin/usage", { query: { ...query }, region: "", signal }),
    getUsageCsv: async (query) => {
      const res = await send("/admin/usage", { query: { ...query, format: "csv" }, headers: { Accept: "text/csv" }, region: "" });
      if (!res.ok) throw decodeError(res.status, res.statusText, await res.text());
      return await res.blob();
    },
    listAdminProjects: (signal) => call("/admin/projects", { signal }),
    setAdminProjectMembers: (project, change) =>
      call(`/admin/projects/${seg(project)}/members`, { method: "POST", body: change }),
    setAdminProjectQuota: (project, hard) => call(`/admin/projects/${seg(project)}/quota`, { method: "PUT", body: { hard } }),
    getProjectMembers: (project, signal) => call(`${p(project)}/members`, { signal }),
    setProjectMembers: (project, change) => call(`${p(project)}/members`, { method: "POST", body: change }),
    refreshCatalogs: async (catalog) =>
      (await call<CatalogList>("/catalogs/refresh", { method: "POST", body: catalog ? { catalog } : {}, region: "" })).catalogs,
    streamLogs: (project, service, o, h) =>
      stream(
        `${p(project)}/services/${seg(service)}/logs`,
        { follow: o.follow ? "true" : undefined, tail: o.tail, pod: o.pod, container: o.container },
        "log",
        ["pod", "container", "time", "line"],
        h,
      ),
    streamEvents: (project, service, h) =>
      stream(
        `${p(project)}/services/${seg(service)}/events`,
        {},
        "event",
        ["time", "type", "reason", "object", "message", "count"],
        h,
      ),

    onCommands: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

const FLEET_ACTIONS: Record<FleetActionRequest["action"], [CommandAction, CommandAction]> = {
  suspend: ["fleetSuspendPlan", "fleetSuspend"],
  resume: ["fleetResumePlan", "fleetResume"],
  upgrade: ["fleetUpgradePlan", "fleetUpgrade"],
  delete: ["fleetDeletePlan", "fleetDelete"],
};

function fleetCommandAction(req: FleetActionRequest): CommandAction {
  const [plan, act] = FLEET_ACTIONS[req.action];
  return req.dryRun ? plan : act;
}

/** What a fleet action acted on, as the command panel names it: "chart=jupyter version=1.2", or "*". */
export function describeFleetFilter(filter: FleetFilter, version?: string): string {
  const { services, ...rest } = filter;
  const parts = Object.entries(rest)
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => `${k}=${v}`);
  if (services?.length) parts.push(services.length <= 3 ? services.map((s) => `${s.project}/${s.service}`).join(" ") : `services=${services.length}`);
  if (version) parts.push(`→ ${version}`);
  return parts.length > 0 ? parts.join(" ") : "*";
}
