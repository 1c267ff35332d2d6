package experiment

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/big"
	"slices"
	"strings"
	"text/tabwriter"

	"desim/analysis"
	"desim/analysis/stats"
	"desim/scenarios"
	"desim/sim"
)

// DefaultValidateSeeds is the number of simulated runs a validation draws
// by default: enough that one real run far out can be rejected at the
// family-wise error rate (stats.FamilyAlpha) over a family of up to 50
// comparisons (the smallest p-value of one run among N is 2/(N+1)).
const DefaultValidateSeeds = 10000

// PowerTrials is the default number of trials per alternative of
// ValidatePower.
const PowerTrials = 100

// Alternative is a simulator that is not the scenario, as a stand-in for a
// real system that the validation should tell apart from the simulator.
type Alternative struct {
	Name     string
	Scenario *scenarios.Scenario
}

// Alternatives returns what ValidatePower tries on s: s itself (a
// rejection is a false alarm), the die with R−2, R−1, R+1 and R+2 faces
// (those with at least N faces), and the slowest machine 5 % and 10 %
// faster (every slowest machine, if several tie).
func Alternatives(s *scenarios.Scenario) []Alternative {
	alts := []Alternative{{Name: fmt.Sprintf("the model itself (die %d)", s.Die), Scenario: s}}
	for _, d := range []int{-2, -1, 1, 2} {
		if r := s.Die + d; r >= len(s.Machines) {
			a := clone(s)
			a.Die = r
			alts = append(alts, Alternative{Name: fmt.Sprintf("die %d (R%+d)", r, d), Scenario: a})
		}
	}
	slowest := slices.Min(s.Rates())
	for _, pct := range []int64{5, 10} {
		a := clone(s)
		for i, m := range a.Machines {
			if s.Rates()[i] == slowest {
				r, err := sim.ParseRate(new(big.Rat).Mul(rat(m.Rate), big.NewRat(100+pct, 100)).RatString())
				if err != nil {
					continue // a rate too fine to scale exactly: leave this alternative out
				}
				a.Machines[i].Rate = r
			}
		}
		alts = append(alts, Alternative{Name: fmt.Sprintf("slowest machine %d%% fast", pct), Scenario: a})
	}
	return alts
}

func clone(s *scenarios.Scenario) *scenarios.Scenario {
	c := *s
	c.Machines = slices.Clone(s.Machines)
	return &c
}

// rat returns a rate as an exact rational.
func rat(r sim.Rate) *big.Rat {
	q, _ := new(big.Rat).SetString(r.String())
	return q
}

// PowerRow is how often the validation rejected one alternative.
type PowerRow struct {
	Alternative string `json:"alternative"`
	Trials      int    `json:"trials"`
	// Rejected counts the trials the validation failed; BySpread those it
	// failed on a comparison with a spread (Holm's family), leaving out
	// the exact checks (ticks and what every seed agrees on).
	Rejected int `json:"rejected"`
	BySpread int `json:"rejected_by_spread"`
}

// Rate returns the share of trials rejected and its 95 % confidence
// interval (Wilson's).
func (r PowerRow) Rate() (p, lo, hi float64) { return wilson(r.Rejected, r.Trials) }

func wilson(k, n int) (p, lo, hi float64) {
	if n == 0 {
		return 0, 0, 1
	}
	const z = 1.959963984540054
	p = float64(k) / float64(n)
	d := 1 + z*z/float64(n)
	c := (p + z*z/(2*float64(n))) / d
	h := z * math.Sqrt(p*(1-p)/float64(n)+z*z/(4*float64(n)*float64(n))) / d
	return p, math.Max(0, c-h), math.Min(1, c+h)
}

// ValidatePower estimates by simulation how likely Validate, with o's K
// real runs and N simulated seeds over s's duration, is to reject each
// alternative: in every trial K runs of the alternative stand in for the
// real runs (seeds after the simulated ones, new in each trial), are
// compared with the N simulated runs of s (seeds S+K..S+K+N−1, as
// Validate draws them), and the validation decides as it does on real
// runs. For s itself the rate is the false alarm rate, at most
// stats.FamilyAlpha. It measures the model's half of a validation: real
// runs also differ by what the resolution absorbs and by overruns.
func ValidatePower(ctx context.Context, s *scenarios.Scenario, o ValidateOptions, trials int, alts []Alternative) ([]PowerRow, error) {
	if o.Seeds < 2 || o.RealRuns < 1 || trials < 1 {
		return nil, Inputf("power needs at least 2 simulated seeds, 1 real run and 1 trial")
	}
	k, n := uint64(o.RealRuns), uint64(o.Seeds)
	need := k + n + uint64(trials)*k
	if s.Seed > math.MaxUint64-need {
		return nil, Inputf("seed %d is too large for %d runs", s.Seed, need)
	}
	simSeeds := stats.SeedRange{From: s.Seed + k, To: s.Seed + k + n - 1}
	simulated, err := simulateSeeds(ctx, s, simSeeds)
	if err != nil {
		return nil, err
	}
	return power(ctx, s, o, simulated, simSeeds.To+1, trials, alts)
}

// power is ValidatePower on the simulated runs given, the stand-ins'
// seeds starting at first.
func power(ctx context.Context, s *scenarios.Scenario, o ValidateOptions, simulated [][]analysis.MachineMetrics, first uint64, trials int, alts []Alternative) ([]PowerRow, error) {
	k := uint64(o.RealRuns)
	base := stats.Compare(nil, nil, simulated, s.EffectiveRates())
	var rows []PowerRow
	for _, a := range alts {
		if len(a.Scenario.Machines) != len(s.Machines) {
			return nil, Inputf("alternative %s has %d machines, not %d", a.Name, len(a.Scenario.Machines), len(s.Machines))
		}
		row := PowerRow{Alternative: a.Name, Trials: trials}
		x, err := NewSimulator(a.Scenario)
		if err != nil {
			return nil, err
		}
		for t := range uint64(trials) {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("power: %w", err)
			}
			var real [][]analysis.MachineMetrics
			for j := range k {
				ms, err := x.Run(first+t*k+j, nil)
				if err != nil {
					return nil, err
				}
				real = append(real, slices.Clone(ms))
			}
			cs := slices.Clone(base)
			for c := range cs {
				cs[c].Real = make([]float64, len(real))
				for j, run := range real {
					cs[c].Real[j] = cs[c].Metric.Value(&run[cs[c].Machine])
				}
			}
			d := (&stats.Validation{Seeds: o.Seeds, Comparisons: cs}).Decide()
			if !d.Passed() {
				row.Rejected++
			}
			if slices.Contains(d.Verdicts, stats.VerdictRejected) {
				row.BySpread++
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// WritePower prints ValidatePower's rows as a table, with what they mean.
func WritePower(w io.Writer, s *scenarios.Scenario, o ValidateOptions, rows []PowerRow) {
	fmt.Fprintf(w, "power of validate %s: %d real run(s) against %d simulated seeds, %s of scenario time, family-wise error rate %g%%\n",
		s.Name, o.RealRuns, o.Seeds, scenarios.FormatDuration(s.Duration), 100*stats.FamilyAlpha)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "real system\trejected\t95% CI\tby the spread checks alone\t")
	for _, r := range rows {
		p, lo, hi := r.Rate()
		sp, _, _ := wilson(r.BySpread, r.Trials)
		fmt.Fprintf(tw, "%s\t%d/%d = %.0f%%\t[%.0f%%, %.0f%%]\t%.0f%%\t\n", r.Alternative, r.Rejected, r.Trials, 100*p, 100*lo, 100*hi, 100*sp)
	}
	tw.Flush()
	fmt.Fprintln(w, strings.TrimSpace(`
Each trial runs the alternative in the simulator as a stand-in for the real runs (new seeds every trial) and
validates it as real runs are validated. "the model itself" is the false alarm rate (at most the family-wise
rate); the others are the power to tell that system from the model. A faster machine changes the tick count,
which the exact checks catch at once; "by the spread checks alone" leaves those out.`))
}
