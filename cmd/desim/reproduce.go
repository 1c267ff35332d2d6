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
	"desim/internal/shell"
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
			o.Command = fmt.Sprintf("desim reproduce --seeds %d --duration %s", o.Seeds, dur)
			if o.GridSeeds > 0 {
				o.Command += fmt.Sprintf(" --grid-seeds %d", o.GridSeeds)
			}
			if gridDur != "" {
				o.Command += " --grid-duration " + gridDur
			}
			if o.NoReal {
				o.Command += " --no-real"
			}
			for _, l := range o.Logs {
				o.Command += " " + shell.Join([]string{"--logs", l})
			}
			if o.LogSeeds != experiment.DefaultValidateSeeds {
				o.Command += fmt.Sprintf(" --log-seeds %d", o.LogSeeds)
			}
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
			for _, cl := range r.Claims {
				fmt.Fprintf(e.stdout, "claim %-2s  %-12s %s\n", cl.ID, strings.ToUpper(string(cl.Verdict)), cl.Claim)
			}
			for _, v := range r.Validation {
				fmt.Fprintf(e.stdout, "real sockets vs simulator, %s: %s\n", v.Scenario, v.Verdict)
			}
			for _, l := range r.Logs {
				builtin := "no built-in of its rates and die"
				if b := l.Builtin; b != nil {
					builtin = fmt.Sprintf("plain built-in %s %s (expected without a timing model)", b.Scenario, b.Verdict)
					if b.Passed {
						builtin = fmt.Sprintf("plain built-in %s %s", b.Scenario, b.Verdict)
					}
				}
				fmt.Fprintf(e.stdout, "recorded run %s: calibrated %s, %s\n", l.Run, l.Validation.Verdict, builtin)
			}
			files := "{REPORT.md,REPORT.html,report.json,figures/}"
			if len(r.Logs) > 0 {
				files = "{REPORT.md,REPORT.html,report.json,figures/,calibrated/}"
			}
			fmt.Fprintf(e.stderr, "wrote %s\n", filepath.Join(o.Dir, files))
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
