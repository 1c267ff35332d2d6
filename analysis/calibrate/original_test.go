package calibrate_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"desim/analysis"
	"desim/analysis/calibrate"
	"desim/sim"
)

// meta is the part of an original run's meta.json that the tests check
// against: its true configuration.
type meta struct {
	Name  string    `json:"name"`
	Rates []float64 `json:"rates_per_s"`
	R     int       `json:"R_random_event"`
	WallS float64   `json:"wall_duration_s"`
}

// readOriginal reads testdata/original/<name>: its logs and meta.json.
func readOriginal(t testing.TB, name string) (*analysis.Log, meta) {
	t.Helper()
	dir := filepath.Join("testdata", "original", name)
	var m meta
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	paths := make([]string, len(m.Rates))
	for i := range paths {
		paths[i] = filepath.Join(dir, fmt.Sprintf("machine-%d.csv", i))
	}
	l, err := analysis.ReadRun(paths...)
	if err != nil {
		t.Fatal(err)
	}
	return l, m
}

// TestOriginalRuns calibrates each shipped run of the original Python
// implementation alone and checks the estimates against its meta.json.
//
// The maximum-likelihood die is pinned: it may differ from the configured
// R by chance, and does for A5 (11 for 10) and C1 (7 for 6), as issue 12
// says; the 99 % interval must hold the configured R in every case.
//
// Overshoot: issue 12 quotes mean step overshoots of 0.36–0.56 ms on the
// 6 c/s machines and 0.4–1.3 ms on the slow ones, but these five runs
// (recorded on another machine) show 0.21–0.28 ms on every machine,
// directly from their time stamps (e.g. A5 machine 0: (last − first)/437
// − 1/6 s = 0.258 ms). The test therefore asks for what the logs show: a
// mean between 0.15 and 0.35 ms, at least 5 standard errors above zero
// (a real lateness, not rounding), and below the rate rule's 2 ms bound.
//
// Starts: these runs' machines start within 4 ms of each other (not the
// tens of ms the issue mentions for other runs); each offset is checked
// against the first ticks' times read independently here.
//
// Duration: meta.json's wall time is 75 s from the launch, but the first
// ticks come about 2 s after it (imports and connections), so the logs span
// about 72.9 s; the duration must cover that span, add less than a 6 c/s
// period beyond the latest tick, and be under the wall time.
func TestOriginalRuns(t *testing.T) {
	tests := []struct {
		name  string
		wantR int // maximum-likelihood R (the configured one is meta.R)
	}{
		{"A1", 10},
		{"A5", 11},
		{"B1", 4},
		{"B4", 4},
		{"C1", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, m := readOriginal(t, tt.name)
			e, err := calibrate.Fit([]*analysis.Log{l}, calibrate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(e.Machines) != len(m.Rates) {
				t.Fatalf("%d machines, want %d", len(e.Machines), len(m.Rates))
			}
			for i, mc := range e.Machines {
				if want := sim.MustRate(formatRate(m.Rates[i])); mc.Rate != want {
					t.Errorf("machine %d: rate %s, want %s (mean interval %.6f s)", i, mc.Rate, want, mc.MeanInterval)
				}
				o := mc.Overshoot
				if o.Mean < 0.15e-3 || o.Mean > 0.35e-3 || o.Mean < 5*o.SE {
					t.Errorf("machine %d: overshoot mean %.1f µs (se %.1f µs), want 150–350 µs and ≥ 5 se", i, o.Mean*1e6, o.SE*1e6)
				}
				if o.SD <= 0 || o.SE <= 0 || o.SE > o.SD {
					t.Errorf("machine %d: overshoot sd %g, se %g", i, o.SD, o.SE)
				}
				recs := l.Machines[i]
				wantStart := float64(recs[0].At) / 1e9 // ReadRun rebased the earliest first tick to 0
				if diff := mc.Start - wantStart; diff > 1e-9 || diff < -1e-9 || mc.Start < 0 || mc.Start > 0.01 {
					t.Errorf("machine %d: start %.6f s, want %.6f s (in [0, 10 ms))", i, mc.Start, wantStart)
				}
			}
			d := e.Die
			if d.R != tt.wantR || d.Lo > m.R || d.Hi < m.R || d.N != len(m.Rates) {
				t.Errorf("die R̂ = %d [%d, %d] (%d sends / %d free), want R̂ = %d and the configured %d inside", d.R, d.Lo, d.Hi, d.Sends, d.Free, tt.wantR, m.R)
			}
			span := l.Duration()
			if e.Duration <= time.Duration(span) || e.Duration > time.Duration(span)+time.Second/6 || e.Duration.Seconds() > m.WallS {
				t.Errorf("duration %s for a span of %s and a wall time of %.3f s", e.Duration, time.Duration(span), m.WallS)
			}
			if e.Duration != 73*time.Second {
				t.Errorf("duration %s, want 73s: the roundest time after the latest tick (span %s)", e.Duration, time.Duration(span))
			}
			if e.Latency != 100*time.Microsecond {
				t.Errorf("latency %s, want the assumed 100us", e.Latency)
			}
		})
	}
}

// formatRate writes a rate of meta.json for sim.MustRate.
func formatRate(r float64) string { return strconv.FormatFloat(r, 'f', -1, 64) }

// TestOriginalRunsTogether pools two runs of one configuration (A1 and B1
// are both 6, 6, 6) and checks what pooling promises: ticks and counts
// add up, the starts are per-run means, the rates agree. (Their dice
// differ, 10 and 4: Fit cannot tell, which is why calibrating runs together
// is for runs of one configuration.)
func TestOriginalRunsTogether(t *testing.T) {
	a1, _ := readOriginal(t, "A1")
	b1, _ := readOriginal(t, "B1")
	ea, err := calibrate.Fit([]*analysis.Log{a1}, calibrate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eb, err := calibrate.Fit([]*analysis.Log{b1}, calibrate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := calibrate.Fit([]*analysis.Log{a1, b1}, calibrate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range e.Machines {
		a, b := ea.Machines[i], eb.Machines[i]
		if m.Ticks != a.Ticks+b.Ticks || m.Intervals != a.Intervals+b.Intervals || m.Free != a.Free+b.Free || m.Sends != a.Sends+b.Sends {
			t.Errorf("machine %d: pooled counts %+v from %+v and %+v", i, m, a, b)
		}
		if want := (a.Start + b.Start) / 2; m.Start-want > 1e-12 || want-m.Start > 1e-12 {
			t.Errorf("machine %d: start %g, want the mean %g", i, m.Start, want)
		}
		wantMean := (a.Overshoot.Mean*float64(a.Intervals) + b.Overshoot.Mean*float64(b.Intervals)) / float64(m.Intervals)
		if d := m.Overshoot.Mean - wantMean; d > 1e-12 || d < -1e-12 {
			t.Errorf("machine %d: pooled overshoot mean %g, want %g", i, m.Overshoot.Mean, wantMean)
		}
	}
	if e.Die.Free != ea.Die.Free+eb.Die.Free || e.Die.Sends != ea.Die.Sends+eb.Die.Sends {
		t.Errorf("pooled die counts %+v from %+v and %+v", e.Die, ea.Die, eb.Die)
	}
	if len(e.Runs) != 2 || e.Runs[1].Files[0] != b1.Files[0] {
		t.Errorf("runs %+v", e.Runs)
	}
}
