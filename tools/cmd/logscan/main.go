// Command logscan scans the logs of a test run (the directory $BASALT_TEST_LOG_DIR named) for
// credentials: the test environment's secrets read from its env file, anything shaped like a
// token, and the canary values tests write as secrets (sdk/plugintest/logscan). It prints each
// finding without the credential and a one-line summary, and exits 1 when it finds any, or
// when there was nothing to scan.
//
//	logscan -env .cache/testenv/env -dir test-output/logs
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("logscan", flag.ContinueOnError)
	flags.SetOutput(stderr)
	envFile := flags.String("env", "", "the test environment's env file, whose secrets are looked for")
	dir := flags.String("dir", "", "the directory of logs to scan (required)")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *dir == "" {
		fmt.Fprintln(stderr, "logscan: -dir is required")
		return 2
	}
	var scan logscan.Scanner
	if *envFile != "" {
		env, err := testenv.Load(*envFile)
		if err != nil {
			fmt.Fprintln(stderr, "logscan:", err)
			return 2
		}
		addSecrets(&scan, env)
	}
	totals, findings, err := scan.ScanDir(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "logscan:", err)
		return 2
	}
	for _, f := range findings {
		fmt.Fprintln(stdout, f)
	}
	fmt.Fprintf(stdout, "logscan: %d files, %d bytes (%.1f MB), %d findings (%d known secrets, token shapes and canaries looked for)\n",
		totals.Files, totals.Bytes, float64(totals.Bytes)/1e6, len(findings), scan.Known())
	switch {
	case len(findings) > 0:
		return 1
	case totals.Bytes == 0:
		fmt.Fprintf(stdout, "logscan: nothing to scan in %s: did the tests run with %s set?\n", *dir, logscan.DirEnv)
		return 1
	}
	return 0
}

// addSecrets adds the test environment's secrets. Its users have no password (its login page
// takes a name), and its S3 static keys are MinIO's root keys.
func addSecrets(scan *logscan.Scanner, env *testenv.Env) {
	scan.Add("the test environment's Vault root token", env.VaultToken)
	scan.Add("the test environment's MinIO root secret key", env.S3SecretKey)
	scan.Add("the test environment's portal OIDC client secret", env.PortalClientSecret)
	scan.Add("the test environment's services OIDC client secret", env.ServicesClientSecret)
	scan.Add("the test environment's Kubernetes admin token", env.KubeToken)
}
