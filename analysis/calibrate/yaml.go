package calibrate

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"desim/scenarios"
	"desim/sim"
)

// YAML writes e as a scenario file named name, whose comments give each
// estimate with its uncertainty and say what the logs cannot identify.
// Characters of name outside [A-Za-z0-9._-] are replaced by '-' (an empty
// name becomes "calibrated").
//
// The file has the estimated rates; each machine's start, its mean start
// offset rounded to 1 µs (and at most the duration less 1 µs); a
// per-machine timing block with the overshoot's mean and sd rounded to
// 1 µs and held to the format's limits (see overshootYAML: a negative
// mean, possible only within RateSlack, is written as 0 with sd 0, and the
// sd is at most 10 times the mean, with a comment when a limit changed a
// value); the die R̂; the duration; the
// assumed latency and no jitter. The scenario-level start_spread is 0:
// the starts are given explicitly as this run's offsets, and a spread on
// top of them would shift them a second time. The spread estimate is in a
// comment, for a scenario that models the starts' run-to-run variation
// instead (all starts 0 and that start_spread). When no machine has an
// overshoot (every mean rounds to 0, as in logs desim simulated without a
// timing model), the timing blocks are left out. Scenario returns the
// same scenario as a value.
func (e *Estimate) YAML(name string) []byte {
	var b bytes.Buffer
	pf := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	name = cleanName(name)
	n := len(e.Machines)

	pf("# Calibrated by desim calibrate from %s of %d machines:\n", plural(len(e.Runs), "recorded run"), n)
	for j, r := range e.Runs {
		pf("#   run %d (span %.3f s, earliest first tick to latest tick):\n", j+1, r.Span)
		for _, f := range r.Files {
			pf("#     %s\n", commentSafe(f))
		}
	}
	pf("# Intervals below are 99 %%; se is a standard error. Every value of this\n")
	pf("# file is an estimate from those logs except latency and jitter.\n")
	pf("name: %q\n", name)
	pf("description: %s\n", strconv.Quote(e.description()))
	pf("seed: 1\n")

	pf("# duration: the longest run spans %.3f s from its earliest first tick to\n", maxSpan(e.Runs))
	pf("# its latest tick; %s is the roundest time after that tick and before\n", scenarios.FormatDuration(e.Duration))
	pf("# any machine's next tick was due.\n")
	pf("duration: %s\n", scenarios.FormatDuration(e.Duration))

	d := e.Die
	pf("# die: maximum-likelihood R = %d, 99 %% likelihood-ratio interval [%d, %d]%s:\n", d.R, d.Lo, d.Hi, unboundedNote(d))
	pf("#   %d sends among %d free ticks (ticks that were not receives, so the\n", d.Sends, d.Free)
	pf("#   die was rolled), each a send with probability N/R = %d/R\n", d.N)
	pf("#   (observed %.4f; per machine:", ratio(d.Sends, d.Free))
	for i, m := range e.Machines {
		sep := ","
		if i == n-1 {
			sep = ")"
		}
		pf(" %d/%d%s", m.Sends, m.Free, sep)
	}
	pf(".\n")
	pf("die: %d\n", d.R)

	pf("# latency: not identifiable from logs (a receive does not say which send\n")
	pf("# it was); assumed %s, desim's default. jitter: assumed 0s.\n", scenarios.FormatDuration(e.Latency))
	pf("latency: %s\n", scenarios.FormatDuration(e.Latency))
	pf("jitter: 0s\n")

	timed := e.timed()
	sp := e.StartSpread
	spreadNote := func(indent string) {
		pf("%s# If the starts were uniform in [0, S) instead, S = %s (mean range of\n", indent, ms3(sp.S))
		pf("%s# start offsets × %d/%d), 99 %% interval [%s, %s] from the largest\n", indent, n+1, n-1, ms3(sp.Lo), ms3(sp.Hi))
		pf("%s# range, %s.\n", indent, ms3(sp.MaxRange))
	}
	if timed {
		pf("timing:\n")
		pf("  # start_spread is 0: each machine's start below is its estimated offset\n")
		pf("  # itself, and a spread would shift it a second time.\n")
		spreadNote("  ")
		pf("  start_spread: 0s\n")
	} else {
		pf("# timing: none; no machine's mean overshoot reaches 0.5us.\n")
		spreadNote("")
	}

	pf("machines:\n")
	for i, m := range e.Machines {
		o := m.Overshoot
		period := 1 / m.Rate.Float64()
		how := "the simplest rate whose period is at most the mean interval\n  #   (mean overshoot at most " + scenarios.FormatDuration(e.MaxOvershoot) + ")"
		if e.RatesGiven {
			how = "given"
		}
		pf("  # machine %d: rate %s, %s:\n", i, m.Rate, how)
		pf("  #   mean interval %s over %d intervals, period %s.\n", ms3(m.MeanInterval), m.Intervals, ms3(period))
		pf("  #   overshoot (interval - period): mean %s ± %s (se, %d batches; 99 %%: [%s, %s]),\n",
			us1(o.Mean), us1(o.SE), o.Batches, us1(o.Mean-z99*o.SE), us1(o.Mean+z99*o.SE))
		pf("  #   sd %s, min %s, max %s.\n", us1(o.SD), us1(o.Min), us1(o.Max))
		pf("  #   start: first tick %s after the run's earliest", ms3(m.Start))
		if len(e.Runs) > 1 {
			pf(" (mean over %d runs:", len(e.Runs))
			for _, r := range e.Runs {
				pf(" %s", ms3(r.Starts[i]))
			}
			pf(")")
		}
		pf(".\n")
		pf("  - rate: %s\n", m.Rate)
		pf("    start: %s\n", scenarios.FormatDuration(e.start(m)))
		if timed {
			mean, sd, clamped := overshootYAML(o)
			if clamped {
				pf("    # overshoot clamped to the scenario format's limits: mean and sd at\n")
				pf("    # most %s, sd at most %d × mean.\n", scenarios.FormatDuration(time.Duration(sim.MaxOvershoot)), sim.MaxOvershootCV)
			}
			pf("    timing:\n")
			pf("      overshoot: {mean: %s, sd: %s}\n", scenarios.FormatDuration(mean), scenarios.FormatDuration(sd))
		}
	}
	return b.Bytes()
}

// overshootYAML returns the overshoot's mean and sd as written: rounded to
// 1 µs, the mean in [0, sim.MaxOvershoot] and the sd in [0, sim.MaxOvershoot]
// and at most sim.MaxOvershootCV times the mean (0 when the mean is 0), the
// limits of the scenario format; clamped reports whether a limit changed
// a value.
func overshootYAML(o Overshoot) (mean, sd time.Duration, clamped bool) {
	limit := time.Duration(sim.MaxOvershoot)
	mean, sd = roundUs(o.Mean), roundUs(o.SD)
	m := min(max(0, mean), limit)
	sdMax := min(limit, sim.MaxOvershootCV*m)
	s := min(max(0, sd), sdMax)
	// A negative mean within the rate slack, rounded to 0, is no
	// overshoot, not a clamp.
	clamped = (m != mean && mean > 0) || (s != sd && m > 0)
	return m, s, clamped
}

// Scenario returns the scenario that YAML writes, as package scenarios
// reads it back: name cleaned as YAML does, seed 1, the estimated
// duration, die R̂, the assumed latency and no jitter, each machine's rate,
// start (rounded to 1 µs) and overshoot (rounded to 1 µs, within the
// format's limits), and no start spread. Without overshoot on any machine
// it has no timing model.
func (e *Estimate) Scenario(name string) *scenarios.Scenario {
	s := &scenarios.Scenario{
		Name:        cleanName(name),
		Description: e.description(),
		Seed:        1,
		Duration:    e.Duration,
		Die:         e.Die.R,
		Latency:     e.Latency,
	}
	timed := e.timed()
	for _, m := range e.Machines {
		sm := scenarios.Machine{Rate: m.Rate, Start: e.start(m)}
		if timed {
			mean, sd, _ := overshootYAML(m.Overshoot)
			sm.Timing = scenarios.Timing{OvershootMean: mean, OvershootSD: sd}
		}
		s.Machines = append(s.Machines, sm)
	}
	return s
}

// timed reports whether any machine's written overshoot mean is positive.
func (e *Estimate) timed() bool {
	for _, m := range e.Machines {
		if mean, _, _ := overshootYAML(m.Overshoot); mean > 0 {
			return true
		}
	}
	return false
}

// start is the machine's start as written: its mean start offset rounded
// to 1 µs, at least 0 and before the duration. Not coarser: machines that
// start a fraction of a millisecond apart (as desim's real runs do) must
// keep their order, or a first tick that was a receive no longer can be.
func (e *Estimate) start(m Machine) time.Duration {
	return min(max(0, roundUs(m.Start)), e.Duration-time.Microsecond)
}

// description is the scenario's description.
func (e *Estimate) description() string {
	return fmt.Sprintf("Calibrated from %s of %d machines: rates, per-machine overshoot and start, die and duration estimated from the logs; latency assumed.", plural(len(e.Runs), "recorded run"), len(e.Machines))
}

// roundUs rounds s seconds to a whole number of µs.
func roundUs(s float64) time.Duration {
	return time.Duration(math.Round(s*1e6)) * time.Microsecond
}

// roundMs rounds s seconds to a whole number of ms, at least 0.
func roundMs(s float64) time.Duration {
	return max(0, time.Duration(math.Round(s*1e3))*time.Millisecond)
}

// ms3 formats s seconds in ms with 3 decimals.
func ms3(s float64) string { return fmt.Sprintf("%.3fms", s*1e3) }

// us1 formats s seconds in µs with 1 decimal.
func us1(s float64) string { return fmt.Sprintf("%.1fus", s*1e6) }

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

func plural(k int, what string) string {
	if k == 1 {
		return "1 " + what
	}
	return strconv.Itoa(k) + " " + what + "s"
}

func maxSpan(runs []Run) float64 {
	var s float64
	for _, r := range runs {
		s = max(s, r.Span)
	}
	return s
}

func unboundedNote(d Die) string {
	if d.Unbounded {
		return " (the upper end is the largest die desim accepts: the counts give no upper bound)"
	}
	return ""
}

// cleanName makes name a valid scenario name.
func cleanName(name string) string {
	if name == "" {
		return "calibrated"
	}
	var b strings.Builder
	for _, c := range name {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

// commentSafe makes s fit on one comment line: quoted when it holds
// control characters or non-ASCII.
func commentSafe(s string) string {
	for _, c := range s {
		if c < ' ' || c > '~' {
			return strconv.QuoteToASCII(s)
		}
	}
	return s
}
