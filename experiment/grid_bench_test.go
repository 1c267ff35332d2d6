package experiment

import (
	"context"
	"runtime"
	"testing"
	"time"

	"desim/analysis/stats"
)

// benchGrid is the built-in slow-machine grid cut to 40 seeds of 60 s: 264
// cells, 10,560 runs.
func benchGrid(b *testing.B) *Grid {
	g, err := LoadGrid("slow-machine", GridOverrides{Seeds: stats.SeedRange{From: 1, To: 40}, Duration: 60 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	return g
}

// BenchmarkGrid runs benchGrid as desim grid does (a grid state over its
// cells), and BenchmarkGridAsSweep the same cells as a plain sweep of
// their scenarios, one after another. Target (issue 13): the grid's
// events/s within 15 % of the sweep's. Both report events/s; ns/op is one
// whole grid.
func BenchmarkGrid(b *testing.B) {
	g := benchGrid(b)
	var events int64
	for b.Loop() {
		st, err := NewGridState(g, nil)
		if err != nil {
			b.Fatal(err)
		}
		ev, err := st.Run(context.Background(), SweepOptions{Workers: runtime.NumCPU()})
		if err != nil {
			b.Fatal(err)
		}
		events += ev
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkGridAsSweep(b *testing.B) {
	cells, err := benchGrid(b).Cells()
	if err != nil {
		b.Fatal(err)
	}
	var events int64
	for b.Loop() {
		events += sweepOnce(b, cells, 40, runtime.NumCPU())
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
