package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"desim/experiment"
	"desim/scenarios"
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
			dir := out
			if dir == "" {
				dir = filepath.Join("out", fmt.Sprintf("%s-real-seed%d", s.Name, s.Seed))
			}
			launcher, err := experiment.SelfLauncher()
			if err != nil {
				return err
			}
			opt.Launcher, opt.Stderr = launcher, e.stderr
			opt.Started = func(pids []int) {
				if !quiet {
					fmt.Fprintf(e.stderr, "started %d machines (pids %s) at speed %s: %s of scenario time in %s of wall time\n",
						len(pids), strings.Trim(strings.ReplaceAll(fmt.Sprint(pids), " ", ", "), "[]"), experiment.FormatSpeed(opt.Speed), scenarios.FormatDuration(s.Duration), experiment.WallTime(s.Duration, opt.Speed))
				}
			}
			ctx, stop := signalContext()
			defer stop()
			d := experiment.Dir(dir)
			res, err := experiment.RealToDir(ctx, s, opt, d)
			if err != nil {
				return err
			}
			speed := experiment.FormatSpeed(opt.Speed)
			mode, replay := "real mode at speed "+speed, []string{"real", d.Scenario(), "--speed", speed}
			if opt.Ticker != realtime.TickerAbsolute {
				mode += ", " + opt.Ticker.String() + " ticker"
				replay = append(replay, "--ticker", opt.Ticker.String())
			}
			if !quiet {
				how := fmt.Sprintf("%s of scenario time", scenarios.FormatDuration(s.Duration))
				if res.Summary.DurationS < s.Duration.Seconds() {
					how = fmt.Sprintf("stopped after %.1fs of the %s", res.Summary.DurationS, how)
				}
				fmt.Fprintf(e.stdout, "%s, seed %d, %s, %s\n", s.Name, s.Seed, how, mode)
				res.Summary.WriteTable(e.stdout)
				fmt.Fprintf(e.stderr, "wrote %s\n", filepath.Join(dir, "{machine-*.csv,summary.json,scenario.yaml}"))
				fmt.Fprintf(e.stderr, "simulate the same scenario and seed: %s\n", command("run", d.Scenario()))
			}
			fmt.Fprintf(e.stderr, "replay: %s\n", command(replay...))
			if err := res.Err(); err != nil {
				return fmt.Errorf("%w; %s holds every machine's log up to its last completed tick and the summary of what ran", err, dir)
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
