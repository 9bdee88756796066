package s3_test

import (
	"testing"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk/plugintest"
)

// TestConformanceSTS runs the kit against the plugin binary, started as the core starts it,
// on MinIO with each user's STS credentials.
func TestConformanceSTS(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the test environment")
	}
	env := testenv.Require(t)
	alice, bob := caller(t, env, "alice"), caller(t, env, "bob")
	plugintest.TestStorage(t, func(t *testing.T) plugintest.StorageSetup {
		return plugintest.StorageSetup{Storage: spawn(t, stsConfig(env)), Connected: true, Caller: alice, Other: &bob}
	})
}

// TestConformanceStatic runs the kit with one account that may do everything (MinIO's
// root): isolation then rests on the plugin alone.
func TestConformanceStatic(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the test environment")
	}
	env := testenv.Require(t)
	alice, bob := caller(t, env, "alice"), caller(t, env, "bob")
	alice.IDToken, bob.IDToken = "", ""
	plugintest.TestStorage(t, func(t *testing.T) plugintest.StorageSetup {
		return plugintest.StorageSetup{Storage: inProcess(t, staticConfig(env)), Connected: true, Caller: alice, Other: &bob}
	})
}

// TestConformanceShared runs the kit on one shared bucket with a prefix per user.
func TestConformanceShared(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the test environment")
	}
	env := testenv.Require(t)
	sharedBucket(t, env)
	alice, bob := caller(t, env, "alice"), caller(t, env, "bob")
	plugintest.TestStorage(t, func(t *testing.T) plugintest.StorageSetup {
		return plugintest.StorageSetup{Storage: inProcess(t, sharedConfig(env)), Connected: true, Caller: alice, Other: &bob}
	})
}
