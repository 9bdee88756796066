package launch

import (
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"
)

// Region is the part of a region's configuration (Onyxia's regions.json entry, compat §9)
// that launches read. Basalt types and honours the fields Onyxia's API drops
// (customValues, initScript, openshiftSCC, defaultConfiguration).
type Region struct {
	ID                            string                         `json:"id" yaml:"id"`
	Name                          string                         `json:"name,omitempty" yaml:"name,omitempty"`
	Services                      RegionServices                 `json:"services" yaml:"services"`
	Vault                         *RegionVault                   `json:"vault,omitempty" yaml:"vault,omitempty"`
	ProxyInjection                *ProxyInjection                `json:"proxyInjection,omitempty" yaml:"proxyInjection,omitempty"`
	PackageRepositoryInjection    *PackageRepositoryInjection    `json:"packageRepositoryInjection,omitempty" yaml:"packageRepositoryInjection,omitempty"`
	CertificateAuthorityInjection *CertificateAuthorityInjection `json:"certificateAuthorityInjection,omitempty" yaml:"certificateAuthorityInjection,omitempty"`
}

type RegionServices struct {
	AllowedURIPattern    string                `json:"allowedURIPattern,omitempty" yaml:"allowedURIPattern,omitempty"`
	NamespacePrefix      string                `json:"namespacePrefix,omitempty" yaml:"namespacePrefix,omitempty"`
	GroupNamespacePrefix string                `json:"groupNamespacePrefix,omitempty" yaml:"groupNamespacePrefix,omitempty"`
	Expose               Expose                `json:"expose" yaml:"expose"`
	CustomValues         map[string]any        `json:"customValues,omitempty" yaml:"customValues,omitempty"`
	InitScript           string                `json:"initScript,omitempty" yaml:"initScript,omitempty"`
	InitScriptCheckSum   string                `json:"initScriptCheckSum,omitempty" yaml:"initScriptCheckSum,omitempty"` // Basalt: exported to charts as k8s.initScriptCheckSum
	OpenshiftSCC         *OpenshiftSCC         `json:"openshiftSCC,omitempty" yaml:"openshiftSCC,omitempty"`
	DefaultConfiguration *DefaultConfiguration `json:"defaultConfiguration,omitempty" yaml:"defaultConfiguration,omitempty"`
}

type Expose struct {
	Domain           string       `json:"domain,omitempty" yaml:"domain,omitempty"`
	IngressClassName string       `json:"ingressClassName,omitempty" yaml:"ingressClassName,omitempty"`
	Ingress          *bool        `json:"ingress,omitempty" yaml:"ingress,omitempty"` // default true
	Route            bool         `json:"route,omitempty" yaml:"route,omitempty"`
	Istio            *Istio       `json:"istio,omitempty" yaml:"istio,omitempty"`
	CertManager      *CertManager `json:"certManager,omitempty" yaml:"certManager,omitempty"`
}

type Istio struct {
	Enabled  bool     `json:"enabled" yaml:"enabled"`
	Gateways []string `json:"gateways,omitempty" yaml:"gateways,omitempty"`
}

type CertManager struct {
	UseCertManager           bool   `json:"useCertManager" yaml:"useCertManager"`
	CertManagerClusterIssuer string `json:"certManagerClusterIssuer,omitempty" yaml:"certManagerClusterIssuer,omitempty"`
}

type OpenshiftSCC struct {
	Enabled bool   `json:"enabled" yaml:"enabled"`
	SCC     string `json:"scc,omitempty" yaml:"scc,omitempty"`
}

// DefaultConfiguration is what a region pre-fills in every launch form.
type DefaultConfiguration struct {
	IPProtection  *bool             `json:"ipprotection,omitempty" yaml:"ipprotection,omitempty"`
	NetworkPolicy *bool             `json:"networkPolicy,omitempty" yaml:"networkPolicy,omitempty"`
	From          []any             `json:"from,omitempty" yaml:"from,omitempty"`
	Tolerations   []any             `json:"tolerations,omitempty" yaml:"tolerations,omitempty"`
	NodeSelector  map[string]any    `json:"nodeSelector,omitempty" yaml:"nodeSelector,omitempty"`
	StartupProbe  map[string]any    `json:"startupProbe,omitempty" yaml:"startupProbe,omitempty"`
	Kafka         map[string]any    `json:"kafka,omitempty" yaml:"kafka,omitempty"`
	Sliders       map[string]Slider `json:"sliders,omitempty" yaml:"sliders,omitempty"`
	Resources     *Resources        `json:"resources,omitempty" yaml:"resources,omitempty"`
}

// Slider bounds a form slider named by useRegionSliderConfig.
type Slider struct {
	SliderMin  *float64 `json:"sliderMin,omitempty" yaml:"sliderMin,omitempty"`
	SliderMax  *float64 `json:"sliderMax,omitempty" yaml:"sliderMax,omitempty"`
	SliderStep *float64 `json:"sliderStep,omitempty" yaml:"sliderStep,omitempty"`
	SliderUnit *string  `json:"sliderUnit,omitempty" yaml:"sliderUnit,omitempty"`
}

type Resources struct {
	CPURequest    string `json:"cpuRequest,omitempty" yaml:"cpuRequest,omitempty"`
	CPULimit      string `json:"cpuLimit,omitempty" yaml:"cpuLimit,omitempty"`
	MemoryRequest string `json:"memoryRequest,omitempty" yaml:"memoryRequest,omitempty"`
	MemoryLimit   string `json:"memoryLimit,omitempty" yaml:"memoryLimit,omitempty"`
	Disk          string `json:"disk,omitempty" yaml:"disk,omitempty"`
	GPU           string `json:"gpu,omitempty" yaml:"gpu,omitempty"`
}

type RegionVault struct {
	URL         string `json:"URL" yaml:"URL"`
	KVEngine    string `json:"kvEngine,omitempty" yaml:"kvEngine,omitempty"`
	Role        string `json:"role,omitempty" yaml:"role,omitempty"`
	AuthPath    string `json:"authPath,omitempty" yaml:"authPath,omitempty"`
	Prefix      string `json:"prefix,omitempty" yaml:"prefix,omitempty"`
	GroupPrefix string `json:"groupPrefix,omitempty" yaml:"groupPrefix,omitempty"`
}

type ProxyInjection struct {
	Enabled       bool   `json:"enabled,omitempty" yaml:"enabled,omitempty"`
	HTTPProxyURL  string `json:"httpProxyUrl,omitempty" yaml:"httpProxyUrl,omitempty"`
	HTTPSProxyURL string `json:"httpsProxyUrl,omitempty" yaml:"httpsProxyUrl,omitempty"`
	NoProxy       string `json:"noProxy,omitempty" yaml:"noProxy,omitempty"`
}

type PackageRepositoryInjection struct {
	CranProxyURL      string `json:"cranProxyUrl,omitempty" yaml:"cranProxyUrl,omitempty"`
	CondaProxyURL     string `json:"condaProxyUrl,omitempty" yaml:"condaProxyUrl,omitempty"`
	PackageManagerURL string `json:"packageManagerUrl,omitempty" yaml:"packageManagerUrl,omitempty"`
	PypiProxyURL      string `json:"pypiProxyUrl,omitempty" yaml:"pypiProxyUrl,omitempty"`
}

type CertificateAuthorityInjection struct {
	Cacerts        string `json:"cacerts,omitempty" yaml:"cacerts,omitempty"`
	PathToCaBundle string `json:"pathToCaBundle,omitempty" yaml:"pathToCaBundle,omitempty"`
}

// LoadRegion reads a region from a YAML (or JSON) file.
func LoadRegion(path string) (*Region, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("region: %w", err)
	}
	var r Region
	dec := yaml.NewDecoder(bytesReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("region %s: %w", path, err)
	}
	if err := r.validate(); err != nil {
		return nil, fmt.Errorf("region %s: %w", path, err)
	}
	return &r, nil
}

// validate refuses what launches could not honour: an allowedURIPattern that Go cannot check
// would otherwise refuse every URL users type.
func (r *Region) validate() error {
	if p := r.Services.AllowedURIPattern; p != "" {
		if _, err := CompileURIPattern(p); err != nil {
			return fmt.Errorf("services.allowedURIPattern %q: %w", p, err)
		}
	}
	return nil
}
