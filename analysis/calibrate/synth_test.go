package calibrate_test

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"desim/analysis"
	"desim/analysis/calibrate"
	"desim/sim"
)

// synthMachine is one machine of a synthetic run: ticks at start, then
// each one 1/rate plus a gamma overshoot (by moments) after the previous.
type synthMachine struct {
	rate     sim.Rate
	start    time.Duration
	mean, sd time.Duration // overshoot; sd 0: every overshoot is mean
}

// synthRun is the configuration of a synthetic run.
type synthRun struct {
	machines []synthMachine
	die      int
	latency  time.Duration
	duration time.Duration
}

// simulate runs the model of SPEC.md with the timing model, independently
// of package sim's engine: ticks in time order (ties by machine index),
// each popping its queue's head if the queue is not empty (a receive),
// else rolling the die (faces 1..N-1 send to that peer, N to all, above N
// internal); messages reach their receiver's queue latency after the send
// and are in it for a tick at or after that time. The die and the
// overshoots draw from separate PCG streams of seed.
func simulate(cfg synthRun, seed uint64) [][]sim.Record {
	n := len(cfg.machines)
	dieRng := rand.New(rand.NewPCG(seed, 1))
	timeSrc := rand.NewPCG(seed, 2)
	type msg struct {
		at    float64
		to    int
		clock int64
	}
	next := make([]float64, n) // next tick, ns
	clock := make([]int64, n)
	queue := make([][]int64, n)
	var flight []msg // in arrival order: constant latency keeps sends' order
	draw := make([]func() float64, n)
	for i, m := range cfg.machines {
		next[i] = float64(m.start)
		mean, sd := float64(m.mean), float64(m.sd)
		switch {
		case sd == 0:
			draw[i] = func() float64 { return mean }
		default:
			g := distuv.Gamma{Alpha: mean * mean / (sd * sd), Beta: mean / (sd * sd), Src: timeSrc}
			draw[i] = g.Rand
		}
	}
	out := make([][]sim.Record, n)
	end := float64(cfg.duration)
	for {
		i := -1
		for j := range n {
			if next[j] < end && (i < 0 || next[j] < next[i]) {
				i = j
			}
		}
		if i < 0 {
			return out
		}
		t := next[i]
		for len(flight) > 0 && flight[0].at <= t {
			queue[flight[0].to] = append(queue[flight[0].to], flight[0].clock)
			flight = flight[1:]
		}
		var ev sim.Event
		if q := queue[i]; len(q) > 0 {
			clock[i] = max(clock[i], q[0])
			queue[i] = q[1:]
			ev = sim.Receive
		} else {
			d := dieRng.IntN(cfg.die) + 1
			peer := func(p int) int {
				if p < i {
					return p
				}
				return p + 1
			}
			arrive := t + float64(cfg.latency)
			switch {
			case d < n:
				ev = sim.SendTo(d - 1)
				flight = append(flight, msg{arrive, peer(d - 1), clock[i]})
			case d == n:
				ev = sim.Broadcast
				for p := range n - 1 {
					flight = append(flight, msg{arrive, peer(p), clock[i]})
				}
			default:
				ev = sim.Internal
			}
		}
		clock[i]++
		out[i] = append(out[i], sim.Record{At: int64(math.Round(t)), Clock: clock[i], Queue: int64(len(queue[i])), Event: ev})
		next[i] = t + 1e9/cfg.machines[i].rate.Float64() + draw[i]()
	}
}

// writeRun writes recs as desim's logs, machine-<i>.csv in dir, and reads
// them back with analysis.ReadRun.
func writeRun(t testing.TB, dir string, recs [][]sim.Record) *analysis.Log {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	paths := make([]string, len(recs))
	files := make([]*os.File, len(recs))
	ws := make([]io.Writer, len(recs))
	for i := range recs {
		paths[i] = filepath.Join(dir, fmt.Sprintf("machine-%d.csv", i))
		f, err := os.Create(paths[i])
		if err != nil {
			t.Fatal(err)
		}
		files[i], ws[i] = f, f
	}
	lw := sim.NewLogWriter(ws)
	for i, r := range recs {
		if err := lw.Records(i, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := lw.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	l, err := analysis.ReadRun(paths...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestSyntheticRecovery calibrates synthetic runs of known configuration,
// several seeds each: the rates must come back exactly, the die's interval
// must hold the true R, the overshoot mean within 10 % of the truth (each
// configuration is long enough that 10 % is at least 4 standard errors of
// the mean, which the test checks too, with the estimated se within a
// factor 2 of the true one), the sd within 25 %, and each
// start offset (first tick minus the run's earliest) within 5 ms.
func TestSyntheticRecovery(t *testing.T) {
	us := time.Microsecond
	ms := time.Millisecond
	tests := []struct {
		name string
		cfg  synthRun
	}{
		{"paper A5 with timing", synthRun{
			machines: []synthMachine{
				{sim.MustRate("6"), 12 * ms, 400 * us, 120 * us},
				{sim.MustRate("4"), 0, 400 * us, 120 * us},
				{sim.MustRate("2"), 47 * ms, 900 * us, 300 * us},
			},
			die: 10, latency: 100 * us, duration: 120 * time.Second,
		}},
		{"fractions and a small die", synthRun{
			machines: []synthMachine{
				{sim.MustRate("5/2"), 3 * ms, 300 * us, 200 * us},
				{sim.MustRate("1/3"), 30 * ms, 1200 * us, 200 * us},
				{sim.MustRate("6"), 0, 250 * us, 100 * us},
			},
			die: 4, latency: 100 * us, duration: 600 * time.Second,
		}},
		{"four machines, heavy overshoot", synthRun{
			machines: []synthMachine{
				{sim.MustRate("10"), 0, 1500 * us, 900 * us},
				{sim.MustRate("6"), 59 * ms, 500 * us, 500 * us},
				{sim.MustRate("1"), 20 * ms, 1300 * us, 400 * us},
				{sim.MustRate("6/5"), 5 * ms, 100 * us, 30 * us},
			},
			die: 7, latency: 2 * ms, duration: 400 * time.Second,
		}},
		{"constant overshoot", synthRun{
			machines: []synthMachine{
				{sim.MustRate("6"), 0, 300 * us, 0},
				{sim.MustRate("3"), 1 * ms, 300 * us, 0},
			},
			die: 5, latency: 100 * us, duration: 100 * time.Second,
		}},
	}
	for _, tt := range tests {
		for seed := uint64(1); seed <= 4; seed++ {
			t.Run(fmt.Sprintf("%s/seed=%d", tt.name, seed), func(t *testing.T) {
				l := writeRun(t, t.TempDir(), simulate(tt.cfg, seed))
				e, err := calibrate.Fit([]*analysis.Log{l}, calibrate.Options{})
				if err != nil {
					t.Fatal(err)
				}
				checkRecovery(t, tt.cfg, e, []*analysis.Log{l})
			})
		}
	}
}

// checkRecovery checks the estimates of runs of cfg (package comment of
// TestSyntheticRecovery).
func checkRecovery(t *testing.T, cfg synthRun, e *calibrate.Estimate, runs []*analysis.Log) {
	t.Helper()
	earliest := cfg.machines[0].start
	for _, m := range cfg.machines {
		earliest = min(earliest, m.start)
	}
	for i, want := range cfg.machines {
		m := e.Machines[i]
		if m.Rate != want.rate {
			t.Errorf("machine %d: rate %s, want %s (mean interval %.6f s)", i, m.Rate, want.rate, m.MeanInterval)
		}
		o := m.Overshoot
		tol := 0.1 * want.mean.Seconds()
		if math.Abs(o.Mean-want.mean.Seconds()) > tol {
			t.Errorf("machine %d: overshoot mean %.1f µs ± %.1f µs (se), want %s within 10 %%", i, o.Mean*1e6, o.SE*1e6, want.mean)
		}
		// The true se of the mean of independent draws: the test is
		// only meaningful when 10 % is at least 4 of them; the estimated
		// se (batch means, about √n batches) must be within a factor 2.
		trueSE := want.sd.Seconds() / math.Sqrt(float64(m.Intervals))
		if 4*trueSE > tol {
			t.Errorf("machine %d: true se %.1f µs: 10 %% of the mean is under 4 se, the test cannot tell", i, trueSE*1e6)
		}
		if want.sd > 0 && (o.SE < trueSE/2 || o.SE > 2*trueSE) {
			t.Errorf("machine %d: se %.1f µs, true %.1f µs (%d batches)", i, o.SE*1e6, trueSE*1e6, o.Batches)
		}
		// Times are rounded to 1 ns: a constant overshoot has an sd of
		// at most 1 ns.
		if math.Abs(o.SD-want.sd.Seconds()) > 0.25*want.sd.Seconds()+1e-9 {
			t.Errorf("machine %d: overshoot sd %.1f µs, want %s within 25 %%", i, o.SD*1e6, want.sd)
		}
		for j := range runs {
			if got, w := e.Runs[j].Starts[i], (want.start - earliest).Seconds(); math.Abs(got-w) > 0.005 {
				t.Errorf("run %d machine %d: start %.6f s, want %.6f s within 5 ms", j, i, got, w)
			}
		}
	}
	if d := e.Die; d.Lo > cfg.die || d.Hi < cfg.die {
		t.Errorf("die R̂ = %d [%d, %d] (%d/%d), want %d inside", d.R, d.Lo, d.Hi, d.Sends, d.Free, cfg.die)
	}
}

// TestSyntheticCoverage runs 200 synthetic runs of one configuration with
// starts drawn uniformly in [0, 60 ms) and counts how often the 99 %
// intervals miss the truth: the die's likelihood-ratio interval (R = 10)
// and the start spread's exact interval (S = 60 ms). Each should miss in
// about 1 % of runs; the likelihood-ratio interval is approximate, and the
// test fails when either misses in more than 8 of 200, which a true 99 %
// interval does with probability 0.0002 (binomial). It also fails when the
// die's interval never misses and is so wide that it always holds R ± 3
// (a coverage bought with width). Every run must give the rates exactly.
func TestSyntheticCoverage(t *testing.T) {
	const trials = 200
	const maxMiss = 8
	if p := 1 - (distuv.Binomial{N: trials, P: 0.01}).CDF(maxMiss); p > 0.001 {
		t.Fatalf("P(more than %d misses) = %g: bound too loose", maxMiss, p)
	}
	const spread = 60 * time.Millisecond
	rates := []sim.Rate{sim.MustRate("6"), sim.MustRate("4"), sim.MustRate("2")}
	startRng := rand.New(rand.NewPCG(12, 1))
	dir := t.TempDir()
	var dieMiss, spreadMiss, wide int
	for trial := range trials {
		cfg := synthRun{die: 10, latency: 100 * time.Microsecond, duration: 73 * time.Second}
		for _, r := range rates {
			start := time.Duration(startRng.Int64N(int64(spread)))
			cfg.machines = append(cfg.machines, synthMachine{r, start, 400 * time.Microsecond, 120 * time.Microsecond})
		}
		l := writeRun(t, filepath.Join(dir, fmt.Sprint(trial)), simulate(cfg, uint64(1000+trial)))
		e, err := calibrate.Fit([]*analysis.Log{l}, calibrate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range e.Machines {
			if m.Rate != rates[i] {
				t.Fatalf("trial %d machine %d: rate %s, want %s", trial, i, m.Rate, rates[i])
			}
		}
		if d := e.Die; d.Lo > 10 || d.Hi < 10 {
			dieMiss++
		}
		if d := e.Die; d.Lo <= 7 && d.Hi >= 13 {
			wide++
		}
		if s := e.StartSpread; s.Lo > spread.Seconds() || s.Hi < spread.Seconds() {
			spreadMiss++
		}
	}
	t.Logf("of %d runs: die interval missed R = 10 in %d, start spread interval missed 60 ms in %d; die interval held R ± 3 in %d", trials, dieMiss, spreadMiss, wide)
	if dieMiss > maxMiss || spreadMiss > maxMiss {
		t.Errorf("misses: die %d, spread %d of %d; want at most %d each", dieMiss, spreadMiss, trials, maxMiss)
	}
	if dieMiss == 0 && wide == trials {
		t.Errorf("the die interval always held 7..13: too wide")
	}
}

// TestSyntheticSeveralRuns pools three runs of one configuration, each
// with its own starts: rates and die as for one run, each run's start
// offsets within 5 ms of its truth, the machine's start the mean of the
// runs' offsets.
func TestSyntheticSeveralRuns(t *testing.T) {
	us := time.Microsecond
	rng := rand.New(rand.NewPCG(7, 7))
	var logs []*analysis.Log
	var cfgs []synthRun
	for j := range 3 {
		cfg := synthRun{die: 6, latency: 100 * us, duration: 60 * time.Second}
		for _, r := range []string{"6", "3", "2"} {
			start := time.Duration(rng.Int64N(int64(60 * time.Millisecond)))
			cfg.machines = append(cfg.machines, synthMachine{sim.MustRate(r), start, 450 * us, 150 * us})
		}
		cfgs = append(cfgs, cfg)
		logs = append(logs, writeRun(t, filepath.Join(t.TempDir(), fmt.Sprint(j)), simulate(cfg, uint64(50+j))))
	}
	e, err := calibrate.Fit(logs, calibrate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for j, cfg := range cfgs {
		checkRecovery(t, cfg, &calibrate.Estimate{Runs: e.Runs[j : j+1], Machines: e.Machines, Die: e.Die}, logs[j:j+1])
	}
	for i, m := range e.Machines {
		var sum float64
		for _, r := range e.Runs {
			sum += r.Starts[i]
		}
		if want := sum / 3; math.Abs(m.Start-want) > 1e-12 {
			t.Errorf("machine %d: start %g, want the mean %g", i, m.Start, want)
		}
		if m.Ticks != len(logs[0].Machines[i])+len(logs[1].Machines[i])+len(logs[2].Machines[i]) {
			t.Errorf("machine %d: %d ticks", i, m.Ticks)
		}
	}
}

// TestDesimEngineLogs calibrates logs of desim's own engine (no timing
// model, simultaneous start): every interval is the period to the ns, so
// the rates come back exactly with zero overshoot, all starts are 0, the
// die's interval holds the scenario's, and the duration is the run's.
func TestDesimEngineLogs(t *testing.T) {
	for _, tt := range []struct {
		rates []string
		die   int
	}{
		{[]string{"6", "4", "2"}, 10},
		{[]string{"6", "5/2", "1/3"}, 4},
		{[]string{"7", "1"}, 3},
	} {
		t.Run(fmt.Sprint(tt.rates), func(t *testing.T) {
			cfg := sim.Config{Seed: 3, Duration: int64(120 * time.Second), Die: tt.die, Latency: int64(100 * time.Microsecond)}
			for _, r := range tt.rates {
				cfg.Machines = append(cfg.Machines, sim.MachineConfig{Rate: sim.MustRate(r)})
			}
			eng, err := sim.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			col := &collect{recs: make([][]sim.Record, len(tt.rates))}
			if err := eng.Run(col); err != nil {
				t.Fatal(err)
			}
			l := writeRun(t, t.TempDir(), col.recs)
			e, err := calibrate.Fit([]*analysis.Log{l}, calibrate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for i, m := range e.Machines {
				if m.Rate != cfg.Machines[i].Rate || math.Abs(m.Overshoot.Mean) > 1e-9 || m.Overshoot.SD > 1e-9 || m.Start != 0 {
					t.Errorf("machine %d: rate %s, overshoot %+v, start %g; want %s, 0, 0", i, m.Rate, m.Overshoot, m.Start, cfg.Machines[i].Rate)
				}
			}
			if d := e.Die; d.Lo > tt.die || d.Hi < tt.die {
				t.Errorf("die %+v, want %d inside", d, tt.die)
			}
			if e.Duration != 120*time.Second {
				t.Errorf("duration %s, want 120s", e.Duration)
			}
		})
	}
}

// collect is a sim.Sink that keeps every record.
type collect struct{ recs [][]sim.Record }

func (c *collect) Records(machine int, b []sim.Record) error {
	c.recs[machine] = append(c.recs[machine], b...)
	return nil
}
