package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"desim/scenarios"
	"desim/sim/realtime"
)

// A3 for 10 s of scenario time at speed 5 (2 s of wall time) with the
// sleep ticker, every machine in-process: the run completes without
// overruns, summary.json says "ticker": "sleep", and in the logs every tick
// comes at least a period after the previous one (a sleep never returns
// early; tolerance 0.2 ms of wall time), so each machine's mean interval
// is at least its period and it has at most the absolute schedule's ticks
// (60, 60, 10).
func TestRealSleepTicker(t *testing.T) {
	const speed = 5
	s, err := Load("A3", *realScenario(t, "A3", 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	dir := Dir(t.TempDir())
	res, err := RealToDir(context.Background(), s, RealOptions{Speed: speed, Ticker: realtime.TickerSleep}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if res.Summary.Ticker != "sleep" {
		t.Errorf("summary ticker %q, want sleep", res.Summary.Ticker)
	}
	var written map[string]any
	if b, err := os.ReadFile(dir.Summary()); err != nil {
		t.Fatal(err)
	} else if err := json.Unmarshal(b, &written); err != nil {
		t.Fatal(err)
	}
	if written["ticker"] != "sleep" {
		t.Errorf("summary.json has ticker %v, want \"sleep\"", written["ticker"])
	}
	r, err := ReadRun(string(dir))
	if err != nil {
		t.Fatal(err)
	}
	const tol = 200 * time.Microsecond * speed // in scenario time
	for i, recs := range r.Log.Machines {
		m := res.Summary.Machines[i]
		if m.Overruns != 0 || m.SkippedTicks != 0 {
			t.Errorf("machine %d: %d overruns, %d skipped ticks with the sleep ticker", i, m.Overruns, m.SkippedTicks)
		}
		nominal := int64(s.Duration.Seconds() * s.Machines[i].Rate.Float64())
		if int64(len(recs)) > nominal || len(recs) < 2 {
			t.Fatalf("machine %d: %d ticks, want 2 to the absolute schedule's %d", i, len(recs), nominal)
		}
		period := s.Machines[i].Rate.TickTime(1)
		for k := 1; k < len(recs); k++ {
			if gap := recs[k].At - recs[k-1].At; gap < period-int64(tol) {
				t.Errorf("machine %d tick %d: %d ns after the previous one, less than the period %d ns", i, k, gap, period)
			}
		}
		mean := float64(recs[len(recs)-1].At-recs[0].At) / float64(len(recs)-1)
		if mean < float64(period) {
			t.Errorf("machine %d: mean interval %.0f ns, below the period %d ns", i, mean, period)
		}
		t.Logf("machine %d: %d ticks of %d, mean interval %.3f ms of scenario time (+%.1f µs of wall time a tick), effective rate %.4f/s",
			i, len(recs), nominal, mean/1e6, (mean-float64(period))/1e3/speed, 1e9/mean)
	}
}

// The summary of a run with the default ticker has no "ticker" key, so
// summaries written before the sleep ticker existed, and golden files,
// stay byte for byte what they were.
func TestRealSummaryTickerOmitted(t *testing.T) {
	abs := RealSummary{Scenario: "A3", Mode: "real", Speed: 1}
	if b := abs.Marshal(); strings.Contains(string(b), "ticker") {
		t.Errorf("an absolute run's summary mentions the ticker:\n%s", b)
	}
	slp := abs
	slp.Ticker = realtime.TickerSleep.String()
	if b := slp.Marshal(); !strings.Contains(string(b), `"speed": 1,
  "ticker": "sleep",`) {
		t.Errorf("a sleep run's summary lacks the ticker after the speed:\n%s", b)
	}
}

// The process launcher passes --ticker to "desim machine" only for a
// ticker other than the default (seen through echo, which prints the
// command line it is given), and RealOptions.Check refuses an unknown one.
func TestProcessLauncherTicker(t *testing.T) {
	echo, err := exec.LookPath("echo")
	if err != nil {
		t.Skip("no echo executable")
	}
	s := &scenarios.Scenario{Name: "A3"}
	for _, c := range []struct {
		ticker realtime.Ticker
		want   string
	}{
		{realtime.TickerAbsolute, "machine --control --id 1 --scenario run/scenario.yaml --speed 2.5 --connect-timeout 10s\n"},
		{realtime.TickerSleep, "machine --control --id 1 --scenario run/scenario.yaml --speed 2.5 --connect-timeout 10s --ticker sleep\n"},
	} {
		p, err := ProcessLauncher{Exe: echo}.Launch(MachineSpec{ID: 1, Scenario: s, ScenarioPath: "run/scenario.yaml", Speed: 2.5,
			ConnectTimeout: 10 * time.Second, Ticker: c.ticker})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		buf := make([]byte, 512)
		for {
			n, err := p.Stdout().Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		if err := p.Wait(); err != nil {
			t.Fatal(err)
		}
		if b.String() != c.want {
			t.Errorf("%s ticker: command line %q, want %q", c.ticker, b.String(), c.want)
		}
	}
	a3, err := Load("A3", Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	o := RealOptions{Speed: 1, Ticker: 7}
	if err := o.Check(a3); err == nil || !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "Ticker(7)") {
		t.Errorf("Check with ticker 7: %v, want bad input", err)
	}
}
