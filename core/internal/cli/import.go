package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/basalt-dev/basalt/core/internal/onyxiaimport"
)

func newImport(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "import", Short: "Convert another platform's configuration into Basalt's"}
	cmd.AddCommand(newImportOnyxia(stdout, stderr))
	return cmd
}

func newImportOnyxia(stdout, stderr io.Writer) *cobra.Command {
	var regions, catalogs, values, out string
	cmd := &cobra.Command{
		Use:   "onyxia --regions regions.json --catalogs catalogs.json [--values values.yaml] [--out basalt.yaml]",
		Short: "Write a Basalt configuration from an Onyxia instance's regions, catalogs and chart values",
		Long: "Keeps every catalog option, region field and theme setting that has an equivalent in Basalt,\n" +
			"writes region launch settings beside the configuration (region-<id>.yaml), and lists on\n" +
			"stderr each setting that has none.",
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			in := onyxiaimport.Input{SettingsDir: filepath.Dir(out)}
			for _, f := range []struct {
				path string
				dst  *[]byte
			}{{regions, &in.Regions}, {catalogs, &in.Catalogs}, {values, &in.Values}} {
				if f.path == "" {
					continue
				}
				b, err := os.ReadFile(f.path)
				if err != nil {
					return err
				}
				*f.dst = b
			}
			res, err := onyxiaimport.Convert(in)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(out, res.Config, 0o600); err != nil {
				return err
			}
			for name, body := range res.Settings {
				if err := os.WriteFile(filepath.Join(filepath.Dir(out), name), body, 0o600); err != nil {
					return err
				}
			}
			fmt.Fprintf(stdout, "wrote %s and %d region settings file(s)\n", out, len(res.Settings))
			for _, n := range res.Notes {
				fmt.Fprintln(stderr, "note:", n)
			}
			if len(res.Unmapped) > 0 {
				fmt.Fprintf(stderr, "%d Onyxia setting(s) have no Basalt equivalent:\n", len(res.Unmapped))
			}
			for _, u := range res.Unmapped {
				fmt.Fprintln(stderr, "  no equivalent:", u)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&regions, "regions", "", "Onyxia's regions JSON ({\"regions\": [...]}); default: api.regions of --values")
	cmd.Flags().StringVar(&catalogs, "catalogs", "", "Onyxia's catalogs JSON ({\"catalogs\": [...]}); default: api.catalogs of --values")
	cmd.Flags().StringVar(&values, "values", "", "the Onyxia Helm chart's values.yaml (web.env theme, api.env authentication, ingress)")
	cmd.Flags().StringVarP(&out, "out", "o", "basalt.yaml", "the configuration file to write; region settings go beside it")
	return cmd
}
