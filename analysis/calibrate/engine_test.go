package calibrate_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"desim/analysis"
	"desim/analysis/calibrate"
	"desim/scenarios"
	"desim/sim"
)

// runEngine runs cfg on desim's engine and returns its logs as written
// and read back.
func runEngine(t *testing.T, cfg sim.Config) *analysis.Log {
	t.Helper()
	eng, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	col := &collect{recs: make([][]sim.Record, len(cfg.Machines))}
	if err := eng.Run(col); err != nil {
		t.Fatal(err)
	}
	return writeRun(t, t.TempDir(), col.recs)
}

// TestEngineTiming calibrates logs that desim's engine simulated with a
// timing model, several seeds each: rates exactly, the die's interval
// holding R, each overshoot mean within 10 % (the runs are long enough that
// 10 % is at least 4 standard errors: checked in checkRecovery), starts
// within 5 ms of the configured ones (no start spread, so they are known).
func TestEngineTiming(t *testing.T) {
	us, ms := time.Microsecond, time.Millisecond
	tests := []struct {
		name string
		cfg  synthRun // the same description as the synthetic runs'
	}{
		{"original-like", synthRun{
			machines: []synthMachine{
				{sim.MustRate("6"), 0, 400 * us, 120 * us},
				{sim.MustRate("4"), 30 * ms, 400 * us, 120 * us},
				{sim.MustRate("2"), 12 * ms, 1300 * us, 400 * us},
			},
			die: 10, latency: 100 * us, duration: 120 * time.Second,
		}},
		{"fractions", synthRun{
			machines: []synthMachine{
				{sim.MustRate("5/2"), 5 * ms, 300 * us, 200 * us},
				{sim.MustRate("6"), 0, 250 * us, 0},
				{sim.MustRate("1/3"), 44 * ms, 1000 * us, 150 * us},
			},
			die: 4, latency: 100 * us, duration: 600 * time.Second,
		}},
	}
	for _, tt := range tests {
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%s/seed=%d", tt.name, seed), func(t *testing.T) {
				cfg := sim.Config{Seed: seed, Duration: int64(tt.cfg.duration), Die: tt.cfg.die, Latency: int64(tt.cfg.latency)}
				for _, m := range tt.cfg.machines {
					cfg.Machines = append(cfg.Machines, sim.MachineConfig{
						Rate: m.rate, Start: int64(m.start),
						Overshoot: sim.Overshoot{Mean: int64(m.mean), SD: int64(m.sd)},
					})
				}
				l := runEngine(t, cfg)
				e, err := calibrate.Fit([]*analysis.Log{l}, calibrate.Options{})
				if err != nil {
					t.Fatal(err)
				}
				checkRecovery(t, tt.cfg, e, []*analysis.Log{l})
			})
		}
	}
}

// TestEngineDieExact: pooled over enough runs, the maximum-likelihood die
// is the configured one exactly, not only inside its interval. Three 6 c/s
// machines at die 10 (overshoot 250us ± 80us), four seeds of 600 s pooled:
// about 34,000 free ticks with p = 3/10, so the send fraction's relative
// standard error is about 0.8 %, and R̂ = N·free/sends rounds to 10 unless
// it is off by 5 %, six standard errors. A die of 8 or 12 must come back as
// itself too.
func TestEngineDieExact(t *testing.T) {
	for _, die := range []int{8, 10, 12} {
		t.Run(fmt.Sprintf("die=%d", die), func(t *testing.T) {
			var logs []*analysis.Log
			for seed := uint64(1); seed <= 4; seed++ {
				cfg := sim.Config{Seed: seed, Duration: int64(600 * time.Second), Die: die, Latency: int64(100 * time.Microsecond)}
				for range 3 {
					cfg.Machines = append(cfg.Machines, sim.MachineConfig{Rate: sim.MustRate("6"),
						Overshoot: sim.Overshoot{Mean: int64(250 * time.Microsecond), SD: int64(80 * time.Microsecond)}})
				}
				logs = append(logs, runEngine(t, cfg))
			}
			e, err := calibrate.Fit(logs, calibrate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if e.Die.R != die || e.Die.Lo > die || e.Die.Hi < die {
				t.Errorf("R̂ = %d [%d, %d] from %d sends among %d free ticks; want exactly %d", e.Die.R, e.Die.Lo, e.Die.Hi, e.Die.Sends, e.Die.Free, die)
			}
			for i, m := range e.Machines {
				if m.Rate != sim.MustRate("6") {
					t.Errorf("machine %d: rate %s, want 6", i, m.Rate)
				}
			}
		})
	}
}

// TestRoundTrip calibrates an original run, runs the calibrated scenario
// on desim's engine, and calibrates that run: the rates come back exactly,
// the die's interval holds the calibrated R̂, the overshoot means come
// back within 10 % and the starts within 1 ms (the scenario's starts are
// the first estimate's, rounded to 1 µs).
func TestRoundTrip(t *testing.T) {
	for _, name := range []string{"A5", "B4"} {
		t.Run(name, func(t *testing.T) {
			l, _ := readOriginal(t, name)
			e1, err := calibrate.Fit([]*analysis.Log{l}, calibrate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			s, err := scenarios.Parse("calibrated.yaml", e1.YAML(name))
			if err != nil {
				t.Fatal(err)
			}
			l2 := runEngine(t, s.Config(1))
			e2, err := calibrate.Fit([]*analysis.Log{l2}, calibrate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for i, m2 := range e2.Machines {
				sm := s.Machines[i]
				if m2.Rate != sm.Rate {
					t.Errorf("machine %d: rate %s, want %s", i, m2.Rate, sm.Rate)
				}
				want := sm.Timing.OvershootMean.Seconds()
				if math.Abs(m2.Overshoot.Mean-want) > 0.1*want {
					t.Errorf("machine %d: overshoot %.1f µs ± %.1f, want %s within 10 %%", i, m2.Overshoot.Mean*1e6, m2.Overshoot.SE*1e6, sm.Timing.OvershootMean)
				}
				earliest := s.Machines[0].Start
				for _, m := range s.Machines {
					earliest = min(earliest, m.Start)
				}
				if d := m2.Start - (sm.Start - earliest).Seconds(); math.Abs(d) > 1e-3 {
					t.Errorf("machine %d: start %.6f s, want %s", i, m2.Start, sm.Start-earliest)
				}
			}
			if d := e2.Die; d.Lo > s.Die || d.Hi < s.Die {
				t.Errorf("die %+v, want %d inside", d, s.Die)
			}
			if e2.Duration > s.Duration || e2.Duration < s.Duration-time.Second {
				t.Errorf("duration %s for a run of %s", e2.Duration, s.Duration)
			}
		})
	}
}
