package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"desim/experiment"
)

func newPlotCmd(e *env) *cobra.Command {
	var out string
	var pf experiment.PlotFlags
	c := e.command("plot RUN...", "draw a run's figure: logical clocks and queue lengths against time",
		args(1, -1, "need a RUN: a run directory or a list of log files"),
		func(c *cobra.Command, a []string) error {
			path, err := experiment.FigurePath(out, a)
			if err != nil {
				return err
			}
			r, err := experiment.StreamRun(a...)
			if err != nil {
				return err
			}
			fig, err := r.FigureWith(pf)
			if err != nil {
				return err
			}
			if err := experiment.WriteFigure(path, fig); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "wrote %s\n", path)
			return nil
		})
	fl := c.Flags()
	fl.StringVar(&pf.Panels, "panels", "clock,queue", "the panels, left to right: a `LIST` of clock, queue and lag (fastest rate × t − clock)")
	fl.StringVar(&pf.From, "from", "", "start `T` of the time axis: seconds (2.5) or a duration (1m30s) (default 0)")
	fl.StringVar(&pf.To, "to", "", "end `T` of the time axis (default the run's end)")
	fl.BoolVar(&pf.Theory, "theory", false, "overlay each machine's predicted clock and queue lines, dashed (needs RUN/scenario.yaml)")
	fl.StringVarP(&out, "output", "o", "", "output `FILE`: .png, .svg or .pdf (default RUN/figure.png for a directory, figure.png for files)")
	return c
}

// plotRun draws the figure of the run just written into dir.
func plotRun(dir experiment.Dir) error { return dir.Plot() }
