package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"desim/experiment"
	"desim/sim/realtime"
)

func newRealCmd(e *env) *cobra.Command {
	var seed, dur, out string
	var quiet bool
	opt := experiment.RealOptions{Speed: 1}
	c := e.command("real SCENARIO", "run a scenario for real: one process per machine, TCP and the wall clock",
		args(1, 1, "need exactly one SCENARIO"),
		func(c *cobra.Command, a []string) error {
			s, err := loadScenario(a[0], seed, dur)
			if err != nil {
				return err
			}
			if err := opt.Check(s); err != nil {
				return err
			}
			if opt.ConnectTimeout <= 0 {
				return usagef("--connect-timeout must be positive")
			}
			d := experiment.Dir(out)
			if out == "" {
				d = experiment.DefaultRealDir(s)
			}
			launcher, err := experiment.SelfLauncher()
			if err != nil {
				return err
			}
			opt.Launcher, opt.Stderr = launcher, e.stderr
			opt.Started = func(pids []int) {
				if !quiet {
					fmt.Fprintln(e.stderr, experiment.RealStarted(pids, s, opt.Speed))
				}
			}
			ctx, stop := signalContext()
			defer stop()
			res, err := experiment.RealToDir(ctx, s, opt, d)
			if err != nil {
				return err
			}
			if !quiet {
				experiment.WriteRealResult(e.stdout, s, opt, res)
				fmt.Fprintf(e.stderr, "wrote %s\n", d.Wrote(false))
				fmt.Fprintf(e.stderr, "simulate the same scenario and seed: %s\n", command("run", d.Scenario()))
			}
			fmt.Fprintf(e.stderr, "replay: %s\n", command(experiment.RealReplay(d, opt)...))
			if err := res.Err(); err != nil {
				return fmt.Errorf("%w; %s holds every machine's log up to its last completed tick and the summary of what ran", err, d)
			}
			return nil
		})
	f := c.Flags()
	f.StringVar(&seed, "seed", "", "random seed, an unsigned 64-bit integer (default: the scenario's seed)")
	f.StringVar(&dur, "duration", "", "scenario time to run, e.g. 60s (default: the scenario's)")
	f.Float64Var(&opt.Speed, "speed", 1, "scenario seconds per wall-clock second")
	f.StringVar(&out, "out", "", "output directory (default: out/<name>-real-seed<N>)")
	f.DurationVar(&opt.ConnectTimeout, "connect-timeout", realtime.DefaultConnectTimeout, "how long the machines may take to connect to each other")
	f.Var(&opt.Ticker, "ticker", "tick scheduling: absolute (on the nominal schedule) or sleep (a period after each tick's work, as the original)")
	f.BoolVar(&quiet, "quiet", false, "print only the replay command")
	return c
}
