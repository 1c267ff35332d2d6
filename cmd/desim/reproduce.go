package main

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"desim/analysis/report"
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
			failed := 0
			for _, v := range r.Validation {
				fmt.Fprintf(e.stdout, "real sockets vs simulator, %s: %s\n", v.Scenario, v.Verdict)
				if v.Verdict == report.ValidationFailed {
					failed++
				}
			}
			fmt.Fprintf(e.stderr, "wrote %s\n", filepath.Join(o.Dir, "{REPORT.md,REPORT.html,report.json,figures/}"))
			if failed > 0 {
				return exitError{exitFailure, fmt.Errorf("the simulator FAILED its validation against real sockets on %d scenario(s): see the report", failed)}
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
	f.BoolVar(&quiet, "quiet", false, "no progress display, print only where the report is")
	return c
}
