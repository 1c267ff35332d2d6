package experiment

import (
	"fmt"
	"math"
	"strconv"

	"desim/internal/quote"
	"desim/scenarios"
	"desim/sim"
)

// WarnBytes is the estimated output size above which writing a run gives
// a warning: 1 GB.
const WarnBytes = 1_000_000_000

// runEstimate is the bound EstimateRunBytes computes, with its terms.
type runEstimate struct {
	lines int64 // log lines: the ticks of every machine
	line  int64 // bytes a line takes at most
	bytes int64 // lines·line + fixedBytes, saturated at math.MaxInt64
}

// fixedBytes bounds summary.json and scenario.yaml of a run of n
// machines: 4 KiB and 1 KiB a machine.
func fixedBytes(n int) int64 { return 4096 + 1024*int64(n) }

// EstimateRunBytes returns an upper bound of the bytes a run of s writes
// into its directory, from its rates and duration alone:
//
//	bytes = L · Σ_i ticks_i + 4096 + 1024·N
//	ticks_i = rate_i.TicksBefore(duration − start_i)  (exactly the log lines of machine i)
//	L = name + 1 + (S + 1 + 9) + 1 + Q + 1 + C + 1     (a line: event,time,queue,clock\n)
//
// where name is the longest event name of N machines (8 bytes), S the
// digits of the whole seconds of the last instant before the end, C the
// digits of T = Σ_i ticks_i (no clock passes the number of ticks the run
// has had, since each tick raises a clock by 1 above a value that a
// tick made) and Q the digits of min(T, 2·sim.MaxQueue) (a queue holds at
// most the messages sent, one a tick, and the run stops at sim.MaxQueue).
// The last term covers summary.json and scenario.yaml. Lines are
// usually shorter (queues of a few messages, small clocks early on): the
// built-in scenarios write 80 to 88% of the bound.
func EstimateRunBytes(s *scenarios.Scenario) int64 { return estimateRun(s).bytes }

func estimateRun(s *scenarios.Scenario) runEstimate {
	var e runEstimate
	for _, m := range s.Machines {
		e.lines = satAdd(e.lines, m.Rate.TicksBefore(int64(s.Duration-m.Start)))
	}
	codec := sim.NewEventCodec(len(s.Machines))
	var name int64
	for ev := range codec.Events() {
		name = max(name, int64(len(codec.Name(sim.Event(ev)))))
	}
	secs := max(int64(s.Duration)-1, 0) / 1e9
	e.line = name + 1 + digits(secs) + 1 + 9 + 1 + digits(min(e.lines, 2*sim.MaxQueue)) + 1 + digits(e.lines) + 1
	e.bytes = satAdd(satMul(e.lines, e.line), fixedBytes(len(s.Machines)))
	return e
}

// digits returns the number of decimal digits of n ≥ 0.
func digits(n int64) int64 { return int64(len(strconv.FormatInt(n, 10))) }

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func satMul(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}

// freeFunc returns the bytes free to this user on the file system that
// holds dir (or would hold it: the nearest existing parent's), ok false
// when that cannot be told.
type freeFunc func(dir string) (free int64, ok bool)

// CheckSpace checks that need bytes fit on the file system of dir (which
// need not exist yet). More than it has free is bad input unless force,
// which turns it into a warning; a need above WarnBytes gives a warning
// too. Where the free space cannot be read (an unsupported platform) only
// the size is warned about.
func CheckSpace(dir string, need int64, force bool) (warning string, err error) {
	return checkSpace(dir, need, "", force, freeSpace)
}

// checkSpace is CheckSpace with what the need is made of (detail, for the
// messages) and the free space from free.
func checkSpace(dir string, need int64, detail string, force bool, free freeFunc) (warning string, err error) {
	if detail != "" {
		detail = " (" + detail + ")"
	}
	avail, known := free(dir)
	switch {
	case known && need > avail && !force:
		return "", Inputf("%s: the run would write up to %s%s, but its file system has only %s free; shorten the duration, lower the rates, free some space, or write anyway with --force",
			dir, FormatBytes(need), detail, FormatBytes(avail))
	case known && need > avail:
		return fmt.Sprintf("the run may write up to %s into %s%s, more than the %s free there; writing anyway (--force)",
			FormatBytes(need), dir, detail, FormatBytes(avail)), nil
	case need > WarnBytes && known:
		return fmt.Sprintf("the run will write up to %s into %s%s; %s are free there", FormatBytes(need), dir, detail, FormatBytes(avail)), nil
	case need > WarnBytes:
		return fmt.Sprintf("the run will write up to %s into %s%s", FormatBytes(need), dir, detail), nil
	}
	return "", nil
}

// checkRunSpace checks the space for a run of s in dir (see CheckSpace).
func checkRunSpace(dir string, s *scenarios.Scenario, force bool, free freeFunc) (warning string, err error) {
	e := estimateRun(s)
	detail := fmt.Sprintf("%s log lines of at most %d bytes", quote.Thousands(uint64(e.lines)), e.line)
	return checkSpace(dir, e.bytes, detail, force, free)
}

// FormatBytes writes a size in decimal units with one decimal: 999 bytes,
// 1.5 kB, 12.0 MB, 1.7 TB.
func FormatBytes(n int64) string {
	if n < 1000 {
		return strconv.FormatInt(n, 10) + " bytes"
	}
	f := float64(n)
	for _, unit := range []string{"kB", "MB", "GB", "TB", "PB"} {
		f /= 1000
		if f < 999.95 {
			return strconv.FormatFloat(f, 'f', 1, 64) + " " + unit
		}
	}
	return strconv.FormatFloat(f/1000, 'f', 1, 64) + " EB"
}
