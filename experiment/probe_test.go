package experiment

import (
	"context"
	"reflect"
	"testing"
	"time"

	"desim/analysis/stats"
)

// TestRunProbeWorkers: the probe's summaries are the same for any number
// of workers, and equal those of the stats package's one-goroutine loop.
func TestRunProbeWorkers(t *testing.T) {
	s, err := Load("A2", Overrides{Duration: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r := stats.SeedRange{From: 5, To: 44}
	want, err := RunProbe(context.Background(), s, r, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 3 {
		t.Fatalf("%d machines", len(want))
	}
	for _, w := range []int{2, 3, 7} {
		got, err := RunProbe(context.Background(), s, r, 10, w)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%d workers: %+v\nwant %+v", w, got, want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := RunProbe(ctx, s, r, 10, 2); err == nil {
		t.Error("a cancelled probe returned no error")
	}
}
