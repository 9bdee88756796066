package action

import (
	"context"
	"testing"

	"github.com/basalt-dev/basalt/core/internal/launch"
	"github.com/basalt-dev/basalt/core/internal/launch/values"
)

const sharedCatalog = "../../../../../shared/catalogs/interactive"

func loadChart(t *testing.T, file string) *launch.Chart {
	t.Helper()
	ch, err := launch.LoadChart(sharedCatalog + "/" + file)
	if err != nil {
		t.Fatalf("Onyxia's charts are read from ../shared beside the repository: %v", err)
	}
	return ch
}

func aliceContext(accessKey, password, subdomain string) *launch.Context {
	return launch.NewContext(launch.ContextInput{
		User:    launch.UserInfo{Username: "alice", Email: "alice@example.org"},
		Project: launch.ProjectInfo{ID: "user-alice"},
		S3Profiles: []launch.S3Profile{{Name: "default", URL: "http://minio.test", Region: "us-east-1",
			AccessKeyID: accessKey, SecretAccessKey: accessKey + "-secret", Personal: true}},
		OneTimePassword: password, RandomSubdomain: subdomain,
	})
}

func get(t *testing.T, m map[string]any, path string) any {
	t.Helper()
	p, err := values.ParsePath(path)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := values.Get(m, p)
	return v
}

// TestUpgradeCarriesTheUsersValues upgrades Onyxia's jupyter-python 2.1.11 to 2.5.2 the way
// a change does: what the user set stays, what the platform chose at launch (the password,
// the hostnames) stays, the credentials are renewed, and the new version's own defaults
// (its image) replace the old ones the user never touched.
func TestUpgradeCarriesTheUsersValues(t *testing.T) {
	planner, err := launch.NewPlanner(nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	old, next := loadChart(t, "jupyter-python-2.1.11.tgz"), loadChart(t, "jupyter-python-2.5.2.tgz")

	launched, err := planner.PlanContext(ctx, launch.Request{Chart: old, Context: aliceContext("AKIA-LAUNCH", "pw-at-launch", "424242"),
		Values: []map[string]any{{"resources": map[string]any{"requests": map[string]any{"cpu": "1500m"}}, "init": map[string]any{"personalInit": "https://example.org/init.sh"}}}})
	if err != nil {
		t.Fatal(err)
	}
	current := launched.Values

	// Days later: new credentials, and a context that would draw a new password and subdomain.
	today := aliceContext("AKIA-TODAY", "", "424242")
	probe := *today
	probe.Service.OneTimePassword = "probe-0123456789"
	probed, err := planner.Prefill(ctx, launch.Request{Chart: old, Context: &probe})
	if err != nil {
		t.Fatal(err)
	}
	password, ok := valueSeeded(probed.Prefilled, current, probe.Service.OneTimePassword)
	if !ok || password != "pw-at-launch" {
		t.Fatalf("the service's own password: %q %v, want pw-at-launch", password, ok)
	}
	today.Service.OneTimePassword = password

	oldPrefilled, err := planner.Prefill(ctx, launch.Request{Chart: old, Context: today})
	if err != nil {
		t.Fatal(err)
	}
	newPrefilled, err := planner.Prefill(ctx, launch.Request{Chart: next, Context: today})
	if err != nil {
		t.Fatal(err)
	}
	carried, dropped := carryOver(oldPrefilled.Prefilled, current, newPrefilled.Prefilled, renewedPaths(oldPrefilled.Schema, renewBoth))
	if len(dropped) != 0 {
		t.Errorf("dropped %v", dropped)
	}
	for path, want := range map[string]any{
		"resources.requests.cpu": "1500m", "init.personalInit": "https://example.org/init.sh", // the user's
		"security.password":     "pw-at-launch",                               // the platform's, at launch
		"s3.accessKeyId":        "AKIA-TODAY",                                 // renewed
		"service.image.version": "inseefrlab/onyxia-jupyter-python:py3.13.13", // the new version's default
	} {
		if got := get(t, carried, path); got != want {
			t.Errorf("%s: %v, want %v", path, got, want)
		}
	}
	if got := get(t, carried, "s3.configMapName"); got != nil {
		t.Errorf("a value only the old version has is gone with it: s3.configMapName = %v", got)
	}

	// The upgrade then plans with the carried values as its base: they pass the new schema.
	if _, err := planner.PlanContext(ctx, launch.Request{Chart: next, Context: today, Base: carried}); err != nil {
		t.Fatalf("the carried values must be valid for the new version: %v", err)
	}
}

// TestReconfigureRenewsOnlyCredentials: a change within the same version keeps every value
// but those filled from the credentials the context renews.
func TestReconfigureRenewsOnlyCredentials(t *testing.T) {
	planner, err := launch.NewPlanner(nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	chart := loadChart(t, "jupyter-python-2.5.2.tgz")
	launched, err := planner.PlanContext(ctx, launch.Request{Chart: chart, Context: aliceContext("AKIA-LAUNCH", "pw", "111111"),
		Values: []map[string]any{{"persistence": map[string]any{"size": "20Gi"}}}})
	if err != nil {
		t.Fatal(err)
	}
	today, err := planner.Prefill(ctx, launch.Request{Chart: chart, Context: aliceContext("AKIA-TODAY", "pw", "111111")})
	if err != nil {
		t.Fatal(err)
	}
	carried, _ := carryOver(today.Prefilled, launched.Values, today.Prefilled, renewedPaths(today.Schema, renewBoth))
	changes := values.Diff(launched.Values, carried)
	for _, c := range changes {
		if !hasPrefix(c.Path, values.Path{"s3"}) {
			t.Errorf("a reconfigure changed %s, which no credential fills", c.Path)
		}
	}
	if len(changes) == 0 || get(t, carried, "persistence.size") != "20Gi" {
		t.Errorf("credentials renewed and the user's size kept: %d changes, size %v", len(changes), get(t, carried, "persistence.size"))
	}
}
