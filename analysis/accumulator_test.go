package analysis

import (
	"fmt"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"

	// Imported for its side effect: it registers the -update flag, so that
	// "go test ./... -update" is accepted by this test binary too.
	_ "desim/internal/golden"
	"desim/sim"
)

// accRecorder is a sim.Sink that keeps a copy of every record, per machine.
type accRecorder [][]sim.Record

func (r accRecorder) Records(machine int, b []sim.Record) error {
	r[machine] = append(r[machine], b...)
	return nil
}

// accRun is one engine configuration used by the tests below.
type accRun struct {
	name     string
	rates    []string
	die      int
	seconds  int64
	seed     uint64
	latency  int64 // ns
	jitter   int64 // ns
	startsNs []int64
}

func (e accRun) config() sim.Config {
	cfg := sim.Config{
		Seed:     e.seed,
		Duration: e.seconds * 1e9,
		Die:      e.die,
		Latency:  e.latency,
		Jitter:   e.jitter,
	}
	for i, r := range e.rates {
		m := sim.MachineConfig{Rate: sim.MustRate(r)}
		if i < len(e.startsNs) {
			m.Start = e.startsNs[i]
		}
		cfg.Machines = append(cfg.Machines, m)
	}
	return cfg
}

// record runs the configuration and returns every machine's records.
func (e accRun) record(t testing.TB) [][]sim.Record {
	t.Helper()
	eng, err := sim.New(e.config())
	if err != nil {
		t.Fatalf("%s: %v", e.name, err)
	}
	rec := make(accRecorder, len(e.rates))
	if err := eng.Run(rec); err != nil {
		t.Fatalf("%s: %v", e.name, err)
	}
	return rec
}

var accRuns = []accRun{
	{name: "A2-like 6,1,1 die 10 600s", rates: []string{"6", "1", "1"}, die: 10, seconds: 600, seed: 1, latency: 100_000},
	{name: "A1-like 6,6,6 die 10 600s", rates: []string{"6", "6", "6"}, die: 10, seconds: 600, seed: 2, latency: 100_000},
	{name: "A3-like 6,6,1 die 10 600s", rates: []string{"6", "6", "1"}, die: 10, seconds: 600, seed: 3, latency: 100_000},
	{name: "B4-like 6,5,4 die 4 300s", rates: []string{"6", "5", "4"}, die: 4, seconds: 300, seed: 4, latency: 100_000},
	{
		name: "odd rates, starts and jitter, 4 machines", rates: []string{"2.5", "1/3", "7", "6"}, die: 6, seconds: 400, seed: 5,
		latency: 1_000_000, jitter: 300_000_000, startsNs: []int64{0, 500_000_000, 123_456_789, 999_999_999},
	},
}

// accMetrics feeds every machine's records in one batch.
func accMetrics(recs [][]sim.Record, rates []float64) []MachineMetrics {
	a := NewAccumulator(len(recs))
	for i, r := range recs {
		a.Records(i, r)
	}
	return a.Metrics(rates)
}

// gonumSlopes returns the OLS slopes of clock and queue against the time in
// seconds, by gonum's two-pass stat.LinearRegression.
func gonumSlopes(recs []sim.Record) (clock, queue float64) {
	x, c, q := pointsOf(recs)
	_, clock = stat.LinearRegression(x, c, nil, false)
	_, queue = stat.LinearRegression(x, q, nil, false)
	return clock, queue
}

func pointsOf(recs []sim.Record) (x, c, q []float64) {
	for _, r := range recs {
		x = append(x, float64(r.At)/1e9)
		c = append(c, float64(r.Clock))
		q = append(q, float64(r.Queue))
	}
	return x, c, q
}

// slopeTolerance is the tolerance for comparing two computations of the OLS
// slope of y against x: 1e-9 relative to the slope itself, but never less
// than 1e-9 of the data's scale, sd(y)/sd(x) (the slope a perfect
// correlation would give). A slope that is ~0 (a queue that does not
// grow) is the difference of two nearly equal sums, so no method can give
// it to 1e-9 of its own size; 1e-9 of the data's scale is what "agrees to
// 1e-9" can mean for it.
func slopeTolerance(x, y []float64, slope float64) float64 {
	scale := 0.0
	if sx := stat.StdDev(x, nil); sx > 0 {
		scale = stat.StdDev(y, nil) / sx
	}
	return 1e-9 * math.Max(math.Abs(slope), scale)
}

func checkSlopes(t *testing.T, what string, recs []sim.Record, got MachineMetrics) {
	t.Helper()
	x, c, q := pointsOf(recs)
	wantC, wantQ := gonumSlopes(recs)
	if len(recs) < 2 {
		wantC, wantQ = 0, 0
	}
	if tol := slopeTolerance(x, c, wantC); !(math.Abs(got.ClockSlope-wantC) <= tol) {
		t.Errorf("%s: clock_slope %.17g, gonum %.17g (|diff| %.3g > tol %.3g)", what, got.ClockSlope, wantC, math.Abs(got.ClockSlope-wantC), tol)
	}
	if tol := slopeTolerance(x, q, wantQ); !(math.Abs(got.QueueSlope-wantQ) <= tol) {
		t.Errorf("%s: queue_slope %.17g, gonum %.17g (|diff| %.3g > tol %.3g)", what, got.QueueSlope, wantQ, math.Abs(got.QueueSlope-wantQ), tol)
	}
}

func TestSlopesMatchGonumOnEngineRuns(t *testing.T) {
	for _, er := range accRuns {
		t.Run(er.name, func(t *testing.T) {
			recs := er.record(t)
			ms := accMetrics(recs, nil)
			for i := range recs {
				if len(recs[i]) < 100 {
					t.Fatalf("machine %d has only %d ticks", i, len(recs[i]))
				}
				checkSlopes(t, fmt.Sprintf("machine %d (%d ticks)", i, len(recs[i])), recs[i], ms[i])
				t.Logf("machine %d: clock_slope %.6f queue_slope %.6f", i, ms[i].ClockSlope, ms[i].QueueSlope)
			}
		})
	}
}

// testLCG is a tiny deterministic generator for synthetic series.
type testLCG uint64

func (g *testLCG) next() uint64 {
	*g = *g*6364136223846793005 + 1442695040888963407
	return uint64(*g >> 33)
}

// synthRecords builds n records with times t0 + k*step + (jitter in [0, jit)) ns and
// values from the functions.
func synthRecords(n int, t0, step, jit int64, clock, queue func(k int, sec float64) int64) []sim.Record {
	g := testLCG(n)
	recs := make([]sim.Record, n)
	at := t0
	for k := range recs {
		a := at
		if jit > 0 {
			a += int64(g.next() % uint64(jit))
		}
		sec := float64(a-t0) / 1e9
		recs[k] = sim.Record{At: a, Clock: clock(k, sec), Queue: queue(k, sec), Event: sim.Event(k % 5)}
		at += step
	}
	return recs
}

func TestSlopesMatchGonumOnSyntheticSeries(t *testing.T) {
	noise := testLCG(7)
	cases := []struct {
		name string
		recs []sim.Record
	}{
		{"exact line 6/s", synthRecords(1000, 0, 166_666_666, 0, func(k int, _ float64) int64 { return int64(k + 1) }, func(int, float64) int64 { return 0 })},
		{"line with noise, irregular times", synthRecords(5000, 0, 2e8, 1e8,
			func(k int, s float64) int64 { return int64(5*s) + int64(noise.next()%20) },
			func(k int, s float64) int64 { return int64(0.3*s) + int64(noise.next()%4) })},
		{"large time offset 1e15 ns", synthRecords(3000, 1e15, 166_666_666, 0,
			func(k int, _ float64) int64 { return int64(3*k) + int64(noise.next()%5) },
			func(k int, _ float64) int64 { return int64(k / 10) })},
		{"quadratic", synthRecords(2000, 0, 1e8, 0,
			func(k int, _ float64) int64 { return int64(k * k) },
			func(k int, _ float64) int64 { return int64(k % 17) })},
		{"huge clocks (~1e12)", synthRecords(4000, 0, 1e6, 0,
			func(k int, _ float64) int64 { return 1e12 + int64(k)*1000 + int64(noise.next()%100) },
			func(k int, _ float64) int64 { return 1e6 - int64(k) })},
		// Near-zero slopes: a stationary queue that flickers between 0 and
		// 2, and a clock flat apart from noise. Compared relative to the
		// data's scale (see slopeTolerance).
		{"flat, slope ~0", synthRecords(10000, 0, 166_666_666, 0,
			func(k int, _ float64) int64 { return 1000 + int64(noise.next()%3) },
			func(k int, _ float64) int64 { return int64(noise.next() % 3) })},
		{"one record", synthRecords(1, 5e9, 1, 0, func(int, float64) int64 { return 4 }, func(int, float64) int64 { return 2 })},
		{"two records", synthRecords(2, 5e9, 1e9, 0, func(k int, _ float64) int64 { return int64(1 + 3*k) }, func(k int, _ float64) int64 { return int64(2 - k) })},
		{"a run of 10^6 ticks at 1e5/s", synthRecords(1_000_000, 0, 1e4, 0,
			func(k int, _ float64) int64 { return int64(k) + int64(noise.next()%50) },
			func(k int, _ float64) int64 { return int64(k/1000) % 7 })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ms := accMetrics([][]sim.Record{tc.recs, nil}, nil)
			checkSlopes(t, tc.name, tc.recs, ms[0])
		})
	}
	// The exact line is exact enough to check against its known slope.
	ms := accMetrics([][]sim.Record{cases[0].recs, nil}, nil)
	// Tick times are rounded down to whole ns, so the true OLS slope is a
	// hair above 6.
	if got := ms[0].ClockSlope; math.Abs(got-6) > 1e-6 {
		t.Errorf("exact line: clock_slope %.17g, want 6", got)
	}
}

// --- definitions on hand-computed streams ---

func mkRecord(sec float64, clock, queue int64, ev sim.Event) sim.Record {
	return sim.Record{At: int64(math.Round(sec * 1e9)), Clock: clock, Queue: queue, Event: ev}
}

// closeToHand reports whether got equals want to 1e-12 relative (the answers
// below are computed by hand, in exact arithmetic).
func closeToHand(got, want float64) bool {
	return math.Abs(got-want) <= 1e-12*math.Max(1, math.Abs(want))
}

func TestMetricDefinitions(t *testing.T) {
	cases := []struct {
		name  string
		recs  [][]sim.Record
		rates []float64
		want  []MachineMetrics
	}{
		{
			name: "three machines: 4 ticks, 1 tick, 0 ticks",
			recs: [][]sim.Record{
				{
					// x = 0,1,2,3 s; clock 1,2,5,6: x̄ = 1.5, ȳ = 3.5,
					// Sxy = 3.75+0.75+0.75+3.75 = 9, Sxx = 5, slope 1.8.
					// queue 0,2,1,0: ȳ = 0.75, Sxy = 1.125-0.625+0.125-1.125
					// = -0.5, slope -0.1.
					mkRecord(0, 1, 0, sim.Internal),
					mkRecord(1, 2, 2, sim.SendTo(0)),
					mkRecord(2, 5, 1, sim.Receive),
					mkRecord(3, 6, 0, sim.Broadcast),
				},
				{mkRecord(0.5, 7, 3, sim.Receive)},
				nil,
			},
			rates: []float64{1, 2.5, 6},
			// Drift is against the largest rate, 6.
			want: []MachineMetrics{
				{ID: 0, Rate: 1, Ticks: 4, Receives: 1, Sends: 2, Internals: 1, MessagesSent: 1 + 2,
					FinalClock: 6, FinalQueue: 0, MaxQueue: 2, ClockSlope: 1.8, QueueSlope: -0.1,
					Drift: 1.8 - 6, MeanJump: 5.0 / 3, MaxJump: 3},
				// One tick: slopes 0, no jumps; drift = 0 - 6.
				{ID: 1, Rate: 2.5, Ticks: 1, Receives: 1, FinalClock: 7, FinalQueue: 3, MaxQueue: 3, Drift: -6},
				// No tick at all: every count 0, slopes 0.
				{ID: 2, Rate: 6, Drift: -6},
			},
		},
		{
			name: "four machines, the fastest is not machine 0",
			recs: [][]sim.Record{
				// Two ticks 2 s apart: slope (3-1)/2 = 1; queue 4 -> 1: -1.5.
				{mkRecord(10, 1, 4, sim.SendTo(2)), mkRecord(12, 3, 1, sim.SendTo(1))},
				// Clock 1, 2, 4, 8, 9 at 0..2 s every 0.5 s: x̄ = 1, ȳ = 4.8,
				// Sxy = (-1)(-3.8)+(-.5)(-2.8)+0+(.5)(3.2)+(1)(4.2) = 11,
				// Sxx = 2.5, slope 4.4. Queue constant 1: slope 0.
				{
					mkRecord(0, 1, 1, sim.Broadcast),
					mkRecord(0.5, 2, 1, sim.Broadcast),
					mkRecord(1, 4, 1, sim.Receive),
					mkRecord(1.5, 8, 1, sim.Receive),
					mkRecord(2, 9, 1, sim.Internal),
				},
				// Two ticks at the same time (the engine never makes
				// these, but the definition covers them): fewer than two
				// distinct times, so both slopes are 0.
				{mkRecord(3, 5, 0, sim.Internal), mkRecord(3, 6, 9, sim.SendTo(0))},
				{mkRecord(1, 1, 0, sim.Internal), mkRecord(2, 2, 0, sim.Internal), mkRecord(3, 3, 0, sim.Internal)},
			},
			// No rates: drift is against the largest measured tick rate,
			// machine 1's 4 ticks in 2 s (machine 0: 1 in 2 s, machine 2:
			// none measurable, machine 3: 2 in 2 s). Hand-made clocks can
			// outrun it: machine 1's drift is positive.
			want: []MachineMetrics{
				{ID: 0, Ticks: 2, Sends: 2, MessagesSent: 2, FinalClock: 3, FinalQueue: 1, MaxQueue: 4,
					ClockSlope: 1, QueueSlope: -1.5, Drift: 1 - 2, MeanJump: 2, MaxJump: 2},
				// Two broadcasts among 4 machines: 3 copies each.
				{ID: 1, Ticks: 5, Receives: 2, Sends: 2, Internals: 1, MessagesSent: 6, FinalClock: 9, FinalQueue: 1,
					MaxQueue: 1, ClockSlope: 4.4, QueueSlope: 0, Drift: 4.4 - 2, MeanJump: 2, MaxJump: 4},
				{ID: 2, Ticks: 2, Sends: 1, Internals: 1, MessagesSent: 1, FinalClock: 6, FinalQueue: 9, MaxQueue: 9,
					Drift: -2, MeanJump: 1, MaxJump: 1},
				{ID: 3, Ticks: 3, Internals: 3, FinalClock: 3, ClockSlope: 1, Drift: 1 - 2, MeanJump: 1, MaxJump: 1},
			},
		},
		{
			name: "two machines, both without ticks",
			recs: [][]sim.Record{nil, nil},
			want: []MachineMetrics{{ID: 0}, {ID: 1}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := accMetrics(tc.recs, tc.rates)
			if len(got) != len(tc.want) {
				t.Fatalf("%d machines, want %d", len(got), len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.ID != w.ID || g.Rate != w.Rate || g.Ticks != w.Ticks || g.Receives != w.Receives ||
					g.Sends != w.Sends || g.Internals != w.Internals || g.MessagesSent != w.MessagesSent ||
					g.FinalClock != w.FinalClock || g.FinalQueue != w.FinalQueue || g.MaxQueue != w.MaxQueue ||
					g.MaxJump != w.MaxJump {
					t.Errorf("machine %d counts:\n got  %+v\n want %+v", i, g, w)
				}
				for _, f := range []struct {
					name      string
					got, want float64
				}{
					{"clock_slope", g.ClockSlope, w.ClockSlope},
					{"queue_slope", g.QueueSlope, w.QueueSlope},
					{"drift", g.Drift, w.Drift},
					{"mean_jump", g.MeanJump, w.MeanJump},
				} {
					if !closeToHand(f.got, f.want) {
						t.Errorf("machine %d %s = %.17g, want %.17g", i, f.name, f.got, f.want)
					}
				}
			}
		})
	}
}

// TestDriftOnEngineRuns: on engine runs drift is clock_slope minus the
// largest rate, given or measured from the tick times (the same number:
// the engine ticks exactly at k/rate); a fast machine that starts at 0
// and is never overtaken has drift 0.
func TestDriftOnEngineRuns(t *testing.T) {
	for _, er := range accRuns {
		recs := er.record(t)
		rates := make([]float64, len(er.rates))
		for i, r := range er.rates {
			rates[i] = sim.MustRate(r).Float64()
		}
		fastest := 0.0
		for _, r := range rates {
			fastest = math.Max(fastest, r)
		}
		given, measured := accMetrics(recs, rates), accMetrics(recs, nil)
		zero := 0
		for i, m := range given {
			if m.Drift != m.ClockSlope-fastest {
				t.Errorf("%s: machine %d drift %.17g, clock_slope %.17g, fastest rate %g", er.name, m.ID, m.Drift, m.ClockSlope, fastest)
			}
			if d := measured[i].Drift; math.Abs(d-m.Drift) > 1e-9 {
				t.Errorf("%s: machine %d drift %.17g against the measured rates, %.17g against the given ones", er.name, m.ID, d, m.Drift)
			}
			// The engine's tick times are whole nanoseconds, so the fastest
			// clock's fitted slope is its rate to about 1e-9.
			if math.Abs(m.Drift) < 1e-6 {
				zero++
			}
			// Every tick is exactly one of receive, send/broadcast, internal.
			if m.Receives+m.Sends+m.Internals != m.Ticks {
				t.Errorf("%s: machine %d: receives+sends+internals = %d, ticks %d", er.name, m.ID, m.Receives+m.Sends+m.Internals, m.Ticks)
			}
			if m.MessagesSent < m.Sends || m.MessagesSent > 2*m.Sends {
				t.Errorf("%s: machine %d: messages_sent %d not in [sends, 2*sends] = [%d, %d]", er.name, m.ID, m.MessagesSent, m.Sends, 2*m.Sends)
			}
		}
		if zero == 0 && len(er.startsNs) == 0 {
			t.Errorf("%s: no machine has drift 0 (to 1e-6)", er.name)
		}
	}
}

// TestCountsAgainstRecords recomputes every count, the final and maximal
// queue, the jumps and messages_sent from the records of real runs by the
// obvious loop.
func TestCountsAgainstRecords(t *testing.T) {
	for _, er := range accRuns {
		recs := er.record(t)
		n := len(recs)
		ms := accMetrics(recs, nil)
		for i, rs := range recs {
			var w MachineMetrics
			w.ID = i
			for k, r := range rs {
				w.Ticks++
				switch {
				case r.Event == sim.Receive:
					w.Receives++
				case r.Event == sim.Internal:
					w.Internals++
				case r.Event == sim.Broadcast:
					w.Sends++
					w.MessagesSent += int64(n - 1)
				case r.Event.IsSend():
					w.Sends++
					w.MessagesSent++
				default:
					t.Fatalf("unknown event %d", r.Event)
				}
				w.MaxQueue = max(w.MaxQueue, r.Queue)
				if k > 0 {
					w.MaxJump = max(w.MaxJump, r.Clock-rs[k-1].Clock)
				}
			}
			last := rs[len(rs)-1]
			w.FinalClock, w.FinalQueue = last.Clock, last.Queue
			w.MeanJump = float64(last.Clock-rs[0].Clock) / float64(len(rs)-1)
			g := ms[i]
			w.Rate, w.ClockSlope, w.QueueSlope, w.Drift = g.Rate, g.ClockSlope, g.QueueSlope, g.Drift
			if g != w {
				t.Errorf("%s machine %d:\n got  %+v\n want %+v", er.name, i, g, w)
			}
		}
	}
}

// --- batching and shift invariance ---

// sameBits reports whether a and b are equal field by field, floats
// compared by their bits.
func sameBits(a, b []MachineMetrics) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d machines vs %d", len(a), len(b))
	}
	for i := range a {
		va, vb := reflect.ValueOf(a[i]), reflect.ValueOf(b[i])
		for f := 0; f < va.NumField(); f++ {
			fa, fb := va.Field(f), vb.Field(f)
			name := va.Type().Field(f).Name
			switch fa.Kind() {
			case reflect.Float64:
				if math.Float64bits(fa.Float()) != math.Float64bits(fb.Float()) {
					return fmt.Sprintf("machine %d %s: %.17g vs %.17g", i, name, fa.Float(), fb.Float())
				}
			case reflect.Int, reflect.Int64:
				if fa.Int() != fb.Int() {
					return fmt.Sprintf("machine %d %s: %d vs %d", i, name, fa.Int(), fb.Int())
				}
			default:
				panic("unexpected field kind " + fa.Kind().String())
			}
		}
	}
	return ""
}

// feedBatches adds the records in batches of size bs (0: all at once), machines
// interleaved round-robin in the given order of machines.
func feedBatches(recs [][]sim.Record, bs int, order []int) []MachineMetrics {
	a := NewAccumulator(len(recs))
	pos := make([]int, len(recs))
	for {
		done := true
		for _, i := range order {
			rs := recs[i][pos[i]:]
			if len(rs) == 0 {
				continue
			}
			done = false
			k := len(rs)
			if bs > 0 {
				k = min(k, bs)
			}
			a.Records(i, rs[:k])
			pos[i] += k
		}
		if done {
			return a.Metrics([]float64{1, 2, 3, 4}[:len(recs)])
		}
	}
}

func shiftTimes(recs [][]sim.Record, d int64) [][]sim.Record {
	out := make([][]sim.Record, len(recs))
	for i, rs := range recs {
		out[i] = append([]sim.Record(nil), rs...)
		for k := range out[i] {
			out[i][k].At += d
		}
	}
	return out
}

func TestBatchingAndShiftInvariance(t *testing.T) {
	inputs := map[string][][]sim.Record{}
	for _, er := range accRuns {
		inputs[er.name] = er.record(t)
	}
	g := testLCG(99)
	inputs["synthetic, 70000 records (more than one 65535-record block)"] = [][]sim.Record{
		synthRecords(70000, 0, 1e7, 5e6,
			func(k int, s float64) int64 { return int64(k) + int64(g.next()%9) },
			func(k int, _ float64) int64 { return int64(g.next() % 11) }),
		synthRecords(3, 1e9, 1e9, 0, func(k int, _ float64) int64 { return int64(k) }, func(int, float64) int64 { return 0 }),
	}
	// Every record of one class, 3*65535+1 of them: the per-class counts
	// must not overflow whatever the batching.
	allRecv := make([]sim.Record, 3*0xffff+1)
	for k := range allRecv {
		allRecv[k] = sim.Record{At: int64(k) * 1000, Clock: int64(k), Queue: int64(k), Event: sim.Receive}
	}
	inputs["all receives, 196606 records"] = [][]sim.Record{allRecv, nil}

	for name, recs := range inputs {
		t.Run(name, func(t *testing.T) {
			order := make([]int, len(recs))
			rev := make([]int, len(recs))
			for i := range order {
				order[i], rev[i] = i, len(recs)-1-i
			}
			ref := feedBatches(recs, 0, order)
			for _, bs := range []int{1, 7, 128, 0xffff, 0xffff + 1, 0} {
				for _, o := range [][]int{order, rev} {
					if d := sameBits(ref, feedBatches(recs, bs, o)); d != "" {
						t.Errorf("batch size %d, machine order %v: %s", bs, o, d)
					}
				}
			}
			for _, d := range []int64{1, 123_456_789, 1e15, -1e9} {
				if diff := sameBits(ref, feedBatches(shiftTimes(recs, d), 7, order)); diff != "" {
					t.Errorf("times shiftTimes by %d ns: %s", d, diff)
				}
			}
			// Reset forgets everything: the same records again give the
			// same bits.
			a := NewAccumulator(len(recs))
			for i, rs := range recs {
				a.Records(i, rs)
			}
			a.Reset()
			for i, rs := range recs {
				for k := 0; k < len(rs); k += 128 {
					a.Records(i, rs[k:min(k+128, len(rs))])
				}
			}
			if diff := sameBits(ref, a.Metrics([]float64{1, 2, 3, 4}[:len(recs)])); diff != "" {
				t.Errorf("after Reset: %s", diff)
			}
		})
	}
	if m := feedBatches(inputs["all receives, 196606 records"], 0xffff, []int{0, 1})[0]; m.Receives != 3*0xffff+1 || m.Ticks != 3*0xffff+1 {
		t.Errorf("all receives: %d receives, %d ticks; want %d", m.Receives, m.Ticks, 3*0xffff+1)
	}
}

// TestEngineBatchingIsIrrelevant: the engine hands records in batches of
// its own choosing; the metrics equal those of feeding the same records
// one at a time.
func TestEngineBatchingIsIrrelevant(t *testing.T) {
	er := accRuns[4]
	eng, err := sim.New(er.config())
	if err != nil {
		t.Fatal(err)
	}
	direct := NewAccumulator(len(er.rates))
	rec := make(accRecorder, len(er.rates))
	if err := eng.Run(sim.Sinks{direct, rec}); err != nil {
		t.Fatal(err)
	}
	order := []int{0, 1, 2, 3}
	if d := sameBits(feedBatches(rec, 1, order), direct.Metrics([]float64{1, 2, 3, 4})); d != "" {
		t.Errorf("engine batches vs one record at a time: %s", d)
	}
}

func TestSummaryRoundTrip(t *testing.T) {
	recs := accRuns[0].record(t)
	s := &Summary{Scenario: "A2", Seed: 1, DurationS: 600, Machines: accMetrics(recs, []float64{6, 1, 1})}
	data := s.Marshal()
	if data[len(data)-1] != '\n' {
		t.Errorf("summary.json does not end in a newline")
	}
	path := t.TempDir() + "/summary.json"
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := ReadSummary(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Scenario != s.Scenario || back.Seed != s.Seed || back.DurationS != s.DurationS {
		t.Errorf("header: got %+v", back)
	}
	if d := sameBits(s.Machines, back.Machines); d != "" {
		t.Errorf("summary.json does not round-trip: %s", d)
	}
}

func TestReadSummaryErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadSummary(dir + "/missing.json"); err == nil {
		t.Errorf("ReadSummary of a missing file: no error")
	}
	bad := dir + "/bad.json"
	if err := os.WriteFile(bad, []byte("{\"machines\": [1, 2"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSummary(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("ReadSummary of malformed JSON: error %v, want one naming %s", err, bad)
	}
}

func TestWriteTable(t *testing.T) {
	ms := accMetrics(accRuns[0].record(t), []float64{6, 1, 1})
	var b strings.Builder
	WriteTable(&b, ms)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 1+len(ms) {
		t.Fatalf("%d lines, want a header and %d machines:\n%s", len(lines), len(ms), b.String())
	}
	for _, col := range []string{"machine", "rate", "ticks", "receives", "sends", "internals", "final_clock", "final_queue",
		"max_queue", "clock_slope", "queue_slope", "drift", "mean_jump", "max_jump"} {
		if !strings.Contains(lines[0], col) {
			t.Errorf("header lacks %q: %q", col, lines[0])
		}
	}
	for i, m := range ms {
		f := strings.Fields(lines[i+1])
		if len(f) != 14 || f[0] != strconv.Itoa(i) || f[2] != strconv.FormatInt(m.Ticks, 10) || f[13] != strconv.FormatInt(m.MaxJump, 10) {
			t.Errorf("line for machine %d: %q (metrics %+v)", i, lines[i+1], m)
		}
	}
}
