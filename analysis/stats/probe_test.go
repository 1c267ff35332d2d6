package stats

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"desim/scenarios"
	"desim/sim"
)

// The probe's two measures on hand-made records: the late queue slope
// over the second half, and the window drift before the queue reaches
// the bound.
func TestProbeByHand(t *testing.T) {
	s, err := scenarios.Builtin("A2")
	if err != nil {
		t.Fatal(err)
	}
	s.Duration = 10 * time.Second
	p := NewProbe(s, 3)
	// Machine 1: one tick a second at 0..9 s; queue 0,0,1,2,3,4,... from
	// 2 s (reaches 3 at 4 s); clock 1,2,3,4 then anything.
	var recs []sim.Record
	for k := int64(0); k < 10; k++ {
		q := max(0, k-1)
		recs = append(recs, sim.Record{At: k * 1e9, Clock: k + 1 + 100*max(0, k-3), Queue: q})
	}
	p.Records(1, recs)
	p.EndRun(7)
	m := p.Machines()[1]
	// Second half: 5..9 s, queue 4..8: slope 1/s.
	if m.LateQueueSlope.N != 1 || math.Abs(m.LateQueueSlope.Mean-1) > 1e-12 {
		t.Errorf("late queue slope %+v, want 1 from one run", m.LateQueueSlope)
	}
	// Window: ticks at 0..3 s (queue 0,0,1,2), clock slope 1 against the
	// largest rate 6: drift −5; it ends at 4 s, when the queue reaches 3.
	if m.WindowDrift.N != 1 || math.Abs(m.WindowDrift.Mean+5) > 1e-12 || m.WindowSeconds.Mean != 4 || m.Reached != 1 {
		t.Errorf("window %+v, %+v, reached %d; want drift −5 over 4 s, reached once", m.WindowDrift, m.WindowSeconds, m.Reached)
	}
	// Machines without records give nothing; the next run starts afresh.
	if m0 := p.Machines()[0]; m0.LateQueueSlope.N != 0 || m0.WindowDrift.N != 0 || m0.Runs != 0 {
		t.Errorf("machine 0 without records: %+v", m0)
	}
}

// RunProbe gives the same bits for any number of workers.
func TestRunProbeWorkers(t *testing.T) {
	s, err := scenarios.Builtin("A3")
	if err != nil {
		t.Fatal(err)
	}
	s.Duration = 30 * time.Second
	var first string
	for _, w := range []int{1, 2, 5} {
		p, err := RunProbe(context.Background(), s, SeedRange{From: 3, To: 42}, 10, w)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(p)
		if first == "" {
			first = string(b)
		} else if string(b) != first {
			t.Errorf("%d workers: %s\nwant %s", w, b, first)
		}
		if p[2].LateQueueSlope.N != 40 || p[2].LateQueueSlope.Mean < 0.5 || p[2].Reached < 30 {
			t.Errorf("A3's slow machine over 40 runs of 30 s: %+v", p[2])
		}
	}
}
