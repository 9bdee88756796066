package kubernetes

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/basalt-dev/basalt/sdk/configschema"
)

//go:embed schema.json
var configSchema []byte

var schema = configschema.MustCompile(configSchema)

// Config is the plugin's configuration section (schema.json documents each field and holds
// its defaults and bounds).
type Config struct {
	Kubeconfig     string           `json:"kubeconfig"`
	Context        string           `json:"context"`
	InCluster      bool             `json:"inCluster"`
	QPS            float32          `json:"qps"`
	Burst          int              `json:"burst"`
	Namespaces     NamespacesConfig `json:"namespaces"`
	Access         AccessConfig     `json:"access"`
	Quotas         QuotasConfig     `json:"quotas"`
	Expose         ExposeConfig     `json:"expose"`
	DefaultTimeout string           `json:"defaultTimeout"`
	HistoryMax     int              `json:"historyMax"`
	// ValidateManifests checks rendered manifests against the cluster's OpenAPI schemas before
	// sending them, as helm does without --disable-openapi-validation. It is off by default
	// because it slows every install (docs/configuration.md); without it the API server still
	// refuses invalid objects and drops unknown fields with a warning.
	ValidateManifests bool `json:"validateManifests"`
	// SimulatedNodeAnnotation (name=value) marks the nodes where nothing really runs;
	// "" reads no node.
	SimulatedNodeAnnotation string `json:"simulatedNodeAnnotation"`
	// Startup, when set, lets the plugin start before its cluster is ready (startup.go).
	Startup *StartupConfig `json:"startup"`
	// ClusterAccess says how users get a kubeconfig of their own (clusteraccess.go).
	ClusterAccess ClusterAccessConfig `json:"clusterAccess"`
}

// StartupConfig names the files through which a cluster still being set up says how far it
// got and when it is ready.
type StartupConfig struct {
	ReadyFile    string `json:"readyFile"`
	ProgressFile string `json:"progressFile"`
}

type NamespacesConfig struct {
	NamespacePrefix       string            `json:"namespacePrefix"`
	GroupNamespacePrefix  string            `json:"groupNamespacePrefix"`
	SingleNamespace       string            `json:"singleNamespace"`
	IncludedGroupPattern  string            `json:"includedGroupPattern"`
	ExcludedGroupPattern  string            `json:"excludedGroupPattern"`
	TransformGroupPattern string            `json:"transformGroupPattern"`
	NamespaceLabels       map[string]string `json:"namespaceLabels"`
	NamespaceAnnotations  map[string]string `json:"namespaceAnnotations"`
	OwnerLabel            string            `json:"ownerLabel"`
}

// Authentication modes.
const (
	ModeServiceAccount = "serviceAccount"
	ModeImpersonate    = "impersonate"
)

type AccessConfig struct {
	AuthenticationMode string `json:"authenticationMode"`
	UsernamePrefix     string `json:"usernamePrefix"`
	GroupPrefix        string `json:"groupPrefix"`
	ClusterRole        string `json:"clusterRole"`
	RoleBindingName    string `json:"roleBindingName"`
	// ReleaseServiceAccount is the ServiceAccount of each project namespace that Helm renders
	// and installs as (serviceAccount mode); "" makes Helm act as the plugin itself.
	ReleaseServiceAccount string `json:"releaseServiceAccount"`
}

type QuotasConfig struct {
	UserEnabled  *bool                        `json:"userEnabled"`
	User         map[string]string            `json:"user"`
	Roles        map[string]map[string]string `json:"roles"`
	GroupEnabled *bool                        `json:"groupEnabled"`
	Group        map[string]string            `json:"group"`
	Name         string                       `json:"name"`
	ManualMarker string                       `json:"manualMarker"`
}

type ExposeConfig struct {
	Domain           string      `json:"domain"`
	IngressClassName string      `json:"ingressClassName"`
	IngressPort      int         `json:"ingressPort"`
	Ingress          bool        `json:"ingress"`
	Route            bool        `json:"route"`
	Istio            IstioConfig `json:"istio"`
	GatewayAPI       bool        `json:"gatewayAPI"`
}

type IstioConfig struct {
	Enabled  bool     `json:"enabled"`
	Gateways []string `json:"gateways"`
}

// settings is a Config checked, with what is derived from it.
type settings struct {
	Config
	include, exclude      *regexp.Regexp
	timeout               time.Duration
	userQuota, groupQuota bool
	// addedMember reports whether a user was added to a namespace's project in Basalt; dial
	// sets it once the cluster is there (members.go).
	addedMember func(ns, username string) bool
	// clusterAccess is ClusterAccess checked (clusteraccess.go).
	clusterAccess clusterAccessSettings
}

// parseConfig decodes a configuration by the schema, which fills in the defaults and checks
// each field, then checks what the schema cannot say.
func parseConfig(raw []byte) (*settings, error) {
	s := &settings{}
	bad, err := schema.Decode(raw, &s.Config)
	if err != nil {
		return nil, err
	}
	if s.InCluster && s.Kubeconfig != "" {
		bad.Add("inCluster", "excludes kubeconfig")
	}
	if s.InCluster && s.Startup != nil {
		bad.Add("startup", "excludes inCluster: the plugin's own pod runs in a cluster that is ready")
	}
	n := &s.Namespaces
	if strings.HasPrefix(n.NamespacePrefix, n.GroupNamespacePrefix) || strings.HasPrefix(n.GroupNamespacePrefix, n.NamespacePrefix) {
		// user- and user-g-: the user g-x and the group x would share the namespace user-g-x.
		bad.Add("namespaces.groupNamespacePrefix", fmt.Sprintf("%q and namespacePrefix %q: neither may start the other, or a user and a group could share a namespace", n.GroupNamespacePrefix, n.NamespacePrefix))
	}
	if n.SingleNamespace != "" && !dnsLabel.MatchString(n.SingleNamespace) {
		bad.Add("namespaces.singleNamespace", "must be a DNS label")
	}
	for field, p := range map[string]struct {
		src string
		dst **regexp.Regexp
	}{"includedGroupPattern": {n.IncludedGroupPattern, &s.include}, "excludedGroupPattern": {n.ExcludedGroupPattern, &s.exclude}} {
		if p.src == "" {
			continue
		}
		re, err := regexp.Compile(p.src)
		if err != nil {
			bad.Add("namespaces."+field, "not a regular expression: "+err.Error())
			continue
		}
		*p.dst = re
	}
	if n.TransformGroupPattern != "" && n.IncludedGroupPattern == "" {
		bad.Add("namespaces.transformGroupPattern", "needs includedGroupPattern, whose groups it rewrites")
	}
	if sa := s.Access.ReleaseServiceAccount; sa != "" && !dnsLabel.MatchString(sa) {
		bad.Add("access.releaseServiceAccount", "must be a DNS label (a ServiceAccount name), or empty")
	}
	q := &s.Quotas
	s.userQuota = len(q.User) > 0 || len(q.Roles) > 0
	if q.UserEnabled != nil {
		s.userQuota = *q.UserEnabled
	}
	s.groupQuota = len(q.Group) > 0
	if q.GroupEnabled != nil {
		s.groupQuota = *q.GroupEnabled
	}
	checkQuota := func(field string, hard map[string]string) {
		for key, v := range hard {
			if _, err := resource.ParseQuantity(v); err != nil {
				bad.Add(field+"."+key, "not a quantity: "+err.Error())
			}
		}
	}
	checkQuota("quotas.user", q.User)
	checkQuota("quotas.group", q.Group)
	for role, hard := range q.Roles {
		checkQuota("quotas.roles."+role, hard)
	}
	if s.timeout, err = time.ParseDuration(s.DefaultTimeout); err != nil || s.timeout <= 0 {
		bad.Add("defaultTimeout", "must be a positive Go duration")
	}
	if s.HistoryMax == 1 {
		bad.Add("historyMax", "must be 0 (keep all) or at least 2")
	}
	if a := s.SimulatedNodeAnnotation; a != "" {
		name, _, ok := strings.Cut(a, "=")
		if !ok || len(validation.IsQualifiedName(name)) > 0 {
			bad.Add("simulatedNodeAnnotation", "must be an annotation's name, = and its value (e.g. "+DefaultSimulatedNodeAnnotation+"), or empty")
		}
	}
	s.clusterAccess = s.ClusterAccess.check(&bad)
	if err := bad.Err("invalid kubernetes region configuration"); err != nil {
		return nil, err
	}
	return s, nil
}

// dnsLabel is an RFC 1123 label: what Kubernetes accepts as a namespace.
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// releaseName is a DNS label short enough for Helm (53 characters leaves room for suffixes).
var releaseName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$`)
