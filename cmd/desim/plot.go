package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"desim/analysis/figure"
	"desim/experiment"
)

func newPlotCmd(e *env) *cobra.Command {
	var out string
	c := e.command("plot RUN...", "draw a run's figure: logical clocks and queue lengths against time",
		args(1, -1, "need a RUN: a run directory or a list of log files"),
		func(c *cobra.Command, a []string) error {
			path := out
			if path == "" {
				path = "figure.png"
				if len(a) == 1 {
					if st, err := os.Stat(a[0]); err == nil && st.IsDir() {
						path = experiment.Dir(a[0]).Figure()
					}
				}
			}
			if _, err := figure.FigureFormat(path); err != nil {
				return experiment.Input(err)
			}
			r, err := experiment.StreamRun(a...)
			if err != nil {
				return err
			}
			if err := experiment.WriteFigure(path, r.Figure()); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "wrote %s\n", path)
			return nil
		})
	c.Flags().StringVarP(&out, "output", "o", "", "output `FILE`: .png, .svg or .pdf (default RUN/figure.png for a directory, figure.png for files)")
	return c
}

// plotRun draws the figure of the run just written into dir.
func plotRun(dir experiment.Dir) error { return dir.Plot() }
