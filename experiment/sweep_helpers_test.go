package experiment

import (
	"bytes"
	"context"
	"desim/analysis/stats"
	"encoding/json"
	"math"
	"testing"
	"time"

	"desim/internal/golden"
	"desim/scenarios"
)

// builtin returns the built-in scenario with the given duration.
func builtin(t testing.TB, name string, d time.Duration) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	s.Duration = d
	return s
}

// builtins returns the named built-ins, all with duration d.
func builtins(t testing.TB, d time.Duration, names ...string) []*scenarios.Scenario {
	var scs []*scenarios.Scenario
	for _, n := range names {
		scs = append(scs, builtin(t, n, d))
	}
	return scs
}

// runInto runs every scenario of st over st's range (its shard's, or all)
// with the given options, as "desim sweep" does, and returns the first
// error of Run.
func runInto(t testing.TB, ctx context.Context, st *SweepState, opt SweepOptions) error {
	t.Helper()
	r, err := st.Range()
	if err != nil {
		t.Fatal(err)
	}
	for i := range st.Scenarios {
		sc, err := st.Scenario(i)
		if err != nil {
			t.Fatal(err)
		}
		err = Sweep(ctx, sc, r.From, r.To, opt)
		st.Scenarios[i].Done = sc.Done
		if err != nil {
			return err
		}
	}
	st.Complete = true
	return nil
}

// sweepState runs a whole sweep (or one shard of it) to completion.
func sweepState(t testing.TB, scs []*scenarios.Scenario, seeds stats.SeedRange, shard *Shard, workers int) *SweepState {
	t.Helper()
	st := NewSweepState(scs, seeds, shard)
	if err := runInto(t, context.Background(), st, SweepOptions{Workers: workers}); err != nil {
		t.Fatal(err)
	}
	return st
}

// rendered is a complete state's output in the three formats.
type rendered struct{ json, csv, table string }

func render(t testing.TB, st *SweepState) rendered {
	t.Helper()
	o, err := st.Output()
	if err != nil {
		t.Fatal(err)
	}
	var j, c, tb bytes.Buffer
	if err := stats.WriteJSON(&j, o); err != nil {
		t.Fatal(err)
	}
	if err := stats.WriteCSV(&c, o); err != nil {
		t.Fatal(err)
	}
	if err := stats.WriteTableOptions(&tb, o, stats.TableOptions{Wide: true}); err != nil {
		t.Fatal(err)
	}
	return rendered{j.String(), c.String(), tb.String()}
}

// sameRendered reports the first format in which a and b differ, with the
// first differing line, or "".
func sameRendered(a, b rendered) string {
	for _, f := range []struct{ name, a, b string }{{"JSON", a.json, b.json}, {"CSV", a.csv, b.csv}, {"table", a.table, b.table}} {
		if f.a != f.b {
			return f.name + ": " + firstDiff(f.a, f.b)
		}
	}
	return ""
}

// firstDiff describes the first differing line of a and b.
func firstDiff(a, b string) string { return golden.FirstDiff([]byte(a), []byte(b)) }

// statJSON is a Stat's complete content (its exact sums included), for
// comparing two Stats bit for bit.
func statJSON(t testing.TB, s *stats.Stat) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func ptr(x float64) *float64 { return &x }

func near(a, b, rel float64) bool {
	return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b)) || a == b
}
