package launch

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/url"
	"strconv"
	"strings"
)

// Context is the launch context with Onyxia's JSON shape (XOnyxia.ts): the data that
// x-onyxia expressions read. Absent parts are omitted, so that expressions naming them are
// undefined and fall back to the schema's defaults.
type Context struct {
	User                          ContextUser                    `json:"user"`
	Service                       ContextService                 `json:"service"`
	Project                       ContextProject                 `json:"project"`
	Git                           *ContextGit                    `json:"git,omitempty"`
	Vault                         *ContextVault                  `json:"vault,omitempty"`
	S3                            *ContextS3                     `json:"s3,omitempty"`
	S3Array                       []ContextS3                    `json:"s3_array,omitempty"`
	Region                        ContextRegion                  `json:"region"`
	K8s                           ContextK8s                     `json:"k8s"`
	ProxyInjection                *ProxyInjection                `json:"proxyInjection,omitempty"`
	PackageRepositoryInjection    *PackageRepositoryInjection    `json:"packageRepositoryInjection,omitempty"`
	CertificateAuthorityInjection *CertificateAuthorityInjection `json:"certificateAuthorityInjection,omitempty"`
	AI                            *ContextAI                     `json:"ai,omitempty"`
}

type ContextUser struct {
	Idep           string         `json:"idep"`
	Name           string         `json:"name"`
	Email          string         `json:"email,omitempty"`
	Password       string         `json:"password,omitempty"`
	IP             string         `json:"ip,omitempty"`
	DarkMode       bool           `json:"darkMode"`
	Lang           string         `json:"lang,omitempty"`
	DecodedIDToken map[string]any `json:"decodedIdToken,omitempty"`
	AccessToken    string         `json:"accessToken,omitempty"`
	RefreshToken   string         `json:"refreshToken,omitempty"`
	Profile        map[string]any `json:"profile,omitempty"`
}

type ContextService struct {
	OneTimePassword string `json:"oneTimePassword"`
}

type ContextProject struct {
	ID       string `json:"id"`
	Password string `json:"password,omitempty"`
	Basic    string `json:"basic,omitempty"`
}

type ContextGit struct {
	Name                     string `json:"name,omitempty"`
	Email                    string `json:"email,omitempty"`
	CredentialsCacheDuration string `json:"credentials_cache_duration,omitempty"`
	Token                    string `json:"token,omitempty"`
	Project                  string `json:"project,omitempty"`
}

type ContextVault struct {
	VaultAddr   string `json:"VAULT_ADDR"`
	VaultToken  string `json:"VAULT_TOKEN,omitempty"`
	VaultMount  string `json:"VAULT_MOUNT,omitempty"`
	VaultTopDir string `json:"VAULT_TOP_DIR,omitempty"`
}

type ContextS3 struct {
	ProfileName     string `json:"profileName"`
	AccessKeyID     string `json:"AWS_ACCESS_KEY_ID,omitempty"`
	SecretAccessKey string `json:"AWS_SECRET_ACCESS_KEY,omitempty"`
	SessionToken    string `json:"AWS_SESSION_TOKEN,omitempty"`
	DefaultRegion   string `json:"AWS_DEFAULT_REGION"`
	Endpoint        string `json:"AWS_S3_ENDPOINT"` // host only, as Onyxia's charts expect
	Port            int    `json:"port"`
	// URL is the whole endpoint, scheme and port included: Onyxia's host-only endpoint
	// implies HTTPS on 443, which a store on another port or plain HTTP does not meet.
	URL                  string `json:"url"`
	PathStyleAccess      bool   `json:"pathStyleAccess"`
	IsAnonymous          bool   `json:"isAnonymous"`
	WorkingDirectoryPath string `json:"workingDirectoryPath,omitempty"`
}

type ContextRegion struct {
	DefaultIPProtection  *bool             `json:"defaultIpProtection,omitempty"`
	DefaultNetworkPolicy *bool             `json:"defaultNetworkPolicy,omitempty"`
	AllowedURIPattern    string            `json:"allowedURIPattern,omitempty"`
	CustomValues         map[string]any    `json:"customValues,omitempty"`
	Kafka                map[string]any    `json:"kafka,omitempty"`
	Tolerations          []any             `json:"tolerations,omitempty"`
	From                 []any             `json:"from,omitempty"`
	NodeSelector         map[string]any    `json:"nodeSelector,omitempty"`
	StartupProbe         map[string]any    `json:"startupProbe,omitempty"`
	Sliders              map[string]Slider `json:"sliders,omitempty"`
	Resources            *Resources        `json:"resources,omitempty"`
	OpenshiftSCC         *OpenshiftSCC     `json:"openshiftSCC,omitempty"`
}

type ContextK8s struct {
	Domain                   string `json:"domain,omitempty"`
	IngressClassName         string `json:"ingressClassName,omitempty"`
	Ingress                  bool   `json:"ingress"`
	Route                    bool   `json:"route"`
	Istio                    *Istio `json:"istio,omitempty"`
	UseCertManager           bool   `json:"useCertManager"`
	CertManagerClusterIssuer string `json:"certManagerClusterIssuer,omitempty"`
	RandomSubdomain          string `json:"randomSubdomain"`
	InitScriptURL            string `json:"initScriptUrl,omitempty"`
	InitScriptCheckSum       string `json:"initScriptCheckSum,omitempty"`
}

// ContextAI is what the ai.json schema reads: the user's AI providers.
type ContextAI struct {
	Enabled        bool         `json:"enabled"`
	Providers      []AIProvider `json:"providers,omitempty"`
	ActiveProvider *AIProvider  `json:"activeProvider,omitempty"`
}

type AIProvider struct {
	ID            string   `json:"id"`
	Name          string   `json:"name,omitempty"`
	Provider      string   `json:"provider,omitempty"`
	APIBase       string   `json:"apiBase,omitempty"`
	APIKey        string   `json:"apiKey,omitempty"`
	SelectedModel string   `json:"selectedModel,omitempty"`
	Models        []string `json:"models,omitempty"`
}

// Map returns the context as JSON-shaped data, the form expressions read.
func (c *Context) Map() map[string]any {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // only plain data in it
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// ContextInput is what the core knows about a launch, from its plugins and configuration.
type ContextInput struct {
	User     UserInfo
	Project  ProjectInfo
	Region   *Region
	Settings UserSettings
	// S3Profiles are the user's S3 profiles with credentials (default first or named
	// "default"); S3Profile picks one by name (empty or unknown: the default).
	S3Profiles []S3Profile
	S3Profile  string
	// SecretsToken is the user's own token for the secrets store; empty without one.
	SecretsToken string
	// SecretsHome is the project's home in the secrets store as the secrets plugin reports
	// it: the Vault directory services get. Empty without a store, where the region's
	// prefixes stand in.
	SecretsHome string
	AI          *ContextAI
	// HidePersonalInfoInGroups leaves personal data out of group launches (Onyxia's
	// DISABLE_PERSONAL_INFOS_INJECTION_IN_GROUP).
	HidePersonalInfoInGroups bool
	// RandomSubdomain and OneTimePassword are drawn at random when empty.
	RandomSubdomain string
	OneTimePassword string
}

// UserInfo comes from the authenticated user and their claims.
type UserInfo struct {
	Username     string
	DisplayName  string // "Family First"; the username when empty
	Email        string
	IP           string
	Claims       map[string]any // the decoded ID token
	AccessToken  string
	RefreshToken string
	Roles        []string
}

// ProjectInfo names the project the service runs in.
type ProjectInfo struct {
	ID       string // also the namespace
	Group    string // empty for the user's personal project
	Password string // the project's service password
}

// UserSettings are the user's saved settings.
type UserSettings struct {
	Lang                     string
	DarkMode                 bool
	GitName                  string
	GitEmail                 string
	GitToken                 string
	GitCredentialsCacheTTL   int // seconds; 0 leaves it unset
	GitProject               string
	Profile                  map[string]any
	S3WorkingDirectoryPrefix string
}

// S3Profile is one S3 profile with its credentials.
type S3Profile struct {
	Name                 string
	URL                  string // e.g. https://minio.example.org
	Region               string
	PathStyleAccess      bool
	AccessKeyID          string
	SecretAccessKey      string
	SessionToken         string
	WorkingDirectoryPath string // e.g. bucket/prefix/
	// Personal marks a profile that belongs to the user (the region's STS credentials, their
	// own profiles): group launches leave it out when personal information is hidden.
	Personal bool
}

// NewContext builds a launch context.
func NewContext(in ContextInput) *Context {
	region := in.Region
	if region == nil {
		region = &Region{}
	}
	group := in.Project.Group != ""
	hide := group && in.HidePersonalInfoInGroups
	name := in.User.DisplayName
	if name == "" {
		name = in.User.Username
	}
	c := &Context{
		User: ContextUser{
			Idep: in.User.Username, Name: name, Email: in.User.Email,
			Password: in.Project.Password, IP: in.User.IP,
			DarkMode: in.Settings.DarkMode, Lang: in.Settings.Lang,
			DecodedIDToken: in.User.Claims, AccessToken: in.User.AccessToken, RefreshToken: in.User.RefreshToken,
			Profile: in.Settings.Profile,
		},
		Service: ContextService{OneTimePassword: in.OneTimePassword},
		Project: ContextProject{ID: in.Project.ID, Password: in.Project.Password},
		AI:      in.AI,
	}
	if c.User.Lang == "" {
		c.User.Lang = "en"
	}
	if c.Service.OneTimePassword == "" {
		c.Service.OneTimePassword = randomPassword()
	}
	if in.Project.Password != "" {
		c.Project.Basic = base64.StdEncoding.EncodeToString([]byte(in.Project.ID + ":" + in.Project.Password))
	}
	s := in.Settings
	if s.GitName != "" || s.GitEmail != "" || s.GitToken != "" || s.GitProject != "" || s.GitCredentialsCacheTTL > 0 {
		c.Git = &ContextGit{Name: s.GitName, Email: s.GitEmail, Token: s.GitToken, Project: s.GitProject}
		if s.GitCredentialsCacheTTL > 0 {
			c.Git.CredentialsCacheDuration = strconv.Itoa(s.GitCredentialsCacheTTL)
		}
	}
	if v := region.Vault; v != nil && v.URL != "" {
		c.Vault = &ContextVault{VaultAddr: v.URL, VaultToken: in.SecretsToken, VaultMount: v.KVEngine}
		// Only the store knows its homes: a group's is built from the group's name, which a
		// project id (hashed for a name that is not a DNS label) does not give back.
		switch {
		case in.SecretsHome != "":
			c.Vault.VaultTopDir = in.SecretsHome
		case group:
			c.Vault.VaultTopDir = v.GroupPrefix + in.Project.ID
		default:
			c.Vault.VaultTopDir = v.Prefix + in.User.Username
		}
	}
	for _, p := range in.S3Profiles {
		if hide && p.Personal {
			continue
		}
		c.S3Array = append(c.S3Array, s3Context(p))
	}
	if len(c.S3Array) > 0 {
		pick := 0
		for i, p := range c.S3Array {
			if p.ProfileName == "default" {
				pick = i
			}
		}
		for i, p := range c.S3Array {
			if in.S3Profile != "" && p.ProfileName == in.S3Profile {
				pick = i
			}
		}
		// s3_array lists the default first
		c.S3Array[0], c.S3Array[pick] = c.S3Array[pick], c.S3Array[0]
		chosen := c.S3Array[0]
		c.S3 = &chosen
	}
	c.K8s.RandomSubdomain = in.RandomSubdomain
	if c.K8s.RandomSubdomain == "" {
		n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
		c.K8s.RandomSubdomain = n.String()
	}
	c.ApplyRegion(region)
	if hide {
		c.User.IP = "0.0.0.0"
		c.User.AccessToken, c.User.RefreshToken = "", ""
		c.Git = nil
		if c.Vault != nil {
			c.Vault.VaultToken = ""
		}
	}
	return c
}

// ApplyRegion sets what the context takes from a region: its region, k8s and injection
// parts (the random subdomain is kept).
func (c *Context) ApplyRegion(region *Region) {
	svc := region.Services
	// Without a domain there is no host name to route, and an Ingress for "name-0." would be
	// refused or unreachable: charts then take their not-exposed path (e.g. port-forward notes).
	ingress := svc.Expose.Domain != "" && (svc.Expose.Ingress == nil || *svc.Expose.Ingress)
	c.K8s = ContextK8s{
		Domain: svc.Expose.Domain, IngressClassName: svc.Expose.IngressClassName,
		Ingress: ingress, Route: svc.Expose.Route,
		Istio: svc.Expose.Istio, RandomSubdomain: c.K8s.RandomSubdomain,
		InitScriptURL: svc.InitScript, InitScriptCheckSum: svc.InitScriptCheckSum,
	}
	if cm := svc.Expose.CertManager; cm != nil {
		c.K8s.UseCertManager = cm.UseCertManager
		c.K8s.CertManagerClusterIssuer = cm.CertManagerClusterIssuer
	}
	c.Region = ContextRegion{AllowedURIPattern: svc.AllowedURIPattern, CustomValues: svc.CustomValues, OpenshiftSCC: svc.OpenshiftSCC}
	if d := svc.DefaultConfiguration; d != nil {
		c.Region.DefaultIPProtection = d.IPProtection
		c.Region.DefaultNetworkPolicy = d.NetworkPolicy
		c.Region.From = d.From
		c.Region.Tolerations = d.Tolerations
		c.Region.NodeSelector = d.NodeSelector
		c.Region.StartupProbe = d.StartupProbe
		c.Region.Kafka = d.Kafka
		c.Region.Sliders = d.Sliders
		c.Region.Resources = d.Resources
	}
	c.ProxyInjection = region.ProxyInjection
	c.PackageRepositoryInjection = region.PackageRepositoryInjection
	c.CertificateAuthorityInjection = region.CertificateAuthorityInjection
}

func s3Context(p S3Profile) ContextS3 {
	out := ContextS3{
		ProfileName: p.Name, AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey,
		SessionToken: p.SessionToken, DefaultRegion: p.Region, PathStyleAccess: p.PathStyleAccess,
		IsAnonymous: p.AccessKeyID == "", WorkingDirectoryPath: p.WorkingDirectoryPath, Port: 443,
		URL: strings.TrimSuffix(p.URL, "/"),
	}
	if out.DefaultRegion == "" {
		out.DefaultRegion = "us-east-1"
	}
	if u, err := url.Parse(p.URL); err == nil && u.Host != "" {
		out.Endpoint = u.Hostname()
		if port, err := strconv.Atoi(u.Port()); err == nil {
			out.Port = port
		} else if u.Scheme == "http" {
			out.Port = 80
		}
	} else {
		out.Endpoint = strings.TrimSuffix(p.URL, "/")
	}
	return out
}

func randomPassword() string {
	const alphabet = "abcdefghijkmnopqrstuvwxyz23456789"
	b := make([]byte, 20)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}
