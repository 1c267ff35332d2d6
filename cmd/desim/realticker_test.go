package main

import (
	"path/filepath"
	"strings"
	"testing"

	"desim/experiment"
)

// desim real --ticker sleep end to end with processes: the flag reaches
// every "desim machine" process, so in every machine's log each tick comes
// at least one period after the previous one (1 µs of scenario time of
// tolerance for rounding: a sleep never returns early, where the absolute
// ticker puts about half its ticks a little less than a period after the
// one before); the summary says "ticker": "sleep" and has no overruns; the
// header and the replay command name the ticker.
func TestRealSleepTickerProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end tests with processes are skipped with -short")
	}
	bin := buildDesim(t, t.TempDir())
	dir := t.TempDir()
	p := startDesim(t, bin, "real", "A3", "--ticker", "sleep", "--speed", "20", "--duration", "20s", "--out", dir)
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, p.stdout, p.stderr)
	}
	if !strings.Contains(p.stdout.String(), "real mode at speed 20, sleep ticker\n") {
		t.Errorf("the header does not name the ticker:\n%s", p.stdout)
	}
	if !strings.Contains(p.stderr.String(), " real "+filepath.Join(dir, "scenario.yaml")+" --speed 20 --ticker sleep\n") {
		t.Errorf("no replay command with the ticker in:\n%s", p.stderr)
	}
	s := readRealSummary(t, dir)
	if !s.Completed || s.Ticker != "sleep" {
		t.Errorf("summary: completed %v, ticker %q", s.Completed, s.Ticker)
	}
	r, err := experiment.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, recs := range r.Log.Machines {
		m := s.Machines[i]
		nominal := int64(20 * m.Rate)
		if m.Overruns != 0 || m.SkippedTicks != 0 || m.Ticks != int64(len(recs)) || m.Ticks > nominal {
			t.Errorf("machine %d: %d ticks (%d logged) of %d nominal, %d overruns, %d skipped", i, m.Ticks, len(recs), nominal, m.Overruns, m.SkippedTicks)
		}
		period := r.Scenario.Machines[i].Rate.TickTime(1)
		for k := 1; k < len(recs); k++ {
			if gap := recs[k].At - recs[k-1].At; gap < period-1000 {
				t.Errorf("machine %d tick %d: %d ns after the previous one, less than the period %d ns: not the sleep ticker", i, k, gap, period)
				break
			}
		}
	}
}
