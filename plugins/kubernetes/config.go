package kubernetes

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/basalt-dev/basalt/sdk"
)

//go:embed schema.json
var configSchema []byte

// Config is the plugin's configuration section, as the schema describes it.
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
	// sending them, as helm does without --disable-openapi-validation. It costs about a quarter
	// of a second per install; without it the API server still refuses invalid objects and
	// drops unknown fields with a warning.
	ValidateManifests bool `json:"validateManifests"`
}

type NamespacesConfig struct {
	NamespacePrefix       *string           `json:"namespacePrefix"`
	GroupNamespacePrefix  *string           `json:"groupNamespacePrefix"`
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
	ReleaseServiceAccount *string `json:"releaseServiceAccount"`
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
	Ingress          *bool       `json:"ingress"`
	Route            bool        `json:"route"`
	Istio            IstioConfig `json:"istio"`
	GatewayAPI       bool        `json:"gatewayAPI"`
}

type IstioConfig struct {
	Enabled  bool     `json:"enabled"`
	Gateways []string `json:"gateways"`
}

// settings is a Config checked and with its defaults filled in.
type settings struct {
	Config
	userPrefix, groupPrefix string
	include, exclude        *regexp.Regexp
	timeout                 time.Duration
	ingress                 bool
	userQuota, groupQuota   bool
	releaseSA               string
}

func parseConfig(raw []byte) (*settings, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := dec.Decode(&c); err != nil {
			return nil, sdk.Errorf(sdk.ErrInvalidArgument, "kubernetes region configuration: %v", err)
		}
	}
	s := &settings{Config: c, userPrefix: "user-", groupPrefix: "project-", timeout: 5 * time.Minute, ingress: true}
	var bad []sdk.FieldViolation
	fail := func(field, format string, args ...any) {
		bad = append(bad, sdk.FieldViolation{Field: field, Rule: fmt.Sprintf(format, args...)})
	}
	if c.QPS == 0 {
		s.QPS = 100
	}
	if c.Burst == 0 {
		s.Burst = 200
	}
	if c.InCluster && c.Kubeconfig != "" {
		fail("inCluster", "excludes kubeconfig")
	}
	n := &s.Namespaces
	if n.NamespacePrefix != nil {
		s.userPrefix = *n.NamespacePrefix
	}
	if n.GroupNamespacePrefix != nil {
		s.groupPrefix = *n.GroupNamespacePrefix
	}
	if strings.HasPrefix(s.userPrefix, s.groupPrefix) || strings.HasPrefix(s.groupPrefix, s.userPrefix) {
		// user- and user-g-: the user g-x and the group x would share the namespace user-g-x.
		fail("namespaces.groupNamespacePrefix", "%q and namespacePrefix %q: neither may start the other, or a user and a group could share a namespace", s.groupPrefix, s.userPrefix)
	}
	if n.SingleNamespace != "" && !dnsLabel.MatchString(n.SingleNamespace) {
		fail("namespaces.singleNamespace", "must be a DNS label")
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
			fail("namespaces."+field, "not a regular expression: %v", err)
			continue
		}
		*p.dst = re
	}
	if n.TransformGroupPattern != "" && n.IncludedGroupPattern == "" {
		fail("namespaces.transformGroupPattern", "needs includedGroupPattern, whose groups it rewrites")
	}
	if n.OwnerLabel == "" {
		n.OwnerLabel = "onyxia_owner"
	}
	a := &s.Access
	switch a.AuthenticationMode {
	case "":
		a.AuthenticationMode = ModeServiceAccount
	case ModeServiceAccount, ModeImpersonate:
	default:
		fail("access.authenticationMode", "must be serviceAccount or impersonate")
	}
	if a.ClusterRole == "" {
		a.ClusterRole = "admin"
	}
	if a.RoleBindingName == "" {
		a.RoleBindingName = "full_control_namespace"
	}
	s.releaseSA = "basalt-release"
	if a.ReleaseServiceAccount != nil {
		s.releaseSA = *a.ReleaseServiceAccount
		if s.releaseSA != "" && !dnsLabel.MatchString(s.releaseSA) {
			fail("access.releaseServiceAccount", "must be a DNS label (a ServiceAccount name), or empty")
		}
	}
	q := &s.Quotas
	if q.Name == "" {
		q.Name = "basalt-quota"
	}
	if q.ManualMarker == "" {
		q.ManualMarker = "onyxia_ignore"
	}
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
				fail(field+"."+key, "not a quantity: %v", err)
			}
		}
	}
	checkQuota("quotas.user", q.User)
	checkQuota("quotas.group", q.Group)
	for role, hard := range q.Roles {
		checkQuota("quotas.roles."+role, hard)
	}
	if c.Expose.Ingress != nil {
		s.ingress = *c.Expose.Ingress
	}
	if c.DefaultTimeout != "" {
		d, err := time.ParseDuration(c.DefaultTimeout)
		if err != nil || d <= 0 {
			fail("defaultTimeout", "must be a positive Go duration")
		}
		s.timeout = d
	}
	if c.HistoryMax < 0 || c.HistoryMax == 1 {
		fail("historyMax", "must be 0 (keep all) or at least 2")
	}
	if len(bad) > 0 {
		return nil, sdk.InvalidFields("invalid kubernetes region configuration", bad...)
	}
	return s, nil
}

// dnsLabel is an RFC 1123 label: what Kubernetes accepts as a namespace.
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// releaseName is a DNS label short enough for Helm (53 characters leaves room for suffixes).
var releaseName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$`)
