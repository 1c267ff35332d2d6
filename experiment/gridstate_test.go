package experiment

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"desim/analysis/stats"
	"desim/sim"
)

// tinyGrid is a small two-axis grid whose first axis sets two machines'
// rates at once: 6 cells of 30 seeds of 10 s.
const tinyGrid = `name: tiny
base: A3
duration: 10s
seeds: 30
vary:
  - field: machines[1,2].rate
    values: [0.5, 2, 6]
  - field: die
    values: [4, 10]
show: {metric: queue_slope, machine: 2}
`

// gridJSON is the JSON of a grid's result, as desim grid --json prints it.
func gridJSON(t testing.TB, res *GridResult) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteGrid(&b, res, stats.FormatJSON); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// runGridState runs the state of g (or of one shard of it) to completion.
func runGridState(t testing.TB, g *Grid, shard *Shard, workers int) *SweepState {
	t.Helper()
	st, err := NewGridState(g, shard)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Run(context.Background(), SweepOptions{Workers: workers}); err != nil {
		t.Fatal(err)
	}
	return st
}

// gridResultJSON is the JSON of the result of a complete grid state.
func gridResultJSON(t testing.TB, st *SweepState) []byte {
	t.Helper()
	res, err := GridResultOf(st)
	if err != nil {
		t.Fatal(err)
	}
	return gridJSON(t, res)
}

// TestGridCellMultiMachine: machines[1,2].rate sets both machines' rate
// in every cell, and nothing else.
func TestGridCellMultiMachine(t *testing.T) {
	g := mustGrid(t, tinyGrid)
	if g.NumCells() != 6 {
		t.Fatalf("%d cells, want 6", g.NumCells())
	}
	for c := range g.NumCells() {
		s, err := g.Cell(c)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := sim.ParseRate(g.Axes[0].Values[c/2].Text)
		if s.Machines[1].Rate != want || s.Machines[2].Rate != want {
			t.Errorf("cell %d: rates %v, %v; want both %v", c, s.Machines[1].Rate, s.Machines[2].Rate, want)
		}
		if s.Machines[0].Rate != g.Base.Machines[0].Rate {
			t.Errorf("cell %d: machine 0's rate %v, want the base's %v", c, s.Machines[0].Rate, g.Base.Machines[0].Rate)
		}
		if wantDie := []int{4, 10}[c%2]; s.Die != wantDie {
			t.Errorf("cell %d: die %d, want %d", c, s.Die, wantDie)
		}
		if s.Name != fmt.Sprintf("tiny.%d", c) {
			t.Errorf("cell %d is named %q", c, s.Name)
		}
	}
	if r := g.Base.Rates(); r[1] != 6 || r[2] != 1 {
		t.Errorf("the cells changed the base: rates %v", r)
	}
	// A field naming a machine the base lacks, set after parsing, is
	// refused naming the cell and the machine.
	g.Axes[0].Field = "machines[1,5].rate"
	_, err := g.Cell(0)
	if err == nil || !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "cell 0") || !strings.Contains(err.Error(), "no machine 5") {
		t.Errorf("machines[1,5].rate on 3 machines: %v", err)
	}
}

// TestGridSameBytes: the JSON of a grid's result is the same bytes for
// any number of workers, from shards merged (directly and through their
// files), and after an interruption saved, parsed back and resumed.
func TestGridSameBytes(t *testing.T) {
	g := mustGrid(t, tinyGrid)
	res, err := RunGrid(context.Background(), g, SweepOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := gridJSON(t, res)
	if len(res.Cells) != 6 || res.Cells[5].Output.Runs != 30 {
		t.Fatalf("result of %d cells, last of %d runs", len(res.Cells), res.Cells[len(res.Cells)-1].Output.Runs)
	}
	same := func(t *testing.T, what string, got []byte) {
		t.Helper()
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from one worker's result: %s", what, firstDiff(string(want), string(got)))
		}
	}

	t.Run("workers", func(t *testing.T) {
		for _, w := range []int{2, 3} {
			res, err := RunGrid(context.Background(), g, SweepOptions{Workers: w})
			if err != nil {
				t.Fatal(err)
			}
			same(t, fmt.Sprintf("%d workers", w), gridJSON(t, res))
		}
	})

	t.Run("shards", func(t *testing.T) {
		var files []string
		var direct, parsed []*SweepState
		for k := range 3 {
			st := runGridState(t, g, &Shard{K: k, N: 3}, 2)
			if !st.Complete || st.Grid == nil {
				t.Fatalf("shard %d/3: complete %v, grid %v", k, st.Complete, st.Grid)
			}
			f := fmt.Sprintf("shard-%d.json", k)
			back, err := ParseSweepState(f, st.Marshal())
			if err != nil {
				t.Fatal(err)
			}
			files, direct, parsed = append(files, f), append(direct, st), append(parsed, back)
		}
		for _, c := range []struct {
			name   string
			states []*SweepState
		}{{"merged", direct}, {"merged from their files", parsed}} {
			m, err := MergeSweeps(files, c.states)
			if err != nil {
				t.Fatal(err)
			}
			same(t, c.name, gridResultJSON(t, m))
		}
		// In another order too.
		m, err := MergeSweeps([]string{files[2], files[0], files[1]}, []*SweepState{parsed[2], parsed[0], parsed[1]})
		if err != nil {
			t.Fatal(err)
		}
		same(t, "merged in another order", gridResultJSON(t, m))
	})

	t.Run("interrupted and resumed", func(t *testing.T) {
		st, err := NewGridState(g, nil)
		if err != nil {
			t.Fatal(err)
		}
		total := st.Todo()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var done atomic.Int64
		_, err = st.Run(ctx, SweepOptions{Workers: 2, Progress: func(runs int) {
			if done.Add(int64(runs)) >= int64(total)/3 {
				cancel()
			}
		}})
		if !errors.Is(err, ErrInterrupted) {
			t.Fatalf("Run after cancel: %v, want ErrInterrupted", err)
		}
		if left := st.Todo(); left == 0 || left >= total || st.Complete {
			t.Fatalf("interrupted with %d of %d runs left (complete %v), want some done and some not", left, total, st.Complete)
		}
		file := filepath.Join(t.TempDir(), "grid.partial.json")
		if err := os.WriteFile(file, st.Marshal(), 0o644); err != nil {
			t.Fatal(err)
		}
		fresh, err := NewGridState(g, nil)
		if err != nil {
			t.Fatal(err)
		}
		saved, err := ResumeSweep(fresh, file)
		if err != nil {
			t.Fatal(err)
		}
		if saved.Todo() != st.Todo() {
			t.Errorf("the saved state has %d runs to do, the interrupted one %d", saved.Todo(), st.Todo())
		}
		if _, err := saved.Run(context.Background(), SweepOptions{Workers: 3}); err != nil {
			t.Fatal(err)
		}
		same(t, "interrupted and resumed", gridResultJSON(t, saved))
	})
}

// TestParseGridStateRejects: a grid state whose grid spec no longer
// describes its scenarios is refused, naming the file.
func TestParseGridStateRejects(t *testing.T) {
	good := runGridState(t, mustGrid(t, tinyGrid), nil, 2).Marshal()
	if _, err := ParseSweepState("state.json", good); err != nil {
		t.Fatalf("the untouched state: %v", err)
	}
	spec := func(m map[string]any) map[string]any { return m["grid"].(map[string]any) }
	axis := func(m map[string]any, k int) map[string]any { return spec(m)["axes"].([]any)[k].(map[string]any) }
	for _, c := range []struct {
		name string
		f    func(m map[string]any)
		want string
	}{
		{"an axis value changed", func(m map[string]any) { axis(m, 0)["values"].([]any)[1] = "3" }, `grid "tiny": scenario 2 is not the grid's cell 2`},
		{"a die value changed", func(m map[string]any) { axis(m, 1)["values"].([]any)[0] = "5" }, `scenario 0 is not the grid's cell 0`},
		{"the base changed", func(m map[string]any) {
			b := spec(m)["base"].(string)
			if !strings.Contains(b, "latency: 100us") {
				t.Fatalf("base without latency: %s", b)
			}
			spec(m)["base"] = strings.Replace(b, "latency: 100us", "latency: 200us", 1)
		}, `scenario 0 is not the grid's cell 0`},
		{"the base's duration changed", func(m map[string]any) {
			spec(m)["base"] = strings.Replace(spec(m)["base"].(string), "duration: 10s", "duration: 20s", 1)
		}, `is not the grid's cell`},
		{"the base broken", func(m map[string]any) { spec(m)["base"] = "machines: [" }, "base"},
		{"the name changed", func(m map[string]any) { spec(m)["name"] = "other" }, `grid "other": scenario 0 is not the grid's cell 0`},
		{"an axis removed", func(m map[string]any) { spec(m)["axes"] = spec(m)["axes"].([]any)[:1] }, "has 3 cells, the state 6 scenarios"},
		{"no axes", func(m map[string]any) { spec(m)["axes"] = []any{} }, "0 axes"},
		{"the axes swapped", func(m map[string]any) {
			a := spec(m)["axes"].([]any)
			a[0], a[1] = a[1], a[0]
		}, "is not the grid's cell"},
		{"a value added", func(m map[string]any) {
			axis(m, 0)["values"] = append(axis(m, 0)["values"].([]any), "7")
		}, "has 8 cells, the state 6 scenarios"},
		{"an unknown field", func(m map[string]any) { axis(m, 0)["field"] = "speed" }, `unknown field "speed"`},
		{"a bad value", func(m map[string]any) { axis(m, 1)["values"].([]any)[0] = "x" }, `bad value "x"`},
		{"an unknown metric", func(m map[string]any) { spec(m)["show"].(map[string]any)["metric"] = "speed" }, `unknown metric "speed"`},
		{"a machine shown that is not there", func(m map[string]any) { spec(m)["show"].(map[string]any)["machine"] = 3 }, "show machine 3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, err := ParseSweepState("state.json", mutate(t, good, c.f))
			if err == nil {
				t.Fatalf("accepted:\n%s", st.Marshal())
			}
			if !errors.Is(err, ErrInput) {
				t.Errorf("%v does not match ErrInput", err)
			}
			if !strings.HasPrefix(err.Error(), "state.json: ") {
				t.Errorf("error %q does not start with the file name", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want it to mention %q", err, c.want)
			}
		})
	}
}

// TestMergeGridShards: a grid's shard does not merge with a sweep's shard
// of the same scenarios nor with another grid's, while shards of one grid
// named by different paths do.
func TestMergeGridShards(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tiny.yaml")
	if err := os.WriteFile(file, []byte(tinyGrid), 0o644); err != nil {
		t.Fatal(err)
	}
	g, err := ReadGrid(file, GridOverrides{})
	if err != nil {
		t.Fatal(err)
	}
	// The same file by another path.
	other := dir + string(filepath.Separator) + "." + string(filepath.Separator) + "tiny.yaml"
	g2, err := ReadGrid(other, GridOverrides{})
	if err != nil {
		t.Fatal(err)
	}
	if g.Ref == g2.Ref {
		t.Fatalf("both grids have the ref %q", g.Ref)
	}
	shard0 := runGridState(t, g, &Shard{K: 0, N: 2}, 2)
	shard1 := runGridState(t, g2, &Shard{K: 1, N: 2}, 2)

	// The same cells as a sweep.
	cells, err := g.Cells()
	if err != nil {
		t.Fatal(err)
	}
	sweep1 := NewSweepState(cells, g.Seeds, &Shard{K: 1, N: 2})
	if _, err := sweep1.Run(context.Background(), SweepOptions{Workers: 2}); err != nil {
		t.Fatal(err)
	}
	// Another grid: one value differs.
	h := mustGrid(t, strings.Replace(tinyGrid, "values: [4, 10]", "values: [4, 12]", 1))
	otherGrid1 := runGridState(t, h, &Shard{K: 1, N: 2}, 2)
	// Another grid of the same cells but another name.
	named := mustGrid(t, strings.Replace(tinyGrid, "name: tiny", "name: small", 1))
	named1 := runGridState(t, named, &Shard{K: 1, N: 2}, 2)

	for _, c := range []struct {
		name string
		b    *SweepState
		want []string
	}{
		{"a sweep's shard", sweep1, []string{"a.json and b.json are not shards of one sweep", `different grids: "tiny" and (not a grid)`}},
		{"another grid's shard", otherGrid1, []string{"not shards of one sweep", "different grids"}},
		{"another name's shard", named1, []string{"not shards of one sweep", `different grids: "tiny" and "small"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, b := range []*SweepState{c.b, roundTrip(t, c.b)} {
				if err := SameSweep(shard0, b); err == nil {
					t.Errorf("SameSweep: no difference")
				}
				m, err := MergeSweeps([]string{"a.json", "b.json"}, []*SweepState{shard0, b})
				if err == nil {
					t.Fatalf("merged:\n%s", m.Marshal())
				}
				if !errors.Is(err, ErrInput) {
					t.Errorf("%v does not match ErrInput", err)
				}
				for _, w := range c.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q, want it to mention %q", err, w)
					}
				}
			}
			// The other way round: a sweep's shard first.
			if _, err := MergeSweeps([]string{"b.json", "a.json"}, []*SweepState{c.b, shard0}); err == nil {
				t.Errorf("merged with the grid's shard second")
			}
		})
	}

	t.Run("refs differ", func(t *testing.T) {
		if err := SameSweep(shard0, shard1); err != nil {
			t.Errorf("SameSweep: %v", err)
		}
		m, err := MergeSweeps([]string{"a.json", "b.json"}, []*SweepState{roundTrip(t, shard0), roundTrip(t, shard1)})
		if err != nil {
			t.Fatal(err)
		}
		if m.Grid.Ref != g.Ref {
			t.Errorf("merged grid's ref %q, want the first shard's %q", m.Grid.Ref, g.Ref)
		}
		res, err := RunGrid(context.Background(), g, SweepOptions{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if want, got := gridJSON(t, res), gridResultJSON(t, m); !bytes.Equal(got, want) {
			t.Errorf("merged result differs from the unsharded one: %s", firstDiff(string(want), string(got)))
		}
	})
}

// roundTrip returns st marshalled and parsed back, as desim merge reads it.
func roundTrip(t testing.TB, st *SweepState) *SweepState {
	t.Helper()
	back, err := ParseSweepState("state.json", st.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	return back
}
