package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"desim/analysis"
	"desim/experiment"
	"desim/scenarios"
)

func newRunCmd(e *env) *cobra.Command {
	var seed, dur, out string
	var quiet, plot bool
	c := &cobra.Command{
		Use:     "run SCENARIO",
		Short:   "run a scenario and write its logs, summary and resolved scenario",
		Long:    help("run"),
		Example: examples("run"),
		Args:    args(1, 1, "need exactly one SCENARIO"),
		RunE: e.run(func(c *cobra.Command, a []string) error {
			s, err := loadScenario(a[0], seed, dur)
			if err != nil {
				return err
			}
			dir := out
			if dir == "" {
				dir = filepath.Join("out", fmt.Sprintf("%s-seed%d", s.Name, s.Seed))
			}
			ctx, stop := signalContext()
			defer stop()
			d := experiment.Dir(dir)
			sum, err := experiment.SimulateToDir(ctx, s, d)
			if err != nil {
				if ctx.Err() != nil {
					return exitError{exitInterrupted, errors.New("interrupted; no output was written")}
				}
				return err
			}
			if plot {
				if err := plotRun(d); err != nil {
					return err
				}
			}
			if !quiet {
				fmt.Fprintf(e.stdout, "%s, seed %d, %s of virtual time\n", s.Name, s.Seed, scenarios.FormatDuration(s.Duration))
				analysis.WriteTable(e.stdout, sum.Machines)
				fmt.Fprintf(e.stdout, "wrote %s\n", filepath.Join(dir, "{machine-*.csv,summary.json,scenario.yaml}"))
				if plot {
					fmt.Fprintf(e.stdout, "wrote %s\n", d.Figure())
				}
			}
			fmt.Fprintf(e.stdout, "replay: desim run %s\n", d.Scenario())
			return nil
		}),
	}
	f := c.Flags()
	f.StringVar(&seed, "seed", "", "random seed, an unsigned 64-bit integer (default: the scenario's seed)")
	f.StringVar(&dur, "duration", "", "virtual time to run, Go duration syntax such as 60s or 10m (default: the scenario's)")
	f.StringVar(&out, "out", "", "output directory (default: out/<name>-seed<N>)")
	f.BoolVar(&quiet, "quiet", false, "print only the replay command")
	f.BoolVar(&plot, "plot", false, "also draw the run's figure into DIR/figure.png (see \"desim plot\")")
	return c
}

// loadScenario loads a scenario by name or path with the --seed and
// --duration flags' values ("" keeps the scenario's). Every problem is a
// usage error.
func loadScenario(arg, seed, dur string) (*scenarios.Scenario, error) {
	var o experiment.Overrides
	if seed != "" {
		v, err := strconv.ParseUint(seed, 10, 64)
		if err != nil {
			return nil, usagef("--seed %q is not an unsigned 64-bit integer", seed)
		}
		o.Seed = &v
	}
	if dur != "" {
		d, err := time.ParseDuration(dur)
		if err != nil || d <= 0 {
			return nil, usagef("--duration %q is not a positive duration (Go syntax: 60s, 10m, 1h)", dur)
		}
		o.Duration = d
	}
	return experiment.Load(arg, o)
}
