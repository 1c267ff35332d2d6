package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gonum.org/v1/gonum/stat"

	"desim/analysis"
	"desim/scenarios"
	"desim/sim/realtime"
)

// validateWallCap bounds the default duration of "desim validate": at most
// this much wall time per real run, i.e. speed × validateWallCap of
// scenario time.
const validateWallCap = 60 * time.Second

// Band limits of the validation: a real value passes when it lies between
// these quantiles of the simulated values.
const (
	bandLo = 0.005
	bandHi = 0.995
)

var validateCmd = &command{
	name:    "validate",
	summary: "compare real-socket runs with the simulator over many seeds",
	usage:   "validate SCENARIO [--duration D] [--speed X] [--seeds N] [--real-runs K] [--seed S] [--out DIR]",
	help: `
Checks that the simulator's numbers are the numbers a real system produces:
runs SCENARIO K times in real mode (as "desim real": one process per
machine, TCP on 127.0.0.1, the wall clock) and N times in the simulator,
and prints for every machine and metric of summary.json the real value(s)
beside the simulated mean, standard deviation, 0.5–99.5 percentile band and
the real value's percentile among the simulated seeds.

Seeds: real run k uses seed S+k (k = 0..K-1, S the scenario's seed or
--seed); the simulator uses the N seeds S+K .. S+K+N-1, so that no
simulated run shares its die streams with a real one. The column "twin"
shows the simulator on each real run's own seed: the same machine code
and die streams, so it differs from the real run only where the network
and the scheduler changed the order of a message and a tick. It is shown,
not judged.

The rule: exit 0 when every real value lies inside the simulated band
[q(0.5%), q(99.5%)], with quantiles by the Weibull rule (the (N+1)p-th
smallest value, interpolated, so that a new run of the same model falls
inside with probability 99%), widened by the real mode's resolution; exit
1 otherwise. The resolution is what a real run cannot resolve, since its
ticks start up to a scheduler quantum late and its messages take the
network's time while simulated ticks are exactly periodic: ±1 for counts
(a message landing just before rather than just after a tick), ±0.1% of
the fastest rate for clock_slope, queue_slope and drift, ±0.1% for
mean_jump, and ±0 for ticks: the real mode runs tick k at the simulator's
time, so it has the simulator's count unless it overran (a stall of a
whole period) and skipped ticks, which the output then says; such a run
is not the system the simulator models and fails. Metrics on which every
seed agrees (ticks, and the fast machines' clocks) are marked "exact".
Each comparison can fail by chance alone with probability about 1%; the
output says how likely some failure is over all of them.

The duration is the scenario's, capped at one minute of wall time per real
run (speed × 60 s of scenario time) unless --duration is given. The
scenario's latency and jitter apply to the simulated runs only; the real
runs have the network's.

Examples:
  desim validate A3                  1 real run at speed 10 (59 s) against 200 seeds
  desim validate B2 --real-runs 3 --speed 20
  desim validate A3 --seeds 1000 --duration 120s --out runs/validate-A3`,
	setup: func(fs *flag.FlagSet) func(e *env, args []string) error {
		dur := fs.String("duration", "", "scenario time of every run, e.g. 120s (default: the scenario's, capped at speed × 60s)")
		speed := fs.Float64("speed", 10, "speed of the real runs, scenario seconds per wall-clock second")
		seeds := fs.Int("seeds", 200, "number of simulated seeds")
		realRuns := fs.Int("real-runs", 1, "number of real runs")
		seed := fs.String("seed", "", "first seed S (default: the scenario's)")
		out := fs.String("out", "", "also write real run k's logs and summary into DIR/real-<k> (default: not kept)")
		timeout := fs.Duration("connect-timeout", realtime.DefaultConnectTimeout, "how long the machines may take to connect to each other")
		return func(e *env, args []string) error {
			if len(args) != 1 {
				return usagef("need exactly one SCENARIO, got %d arguments (see \"desim validate -h\")", len(args))
			}
			s, err := loadScenario(args[0], *seed, *dur)
			if err != nil {
				return err
			}
			if *seeds < 2 || *seeds > 1_000_000 {
				return usagef("--seeds %d is not in 2..1000000", *seeds)
			}
			if *realRuns < 1 || *realRuns > 1000 {
				return usagef("--real-runs %d is not in 1..1000", *realRuns)
			}
			opt := realOptions{speed: *speed, connectTimeout: *timeout, stderr: e.stderr}
			if err := opt.check(s); err != nil {
				return err
			}
			capped := false
			if *dur == "" {
				if limit := time.Duration(float64(validateWallCap) * *speed).Truncate(time.Second); limit > 0 && s.Duration > limit {
					s.Duration, capped = limit, true
				}
			}
			if err := s.Check(); err != nil {
				return usagef("%s: %v", args[0], err)
			}
			if s.Seed > math.MaxUint64-uint64(*realRuns+*seeds) {
				return usagef("seed %d is too large for %d runs", s.Seed, *realRuns+*seeds)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return validate(ctx, e, s, opt, *realRuns, *seeds, *out, capped)
		}
	},
}

// relResolution is the real mode's resolution of rates and mean jumps,
// relative to the fastest machine's rate and to the simulated mean jump.
const relResolution = 0.001

// resolution is how far a real value of a metric with resolution r may
// lie outside the simulated band and still pass: what the real mode
// cannot resolve, because its ticks start up to a scheduler quantum late
// and its messages take the network's time, while the simulator's ticks
// are exactly periodic and its messages take exactly the scenario's
// latency. Each metric's r is in analysis.Metrics.
//
//   - ResolutionExact (ticks): 0. The real mode schedules tick k at the
//     simulator's time and runs it exactly when that time is before the
//     end, so its count is the simulator's unless an overrun skipped
//     ticks.
//   - ResolutionOne (other integer metrics): 1. A message that lands just
//     before rather than just after a tick (or the reverse) moves a count
//     by one.
//   - ResolutionRate (clock_slope, queue_slope, drift, per second):
//     relResolution × the fastest rate. Late tick starts shift the times
//     the slopes are fitted to.
//   - ResolutionMean (mean_jump): relResolution × the simulated mean.
func resolution(r analysis.Resolution, fastest, mean float64) float64 {
	switch r {
	case analysis.ResolutionOne:
		return 1
	case analysis.ResolutionRate:
		return relResolution * fastest
	case analysis.ResolutionMean:
		return relResolution * math.Abs(mean)
	}
	return 0
}

// band summarises the simulated values of one machine's metric.
type band struct {
	sorted   []float64
	mean, sd float64 // sample mean and standard deviation (N-1)
	lo, hi   float64 // quantiles bandLo and bandHi
	exact    bool    // every value is the same
}

func newBand(xs []float64) band {
	s := slices.Clone(xs)
	slices.Sort(s)
	b := band{sorted: s, lo: quantile(s, bandLo), hi: quantile(s, bandHi), exact: s[0] == s[len(s)-1]}
	b.mean, b.sd = stat.MeanStdDev(s, nil)
	if b.exact {
		b.sd = 0
	}
	return b
}

// quantile returns the p-quantile of sorted values x_(1) ≤ ... ≤ x_(N) by
// the Weibull rule (Hyndman and Fan's type 6): h = (N+1)·p, the value
// x_(⌊h⌋) + (h − ⌊h⌋)·(x_(⌊h⌋+1) − x_(⌊h⌋)), clamped to x_(1) and x_(N).
// The expected share of a new sample below it is p, so a new value falls
// between the quantiles p and 1 − p with probability 1 − 2p.
func quantile(sorted []float64, p float64) float64 {
	n := len(sorted)
	h := float64(n+1) * p
	switch {
	case h <= 1:
		return sorted[0]
	case h >= float64(n):
		return sorted[n-1]
	}
	j := int(h) // 1-based index of x_(⌊h⌋)
	lo, hi := sorted[j-1], sorted[j]
	return lo + (h-float64(j))*(hi-lo)
}

// percentile returns the mid-rank percentile of v among the values:
// 100 · (#below + #equal/2) / N.
func (b band) percentile(v float64) float64 {
	below, _ := slices.BinarySearch(b.sorted, v)
	end := below
	for end < len(b.sorted) && b.sorted[end] == v {
		end++
	}
	return 100 * (float64(below) + float64(end-below)/2) / float64(len(b.sorted))
}

// inside reports whether v lies in the band [lo, hi] (for an exact metric:
// equals the value).
func (b band) inside(v float64) bool { return v >= b.lo && v <= b.hi }

// comparison is one machine's metric: the real values against the band.
type comparison struct {
	machine int
	metric  *analysis.Metric
	real    []float64
	twin    []float64 // the simulator on each real run's seed (not judged)
	band    band
	res     float64 // resolution: see resolution
}

// passes reports whether v lies in the band widened by the resolution.
func (c comparison) passes(v float64) bool {
	return v >= c.band.lo-c.res && v <= c.band.hi+c.res
}

func (c comparison) failures() int {
	k := 0
	for _, v := range c.real {
		if !c.passes(v) {
			k++
		}
	}
	return k
}

// compare builds the comparisons of every machine and metric from the
// real runs' and the simulated runs' metrics; twins, if not nil, holds the
// simulator's metrics on each real run's seed; rates are the machines'
// rates in ticks per second.
func compare(real, twins, simulated [][]analysis.MachineMetrics, rates []float64) []comparison {
	fastest := slices.Max(rates)
	var out []comparison
	for i := range simulated[0] {
		for _, m := range analysis.Metrics {
			xs := make([]float64, len(simulated))
			for j, run := range simulated {
				xs[j] = m.Value(&run[i])
			}
			c := comparison{machine: i, metric: m, band: newBand(xs)}
			c.res = resolution(m.Resolution, fastest, c.band.mean)
			for _, run := range real {
				c.real = append(c.real, m.Value(&run[i]))
			}
			for _, run := range twins {
				c.twin = append(c.twin, m.Value(&run[i]))
			}
			out = append(out, c)
		}
	}
	return out
}

func formatValue(v float64, k analysis.Kind) string {
	if k.Integer() && v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 5, 64)
}

// Verdicts of a comparison.
const (
	verdictOK      = "ok"
	verdictByRes   = "ok*" // outside the band, inside it widened by the resolution
	verdictOutside = "OUTSIDE"
)

// writeComparisons prints the validation table and returns the number of
// real values that fail, the number compared with a spread (not exact)
// and the number that pass only by the resolution.
func writeComparisons(w io.Writer, cs []comparison) (failed, spread, byRes int) {
	fmt.Fprintf(w, "%7s  %-13s  %-14s %-14s %11s %9s  %-24s %6s  %-11s %s\n", "machine", "metric", "real", "twin", "sim mean", "sim sd", "sim band [0.5%, 99.5%]", "±res", "percentile", "verdict")
	for _, c := range cs {
		reals := make([]string, len(c.real))
		pcts := make([]string, len(c.real))
		twins := make([]string, len(c.twin))
		for k, v := range c.twin {
			twins[k] = formatValue(v, c.metric.Kind)
		}
		verdict := verdictOK
		for k, v := range c.real {
			reals[k] = formatValue(v, c.metric.Kind)
			pcts[k] = strconv.FormatFloat(c.band.percentile(v), 'f', 1, 64)
			switch {
			case !c.passes(v):
				verdict = verdictOutside
				failed++
			case !c.band.inside(v):
				byRes++
				if verdict == verdictOK {
					verdict = verdictByRes
				}
			}
		}
		b := c.band
		bandText := fmt.Sprintf("[%s, %s]", formatValue(b.lo, c.metric.Kind), formatValue(b.hi, c.metric.Kind))
		pct := strings.Join(pcts, ", ")
		if b.exact {
			pct = "exact"
		} else {
			spread += len(c.real)
		}
		res := formatValue(c.res, c.metric.Kind)
		if r := c.metric.Resolution; r == analysis.ResolutionRate || r == analysis.ResolutionMean {
			res = strconv.FormatFloat(c.res, 'g', 2, 64)
		}
		fmt.Fprintf(w, "%7d  %-13s  %-14s %-14s %11.5f %9.5f  %-24s %6s  %-11s %s\n", c.machine, c.metric.Key, strings.Join(reals, ", "), strings.Join(twins, ", "), b.mean, b.sd, bandText, res, pct, verdict)
	}
	return failed, spread, byRes
}

// writeRule explains the verdicts under the table.
func writeRule(w io.Writer, seeds int, fastest float64) {
	fmt.Fprintf(w, `
rule: a real value passes when it lies inside the simulated band [q(0.5%%), q(99.5%%)] of the %d seeds
      (Weibull quantiles: a new run of the same model falls inside with probability 99%%),
      widened by the real mode's resolution ±res, since real ticks start up to a scheduler quantum late
      and real messages take the network's time, while simulated ticks are exactly periodic:
        ticks          ±0: the real mode runs tick k at the simulator's time, so only an overrun changes the count
        other counts   ±1: a message landing just before instead of just after a tick moves a count by one
        slopes, drift  ±%g/s: %g of the fastest rate, for the shift of late tick times
        mean_jump      ±%g of the simulated mean
      ok* = outside the band, inside it widened by ±res; "exact" = every seed gave the same value.
      twin = the simulator on the real run's own seed (same die streams), shown for comparison, not judged.
`, seeds, relResolution*fastest, relResolution, relResolution)
}

func validate(ctx context.Context, e *env, s *scenarios.Scenario, opt realOptions, realRuns, seeds int, out string, capped bool) error {
	base := s.Seed
	note := ""
	if capped {
		note = fmt.Sprintf(" (the scenario's duration capped at %s of wall time per real run; --duration overrides)", validateWallCap)
	}
	fmt.Fprintf(e.stdout, "validate %s: %d real run(s) at speed %s against %d simulated seeds, %s of scenario time each%s\n",
		s.Name, realRuns, formatSpeed(opt.speed), seeds, scenarios.FormatDuration(s.Duration), note)

	var real [][]analysis.MachineMetrics
	var overruns []string
	for k := range realRuns {
		rs := *s
		rs.Seed = base + uint64(k)
		opt.started = func([]int) {
			fmt.Fprintf(e.stdout, "real run %d of %d (seed %d): running, %s of wall time\n", k+1, realRuns, rs.Seed, wallTime(rs.Duration, opt.speed))
		}
		var res *realResult
		var err error
		if out != "" {
			res, err = realToDir(ctx, &rs, opt, filepath.Join(out, fmt.Sprintf("real-%d", k)))
		} else {
			res, err = runReal(ctx, &rs, opt, nil)
		}
		if err != nil {
			return err
		}
		switch {
		case res.dead != nil:
			return failure{code: exitFailure, err: fmt.Errorf("real run %d: %v; nothing to validate", k+1, res.dead)}
		case res.interrupted:
			return failure{code: 130, err: errors.New("interrupted")}
		}
		ms := make([]analysis.MachineMetrics, len(res.summary.Machines))
		for i, m := range res.summary.Machines {
			ms[i] = m.MachineMetrics
			if m.Overruns > 0 {
				overruns = append(overruns, fmt.Sprintf("real run %d, machine %d: %d overrun(s) skipped %d tick(s)", k+1, i, m.Overruns, m.SkippedTicks))
			}
		}
		real = append(real, ms)
	}

	simulated := make([][]analysis.MachineMetrics, seeds)
	for j := range seeds {
		ss := *s
		ss.Seed = base + uint64(realRuns+j)
		sum, err := simulate(ctx, &ss, nil)
		if err != nil {
			if ctx.Err() != nil {
				return failure{code: 130, err: errors.New("interrupted")}
			}
			return err
		}
		simulated[j] = sum.Machines
	}
	fmt.Fprintf(e.stdout, "simulated seeds %d..%d; real runs' seeds %d..%d\n\n", base+uint64(realRuns), base+uint64(realRuns+seeds-1), base, base+uint64(realRuns-1))

	twins := make([][]analysis.MachineMetrics, realRuns)
	for k := range realRuns {
		ts := *s
		ts.Seed = base + uint64(k)
		sum, err := simulate(ctx, &ts, nil)
		if err != nil {
			return err
		}
		twins[k] = sum.Machines
	}
	cs := compare(real, twins, simulated, s.Rates())
	failed, spread, byRes := writeComparisons(e.stdout, cs)
	total := len(cs) * realRuns
	writeRule(e.stdout, seeds, slices.Max(s.Rates()))
	for _, o := range overruns {
		fmt.Fprintf(e.stdout, "overrun: %s (its tick count is short by as many)\n", o)
	}
	if spread > 0 {
		fmt.Fprintf(e.stdout, "chance: each of the %d values compared with a spread falls outside by chance alone with probability about 1%%;\n", spread)
		fmt.Fprintf(e.stdout, "        were they independent, some would with probability %.0f%% (they are strongly correlated, so less).\n", 100*(1-math.Pow(0.99, float64(spread))))
	}
	if failed > 0 {
		fmt.Fprintf(e.stdout, "FAIL: %d of %d real values outside the simulated band\n", failed, total)
		if len(overruns) > 0 {
			fmt.Fprintf(e.stdout, "      a real run overran: it did not keep up with speed %s under this host's load, so it is not the\n", formatSpeed(opt.speed))
			fmt.Fprintf(e.stdout, "      system the simulator models; rerun on an idle host or at a lower --speed\n")
		}
		return failure{code: exitFailure}
	}
	fmt.Fprintf(e.stdout, "PASS: all %d real values inside the simulated band widened by ±res (%d of them marked ok*)\n", total, byRes)
	return nil
}
