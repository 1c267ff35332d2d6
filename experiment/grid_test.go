package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"desim/analysis"
	"desim/sim"
)

func mustGrid(t *testing.T, data string) *Grid {
	t.Helper()
	g, err := parseGrid("g.yaml", []byte(data), GridOverrides{}, builtinOnly)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGridCellFields(t *testing.T) {
	g := mustGrid(t, `base: A3
duration: 20s
vary:
  - field: machines[2].rate
    values: [0.1, 1/3]
  - field: die
    values: [3, 12]
`)
	if g.NumCells() != 4 {
		t.Fatalf("%d cells", g.NumCells())
	}
	want := []struct {
		rate string
		die  int
	}{{"0.1", 3}, {"0.1", 12}, {"1/3", 3}, {"1/3", 12}} // axis 0 outermost
	for c, w := range want {
		s, err := g.Cell(c)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := sim.ParseRate(w.rate)
		if s.Machines[2].Rate != r || s.Die != w.die {
			t.Errorf("cell %d: rate %v die %d, want %s and %d", c, s.Machines[2].Rate, s.Die, w.rate, w.die)
		}
		if s.Machines[0].Rate != g.Base.Machines[0].Rate || s.Duration != 20*time.Second {
			t.Errorf("cell %d changed what it does not vary", c)
		}
	}
	if g.Base.Machines[2].Rate.Float64() != 1 || g.Base.Die != 10 {
		t.Error("cells changed the base")
	}

	g = mustGrid(t, `base: A3
duration: 20s
vary:
  - field: latency
    values: [0, 250us]
  - field: jitter
    values: {from: 0, to: 0.002, step: 0.001}
`)
	s, err := g.Cell(5)
	if err != nil {
		t.Fatal(err)
	}
	if s.Latency != 250*time.Microsecond || s.Jitter != 2*time.Millisecond {
		t.Errorf("latency %v jitter %v", s.Latency, s.Jitter)
	}
	g = mustGrid(t, "base: A3\nduration: 20s\nvary: [{field: \"machines[1].start\", values: [0, 1.5s]}]\n")
	s, err = g.Cell(1)
	if err != nil {
		t.Fatal(err)
	}
	if s.Machines[1].Start != 1500*time.Millisecond || s.Machines[0].Start != 0 {
		t.Errorf("start %v", s.Machines[1].Start)
	}
}

func TestGridCellRefused(t *testing.T) {
	g := mustGrid(t, "base: A3\nduration: 20s\nvary: [{field: die, values: [3]}, {field: \"machines[0].start\", values: [0, 1s]}]\n")
	// A value set after parsing that makes the scenario invalid is refused
	// naming the cell and the value.
	g.Axes[1].Values[1] = Value{Text: "30s", X: g.Axes[1].Values[1].X.SetInt64(30)}
	if _, err := g.Cell(0); err != nil {
		t.Fatal(err)
	}
	_, err := g.Cell(1)
	if err == nil || !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "cell 1 (die=3 machines[0].start=30s)") {
		t.Errorf("cell 1: %v", err)
	}
	if _, err := RunGrid(context.Background(), g, SweepOptions{Workers: 1}); err == nil || !strings.Contains(err.Error(), "cell 1") {
		t.Errorf("RunGrid ran an invalid cell: %v", err)
	}
	g.Axes[0].Values[0] = Value{Text: "2", X: g.Axes[0].Values[0].X.SetInt64(2)}
	if _, err := g.Cell(0); err == nil || !strings.Contains(err.Error(), "die=2") {
		t.Errorf("die 2 of 3 machines: %v", err)
	}
}

func TestRunGridWorkers(t *testing.T) {
	g := mustGrid(t, `name: tiny
base: A3
duration: 10s
seeds: 6
vary:
  - field: machines[2].rate
    values: [1, 6]
  - field: die
    values: [3, 10]
`)
	var outs [][]byte
	for _, w := range []int{1, 2, 5} {
		res, err := RunGrid(context.Background(), g, SweepOptions{Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Cells) != 4 || res.Grid != "tiny" || len(res.Axes) != 2 {
			t.Fatalf("result %+v", res)
		}
		for c, cell := range res.Cells {
			idx := []int{c / 2, c % 2}
			if cell.Index[0] != idx[0] || cell.Index[1] != idx[1] {
				t.Errorf("cell %d at %v, want %v", c, cell.Index, idx)
			}
			if cell.Output.Runs != 6 || len(cell.Loads) != 3 {
				t.Errorf("cell %d: %d runs, %d loads", c, cell.Output.Runs, len(cell.Loads))
			}
			s, _ := g.Cell(c)
			p := analysis.Predict(s.Rates(), s.Die)
			for i := range p {
				if cell.Loads[i] != p[i].Load {
					t.Errorf("cell %d machine %d: load %v, want %v", c, i, cell.Loads[i], p[i].Load)
				}
			}
		}
		// 1 c/s among 6 c/s machines at die 3 is overloaded; at 6 c/s not.
		if res.Cells[0].Loads[2] <= 1 || res.Cells[3].Loads[2] >= 1 {
			t.Errorf("loads %v and %v", res.Cells[0].Loads, res.Cells[3].Loads)
		}
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b)
	}
	for i := 1; i < len(outs); i++ {
		if !bytes.Equal(outs[0], outs[i]) {
			t.Errorf("result %d differs from the first", i)
		}
	}
}

func TestRunGridCancelled(t *testing.T) {
	g := mustGrid(t, "base: A3\nduration: 10s\nseeds: 4\nvary: [{field: die, values: [3, 4]}]\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := RunGrid(ctx, g, SweepOptions{Workers: 2}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
