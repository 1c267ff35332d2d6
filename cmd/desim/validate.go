package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"desim/experiment"
	"desim/sim/realtime"
)

func newValidateCmd(e *env) *cobra.Command {
	var dur, seed string
	var power, logs bool
	var trials int
	o := experiment.ValidateOptions{Real: experiment.RealOptions{Speed: 10}, RealRuns: 1, Seeds: experiment.DefaultValidateSeeds}
	c := &cobra.Command{
		Use:     "validate SCENARIO | validate --logs RUN... SCENARIO",
		Short:   "compare real-socket runs with the simulator over many seeds",
		Long:    help("validate"),
		Example: examples("validate"),
		Args:    args(1, -1, "need a SCENARIO"),
		RunE: e.run(func(c *cobra.Command, a []string) error {
			if logs {
				return validateLogs(e, a, seed, o.Seeds)
			}
			if len(a) != 1 {
				return usagef("need exactly one SCENARIO (recorded runs go with --logs)")
			}
			s, err := loadScenario(a[0], seed, dur)
			if err != nil {
				return err
			}
			if o.Real.ConnectTimeout <= 0 {
				return usagef("--connect-timeout must be positive")
			}
			capped := false
			if dur == "" {
				s.Duration, capped = experiment.CapValidateDuration(s.Duration, o.Real.Speed)
			}
			if err := o.Check(s); err != nil {
				return err
			}
			ctx, stop := signalContext()
			defer stop()
			if power {
				rows, err := experiment.ValidatePower(ctx, s, o, trials, experiment.Alternatives(s))
				if err == nil {
					experiment.WritePower(e.stdout, s, o, rows)
				}
				return err
			}
			if o.Real.Launcher, err = experiment.SelfLauncher(); err != nil {
				return err
			}
			o.Real.Stderr = e.stderr
			o.RealRun = func(k int, seed uint64) {
				fmt.Fprintf(e.stderr, "real run %d of %d (seed %d): running, %s of wall time\n", k+1, o.RealRuns, seed, experiment.WallTime(s.Duration, o.Real.Speed))
			}
			o.WriteHeading(e.stdout, s, capped)
			v, err := experiment.Validate(ctx, s, o)
			if err != nil {
				return err
			}
			v.WriteText(e.stdout)
			if !v.Passed() {
				return exitError{code: exitFailure}
			}
			return nil
		}),
	}
	f := c.Flags()
	f.StringVar(&dur, "duration", "", "scenario time of every run, e.g. 120s (default: the scenario's, capped at speed × 60s)")
	f.Float64Var(&o.Real.Speed, "speed", 10, "speed of the real runs, scenario seconds per wall-clock second")
	f.IntVar(&o.Seeds, "seeds", experiment.DefaultValidateSeeds, "number of simulated seeds")
	f.BoolVar(&logs, "logs", false, "judge recorded runs instead of real ones: the arguments are RUN directories, then the SCENARIO")
	f.BoolVar(&power, "power", false, "no real runs: estimate by simulation how likely this validation is to reject a wrong model")
	f.IntVar(&trials, "trials", experiment.PowerTrials, "with --power, trials per alternative")
	f.IntVar(&o.RealRuns, "real-runs", 1, "number of real runs")
	f.StringVar(&seed, "seed", "", "first seed S (default: the scenario's)")
	f.StringVar(&o.Dir, "out", "", "also write real run k's logs and summary into DIR/real-<k> (default: not kept)")
	f.DurationVar(&o.Real.ConnectTimeout, "connect-timeout", realtime.DefaultConnectTimeout, "how long the machines may take to connect to each other")
	f.Var(&o.Real.Ticker, "ticker", "tick scheduling of the real runs: absolute or sleep (see \"desim real --help\")")
	return c
}
