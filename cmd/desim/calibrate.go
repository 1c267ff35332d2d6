package main

import (
	"time"

	"github.com/spf13/cobra"

	"desim/analysis/calibrate"
	"desim/experiment"
)

func newCalibrateCmd(e *env) *cobra.Command {
	var out, rates, name string
	var maxOver time.Duration
	c := e.command("calibrate RUN...", "estimate a scenario, with its timing model, from recorded runs of one configuration",
		args(1, -1, "need at least one RUN (a directory of machine-<i>.csv logs)"),
		func(c *cobra.Command, a []string) error {
			opt := calibrate.Options{MaxOvershoot: maxOver}
			if maxOver < 0 {
				return usagef("--max-overshoot %s: need a positive duration", maxOver)
			}
			var err error
			if opt.Rates, err = experiment.ParseRates(rates); err != nil {
				return err
			}
			est, err := experiment.Calibrate(a, opt)
			if err != nil {
				return err
			}
			if name == "" {
				name = "calibrated"
			}
			return experiment.WriteOutput(e.stdout, out, est.YAML(name))
		})
	f := c.Flags()
	f.StringVarP(&out, "output", "o", "", "write the scenario to `FILE` (atomically) instead of stdout")
	f.StringVar(&rates, "rates", "", "the machines' nominal rates, comma-separated (default: estimated, see --help)")
	f.DurationVar(&maxOver, "max-overshoot", calibrate.DefaultMaxOvershoot, "the largest mean lateness per tick the rate rule accepts")
	f.StringVar(&name, "name", "", "the scenario's name (default: calibrated)")
	return c
}

// validateLogs is "desim validate --logs RUN... SCENARIO": the recorded
// runs judged against seeds simulated runs of the scenario.
func validateLogs(e *env, a []string, seed string, seeds int) error {
	if len(a) < 2 {
		return usagef("--logs: need the recorded RUN directories, then the SCENARIO")
	}
	s, err := loadScenario(a[len(a)-1], seed, "")
	if err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	v, err := experiment.ValidateLogs(ctx, a[:len(a)-1], s, seeds)
	if err != nil {
		return err
	}
	v.WriteText(e.stdout)
	if !v.Passed() {
		return exitError{code: exitFailure}
	}
	return nil
}
