package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"desim/experiment"
)

func newSpacetimeCmd(e *env) *cobra.Command {
	var out string
	var f experiment.SpacetimeFlags
	c := e.command("spacetime RUN", "draw the space-time (Lamport) diagram of a window of a traced run",
		args(1, 1, "need a RUN: a run directory written by desim run --trace"),
		func(c *cobra.Command, a []string) error {
			tr, err := experiment.OpenTraced(a[0])
			if err != nil {
				return err
			}
			if err := tr.DrawSpacetime(out, f); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "wrote %s\n", out)
			return nil
		})
	fl := c.Flags()
	fl.StringVar(&f.From, "from", "", "start `T` of the window: seconds (2.5) or a duration (1m30s) (default 0)")
	fl.StringVar(&f.To, "to", "", "end `T` of the window (default 10 s after --from, or just after the 300th tick if sooner)")
	fl.StringVar(&f.Machines, "machines", "", "the machines to draw, top to bottom, as a `LIST` such as 2,0 (default all)")
	fl.StringVarP(&out, "output", "o", "spacetime.png", "output `FILE`: .png, .svg or .pdf")
	return c
}
