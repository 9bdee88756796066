// Types of Basalt's /api/v1 responses, as core/api/openapi.yaml and the handlers document them.

/** GET /api/v1/config: what the portal needs to brand and localise itself (config.UI). */
export interface InstanceConfig {
  branding: Branding;
  /** Language codes the instance offers, e.g. ["en", "fr"]. */
  languages: string[];
  version: string;
  /** How users sign in; absent on servers older than the identity work (treated as local). */
  auth?: AuthInfo;
  // The parts below are absent on servers older than theming: each reader has a default.
  links?: InstanceLinks;
  home?: HomeContent;
  alert?: AlertBanner;
  terms?: TermsOfService;
  features?: Features;
  bookmarks?: Bookmark[];
  /** Where services run and data lives, the default first; the portal sends the chosen id as ?region=. */
  regions?: RegionInfo[];
}

export interface RegionInfo {
  id: string;
  name: string;
  description?: string;
  /** Whether the region runs services, has a file browser, has a secrets store. */
  services: boolean;
  files: boolean;
  secrets: boolean;
  /** Downloads go from the store to the browser, through a redirect (regions[].download_from_store). */
  downloadFromStore?: boolean;
}

export interface AuthInfo {
  /** local: one configured user, no sign-in; oidc: sign in through the identity provider. */
  mode: "local" | "oidc";
  loginUrl?: string;
  logoutUrl?: string;
}

export interface Branding {
  name: string;
  headerText?: LocalizedText;
  /** Empty when the instance has no logo. */
  logoUrl: string;
  faviconUrl?: string;
  /** The tab title after the page's; absent: the name. */
  tabTitle?: string;
  palette: Palette;
  darkPalette?: Palette;
  font?: { family?: string; cssUrl?: string };
}

/** CSS colours; an empty or absent one keeps the portal's. */
export interface Palette {
  primary: string;
  secondary?: string;
  background?: string;
  surface?: string;
  text?: string;
}

export interface InstanceLink {
  label: LocalizedText;
  url: string;
}

export interface InstanceLinks {
  header: InstanceLink[];
  footer: InstanceLink[];
  sideBar: InstanceLink[];
}

export interface HomeCard {
  title: LocalizedText;
  description?: LocalizedText;
  url: string;
  /** A portal icon name or an image URL. */
  icon?: string;
}

export interface HomeContent {
  title?: LocalizedText;
  subtitle?: LocalizedText;
  callToAction?: InstanceLink;
  cards: HomeCard[];
}

export interface AlertBanner {
  severity: "info" | "success" | "warning" | "error";
  text?: LocalizedText;
  dismissible: boolean;
}

export interface TermsOfService {
  version?: string;
  url?: string;
  markdown?: LocalizedText;
}

export interface Features {
  commandPanel: boolean;
  autoLaunch: boolean;
  allCatalogs: boolean;
}

export interface Bookmark {
  label: LocalizedText;
  /** A storage path, bucket first. */
  path: string;
}

/** One ready-to-paste use of credentials: AWS CLI, mc, Python, R, DuckDB, vault… */
export interface Snippet {
  id: string;
  label: string;
  language: string;
  code: string;
}

/** GET /projects/{project}/credentials/storage */
export interface StorageCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Absent for keys that do not expire. */
  expiration?: string;
  endpoint: string;
  region: string;
  pathStyle: boolean;
  defaultBucket: string;
  defaultPrefix: string;
  snippets: Snippet[];
}

/** GET /projects/{project}/credentials/secrets */
export interface SecretsCredentials {
  token: string;
  expiration?: string;
  address: string;
  mount?: string;
  home: string;
  snippets: Snippet[];
}

/** GET /api/v1/version */
export interface VersionInfo {
  version: string;
  commit: string;
}

/** The body of every error response: {"error": {...}}. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: unknown;
  };
}

/** One rule a field broke, from an error's details.fields. */
export interface FieldViolation {
  field: string;
  rule: string;
}

/** Every response of an action carries the equivalent command-line commands. */
export interface WithCommands {
  commands?: string[];
}

// --- identity ---------------------------------------------------------------------------

export interface Project {
  /** e.g. user-alice or project-data-team */
  id: string;
  name: string;
  /** The group's name; absent for the personal project. */
  group?: string;
}

/** GET /me */
export interface Me {
  username: string;
  name: string;
  email?: string;
  groups: string[];
  roles: string[];
  /** The personal project first. */
  projects: Project[];
}

// --- catalogs ---------------------------------------------------------------------------

/** Language code to text. */
export type LocalizedText = Record<string, string>;

export interface Catalog {
  id: string;
  name: LocalizedText;
  description?: LocalizedText;
  location: string;
  status: "PROD" | "TEST" | "INTERNAL";
  highlightedCharts: string[];
  allowSharing: boolean;
  chartCount: number;
  lastRefresh?: string;
  error?: string;
}

export interface ChartVersionSummary {
  version: string;
  appVersion?: string;
  created?: string;
  deprecated?: boolean;
}

export interface Chart {
  catalog: string;
  name: string;
  description?: string;
  icon?: string;
  home?: string;
  keywords: string[];
  annotations?: Record<string, string>;
  /** Newest first, pre-releases last. */
  versions: ChartVersionSummary[];
  error?: string;
}

export interface ChartDependency {
  name?: string;
  version?: string;
  repository?: string;
  condition?: string;
  alias?: string;
}

export interface ChartVersion {
  catalog: string;
  chart: string;
  version: string;
  description?: string;
  icon?: string;
  readme: string;
  /** values.yaml */
  values: string;
  /** values.schema.json, or null when the chart has none. */
  schema: unknown;
  dependencies: ChartDependency[];
  digest?: string;
}

// --- files ------------------------------------------------------------------------------

export interface FileEntry {
  /** bucket/key */
  path: string;
  name: string;
  size: number;
  lastModified?: string;
  contentType?: string;
}

export interface FolderEntry {
  /** bucket/prefix/ */
  path: string;
  name: string;
}

export interface FileList extends WithCommands {
  path: string;
  /** The project's home, bucket/prefix/. */
  home: string;
  folders: FolderEntry[];
  files: FileEntry[];
  nextPageToken?: string;
}

export interface ShareLink extends WithCommands {
  url: string;
  expiresAt: string;
}

/** A byte range of a file, read for a preview. */
export interface FileRange {
  blob: Blob;
  contentType: string;
  /** The file's whole size when the server said it (Content-Range), else the bytes received. */
  totalSize: number;
}

// --- secrets ----------------------------------------------------------------------------

export interface SecretEntry {
  name: string;
  /** Relative to the project's top folder of secrets. */
  path: string;
  folder: boolean;
}

export interface SecretList extends WithCommands {
  path: string;
  /** The project's top folder in the secrets store. */
  home: string;
  /** Folders first. */
  entries: SecretEntry[];
}

export interface Secret extends WithCommands {
  path: string;
  data: Record<string, string>;
  version: number;
  created?: string;
}

export interface SecretVersion {
  version: number;
  created?: string;
  deleted?: string;
  destroyed: boolean;
}

export interface SecretVersions extends WithCommands {
  path: string;
  currentVersion: number;
  /** Oldest first. */
  versions: SecretVersion[];
}

export interface SecretWritten extends WithCommands {
  path: string;
  version: number;
}

// --- services ---------------------------------------------------------------------------

export interface Workload {
  kind: string;
  name: string;
  desired: number;
  ready: number;
}

export interface Service {
  /** The release name. */
  id: string;
  friendlyName: string;
  catalog?: string;
  chart: string;
  version: string;
  appVersion?: string;
  status: "pending" | "deployed" | "failed" | "suspended" | "unknown";
  reason?: string;
  ready: boolean;
  workloads: Workload[];
  urls: string[];
  notes?: string;
  owner: string;
  shared: boolean;
  started?: string;
  runningFor?: string;
  suspendable: boolean;
  suspended: boolean;
}

export interface ServiceList extends WithCommands {
  services: Service[];
}

export interface ServiceDetails extends WithCommands {
  service: Service;
  /** The values the service runs with, secrets masked. */
  values: unknown;
  manifest?: string;
}

export interface Quota extends WithCommands {
  /** Resource name to Kubernetes quantity, e.g. {"requests.cpu": "4"}. */
  hard: Record<string, string>;
  used: Record<string, string>;
}

/** One line of a service's logs (server-sent event "log"). */
export interface LogLine {
  pod: string;
  container: string;
  time?: string;
  line: string;
}

/** One Kubernetes event of a service's objects (server-sent event "event"). */
export interface ServiceEvent {
  time?: string;
  /** Normal or Warning. */
  type: string;
  reason: string;
  /** Kind/name */
  object: string;
  message: string;
  count: number;
}

// --- launch -----------------------------------------------------------------------------

/** What a form field is drawn with (core/internal/launch/form). */
export type FieldWidget =
  | "group"
  | "list"
  | "checkbox"
  | "text"
  | "textArea"
  | "password"
  | "select"
  | "slider"
  | "rangeSlider"
  | "number"
  | "integer"
  | "yaml";

/** A slider; two fields with the same rangeId form one range slider (down: requests, up: limits). */
export interface FieldSlider {
  min: number;
  max: number;
  step?: number;
  /** With a unit, the value is a string ending in it ("2Gi"); without, a number. */
  unit?: string;
  rangeId?: string;
  extremity?: "down" | "up" | string;
  semantic?: string;
}

/**
 * Hides a field while the value at path equals value. The server resolves Onyxia's relative
 * paths into absolute dotted ones; isPathRelative ('/'-separated, from the field's parent) is
 * still understood.
 */
export interface FieldCondition {
  path: string;
  value: unknown;
  isPathRelative?: boolean;
}

/** One node of a launch form. */
export interface FormField {
  /** Dotted, [n] for indices; "" for the root, "list[]" for an array's item. */
  path: string;
  key?: string;
  type?: string;
  title?: string;
  description?: string;
  /** The pre-filled value (context, schema default or values.yaml); absent on groups and items. */
  value?: unknown;
  default?: unknown;
  widget: FieldWidget;
  options?: unknown[];
  slider?: FieldSlider;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  /** Always hidden (the value is still sent). */
  hidden?: boolean;
  hiddenWhen?: FieldCondition;
  readonly?: boolean;
  fields?: FormField[];
  items?: FormField;
}

export interface LaunchFormDescription {
  chart: string;
  version: string;
  /** Absent for a chart without values.schema.json: its values are edited as a whole. */
  root?: FormField;
  /** With a launch link only: what it changes from the pre-filled values. */
  linkChanges?: LinkChange[];
}

/** A value a launch link sets, or removes, where it differs from the pre-filled one. */
export interface LinkChange {
  /** Written as FormField.path is. */
  path: string;
  value: unknown;
  removed?: boolean;
}

/** GET /projects/{project}/launch/form */
export interface LaunchFormResponse {
  form: LaunchFormDescription;
  catalog: string;
  /** Whether the launch may be shared with the project's members. */
  allowSharing: boolean;
}

/** What the launcher, a launch link or an API client asks to launch. */
export interface LaunchRequest {
  catalog: string;
  chart: string;
  /** Empty: the newest stable version. */
  version?: string;
  name?: string;
  shared?: boolean;
  values?: Record<string, unknown>;
  /** A launch link's query string; its overrides apply last. */
  link?: string;
  s3?: string;
}

/** POST /projects/{project}/launch/plan */
export interface LaunchPlan extends WithCommands {
  release: string;
  chart: string;
  version: string;
  values: Record<string, unknown>;
}

/** POST /projects/{project}/services: 202 */
export interface LaunchAccepted extends WithCommands {
  service: Service;
}

/** GET/PUT /me/settings: what every launch takes as the user's git identity and profile. */
export interface UserSettings {
  gitName: string;
  gitEmail: string;
  gitToken: string;
  gitProject: string;
  /** Seconds git keeps the credentials; 0 leaves git's default. */
  gitCredentialsCacheTTL: number;
  profile: Record<string, unknown>;
}

/** /me/bookmarks: a folder the user bookmarked, kept by the server. */
export interface UserBookmark {
  name: string;
  /** bucket/folder/ as the files API names it. */
  path: string;
}

/** GET /me/s3-profiles: an S3 profile the user brought, without its secrets. */
export interface S3Profile {
  name: string;
  url: string;
  region: string;
  pathStyleAccess: boolean;
  accessKeyId: string;
  hasSessionToken: boolean;
  /** Launches take their s3 values from this profile instead of the instance's keys. */
  defaultForServices: boolean;
}

/**
 * POST /me/s3-profiles and PUT /me/s3-profiles/{name}. On a replacement an empty
 * secretAccessKey keeps the saved one; an absent sessionToken keeps it, "" removes it.
 */
export interface S3ProfileInput {
  name: string;
  url: string;
  region: string;
  pathStyleAccess: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  defaultForServices: boolean;
}

/** /projects/{project}/configurations: a launch saved under a name. */
export interface SavedConfiguration {
  name: string;
  launch: LaunchRequest;
  /** The portal's own fields, kept by the server as given. */
  extra?: Record<string, unknown>;
}
