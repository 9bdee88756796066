package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/chartcheck"
	"github.com/basalt-dev/basalt/core/internal/launch/schema"
	"github.com/basalt-dev/basalt/core/internal/pluginhost"
	"github.com/basalt-dev/basalt/sdk"
)

// newCatalog is `basalt catalog`, tools for catalog authors.
func newCatalog(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "catalog", Short: "Tools for catalog authors"}
	cmd.AddCommand(newCatalogCheck(stdout, stderr))
	return cmd
}

type catalogCheckFlags struct {
	plugin, schemas string
	options         string
	charts          []string
	plainHTTP       bool
	warnings        bool
}

// newCatalogCheck is `basalt catalog check <location>`: the catalog loaded by the Helm
// repository plugin as `basalt serve` would load it, then every chart version checked.
// What the catalog leaves out is reported too: skipped on purpose (a library chart, the
// catalog's filters and version selection) as a warning, a broken entry as an error.
// Exit status: 0 when nothing has an error (warnings are printed with --warnings), 1
// otherwise.
func newCatalogCheck(stdout, stderr io.Writer) *cobra.Command {
	var f catalogCheckFlags
	cmd := &cobra.Command{
		Use:   "check <directory|URL|oci://registry/path>",
		Short: "Load a Helm repository as Basalt would and report every chart version's problems",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd.Context(), args[0], stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.plugin, "plugin", "basalt-plugin-helmrepo", "the Helm repository plugin (beside basalt, on PATH, or a path)")
	fl.StringVar(&f.options, "options", "", "a YAML file with the catalog's options as in the configuration (excludedCharts, multipleServicesMode...); every version by default")
	fl.StringVar(&f.schemas, "schemas", "", "administrator schema directory for overwriteSchemaWith (role schemas under roles/<role>/)")
	fl.StringArrayVar(&f.charts, "chart", nil, "a chart to read from an OCI registry, which has no index (repeatable)")
	fl.BoolVar(&f.plainHTTP, "plain-http", false, "talk to an OCI registry over plain HTTP")
	fl.BoolVar(&f.warnings, "warnings", true, "print warnings too (a missing icon, README or schema)")
	return cmd
}

func (f *catalogCheckFlags) run(ctx context.Context, location string, stdout, stderr io.Writer) error {
	reg, err := schema.LoadDir(f.schemas)
	if err != nil {
		return err
	}
	checker, err := chartcheck.New(reg)
	if err != nil {
		return err
	}
	cache, err := os.MkdirTemp("", "basalt-catalog-check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(cache)
	if abs, err := filepath.Abs(location); err == nil {
		if _, statErr := os.Stat(location); statErr == nil {
			location = abs // the plugin runs in its own working directory
		}
	}
	entry := map[string]any{"multipleServicesMode": "all"}
	if f.options != "" {
		data, err := os.ReadFile(f.options)
		if err != nil {
			return err
		}
		if err := yaml.Unmarshal(data, &entry); err != nil {
			return fmt.Errorf("--options %s: %w", f.options, err)
		}
	}
	entry["id"], entry["location"], entry["status"], entry["plainHttp"] = "check", location, "PROD", f.plainHTTP
	if len(f.charts) > 0 {
		entry["charts"] = f.charts
	}
	plugins := map[string]config.Plugin{"check": {Kind: string(sdk.KindCatalog), Path: f.plugin,
		Config: map[string]any{"cacheDir": cache, "refreshInterval": "0s", "catalogs": []any{entry}}}}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	host, err := pluginhost.New(plugins, log, pluginhost.NewMetrics(nil))
	if err != nil {
		return err
	}
	defer host.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	if err := host.Start(ctx); err != nil {
		return err
	}
	cat, err := host.Catalog("check")
	if err != nil {
		return err
	}
	return f.report(ctx, cat, checker, location, stdout)
}

func (f *catalogCheckFlags) report(ctx context.Context, cat sdk.Catalog, checker *chartcheck.Checker, location string, stdout io.Writer) error {
	cats, err := cat.ListCatalogs(ctx, sdk.ListCatalogsRequest{})
	if err != nil {
		return err
	}
	if len(cats.Catalogs) != 1 {
		return fmt.Errorf("the plugin lists %d catalogs for %s", len(cats.Catalogs), location)
	}
	if e := cats.Catalogs[0].Error; e != "" {
		return exitError{1, fmt.Errorf("%s: %s", location, e)}
	}
	charts, err := cat.ListCharts(ctx, sdk.ListChartsRequest{CatalogID: "check", WithSkipped: true})
	if err != nil {
		return err
	}
	errs, warns, versions := 0, 0, 0
	broken := map[string]bool{} // charts with a version reported broken
	for _, s := range charts.Skipped {
		what := s.Chart
		if s.Version != "" {
			what += " " + s.Version
		}
		sev := chartcheck.Warning
		if s.Broken {
			sev = chartcheck.Error
			broken[s.Chart] = true
			errs++
		} else if warns++; !f.warnings {
			continue
		}
		fmt.Fprintf(stdout, "%s: %s: skipped: %s\n", what, sev, s.Reason)
	}
	for _, ch := range charts.Charts {
		if ch.Error != "" && !broken[ch.Name] {
			fmt.Fprintf(stdout, "%s: error: %s\n", ch.Name, ch.Error)
			errs++
		}
		for _, v := range ch.Versions {
			versions++
			resp, err := cat.GetChart(ctx, sdk.GetChartRequest{Chart: sdk.ChartRef{CatalogID: "check", Chart: ch.Name, Version: v.Version}})
			if err != nil {
				fmt.Fprintf(stdout, "%s %s: error: %v\n", ch.Name, v.Version, err)
				errs++
				continue
			}
			for _, p := range checker.Version(resp) {
				if p.Severity == chartcheck.Warning {
					warns++
					if !f.warnings {
						continue
					}
				} else {
					errs++
				}
				fmt.Fprintf(stdout, "%s %s: %s: %s\n", ch.Name, v.Version, p.Severity, p.Message)
			}
		}
	}
	fmt.Fprintf(stdout, "%d charts, %d versions: %d errors, %d warnings\n", len(charts.Charts), versions, errs, warns)
	if errs > 0 {
		return exitError{1, errors.New("the catalog has errors")}
	}
	return nil
}
