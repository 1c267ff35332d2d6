package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"desim/analysis"
	"desim/experiment"
	"desim/internal/buildinfo"
	"desim/internal/shell"
	"desim/scenarios"
)

func newRunCmd(e *env) *cobra.Command {
	var seed, dur, out string
	var quiet, plot, asJSON, force, traced bool
	c := e.command("run SCENARIO", "run a scenario and write its logs, summary and resolved scenario",
		args(1, 1, "need exactly one SCENARIO"),
		func(c *cobra.Command, a []string) error {
			s, err := loadScenario(a[0], seed, dur)
			if err != nil {
				return err
			}
			d := experiment.Dir(out)
			if out == "" {
				d = experiment.DefaultRunDir(s, dur != "")
			}
			ctx, stop := signalContext()
			defer stop()
			sum, err := experiment.SimulateToDirTraced(ctx, s, d, traced, experiment.WriteOptions{Force: force,
				Warn: func(w string) { fmt.Fprintf(e.stderr, "desim run: warning: %s\n", w) }})
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
			// Results on stdout; what was written and how to replay it on
			// stderr.
			if asJSON {
				if _, err := e.stdout.Write(sum.Marshal()); err != nil {
					return err
				}
			} else if !quiet {
				fmt.Fprintf(e.stdout, "%s, seed %d, %s of virtual time\n", s.Name, s.Seed, scenarios.FormatDuration(s.Duration))
				analysis.WriteTable(e.stdout, sum.Machines)
			}
			if !quiet {
				fmt.Fprintf(e.stderr, "wrote %s\n", d.Wrote(traced))
				if plot {
					fmt.Fprintf(e.stderr, "wrote %s\n", d.Figure())
				}
			}
			fmt.Fprintf(e.stderr, "replay: %s\n", command("run", d.Scenario()))
			return nil
		})
	f := c.Flags()
	f.StringVar(&seed, "seed", "", "random seed, an unsigned 64-bit integer (default: the scenario's seed)")
	f.StringVar(&dur, "duration", "", "virtual time to run, Go duration syntax such as 60s or 10m (default: the scenario's)")
	f.StringVar(&out, "out", "", "output directory (default: out/<name>-seed<N>, with -<duration> appended when --duration is given)")
	f.BoolVar(&force, "force", false, "write the run even when its estimated size exceeds the free space on DIR's file system")
	f.BoolVar(&asJSON, "json", false, "print the run's summary.json on stdout instead of the table")
	f.BoolVar(&quiet, "quiet", false, "print only the replay command (on stderr)")
	f.BoolVar(&plot, "plot", false, "also draw the run's figure into DIR/figure.png (see \"desim plot\")")
	f.BoolVar(&traced, "trace", false, "also write DIR/messages.csv, every message's send, queue entry and receive (see \"desim spacetime\")")
	return c
}

// loadScenario loads a scenario by name or path with the --seed and
// --duration flags' values ("" keeps the scenario's).
func loadScenario(arg, seed, dur string) (*scenarios.Scenario, error) {
	o, err := experiment.ParseOverrides(seed, dur)
	if err != nil {
		return nil, err
	}
	return experiment.Load(arg, o)
}

// command returns the command line that runs this desim with args, quoted
// for a POSIX shell.
func command(args ...string) string {
	return shell.Join(append([]string{buildinfo.Command()}, args...))
}
