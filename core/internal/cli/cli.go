// Package cli is the basalt command line: serve, version, plugins.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/buildinfo"
)

// Main runs the command line with args and returns the process's exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(context.Background()); err != nil {
		printError(stderr, err)
		var ee exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		return 1
	}
	return 0
}

type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// printError writes each joined error on its own line, so that every configuration key at
// fault is visible at once.
func printError(w io.Writer, err error) {
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintln(w, "basalt:", line)
	}
}

// configFlags are the flags every command that reads the configuration shares.
type configFlags struct {
	file string
	sets []string
}

func (f *configFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.file, "config", "c", "", "YAML configuration file (over the embedded defaults)")
	cmd.Flags().StringArrayVar(&f.sets, "set", nil, "override one key, e.g. --set server.address=127.0.0.1:9090 (repeatable)")
}

func (f *configFlags) load() (*config.Config, error) {
	cfg, err := config.Load(config.Sources{File: f.file, Environ: os.Environ(), Sets: f.sets})
	if err != nil {
		return nil, fmt.Errorf("configuration:\n%w", err)
	}
	return cfg, nil
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "basalt",
		Short:         "Basalt, a self-hosted cloud workbench for data scientists",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newServe(stderr), newVersion(stdout), newPlugins(stdout, stderr), newRender(stdout, stderr), newImport(stdout, stderr), newCatalog(stdout, stderr))
	return root
}

func newVersion(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(*cobra.Command, []string) {
			fmt.Fprintf(stdout, "basalt %s (commit %s)\n", buildinfo.Version, buildinfo.Commit)
		},
	}
}

func newLogger(cfg config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level)) // validated with the configuration
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
