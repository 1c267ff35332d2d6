package main

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"desim/experiment"
	"desim/internal/progress"
)

func newReproduceCmd(e *env) *cobra.Command {
	var dur, gridDur string
	var quiet bool
	o := experiment.ReproduceOptions{Dir: filepath.Join("out", "reproduce"), Seeds: 1000}
	c := e.command("reproduce", "regenerate the paper's experiments and check its claims in one report",
		args(0, 0, "reproduce takes no arguments, only flags"),
		func(c *cobra.Command, a []string) error {
			ov, err := experiment.ParseOverrides("", dur)
			if err != nil {
				return err
			}
			if o.Duration = ov.Duration; o.Workers < 0 {
				return usagef("--workers %d: need at least 1 (or 0 for one per CPU)", o.Workers)
			}
			if gridDur != "" {
				if o.GridDuration, err = time.ParseDuration(gridDur); err != nil || o.GridDuration <= 0 {
					return usagef("--grid-duration %q is not a positive duration (Go syntax: 60s, 10m, 1h)", gridDur)
				}
			}
			runs, err := experiment.ReproduceRuns(o)
			if err != nil {
				return err
			}
			if !o.NoReal {
				if o.Launcher, err = experiment.SelfLauncher(); err != nil {
					return err
				}
			}
			o.Command = experiment.ReproduceCommand(o, dur, gridDur)
			if !quiet {
				o.Status = e.stderr
			}
			ctx, stop := signalContext()
			defer stop()
			progress, finish := progress.New(e.stderr, "sweep", int(min(runs, math.MaxInt32)), quiet)
			o.Progress = progress
			r, err := experiment.Reproduce(ctx, o)
			finish()
			if err != nil {
				if ctx.Err() != nil {
					return exitError{exitInterrupted, errors.New("interrupted; no report was written")}
				}
				return err
			}
			r.WriteSummary(e.stdout)
			fmt.Fprintf(e.stderr, "wrote %s\n", experiment.ReproduceWrote(o.Dir, r))
			if fs := r.Failures(); len(fs) > 0 {
				return exitError{exitFailure, fmt.Errorf("%s: see the report", strings.Join(fs, "; "))}
			}
			return nil
		})
	f := c.Flags()
	f.StringVar(&o.Dir, "out", o.Dir, "output directory")
	f.Uint64Var(&o.Seeds, "seeds", 1000, "seeds per scenario (1..N)")
	f.StringVar(&dur, "duration", "300s", "virtual time of every run (Go duration syntax)")
	f.Uint64Var(&o.GridSeeds, "grid-seeds", 0, "seeds per cell of the built-in grids (1..N; default: each grid's own, 200)")
	f.StringVar(&gridDur, "grid-duration", "", "virtual time of each grid run (default: each grid's own, 300s)")
	f.BoolVar(&o.NoReal, "no-real", false, "skip the real-socket validation")
	f.IntVar(&o.Workers, "workers", 0, "goroutines running seeds in parallel (default: one per CPU)")
	f.StringSliceVar(&o.Logs, "logs", nil, "a recorded run's `DIR` (machine-<i>.csv logs) to calibrate, validate and draw in the report; repeatable, or comma-separated")
	f.IntVar(&o.LogSeeds, "log-seeds", experiment.DefaultValidateSeeds, "simulated seeds of each recorded run's validations")
	f.BoolVar(&quiet, "quiet", false, "no progress display, print only where the report is")
	return c
}
