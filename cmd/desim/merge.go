package main

import (
	"github.com/spf13/cobra"

	"desim/analysis/stats"
	"desim/experiment"
)

func newMergeCmd(e *env) *cobra.Command {
	var asJSON, asCSV, wide bool
	var out, plot string
	c := e.command("merge SHARD.json...", "combine the shards of a sweep or a grid into its result",
		args(1, -1, "need the shard files to merge"),
		func(c *cobra.Command, a []string) error {
			if asJSON && asCSV {
				return usagef("--json and --csv exclude each other")
			}
			merged, err := experiment.MergeSweepFiles(a)
			if err != nil {
				return err
			}
			return writeResult(e, merged, experiment.ResultOptions{Out: out, Format: stats.FormatOf(asJSON, asCSV), Wide: wide, Plot: plot})
		})
	f := c.Flags()
	f.BoolVar(&asJSON, "json", false, "print JSON")
	f.BoolVar(&asCSV, "csv", false, "print CSV")
	f.BoolVar(&wide, "wide", false, "in the table, also sd, the extremes and their seeds")
	f.StringVarP(&out, "output", "o", "", "write the result to `FILE` (atomically) instead of stdout")
	f.StringVar(&plot, "plot", "", "for the shards of a grid, also draw its figure to `FILE` (.png, .svg or .pdf)")
	return c
}
