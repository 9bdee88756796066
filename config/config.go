// Package config owns Basalt's configuration: its shape, the embedded defaults, loading with
// koanf (defaults, then a YAML file, then BASALT_* environment variables, then flags) and
// validation with errors that name the key at fault.
package config

import (
	_ "embed"
	"time"
)

// DefaultYAML is the embedded default configuration, the base every other source overrides.
//
//go:embed default.yaml
var DefaultYAML []byte

// Config is the whole configuration of a Basalt instance.
type Config struct {
	Server    Server            `koanf:"server" doc:"The HTTP listener."`
	Log       Log               `koanf:"log" doc:"The core's structured log; plugins' logs are forwarded into it."`
	UI        UI                `koanf:"ui" doc:"Branding the portal applies without a rebuild."`
	Auth      Auth              `koanf:"auth" doc:"Who callers are: the local user or users of an OIDC provider."`
	Authz     Authz             `koanf:"authz" doc:"Authorization: the casbin model and policy, and which token roles are Basalt roles."`
	Projects  Projects          `koanf:"projects" doc:"How users and groups become project ids."`
	Plugins   map[string]Plugin `koanf:"plugins" doc:"Plugin instances by name: each is one process of a plugin binary with its own configuration."`
	Regions   []Region          `koanf:"regions" doc:"Where services run and data lives; the first region is the default."`
	Launch    Launch            `koanf:"launch" doc:"The launch pipeline."`
	Audit     Audit             `koanf:"audit" doc:"Audit events of state-changing actions: always in the log, and to a webhook when set."`
	Gateway   Gateway           `koanf:"gateway" doc:"The service gateway: services' web pages served by Basalt on an apps domain, signed in by Basalt."`
	Lifecycle Lifecycle         `koanf:"lifecycle" doc:"What happens to services after launch: idle suspension, schedules, deletion of forgotten ones, and the notices before each step."`
	Telemetry Telemetry         `koanf:"telemetry" doc:"Traces of Basalt's own work, for operators."`
	Profile   Profile           `koanf:"profile" doc:"The user profile form: fields the administrator declares, users fill on their account page and every launch reads (user.profile.team for a field team)."`
}

// Region is where users' services run and their data lives: each names the plugin instances
// it uses. The first region is the default.
type Region struct {
	ID          string `koanf:"id" doc:"The region's id: lower-case letters, digits and dashes (the user picks it in the portal)."`
	Name        string `koanf:"name" doc:"The name shown to users."`
	Description string `koanf:"description" doc:"A sentence shown to users."`
	// Plugin instance names (keys of plugins); empty when the region lacks that feature.
	Region                   string `koanf:"region" doc:"The region plugin instance that runs services (a key of plugins); empty: no services."`
	Storage                  string `koanf:"storage" doc:"The storage plugin instance for files (a key of plugins); empty: no file browser."`
	Secrets                  string `koanf:"secrets" doc:"The secrets plugin instance (a key of plugins); empty: no secrets."`
	Settings                 string `koanf:"settings" doc:"A YAML file of Onyxia-shaped region settings for launches (services.expose, customValues, defaultConfiguration, vault, injections); empty for none."`
	HidePersonalInfoInGroups bool   `koanf:"hide_personal_info_in_groups" doc:"Leave personal data (IP, git identity, Vault token, personal S3 profiles) out of group launches, like Onyxia's DISABLE_PERSONAL_INFOS_INJECTION_IN_GROUP."`
	// How the secret a user picks at launch reaches the service.
	SecretInjection string        `koanf:"secret_injection" doc:"How the secret picked at launch (vault.secret) reaches a service. scoped-token: a token that reads only that secret, for secret_token_ttl, revoked when the service is deleted. user-token: the user's own token, as Onyxia does. kubernetes-secret: no token; the secret's keys in a Kubernetes Secret beside the release, as environment variables. Empty: scoped-token where the secrets plugin can make such tokens, else user-token, else (a store without tokens) kubernetes-secret."`
	SecretTokenTTL  time.Duration `koanf:"secret_token_ttl" doc:"Lifetime of a scoped token (the longest a service is expected to run); 0: the secrets plugin's default."`
	// Where the portal's downloads go.
	DownloadFromStore bool       `koanf:"download_from_store" doc:"The portal's download links send browsers to a short-lived link the store signs (a redirect), so the bytes go from the store to the browser without Basalt. Only for stores that users' browsers reach (e.g. an S3 endpoint on their network); a store that signs no links (local files) keeps serving downloads through Basalt."`
	Resources         Resources  `koanf:"resources" doc:"What launch forms propose for CPU and memory in this region (Onyxia's region.resources, which charts' resources sections read). A field set here and in the settings file is an error."`
	MonitoringURL     string     `koanf:"monitoring_url" doc:"The address of a service's monitoring page, shown on the service's page (Onyxia's monitoring.URLPattern), e.g. https://grafana.example.org/d/pods?var-namespace=$NAMESPACE&var-release=$INSTANCE: $NAMESPACE becomes the namespace of the service's project, $INSTANCE the service's id (its Helm release). An http or https URL; empty: no link."`
	Prometheus        Prometheus `koanf:"prometheus" doc:"The Prometheus that measures this region's pods for usage reports (Administration > Usage): CPU core-hours from container_cpu_usage_seconds_total, memory GiB-hours from container_memory_working_set_bytes, running hours from their samples' presence, per pod and day, as a Prometheus scraping the kubelets' /metrics/resource or /metrics/cadvisor has them. GPU and storage hours stay requests × running time. Without url: all are requests × running time."`
}

// Resources are a region's default resource requests and limits for launched services, as
// Kubernetes quantities. Charts' built-in resources sliders count CPU in millicores (m) and
// memory in Gi, so values in those units keep the sliders exact.
type Resources struct {
	CPURequest    string `koanf:"cpu_request" doc:"CPU reserved for a service, e.g. 100m; empty: the chart's default."`
	CPULimit      string `koanf:"cpu_limit" doc:"The most CPU a service may use, e.g. 2000m; empty: the chart's default."`
	MemoryRequest string `koanf:"memory_request" doc:"Memory reserved for a service, e.g. 1Gi; empty: the chart's default."`
	MemoryLimit   string `koanf:"memory_limit" doc:"The most memory a service may use, e.g. 4Gi; empty: the chart's default."`
}

// Secret injection modes of a region (Region.SecretInjection).
const (
	SecretInjectionScopedToken      = "scoped-token"
	SecretInjectionUserToken        = "user-token"
	SecretInjectionKubernetesSecret = "kubernetes-secret"
)

// Launch configures the launch pipeline.
type Launch struct {
	Schemas string `koanf:"schemas" doc:"A directory of administrator schemas for overwriteSchemaWith (roles in roles/<role>/); empty: Basalt's built-in schemas only."`
}

// Auth says who callers are: one local user (the embedded default), or users of an OIDC
// provider.
type Auth struct {
	Mode    string    `koanf:"mode" doc:"local: a single user, no identity provider. oidc: users of an OpenID Connect provider (set auth.oidc, auth.session.key and server.public_url)."`
	Local   LocalUser `koanf:"local" doc:"The single user of local mode."`
	OIDC    OIDC      `koanf:"oidc" doc:"The identity provider of oidc mode."`
	Session Session   `koanf:"session" doc:"The portal's sign-in session, kept in an encrypted cookie."`
	Tokens  Tokens    `koanf:"tokens" doc:"API tokens people make for their scripts (Authorization: Bearer on /api/v1); their records are signed with auth.session.key, so a new key ends every token."`
}

// Tokens are personal API tokens: made in the portal, each scoped, expiring and revocable,
// their records kept hashed with the person's own project in a region.
type Tokens struct {
	Enabled bool          `koanf:"enabled" doc:"Whether people may make API tokens."`
	Region  string        `koanf:"region" doc:"The region whose personal projects keep the tokens' records; empty: the first region. Changing it forgets every token."`
	MaxTTL  time.Duration `koanf:"max_ttl" doc:"The longest a token may last (every token has an expiry); the groups and roles it carries are those of its creation, so this also bounds how long a group removed at the identity provider still applies to it."`
	// Checking a token reads its record; every replica keeps what it read this long.
	CacheTTL time.Duration `koanf:"cache_ttl" doc:"How long each replica trusts the records it read: a token revoked on one replica is refused on the others within this time."`
}

// OIDC is the identity provider of oidc mode: the portal signs users in with the
// authorization-code flow and PKCE; API clients send bearer tokens.
type OIDC struct {
	IssuerURL    string            `koanf:"issuer_url" doc:"The provider's issuer URL (for Keycloak: https://<host>/realms/<realm>)."`
	ClientID     string            `koanf:"client_id" doc:"The portal's client id at the provider."`
	ClientSecret string            `koanf:"client_secret" doc:"The client's secret; empty for a public client (PKCE only)."`
	Scopes       []string          `koanf:"scopes" doc:"Scopes asked for at sign-in."`
	Audience     string            `koanf:"audience" doc:"What bearer tokens must be issued for; empty: the client id."`
	ExtraParams  map[string]string `koanf:"extra_params" doc:"Parameters added to the authorization request (e.g. kc_idp_hint)."`
	// Claims: dotted paths into the token (e.g. realm_access.roles).
	UsernameClaim string `koanf:"username_claim" doc:"The claim (a dotted path) holding the user name, which names the personal project."`
	NameClaim     string `koanf:"name_claim" doc:"The claim holding the user's display name."`
	EmailClaim    string `koanf:"email_claim" doc:"The claim holding the user's e-mail address."`
	GroupsClaim   string `koanf:"groups_claim" doc:"The claim holding the user's groups, one project each."`
	RolesClaim    string `koanf:"roles_claim" doc:"The claim holding the user's roles (e.g. realm_access.roles), mapped by authz.role_claims."`
}

// Session is the portal's sign-in session, kept in an encrypted cookie so that any replica
// serves it.
type Session struct {
	Key         string        `koanf:"key" doc:"Encrypts session cookies and signs share links: at least 32 characters in oidc mode, the same on every replica."`
	IdleTimeout time.Duration `koanf:"idle_timeout" doc:"A session unused this long ends."`
	MaxAge      time.Duration `koanf:"max_age" doc:"A session ends this long after sign-in, used or not."`
	// Sessions live in cookies and replicas share nothing: the provider is what they all ask.
	CheckInterval time.Duration `koanf:"check_interval" doc:"How often each replica asks the identity provider (its userinfo endpoint) whether a session still stands. Signing out revokes the session's tokens at the provider and ends it at once on the replica that served it; other replicas refuse it within this time."`
}

// LocalUser is the single user of local mode.
type LocalUser struct {
	Username string   `koanf:"username" doc:"The user's name; empty: the operating system's user name."`
	Name     string   `koanf:"name" doc:"The display name."`
	Email    string   `koanf:"email" doc:"The e-mail address given to launches."`
	Groups   []string `koanf:"groups" doc:"Groups, one project each."`
	Roles    []string `koanf:"roles" doc:"Roles, mapped by authz.role_claims."`
}

// Projects turns users and groups into project ids: the personal project and one per group.
type Projects struct {
	UserPrefix  string `koanf:"user_prefix" doc:"A personal project's id is this prefix and the user name; a name that is not already a lower-case DNS label without -- becomes its slug, -- and 16 hex digits of its SHA-256."`
	GroupPrefix string `koanf:"group_prefix" doc:"A group project's id is this prefix and the group name; neither it nor user_prefix may start the other (user- and user-g- would give the user g-x and the group x one project)."`
	// Onyxia's group patterns, as its documentation describes them (its code differs).
	IncludedGroupPattern  string `koanf:"included_group_pattern" doc:"A regular expression: only the groups it matches become projects; empty keeps every group."`
	ExcludedGroupPattern  string `koanf:"excluded_group_pattern" doc:"A regular expression: the groups it matches become no project; empty drops none."`
	TransformGroupPattern string `koanf:"transform_group_pattern" doc:"Renames each kept group: the replacement of included_group_pattern's match, with $1 for its first group (e.g. $1-k8s); needs included_group_pattern."`
}

// Server is the HTTP listener.
type Server struct {
	Address         string        `koanf:"address" doc:"host:port to listen on. The default is loopback only; set 0.0.0.0:8080 to expose Basalt."`
	PublicURL       string        `koanf:"public_url" doc:"The URL users reach Basalt at (behind a proxy or ingress); required in oidc mode, where the provider redirects back to it."`
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout" doc:"How long requests in flight may finish when Basalt stops."`
	CORSOrigins     []string      `koanf:"cors_origins" doc:"Other origins whose pages may call the API with the user's session, e.g. https://notebooks.example.org; empty: only the portal itself."`
	MaxBodyBytes    int64         `koanf:"max_body_bytes" doc:"Largest request body accepted, in bytes; file uploads are exempt (they stream to the store)."`
	RateLimit       RateLimit     `koanf:"rate_limit" doc:"Token buckets for sign-ins (per client address) and launches, launch forms and plans (per user)."`
	Timeouts        Timeouts      `koanf:"timeouts" doc:"Bounds on slow clients. Uploads, downloads and log and event streams last as long as they need, provided the client keeps them moving."`
	// Metrics tell how Basalt is used (routes, users' launches): not for everyone who reaches it.
	MetricsAddress string `koanf:"metrics_address" doc:"host:port of a second listener serving /metrics alone, e.g. one that only the monitoring network reaches; /metrics then answers 404 on server.address. Empty: /metrics on server.address."`
	MetricsToken   string `koanf:"metrics_token" doc:"When set, /metrics answers only requests with Authorization: Bearer and this token (401 otherwise), wherever it is served. A secret: set it through BASALT_SERVER__METRICS_TOKEN."`
	// Profiles show where Basalt spends its time and what its goroutines wait on, to an operator.
	Profiling bool `koanf:"profiling" doc:"Serves Go's runtime profiles (net/http/pprof: CPU, heap, allocations, goroutines, execution trace) under /debug/pprof/ on the metrics listener, behind server.metrics_token when it is set; never on server.address. Needs server.metrics_address. E.g. go tool pprof http://HOST:PORT/debug/pprof/profile?seconds=30."`
	// Each log or event stream holds a connection and a watch on the cluster.
	MaxStreamsPerUser int `koanf:"max_streams_per_user" doc:"Log and event streams (server-sent events) one user may have open at once; beyond, 429. 0 turns the cap off."`
}

// Timeouts bound how long a client may hold a connection without making progress.
type Timeouts struct {
	ReadHeader time.Duration `koanf:"read_header" doc:"A client must send a request's headers within this time, or the connection is closed."`
	Read       time.Duration `koanf:"read" doc:"A request's body must arrive within this time; a file upload's body may take longer, but must never pause this long."`
	Write      time.Duration `koanf:"write" doc:"Each part of a response must be taken by the client within this time: a client that stops reading is cut off, one that keeps reading may download or follow a stream for as long as it likes."`
	Idle       time.Duration `koanf:"idle" doc:"A kept-alive connection with no request in this time is closed."`
}

// RateLimit is a token bucket per key: a sustained rate and a burst above it.
type RateLimit struct {
	LoginPerMinute  float64 `koanf:"login_per_minute" doc:"Sign-ins allowed per minute and client address; 0 turns the limit off."`
	LaunchPerMinute float64 `koanf:"launch_per_minute" doc:"Launches allowed per minute and user, and as many launch forms and plans (counted apart); 0 turns the limit off."`
	Burst           int     `koanf:"burst" doc:"Requests allowed at once above the sustained rate."`
}

// Audit sends one event per state-changing action (launch, delete, pause, resume, share, file
// and secret writes, policy reload) to the log and, when set, to a webhook.
type Audit struct {
	WebhookURL     string            `koanf:"webhook_url" doc:"Receives each audit event as a JSON POST; empty: the log only."`
	WebhookHeaders map[string]string `koanf:"webhook_headers" doc:"Headers sent with each POST, e.g. Authorization; never logged."`
	WebhookTimeout time.Duration     `koanf:"webhook_timeout" doc:"Bound on each POST; a failed delivery is retried twice, then logged as lost."`
}

// Log sets the structured log of the core; plugins' logs are forwarded into it.
type Log struct {
	Level  string `koanf:"level" doc:"debug, info, warn or error."`
	Format string `koanf:"format" doc:"text or json."`
}

// UI is the branding the portal applies without a rebuild. The json tags are the shape
// /api/v1/config serves, so that the portal reads exactly what was configured.
type UI struct {
	Name        string            `koanf:"name" json:"name" doc:"The instance's name in the header and the browser tab."`
	HeaderText  map[string]string `koanf:"header_text" json:"headerText,omitempty" doc:"A line beside the name in the header, per language code (e.g. en: Data lab of the statistics office); empty: none."`
	LogoURL     string            `koanf:"logo_url" json:"logoUrl" doc:"The header logo's URL; empty: Basalt's."`
	FaviconURL  string            `koanf:"favicon_url" json:"faviconUrl,omitempty" doc:"The browser tab's icon (an https URL or a path on this server); empty: Basalt's."`
	TabTitle    string            `koanf:"tab_title" json:"tabTitle,omitempty" doc:"The browser tab's title after the page's; empty: the name."`
	Palette     Colors            `koanf:"palette" json:"palette" doc:"The portal's colours in light mode; an empty colour keeps Basalt's."`
	DarkPalette Colors            `koanf:"dark_palette" json:"darkPalette" doc:"The portal's colours in dark mode; an empty primary is derived from the light one, other empty colours keep Basalt's."`
	Font        Font              `koanf:"font" json:"font" doc:"The portal's typeface."`
	Languages   []string          `koanf:"languages" json:"-" doc:"Languages offered in the portal (en, fr); the first is the default."`
	Links       Links             `koanf:"links" json:"links" doc:"Extra links in the header, the footer and the side bar."`
	Home        Home              `koanf:"home" json:"home" doc:"The home page's content; empty texts keep Basalt's."`
	Alert       Alert             `koanf:"alert" json:"alert" doc:"A banner shown on every page, e.g. for a maintenance; none when text is empty."`
	Terms       Terms             `koanf:"terms" json:"terms" doc:"Terms of service every user accepts once per version before using the portal; none when neither url nor markdown is set."`
	Features    Features          `koanf:"features" json:"features" doc:"Parts of the portal an instance can switch off."`
	Bookmarks   []Bookmark        `koanf:"bookmarks" json:"bookmarks" doc:"Folders offered to every user in My files, e.g. shared data sets."`
}

// Colors is one colour scheme of the portal; each value is a CSS colour.
type Colors struct {
	Primary    string `koanf:"primary" json:"primary" doc:"The main colour: buttons, links, the active section (CSS colour)."`
	Secondary  string `koanf:"secondary" json:"secondary,omitempty" doc:"The accent colour: the home page's hero and highlights (CSS colour)."`
	Background string `koanf:"background" json:"background,omitempty" doc:"The page's background (CSS colour)."`
	Surface    string `koanf:"surface" json:"surface,omitempty" doc:"Cards, dialogs, the header and the side bar (CSS colour)."`
	Text       string `koanf:"text" json:"text,omitempty" doc:"The text's colour (CSS colour)."`
}

// Font is the portal's typeface.
type Font struct {
	Family string `koanf:"family" json:"family,omitempty" doc:"A CSS font-family list, e.g. Marianne, Arial, sans-serif; empty: the system's."`
	CSSURL string `koanf:"css_url" json:"cssUrl,omitempty" doc:"A style sheet that declares the font (@font-face), loaded by the portal; empty: none."`
}

// Links are extra links shown in the portal's header, footer and side bar.
type Links struct {
	Header  []Link `koanf:"header" json:"header" doc:"Links in the header."`
	Footer  []Link `koanf:"footer" json:"footer" doc:"Links in the footer."`
	SideBar []Link `koanf:"side_bar" json:"sideBar" doc:"Links below the sections in the side bar."`
}

// Link is a labelled address.
type Link struct {
	Label map[string]string `koanf:"label" json:"label" doc:"The link's text per language code."`
	URL   string            `koanf:"url" json:"url" doc:"An http(s) URL, or a path of the portal such as /catalog."`
}

// Home is the home page's content.
type Home struct {
	Title        map[string]string `koanf:"title" json:"title,omitempty" doc:"The hero's title per language code; empty: Welcome to <name>."`
	Subtitle     map[string]string `koanf:"subtitle" json:"subtitle,omitempty" doc:"The hero's sentence per language code."`
	CallToAction Link              `koanf:"call_to_action" json:"callToAction" doc:"The hero's button; none when its url is empty."`
	Cards        []HomeCard        `koanf:"cards" json:"cards" doc:"Cards below the hero; empty: one per section of the portal."`
}

// HomeCard is one card of the home page.
type HomeCard struct {
	Title       map[string]string `koanf:"title" json:"title" doc:"The card's title per language code."`
	Description map[string]string `koanf:"description" json:"description,omitempty" doc:"The card's sentence per language code."`
	URL         string            `koanf:"url" json:"url" doc:"Where the card leads: an http(s) URL or a path of the portal."`
	Icon        string            `koanf:"icon" json:"icon,omitempty" doc:"An icon of the portal (catalog, services, files, secrets, account, home, globe, file, folder) or an https image URL."`
}

// Alert is a banner shown on every page.
type Alert struct {
	Severity    string            `koanf:"severity" json:"severity" doc:"info, success, warning or error."`
	Text        map[string]string `koanf:"text" json:"text,omitempty" doc:"The banner's text per language code; empty: no banner."`
	Dismissible bool              `koanf:"dismissible" json:"dismissible" doc:"Whether users may close the banner; closed, it stays closed in that browser until its text changes."`
}

// Terms are the terms of service users accept once per version.
type Terms struct {
	Version  string            `koanf:"version" json:"version,omitempty" doc:"The terms' version; changing it asks every user to accept them again."`
	URL      string            `koanf:"url" json:"url,omitempty" doc:"A page with the terms (http(s) URL), linked from the acceptance dialog."`
	Markdown map[string]string `koanf:"markdown" json:"markdown,omitempty" doc:"The terms in Markdown per language code, shown in the acceptance dialog."`
}

// Features are parts of the portal an instance can switch off.
type Features struct {
	CommandPanel bool `koanf:"command_panel" json:"commandPanel" doc:"The command panel showing each action's equivalent commands (users can still hide it)."`
	AutoLaunch   bool `koanf:"auto_launch" json:"autoLaunch" doc:"Whether launch links with autoLaunch=true launch at once. Off (the default), the portal first lists what the link changes from the pre-filled values, init scripts and URLs flagged, and launches only when the user confirms: a link from anyone would otherwise run a service and its scripts with the user's credentials."`
	AllCatalogs  bool `koanf:"all_catalogs" json:"allCatalogs" doc:"The catalog page's tab listing the charts of every catalog."`
}

// Bookmark is a folder offered to every user in My files.
type Bookmark struct {
	Label map[string]string `koanf:"label" json:"label" doc:"The bookmark's name per language code."`
	Path  string            `koanf:"path" json:"path" doc:"The storage path, bucket first (e.g. shared-data/census/)."`
}

// Plugin is one plugin instance: which binary to run and the configuration it receives once
// validated against the JSON Schema the plugin publishes.
type Plugin struct {
	Enabled      *bool          `koanf:"enabled" doc:"false drops the instance, e.g. one of the embedded defaults; unset or true keeps it."`
	Kind         string         `koanf:"kind" doc:"storage, secrets, catalog or region."`
	Path         string         `koanf:"path" doc:"The plugin's executable: a bare name is looked up beside the basalt binary, then on PATH."`
	Args         []string       `koanf:"args" doc:"Arguments given to the executable."`
	SHA256       string         `koanf:"sha256" doc:"When set, the executable's SHA-256 (64 hexadecimal digits), checked before every start."`
	StartTimeout time.Duration  `koanf:"start_timeout" doc:"How long the plugin may take to start; 0: 30 seconds."`
	Env          []string       `koanf:"env" doc:"Names of more variables of Basalt's environment that the plugin's process gets. Every plugin gets only PATH, HOME, TMPDIR, TZ, LANG, LC_*, XDG_CACHE_HOME, XDG_CONFIG_HOME, XDG_DATA_HOME, the proxy variables (HTTP_PROXY, HTTPS_PROXY, NO_PROXY, in either case), SSL_CERT_FILE, SSL_CERT_DIR, OTEL_*, GODEBUG, GOGC, GOMAXPROCS, GOMEMLIMIT, GOTRACEBACK, KUBECONFIG, KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT and BASALT_PLUGIN_*, never Basalt's own configuration (other BASALT_* variables, e.g. the session key): the plugins of Basalt read everything else from their config section."`
	Config       map[string]any `koanf:"config" doc:"The instance's own configuration, validated against the JSON Schema the plugin publishes (see Plugin sections below)."`
}
