package launch

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// catalogDir holds Onyxia's real charts; CI lays shared/ beside the repository.
const catalogDir = "../../../../shared/catalogs/interactive"

func sharedCharts(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(catalogDir, "*.tgz"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no charts in %s (shared/ must sit beside the repository): %v", catalogDir, err)
	}
	sort.Strings(paths)
	return paths
}

func loadChart(t testing.TB, path string) *Chart {
	t.Helper()
	c, err := LoadChart(path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testRegion() *Region {
	yes := true
	min, max := 100.0, 8000.0
	unit := "m"
	return &Region{
		ID: "paris",
		Services: RegionServices{
			AllowedURIPattern: "^https://",
			Expose: Expose{Domain: "lab.example.org", IngressClassName: "nginx",
				CertManager: &CertManager{UseCertManager: true, CertManagerClusterIssuer: "letsencrypt"}},
			InitScript:         "https://init.example.org/onyxia-init.sh",
			InitScriptCheckSum: "sha256:abc",
			DefaultConfiguration: &DefaultConfiguration{
				NetworkPolicy: &yes,
				Tolerations:   []any{map[string]any{"key": "lab", "operator": "Exists"}},
				NodeSelector:  map[string]any{"pool": "interactive"},
				Resources:     &Resources{CPURequest: "200m", CPULimit: "4000m", MemoryRequest: "4Gi", MemoryLimit: "16Gi", Disk: "20Gi", GPU: "2"},
				Sliders:       map[string]Slider{"cpu": {SliderMin: &min, SliderMax: &max, SliderUnit: &unit}},
			},
		},
		Vault:                      &RegionVault{URL: "https://vault.example.org", KVEngine: "onyxia-kv", Prefix: "", GroupPrefix: ""},
		PackageRepositoryInjection: &PackageRepositoryInjection{PypiProxyURL: "https://pypi.example.org/simple", CondaProxyURL: "https://conda.example.org"},
	}
}

type contextCase struct {
	name string
	in   ContextInput
}

func contextCases() []contextCase {
	user := UserInfo{Username: "jdoe", DisplayName: "Doe John", Email: "jdoe@example.org", IP: "10.1.2.3",
		Claims: map[string]any{"preferred_username": "jdoe", "groups": []any{"sspcloud", "ml-team"}}}
	settings := UserSettings{Lang: "fr", DarkMode: true, GitName: "John Doe", GitEmail: "jdoe@example.org",
		GitToken: "ghp_secret", GitCredentialsCacheTTL: 3600, GitProject: "https://github.com/jdoe/thesis.git"}
	s3 := []S3Profile{
		{Name: "default", URL: "https://minio.example.org", Region: "eu-west-1", AccessKeyID: "AK", SecretAccessKey: "SK", SessionToken: "ST", WorkingDirectoryPath: "jdoe/", Personal: true},
		{Name: "team", URL: "http://s3.local:9000", AccessKeyID: "TAK", SecretAccessKey: "TSK", PathStyleAccess: true},
	}
	base := func() ContextInput {
		return ContextInput{User: user, Settings: settings, Region: testRegion(), RandomSubdomain: "123456", OneTimePassword: "otp-1"}
	}
	personal := base()
	personal.Project = ProjectInfo{ID: "user-jdoe", Password: "pw"}
	personal.S3Profiles = s3
	personal.SecretsToken = "hvs.personal"
	personal.AI = &ContextAI{Enabled: true, ActiveProvider: &AIProvider{ID: "p1", Name: "Lab LLM", Provider: "openai", APIBase: "https://llm.example.org/v1", APIKey: "k", SelectedModel: "m2", Models: []string{"m1", "m2"}},
		Providers: []AIProvider{{ID: "p1", Name: "Lab LLM", Provider: "openai", APIBase: "https://llm.example.org/v1", APIKey: "k", SelectedModel: "m2", Models: []string{"m1", "m2"}}}}

	group := base()
	group.Project = ProjectInfo{ID: "projet-ml-team", Group: "ml-team", Password: "gpw"}
	group.S3Profiles = s3
	group.SecretsToken = "hvs.personal"
	group.HidePersonalInfoInGroups = true

	bare := base()
	bare.Project = ProjectInfo{ID: "user-jdoe"}
	bare.Region = &Region{ID: "bare"}
	bare.Settings = UserSettings{}
	return []contextCase{{"personal", personal}, {"group-hardened", group}, {"no-s3-no-vault", bare}}
}

func mustWrite(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
