package cli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/basalt-dev/basalt/core/internal/pluginhost"
)

func newPlugins(stdout, stderr io.Writer) *cobra.Command {
	var flags configFlags
	cmd := &cobra.Command{
		Use:   "plugins",
		Short: "Start each configured plugin once and print what it is and whether it is healthy",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := flags.load()
			if err != nil {
				return err
			}
			log := newLogger(cfg.Log, stderr)
			host, err := pluginhost.New(cfg.Plugins, log, pluginhost.NewMetrics(nil))
			if err != nil {
				return fmt.Errorf("configuration:\n%w", err)
			}
			defer host.Close()
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
			defer cancel()
			startErr := host.Start(ctx)

			w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tKIND\tPLUGIN\tVERSION\tPROTOCOL\tHEALTH\tPATH")
			_, statuses := host.Ready()
			for _, s := range statuses {
				health := "ok"
				if !s.Running {
					health = "down: " + s.Error
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", s.Name, s.Kind, s.Plugin, s.Version, s.Protocol, health, s.Path)
			}
			if len(statuses) == 0 {
				fmt.Fprintln(w, "(no plugin is configured)")
			}
			w.Flush()
			if startErr != nil {
				return fmt.Errorf("plugins:\n%w", startErr)
			}
			return nil
		},
	}
	flags.add(cmd)
	return cmd
}
