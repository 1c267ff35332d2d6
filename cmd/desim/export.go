package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"desim/analysis/trace"
	"desim/experiment"
)

func newExportCmd(e *env) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:       "export perfetto|shiviz RUN",
		Short:     "export a traced run for Perfetto (chrome://tracing) or ShiViz",
		Long:      help("export"),
		Example:   examples("export"),
		Args:      args(2, 2, "need a FORMAT (perfetto or shiviz) and a RUN written by desim run --trace"),
		ValidArgs: []string{"perfetto", "shiviz"},
		RunE: e.run(func(c *cobra.Command, a []string) error {
			if _, ok := experiment.ExportFormats[a[0]]; !ok {
				return usagef("unknown format %q: want perfetto or shiviz", a[0])
			}
			tr, err := experiment.OpenTraced(a[1])
			if err != nil {
				return err
			}
			path, err := tr.WriteExport(a[0], out, e.stdout)
			if err != nil {
				return err
			}
			if path != "-" {
				fmt.Fprintf(e.stderr, "wrote %s\n", path)
			}
			if a[0] == "shiviz" {
				fmt.Fprintf(e.stderr, "ShiViz log parsing regular expression (its default):\n%s\n", trace.ShiVizRegexp)
			}
			return nil
		}),
	}
	c.Flags().StringVarP(&out, "output", "o", "", "output `FILE`, - for stdout (default run.json for perfetto, run.log for shiviz)")
	return c
}
