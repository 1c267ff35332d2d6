package experiment

import (
	"desim/analysis/stats"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"desim/analysis"
	_ "desim/internal/golden" // registers -update for "go test ./... -update"
)

// checkShards checks that the N shards of r cover it exactly, in order,
// without overlap, each of ⌊M/N⌋ or ⌈M/N⌉ seeds.
func checkShards(t *testing.T, r stats.SeedRange, n int) {
	t.Helper()
	m := r.Count()
	next := r.From
	for k := range n {
		s, err := Shard{K: k, N: n}.Range(r)
		if err != nil {
			t.Fatalf("shard %d/%d of %d-%d: %v", k, n, r.From, r.To, err)
		}
		if s.From != next || s.To < s.From {
			t.Fatalf("shard %d/%d of %d-%d is %d-%d, want it to start at %d", k, n, r.From, r.To, s.From, s.To, next)
		}
		if c := s.Count(); c != m/uint64(n) && c != m/uint64(n)+1 {
			t.Fatalf("shard %d/%d of %d-%d has %d seeds, want %d or %d", k, n, r.From, r.To, c, m/uint64(n), m/uint64(n)+1)
		}
		next = s.To + 1
	}
	if next-1 != r.To {
		t.Fatalf("the %d shards of %d-%d end at %d", n, r.From, r.To, next-1)
	}
}

// TestShardRangeCovers checks many (seed count, N) pairs.
func TestShardRangeCovers(t *testing.T) {
	for _, c := range []struct {
		name   string
		from   uint64
		counts []uint64
		ns     []int // nil: every N from 1 to the count
	}{
		{"every N for small counts", 1, []uint64{1, 2, 3, 5, 7, 10, 31, 32, 33, 64, 97, 100}, nil},
		{"offset range", 4711, []uint64{1, 9, 50, 129}, nil},
		{"large counts", 1, []uint64{10000, 1000000, 999983}, []int{1, 2, 3, 4, 7, 16, 100, 999, 4096}},
		{"near the top of uint64", math.MaxUint64 - 1000, []uint64{1001, 17}, []int{1, 2, 3, 7, 17}},
		{"all of uint64 but 0", 1, []uint64{math.MaxUint64}, []int{1, 2, 3, 7, 1000, 65536}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, m := range c.counts {
				r := stats.SeedRange{From: c.from, To: c.from + m - 1}
				ns := c.ns
				if ns == nil {
					for n := 1; uint64(n) <= m; n++ {
						ns = append(ns, n)
					}
				}
				for _, n := range ns {
					checkShards(t, r, n)
				}
			}
		})
	}
}

// TestShardRangeHugeN checks neighbouring shards when N is too large to
// visit every shard: each shard must start right after the previous one
// and hold ⌊M/N⌋ or ⌈M/N⌉ seeds.
// Huge shard counts must still tile the range: ⌊K·M/N⌋ needs 128-bit
// arithmetic once K·M exceeds 2^64 (M = 2^63 seeds, N = 2^40+3).
func TestShardRangeHugeN(t *testing.T) {
	for _, c := range []struct {
		name string
		r    stats.SeedRange
		n    uint64
	}{
		{"2^20 shards of 2^64-1 seeds", stats.SeedRange{From: 1, To: math.MaxUint64}, 1 << 20},
		{"2^32+1 shards of 2^64-1 seeds", stats.SeedRange{From: 1, To: math.MaxUint64}, 1<<32 + 1},
		{"2^40+3 shards of 2^63 seeds", stats.SeedRange{From: 1, To: 1 << 63}, 1<<40 + 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.n > math.MaxInt {
				t.Skipf("%d shards do not fit in an int here", c.n)
			}
			n := int(c.n)
			m := c.r.Count()
			for _, k := range []int{0, 1, 2, n / 3, n/2 - 1, n / 2, n - 2, n - 1} {
				a, err1 := Shard{K: k, N: n}.Range(c.r)
				b, err2 := Shard{K: k + 1, N: n}.Range(c.r)
				if err1 != nil {
					t.Fatalf("shard %d/%d: %v", k, c.n, err1)
				}
				if cnt := a.Count(); a.To < a.From || cnt != m/c.n && cnt != m/c.n+1 {
					t.Errorf("shard %d/%d is %d-%d (%d seeds), want %d or %d seeds", k, c.n, a.From, a.To, cnt, m/c.n, m/c.n+1)
				}
				if k == 0 && a.From != c.r.From {
					t.Errorf("shard 0/%d starts at %d, want %d", c.n, a.From, c.r.From)
				}
				if k == n-1 {
					if a.To != c.r.To {
						t.Errorf("last shard %d/%d ends at %d, want %d", k, c.n, a.To, c.r.To)
					}
					continue
				}
				if err2 != nil {
					t.Fatalf("shard %d/%d: %v", k+1, c.n, err2)
				}
				if b.From != a.To+1 {
					t.Errorf("shard %d/%d is %d-%d but shard %d starts at %d", k, c.n, a.From, a.To, k+1, b.From)
				}
			}
		})
	}
}

// TestShardRangeErrors checks the shards that do not exist.
func TestShardRangeErrors(t *testing.T) {
	r := stats.SeedRange{From: 1, To: 10}
	for _, c := range []struct {
		name string
		s    Shard
		want string
	}{
		{"K = N", Shard{K: 4, N: 4}, "need 0 ≤ K < N"},
		{"K > N", Shard{K: 9, N: 4}, "need 0 ≤ K < N"},
		{"K < 0", Shard{K: -1, N: 4}, "need 0 ≤ K < N"},
		{"N = 0", Shard{K: 0, N: 0}, "need 0 ≤ K < N"},
		{"N < 0", Shard{K: 0, N: -3}, "need 0 ≤ K < N"},
		{"more shards than seeds", Shard{K: 0, N: 11}, "11 shards for 10 seeds"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.s.Range(r)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Range: %v, want an error with %q", err, c.want)
			}
		})
	}
}

// smallState is a complete state of a small sweep (A2 and A3, 10 s,
// seeds 1-40, optionally one shard).
func smallState(t *testing.T, shard *Shard) *SweepState {
	t.Helper()
	return sweepState(t, builtins(t, 10*time.Second, "A2", "A3"), stats.SeedRange{From: 1, To: 40}, shard, 2)
}

// TestStateRoundTrip marshals states and parses them back: the same bytes,
// and the same output.
func TestStateRoundTrip(t *testing.T) {
	partial := NewSweepState(builtins(t, 10*time.Second, "A2"), stats.SeedRange{From: 1, To: 40}, nil)
	sc, err := partial.Scenario(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := Sweep(t.Context(), sc, 5, 17, SweepOptions{Workers: 1}); err != nil {
		t.Fatal(err)
	}
	partial.Scenarios[0].Done = sc.Done
	for _, c := range []struct {
		name string
		st   *SweepState
	}{
		{"complete", smallState(t, nil)},
		{"shard", smallState(t, &Shard{K: 1, N: 3})},
		{"empty", NewSweepState(builtins(t, 10*time.Second, "B1"), stats.SeedRange{From: 3, To: 9}, nil)},
		{"partial", partial},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := c.st.Marshal()
			back, err := ParseSweepState("state.json", data)
			if err != nil {
				t.Fatalf("ParseState: %v\n%s", err, data)
			}
			if again := back.Marshal(); string(again) != string(data) {
				t.Errorf("marshal, parse, marshal changed the bytes: %s", firstDiff(string(data), string(again)))
			}
			if c.st.Complete && c.st.Shard == nil {
				if d := sameRendered(render(t, c.st), render(t, back)); d != "" {
					t.Errorf("output changed by the round trip: %s", d)
				}
			}
		})
	}
}

// mutate returns the JSON of a state after f changed its decoded form.
func mutate(t *testing.T, data []byte, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func scen(m map[string]any, i int) map[string]any {
	return m["scenarios"].([]any)[i].(map[string]any)
}

func stat0(m map[string]any, i, machine, metric int) map[string]any {
	return scen(m, i)["stats"].([]any)[machine].([]any)[metric].(map[string]any)
}

// TestParseStateRejects feeds corrupted state files: each must give an
// error naming the file and the problem, without a panic.
func TestParseStateRejects(t *testing.T) {
	good := smallState(t, nil).Marshal()
	shard := smallState(t, &Shard{K: 1, N: 2}).Marshal()
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty file", nil, "not a sweep state file"},
		{"not JSON", []byte("scenario,machine\nA2,0\n"), "not a sweep state file"},
		{"truncated", good[:len(good)/2], "not a sweep state file"},
		{"a JSON array", []byte("[1,2]"), "not a sweep state file"},
		{"the sweep's output instead", []byte(`{"scenarios":[{"scenario":"A2","duration_s":10}]}`), "not a sweep state file"},
		{"wrong format", mutate(t, good, func(m map[string]any) { m["format"] = "desim-summary" }), `format "desim-summary"`},
		{"no format", mutate(t, good, func(m map[string]any) { delete(m, "format") }), "not a sweep state file"},
		{"future version", mutate(t, good, func(m map[string]any) { m["version"] = 2 }), "version 2"},
		{"other model version", mutate(t, good, func(m map[string]any) { m["model"] = 0 }), "model version is 0"},
		{"seed 0", mutate(t, good, func(m map[string]any) { m["seeds"] = map[string]any{"from": 0, "to": 40} }), "bad seed range 0-40"},
		{"reversed seeds", mutate(t, good, func(m map[string]any) { m["seeds"] = map[string]any{"from": 40, "to": 1} }), "bad seed range 40-1"},
		{"negative seed", mutate(t, good, func(m map[string]any) { m["seeds"] = map[string]any{"from": -1, "to": 40} }), "not a sweep state file"},
		{"shard K >= N", mutate(t, shard, func(m map[string]any) { m["shard"] = map[string]any{"k": 2, "n": 2} }), "need 0 ≤ K < N"},
		{"shard N = 0", mutate(t, shard, func(m map[string]any) { m["shard"] = map[string]any{"k": 0, "n": 0} }), "need 0 ≤ K < N"},
		{"more shards than seeds", mutate(t, good, func(m map[string]any) { m["shard"] = map[string]any{"k": 0, "n": 41} }), "41 shards for 40 seeds"},
		{"fingerprint mismatch", mutate(t, good, func(m map[string]any) { scen(m, 0)["fingerprint"] = "0123456789abcdef" }), "fingerprint does not match"},
		{"YAML edited (duration)", mutate(t, good, func(m map[string]any) {
			s := scen(m, 1)
			s["yaml"] = strings.Replace(s["yaml"].(string), "duration: 10s", "duration: 11s", 1)
		}), "scenario A3: fingerprint does not match"},
		{"YAML broken", mutate(t, good, func(m map[string]any) { scen(m, 0)["yaml"] = "machines: [" }), "scenario 0"},
		{"YAML with an unknown key", mutate(t, good, func(m map[string]any) { scen(m, 0)["yaml"] = scen(m, 0)["yaml"].(string) + "speed: 3\n" }), "scenario 0"},
		{"stats of 2 machines", mutate(t, good, func(m map[string]any) {
			s := scen(m, 0)
			s["stats"] = s["stats"].([]any)[:2]
		}), "stats for 2 machines, scenario has 3"},
		{"no stats", mutate(t, good, func(m map[string]any) { scen(m, 0)["stats"] = nil }), "stats for 0 machines"},
		{"12 metrics", mutate(t, good, func(m map[string]any) {
			st := scen(m, 0)["stats"].([]any)
			st[1] = st[1].([]any)[:12]
		}), "machine 1 has 12 metrics, want 13"},
		{"count does not match done seeds", mutate(t, good, func(m map[string]any) { stat0(m, 0, 2, 8)["n"] = 39 }), "machine 2 clock_slope counts 39 runs, done seeds are 40"},
		{"done seeds removed", mutate(t, good, func(m map[string]any) { scen(m, 1)["done"] = []any{[]any{1, 30}} }), "done seeds are 30"},
		{"no done seeds", mutate(t, good, func(m map[string]any) { scen(m, 1)["done"] = nil }), "done seeds are 0"},
		{"done beyond the range", mutate(t, good, func(m map[string]any) { scen(m, 0)["done"] = []any{[]any{1, 41}} }), "done seeds 1-41 outside 1-40"},
		{"done before the range", mutate(t, good, func(m map[string]any) {
			m["seeds"] = map[string]any{"from": 2, "to": 40}
		}), "done seeds 1-40 outside 2-40"},
		{"done outside the shard", mutate(t, shard, func(m map[string]any) { scen(m, 0)["done"] = []any{[]any{1, 20}} }), "done seeds 1-20 outside 21-40"},
		{"overlapping done", mutate(t, good, func(m map[string]any) { scen(m, 0)["done"] = []any{[]any{1, 30}, []any{20, 40}} }), "counted twice"},
		{"the same done twice", mutate(t, good, func(m map[string]any) { scen(m, 0)["done"] = []any{[]any{1, 40}, []any{1, 40}} }), "counted twice"},
		{"reversed done", mutate(t, good, func(m map[string]any) { scen(m, 0)["done"] = []any{[]any{40, 1}} }), "empty seed range 40-1"},
		{"done with one seed only", mutate(t, good, func(m map[string]any) { scen(m, 0)["done"] = []any{[]any{5}} }), "empty seed range 5-0"},
		{"sum not hexadecimal", mutate(t, good, func(m map[string]any) { stat0(m, 0, 0, 0)["sum"] = "12.5" }), "not a sweep state file"},
		{"sum out of range", mutate(t, good, func(m map[string]any) { stat0(m, 0, 0, 0)["sum"] = "1" + strings.Repeat("0", 700) }), "out of range"},
		{"sum a number", mutate(t, good, func(m map[string]any) { stat0(m, 0, 0, 0)["sumsq"] = 12 }), "not a sweep state file"},
		{"scenarios not a list", mutate(t, good, func(m map[string]any) { m["scenarios"] = "A2" }), "not a sweep state file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var st *SweepState
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("ParseState panicked: %v", r)
					}
				}()
				st, err = ParseSweepState("shard-1.json", c.data)
			}()
			if err == nil {
				t.Fatalf("accepted:\n%s", st.Marshal())
			}
			if !strings.HasPrefix(err.Error(), "shard-1.json: ") {
				t.Errorf("error %q does not start with the file name", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want it to mention %q", err, c.want)
			}
		})
	}
}

// shardStates runs the n shards of the small sweep, each through its file
// form (marshalled and parsed back, as "desim merge" reads them).
func shardStates(t *testing.T, scs []string, d time.Duration, seeds stats.SeedRange, n int) ([]string, []*SweepState) {
	t.Helper()
	var files []string
	var states []*SweepState
	for k := range n {
		st := sweepState(t, builtins(t, d, scs...), seeds, &Shard{K: k, N: n}, 2)
		f := fmt.Sprintf("shard-%d.json", k)
		back, err := ParseSweepState(f, st.Marshal())
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		states = append(states, back)
	}
	return files, states
}

// TestMergeRejects gives Merge shards that do not belong together.
func TestMergeRejects(t *testing.T) {
	seeds := stats.SeedRange{From: 1, To: 40}
	files, states := shardStates(t, []string{"A2", "A3"}, 10*time.Second, seeds, 4)
	// Variants of shard 3.
	other := func(names []string, d time.Duration, r stats.SeedRange, sh Shard) *SweepState {
		return sweepState(t, builtins(t, d, names...), r, &sh, 1)
	}
	incomplete := NewSweepState(builtins(t, 10*time.Second, "A2", "A3"), seeds, &Shard{K: 3, N: 4})
	for i := range incomplete.Scenarios {
		sc, _ := incomplete.Scenario(i)
		if err := Sweep(t.Context(), sc, 31, 35, SweepOptions{Workers: 1}); err != nil {
			t.Fatal(err)
		}
		incomplete.Scenarios[i].Done = sc.Done
	}
	with := func(i int, s *SweepState, f string) ([]string, []*SweepState) {
		fs := append([]string(nil), files...)
		ss := append([]*SweepState(nil), states...)
		fs[i], ss[i] = f, s
		return fs, ss
	}
	for _, c := range []struct {
		name string
		mk   func() ([]string, []*SweepState)
		want []string
	}{
		{"nothing", func() ([]string, []*SweepState) { return nil, nil }, []string{"no shard to merge"}},
		{"different duration", func() ([]string, []*SweepState) {
			return with(3, other([]string{"A2", "A3"}, 11*time.Second, seeds, Shard{3, 4}), "x.json")
		},
			[]string{"shard-0.json and x.json are not shards of one sweep", "scenario 1 differs", "duration"}},
		{"different scenario", func() ([]string, []*SweepState) {
			return with(3, other([]string{"A2", "A4"}, 10*time.Second, seeds, Shard{3, 4}), "x.json")
		},
			[]string{"not shards of one sweep", "scenario 2 differs: A3 and A4"}},
		{"fewer scenarios", func() ([]string, []*SweepState) {
			return with(3, other([]string{"A2"}, 10*time.Second, seeds, Shard{3, 4}), "x.json")
		},
			[]string{"not shards of one sweep", "different scenarios: A2,A3 and A2"}},
		{"scenarios in another order", func() ([]string, []*SweepState) {
			return with(3, other([]string{"A3", "A2"}, 10*time.Second, seeds, Shard{3, 4}), "x.json")
		},
			[]string{"not shards of one sweep", "scenario 1 differs"}},
		{"different seed range", func() ([]string, []*SweepState) {
			return with(3, other([]string{"A2", "A3"}, 10*time.Second, stats.SeedRange{From: 1, To: 41}, Shard{3, 4}), "x.json")
		},
			[]string{"not shards of one sweep", "seed ranges differ: 1-40 and 1-41"}},
		{"different shard count", func() ([]string, []*SweepState) {
			return with(3, other([]string{"A2", "A3"}, 10*time.Second, seeds, Shard{4, 5}), "x.json")
		},
			[]string{"x.json is shard 4/5 but shard-0.json is of 4 shards"}},
		{"unsharded with shards", func() ([]string, []*SweepState) {
			return with(3, other([]string{"A2", "A3"}, 10*time.Second, seeds, Shard{0, 1}), "x.json")
		},
			[]string{"x.json is shard 0/1 but shard-0.json is of 4 shards"}},
		{"shard given twice", func() ([]string, []*SweepState) { return with(3, states[1], "again.json") },
			[]string{"shard 1/4 given twice: shard-1.json and again.json"}},
		{"missing shard", func() ([]string, []*SweepState) { return files[:3], states[:3] }, []string{"shard 3/4 (seeds 31-40) is missing"}},
		{"missing first shard", func() ([]string, []*SweepState) { return files[1:], states[1:] }, []string{"shard 0/4 (seeds 1-10) is missing"}},
		{"incomplete shard", func() ([]string, []*SweepState) { return with(3, incomplete, "partial.json") },
			[]string{"partial.json is incomplete: scenario A2 misses seeds 36-40", "--resume"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			files, states := c.mk()
			st, err := MergeSweeps(files, states)
			if err == nil {
				t.Fatalf("merged:\n%s", st.Marshal())
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q, want it to mention %q", err, w)
				}
			}
		})
	}
}

// TestPredictionsA2 checks the predictions of a sweep's metrics: the
// finite-horizon model's expectations (analysis.PredictRun), none for
// max_queue and max_jump, ticks exact, and over a long run close to the
// long-run model's rates times the duration.
func TestPredictionsA2(t *testing.T) {
	for _, d := range []time.Duration{10 * time.Second, 60 * time.Second, 660 * time.Second} {
		t.Run(d.String(), func(t *testing.T) {
			s := builtin(t, "A2", d)
			run := analysis.PredictRun(s)
			p := analysis.Predict(s.Rates(), s.Die)
			got := stats.Predictions(s)
			T := d.Seconds()
			if len(got) != 3 {
				t.Fatalf("%d machines", len(got))
			}
			for i := range got {
				if len(got[i]) != len(analysis.Metrics) {
					t.Fatalf("machine %d: %d predictions, want %d", i, len(got[i]), len(analysis.Metrics))
				}
				for k, m := range analysis.Metrics {
					w, ok := m.Predict(&run.Machines[i])
					switch g := got[i][k]; {
					case !ok && g != nil:
						t.Errorf("machine %d %s: predicted %v, want none", i, m, *g)
					case ok && g == nil:
						t.Errorf("machine %d %s: no prediction, want %v", i, m, w)
					case ok && *g != w:
						t.Errorf("machine %d %s: predicted %v, PredictRun %v", i, m, *g, w)
					}
				}
				if want := math.Ceil(p[i].Rate * T); *got[i][analysis.Ticks.Index()] != want {
					t.Errorf("machine %d: ticks %v, want %v", i, *got[i][analysis.Ticks.Index()], want)
				}
				// Over 660 s the start-up is a small part of the counts.
				if d > time.Minute {
					if r, want := *got[i][analysis.Receives.Index()], p[i].ReceiveRate*T; math.Abs(r-want) > 0.01*want+2 {
						t.Errorf("machine %d: receives %v, long-run rate × T = %v", i, r, want)
					}
				}
			}
			// The slow machines of A2 drift: a queue grows, the clock lags.
			if q, dr := *got[2][analysis.FinalQueue.Index()], *got[2][analysis.Drift.Index()]; q <= 0 || dr >= 0 {
				t.Errorf("A2 machine 2 is predicted not to drift: final queue %v, drift %v", q, dr)
			}
		})
	}
}

// TestOutputPredictions checks that a sweep's output carries the
// predictions and z where the model makes them.
func TestOutputPredictions(t *testing.T) {
	st := sweepState(t, builtins(t, 10*time.Second, "A2"), stats.SeedRange{From: 1, To: 20}, nil, 2)
	o, err := st.Output()
	if err != nil {
		t.Fatal(err)
	}
	pred := stats.Predictions(builtin(t, "A2", 10*time.Second))
	sc := o.Scenarios[0]
	if sc.Scenario != "A2" || sc.DurationS != 10 || sc.Runs != 20 || sc.Seeds != (stats.SeedRange{From: 1, To: 20}) || len(sc.Machines) != 3 {
		t.Fatalf("scenario output %+v", sc)
	}
	for i, m := range sc.Machines {
		for k, s := range m.Metrics {
			p := pred[i][k]
			if (p == nil) != (s.Predicted == nil) || p != nil && *p != *s.Predicted {
				t.Errorf("machine %d %s: predicted %v, want %v", i, analysis.Metrics[k], s.Predicted, p)
			}
			if p == nil && s.Z != nil {
				t.Errorf("machine %d %s: z without a prediction", i, analysis.Metrics[k])
			}
			if s.N != 20 {
				t.Errorf("machine %d %s: n = %d", i, analysis.Metrics[k], s.N)
			}
		}
	}
	// Machine 0's ticks are the same in every run: sd 0, and the exact
	// prediction gives z = 0.
	ticks := sc.Machines[0].Metrics[0]
	if ticks.SD != 0 || ticks.Mean != 60 || ticks.Z == nil || *ticks.Z != 0 {
		t.Errorf("machine 0 ticks: %+v", ticks)
	}
}

// TestMergeSweepFiles merges shard files as written: the result of the
// sweep run whole; a file that is not a state is bad input naming it.
func TestMergeSweepFiles(t *testing.T) {
	seeds := stats.SeedRange{From: 1, To: 40}
	dir := t.TempDir()
	var files []string
	for k := range 2 {
		st := sweepState(t, builtins(t, 10*time.Second, "A2", "A3"), seeds, &Shard{K: k, N: 2}, 1)
		f := filepath.Join(dir, fmt.Sprintf("shard%d.json", k))
		if err := os.WriteFile(f, st.Marshal(), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	merged, err := MergeSweepFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameRendered(render(t, merged), render(t, smallState(t, nil))); d != "" {
		t.Errorf("merged shards differ from the whole sweep: %s", d)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := MergeSweepFiles(append(files, bad)); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), bad) {
		t.Errorf("with a bad file: %v, want bad input naming it", err)
	}
}
