package experiment

import (
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"time"

	"desim/analysis"
	"desim/analysis/stats"
	"desim/scenarios"
)

// ValidateOptions are the settings of a validation against real sockets.
type ValidateOptions struct {
	// Real are the real runs' settings.
	Real RealOptions
	// RealRuns is the number of real runs (K ≥ 1) and Seeds the number of
	// simulated ones (N ≥ 2).
	RealRuns, Seeds int
	// Dir, if not "", keeps real run k's logs and summary in
	// Dir/real-<k>.
	Dir string
	// RealRun, if set, is called when real run k (0-based) with the given
	// seed is running.
	RealRun func(k int, seed uint64)
}

// Validation is the result of Validate.
type Validation struct {
	Scenario *scenarios.Scenario
	// RealSeeds are the real runs' seeds, S..S+K-1; SimSeeds the
	// simulated runs', S+K..S+K+N-1.
	RealSeeds, SimSeeds stats.SeedRange
	// Result holds the comparisons and decides.
	Result *stats.Validation
}

// Passed reports whether every real value lies in its simulated band.
func (v *Validation) Passed() bool { return v.Result.Passed() }

// Check reports whether the options can validate s (bad input otherwise).
func (o *ValidateOptions) Check(s *scenarios.Scenario) error {
	if o.Seeds < 2 || o.Seeds > 1_000_000 {
		return Inputf("%d simulated seeds is not in 2..1000000", o.Seeds)
	}
	if o.RealRuns < 1 || o.RealRuns > 1000 {
		return Inputf("%d real runs is not in 1..1000", o.RealRuns)
	}
	if s.Seed > math.MaxUint64-uint64(o.RealRuns+o.Seeds) {
		return Inputf("seed %d is too large for %d runs", s.Seed, o.RealRuns+o.Seeds)
	}
	return o.Real.Check(s)
}

// Validate checks that the simulator's numbers are the numbers a real
// system produces: it runs s K times in real mode (seeds S..S+K-1, S the
// scenario's seed) and N times in the simulator (seeds S+K..S+K+N-1, so
// that no simulated run shares its die streams with a real one), plus the
// simulator on each real run's own seed (the "twin", shown, not judged),
// and compares every machine's metrics (see stats.Validation). A real run
// whose machine died ends the validation with that *MachineDeath; an
// interrupted one with an error wrapping context.Canceled.
func Validate(ctx context.Context, s *scenarios.Scenario, o ValidateOptions) (*Validation, error) {
	if err := o.Check(s); err != nil {
		return nil, err
	}
	base := s.Seed
	k, n := uint64(o.RealRuns), uint64(o.Seeds)
	v := &Validation{
		Scenario:  s,
		RealSeeds: stats.SeedRange{From: base, To: base + k - 1},
		SimSeeds:  stats.SeedRange{From: base + k, To: base + k + n - 1},
		Result:    &stats.Validation{Seeds: o.Seeds, Fastest: slices.Max(s.EffectiveRates()), Speed: FormatSpeed(o.Real.Speed)},
	}
	var real [][]analysis.MachineMetrics
	for i := range o.RealRuns {
		rs := *s
		rs.Seed = base + uint64(i)
		opt := o.Real
		started := opt.Started
		opt.Started = func(pids []int) {
			if o.RealRun != nil {
				o.RealRun(i, rs.Seed)
			}
			if started != nil {
				started(pids)
			}
		}
		var res *RealResult
		var err error
		if o.Dir != "" {
			res, err = RealToDir(ctx, &rs, opt, Dir(filepath.Join(o.Dir, fmt.Sprintf("real-%d", i))))
		} else {
			res, err = Real(ctx, &rs, opt)
		}
		if err != nil {
			return nil, err
		}
		if err := res.Err(); err != nil {
			return nil, fmt.Errorf("real run %d: %w; nothing to validate", i+1, err)
		}
		for j, m := range res.Summary.Machines {
			if m.Overruns > 0 {
				v.Result.Overruns = append(v.Result.Overruns, fmt.Sprintf("real run %d, machine %d: %d overrun(s) skipped %d tick(s)", i+1, j, m.Overruns, m.SkippedTicks))
			}
		}
		real = append(real, res.Summary.Metrics())
	}
	simulated, err := simulateSeeds(ctx, s, v.SimSeeds)
	if err != nil {
		return nil, err
	}
	twins, err := simulateSeeds(ctx, s, v.RealSeeds)
	if err != nil {
		return nil, err
	}
	v.Result.Comparisons = stats.Compare(real, twins, simulated, s.EffectiveRates())
	return v, nil
}

// simulateSeeds returns the metrics of s for every seed of r, in order.
func simulateSeeds(ctx context.Context, s *scenarios.Scenario, r stats.SeedRange) ([][]analysis.MachineMetrics, error) {
	x, err := NewSimulator(s)
	if err != nil {
		return nil, err
	}
	out := make([][]analysis.MachineMetrics, 0, r.Count())
	for seed := r.From; ; seed++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("simulating: %w", err)
		}
		ms, err := x.Run(seed, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, slices.Clone(ms))
		if seed == r.To {
			return out, nil
		}
	}
}

// ValidateWallCap bounds the default duration of a validation: at most
// this much wall time per real run, that is speed × ValidateWallCap of
// scenario time.
const ValidateWallCap = 60 * time.Second

// CapValidateDuration returns d capped at speed × ValidateWallCap (whole
// seconds), and whether it was capped.
func CapValidateDuration(d time.Duration, speed float64) (time.Duration, bool) {
	if limit := time.Duration(float64(ValidateWallCap) * speed).Truncate(time.Second); limit > 0 && d > limit {
		return limit, true
	}
	return d, false
}

// WriteHeading writes the line that opens "desim validate": the scenario,
// the real runs and their speed, the simulated seeds and the scenario
// time of each run, with a note when that time was capped
// (CapValidateDuration).
func (o *ValidateOptions) WriteHeading(w io.Writer, s *scenarios.Scenario, capped bool) {
	note := ""
	if capped {
		note = fmt.Sprintf(" (the scenario's duration capped at %s of wall time per real run; --duration overrides)", ValidateWallCap)
	}
	fmt.Fprintf(w, "validate %s: %d real run(s) at speed %s against %d simulated seeds, %s of scenario time each%s\n",
		s.Name, o.RealRuns, FormatSpeed(o.Real.Speed), o.Seeds, scenarios.FormatDuration(s.Duration), note)
}

// WriteText writes the validation as "desim validate" prints it: the
// seeds of the simulated and the real runs, then the comparisons and the
// verdict (stats.Validation.WriteText).
func (v *Validation) WriteText(w io.Writer) {
	fmt.Fprintf(w, "simulated seeds %d..%d; real runs' seeds %d..%d\n\n", v.SimSeeds.From, v.SimSeeds.To, v.RealSeeds.From, v.RealSeeds.To)
	v.Result.WriteText(w)
}
