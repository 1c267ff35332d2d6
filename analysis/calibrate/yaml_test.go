package calibrate_test

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"desim/analysis"
	"desim/analysis/calibrate"
	"desim/scenarios"
	"desim/sim"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestYAMLGolden compares the YAML of each original run's calibration with
// testdata/<name>.golden.yaml, byte for byte (go test -update rewrites
// them).
func TestYAMLGolden(t *testing.T) {
	for _, name := range []string{"A1", "A5", "B1", "B4", "C1"} {
		t.Run(name, func(t *testing.T) {
			l, _ := readOriginal(t, name)
			e, err := calibrate.Fit([]*analysis.Log{l}, calibrate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := e.YAML(name + "-calibrated")
			golden := filepath.Join("testdata", name+".golden.yaml")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("YAML differs from %s (go test -update rewrites it):\n%s", golden, got)
			}
		})
	}
}

// TestYAMLWithoutTiming parses the YAML of logs that desim's engine wrote
// without a timing model (so the file has no timing block and the
// scenario format of today reads it) and checks that it gives back the
// estimates: rates, starts, die, duration, latency.
func TestYAMLWithoutTiming(t *testing.T) {
	cfg := sim.Config{Seed: 9, Duration: int64(90 * time.Second), Die: 8, Latency: int64(100 * time.Microsecond)}
	for _, m := range []struct {
		rate  string
		start time.Duration
	}{{"6", 0}, {"5/2", 40 * time.Millisecond}, {"1", 7 * time.Millisecond}} {
		cfg.Machines = append(cfg.Machines, sim.MachineConfig{Rate: sim.MustRate(m.rate), Start: int64(m.start)})
	}
	eng, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	col := &collect{recs: make([][]sim.Record, len(cfg.Machines))}
	if err := eng.Run(col); err != nil {
		t.Fatal(err)
	}
	l := writeRun(t, t.TempDir(), col.recs)
	e, err := calibrate.Fit([]*analysis.Log{l}, calibrate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	y := e.YAML("engine run/1")
	if bytes.Contains(y, []byte("\ntiming:")) || bytes.Contains(y, []byte("    timing:")) {
		t.Errorf("timing block in a run without overshoot:\n%s", y)
	}
	s, err := scenarios.Parse("calibrated.yaml", y)
	if err != nil {
		t.Fatalf("%v\n%s", err, y)
	}
	checkScenario(t, e, s)
	if s.Name != "engine-run-1" {
		t.Errorf("name %q", s.Name)
	}
	for i, m := range s.Machines {
		if want := time.Duration(cfg.Machines[i].Start); m.Start != want {
			t.Errorf("machine %d: start %s, want %s", i, m.Start, want)
		}
	}
}

// checkScenario checks that s, parsed from e.YAML, gives back e's
// estimates: the rates, the starts rounded to 1 ms, the die R̂, the
// duration, the assumed latency and no jitter.
func checkScenario(t *testing.T, e *calibrate.Estimate, s *scenarios.Scenario) {
	t.Helper()
	if want := e.Scenario(s.Name); !reflect.DeepEqual(s, want) {
		t.Errorf("parsed YAML\n  %+v\nwant Scenario()\n  %+v", s, want)
	}
	if s.Die != e.Die.R || s.Duration != e.Duration || s.Latency != e.Latency || s.Jitter != 0 {
		t.Errorf("die %d, duration %s, latency %s, jitter %s; want %d, %s, %s, 0s", s.Die, s.Duration, s.Latency, s.Jitter, e.Die.R, e.Duration, e.Latency)
	}
	if len(s.Machines) != len(e.Machines) {
		t.Fatalf("%d machines, want %d", len(s.Machines), len(e.Machines))
	}
	for i, m := range s.Machines {
		em := e.Machines[i]
		if m.Rate != em.Rate {
			t.Errorf("machine %d: rate %s, want %s", i, m.Rate, em.Rate)
		}
		if d := m.Start - time.Duration(em.Start*1e9); d > time.Millisecond/2 || d < -time.Millisecond/2 {
			t.Errorf("machine %d: start %s, want %.6f s to 1 ms", i, m.Start, em.Start)
		}
	}
	if !strings.Contains(s.Description, "latency assumed") {
		t.Errorf("description %q", s.Description)
	}
}

// TestYAMLParsesBack reads the YAML of each original run's calibration
// with scenarios.Parse: it must be the scenario Scenario returns, with the
// estimates: rates, starts to 1 ms, each machine's overshoot mean and sd
// to 1 µs, no start spread, die R̂, duration, assumed latency.
func TestYAMLParsesBack(t *testing.T) {
	for _, name := range []string{"A1", "A5", "B1", "B4", "C1"} {
		t.Run(name, func(t *testing.T) {
			l, _ := readOriginal(t, name)
			e, err := calibrate.Fit([]*analysis.Log{l}, calibrate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			s, err := scenarios.Parse("calibrated.yaml", e.YAML(name))
			if err != nil {
				t.Fatal(err)
			}
			checkScenario(t, e, s)
			if !s.Timed() || !s.Timing.IsZero() {
				t.Errorf("timing %+v (timed %v), want machines' own and none at scenario level", s.Timing, s.Timed())
			}
			for i, m := range s.Machines {
				o := e.Machines[i].Overshoot
				if d := m.Timing.OvershootMean.Seconds() - o.Mean; math.Abs(d) > 0.5e-6 {
					t.Errorf("machine %d: overshoot mean %s, want %.1f µs", i, m.Timing.OvershootMean, o.Mean*1e6)
				}
				if d := m.Timing.OvershootSD.Seconds() - o.SD; math.Abs(d) > 0.5e-6 {
					t.Errorf("machine %d: overshoot sd %s, want %.1f µs", i, m.Timing.OvershootSD, o.SD*1e6)
				}
				if m.Timing.StartSpread != 0 {
					t.Errorf("machine %d: start spread %s, want 0", i, m.Timing.StartSpread)
				}
			}
		})
	}
}

// TestYAMLClamped writes a machine whose overshoot sd is over 10 times its
// mean (interval jitter of ±0.5 ms around a 5 µs mean lateness): the sd
// is held to 10 × mean, with a comment, and the file parses.
func TestYAMLClamped(t *testing.T) {
	jittery := ticks(6, 301, 0, 0) // 300 intervals, ending on an on-time tick
	for k := range jittery {
		jittery[k].At += int64(k) * 5_000 // 5 µs of lateness a tick
		if k%2 == 1 {
			jittery[k].At += 500_000 // every other tick 0.5 ms late
		}
	}
	e, err := calibrate.Fit([]*analysis.Log{run("a", ticks(6, 300, 0, 300_000), jittery)}, calibrate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if o := e.Machines[1].Overshoot; o.SD < 400e-6 || math.Abs(o.Mean-5e-6) > 0.1e-6 {
		t.Fatalf("overshoot %+v, want a mean of 5 µs and an sd of about 0.5 ms", o)
	}
	y := e.YAML("clamped")
	if !bytes.Contains(y, []byte("# overshoot clamped to the scenario format's limits")) || !bytes.Contains(y, []byte("overshoot: {mean: 5us, sd: 50us}")) {
		t.Errorf("no clamp in\n%s", y)
	}
	s, err := scenarios.Parse("clamped.yaml", y)
	if err != nil {
		t.Fatal(err)
	}
	checkScenario(t, e, s)
}
