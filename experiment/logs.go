package experiment

import (
	"context"
	"errors"
	"fmt"

	"desim/analysis"
	"desim/analysis/calibrate"
	"desim/analysis/stats"
	"desim/scenarios"
	"desim/sim"
)

// ReadLogs reads recorded runs, one run directory each (desim's logs, or
// the original Python implementation's machine-<i>.csv files): see
// ReadRun. Bad logs are bad input naming the file and line.
func ReadLogs(runs []string) ([]*analysis.Log, error) {
	if len(runs) == 0 {
		return nil, Inputf("no recorded run given")
	}
	out := make([]*analysis.Log, len(runs))
	for i, r := range runs {
		rec, err := ReadRun(r)
		if err != nil {
			return nil, err
		}
		out[i] = rec.Log
	}
	return out, nil
}

// Calibrate estimates a scenario from recorded runs of one configuration
// (see calibrate.Fit): rates, overshoots, start offsets, the die and the
// duration. Logs that do not fit (too few ticks, times going back, runs of
// different configurations, no sends to estimate the die from) are bad
// input naming the file and, where one line is at fault, the line.
func Calibrate(runs []string, opt calibrate.Options) (*calibrate.Estimate, error) {
	logs, err := ReadLogs(runs)
	if err != nil {
		return nil, err
	}
	e, err := calibrate.Fit(logs, opt)
	if err != nil {
		return nil, Input(err)
	}
	return e, nil
}

// LogsValidation is the result of ValidateLogs.
type LogsValidation struct {
	// Scenario is the scenario as simulated: the duration is the recorded
	// runs'.
	Scenario *scenarios.Scenario
	// Runs names the recorded runs, in order.
	Runs []string
	// SimSeeds are the simulated runs' seeds.
	SimSeeds stats.SeedRange
	// Result holds the comparisons and decides, as for real runs.
	Result *stats.Validation
}

// Passed reports whether the recorded runs are consistent with the
// scenario.
func (v *LogsValidation) Passed() bool { return v.Result.Passed() }

// ValidateLogs judges recorded runs, of any implementation, against seeds
// simulated runs of s (seeds s.Seed .. s.Seed+seeds-1) over the recorded
// runs' own duration (calibrate.Duration at s's rates, which replaces s's):
// every machine's metrics of summary.json, with the statistics of a
// real-socket validation (stats.Validation: p-values among the simulated
// runs, pooled over the recorded runs with Stouffer's method, Holm's
// procedure at the family-wise error rate stats.FamilyAlpha). Each
// recorded run must have s's number of machines.
func ValidateLogs(ctx context.Context, runs []string, s *scenarios.Scenario, seeds int) (*LogsValidation, error) {
	logs, err := ReadLogs(runs)
	if err != nil {
		return nil, err
	}
	return ValidateRecorded(ctx, runs, logs, s, seeds)
}

// ValidateRecorded is ValidateLogs on runs already read: logs[k] is the
// run named names[k].
func ValidateRecorded(ctx context.Context, names []string, logs []*analysis.Log, s *scenarios.Scenario, seeds int) (*LogsValidation, error) {
	if seeds < 2 || seeds > 1_000_000 {
		return nil, Inputf("%d simulated seeds is not in 2..1000000", seeds)
	}
	rates := make([]sim.Rate, len(s.Machines))
	for i, m := range s.Machines {
		rates[i] = m.Rate
	}
	for k, l := range logs {
		if len(l.Machines) != len(s.Machines) {
			return nil, Inputf("%s: %d machines, but scenario %s has %d", names[k], len(l.Machines), s.Name, len(s.Machines))
		}
	}
	d, err := calibrate.Duration(logs, rates)
	if err != nil {
		return nil, Input(err)
	}
	sc := *s
	sc.Duration = d
	if err := sc.Check(); err != nil {
		return nil, Inputf("scenario %s over the recorded runs' %s: %w", s.Name, scenarios.FormatDuration(d), err)
	}
	if sc.Seed > ^uint64(0)-uint64(seeds) {
		return nil, Inputf("seed %d is too large for %d runs", sc.Seed, seeds)
	}
	eff := sc.EffectiveRates()
	real := make([][]analysis.MachineMetrics, len(logs))
	for k, l := range logs {
		real[k] = l.Metrics(eff)
	}
	v := &LogsValidation{Scenario: &sc, Runs: names, SimSeeds: stats.SeedRange{From: sc.Seed, To: sc.Seed + uint64(seeds) - 1}}
	simulated, err := simulateSeeds(ctx, &sc, v.SimSeeds)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, fmt.Errorf("simulating %s: %w", sc.Name, err)
	}
	v.Result = &stats.Validation{Seeds: seeds, Fastest: maxOf(eff), Comparisons: stats.Compare(real, nil, simulated, eff)}
	return v, nil
}

func maxOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs[1:] {
		m = max(m, x)
	}
	return m
}
