package realtime

import (
	"testing"
	"time"

	_ "desim/internal/golden" // registers -update for "go test ./... -update"
)

// lateTicks counts exactly the ticks after k whose time has come and that
// are in the run, however many.
func TestLateTicks(t *testing.T) {
	t0 := time.Unix(1000, 0)
	const period = 10 * time.Millisecond
	due := func(end int64) func(int64) (time.Time, bool) {
		return func(j int64) (time.Time, bool) { return t0.Add(time.Duration(j) * period), j < end }
	}
	cases := []struct {
		k, end int64
		now    time.Duration // after t0
		want   int64
	}{
		{0, 100, 0, 0},
		{0, 100, 9 * time.Millisecond, 0},
		{0, 100, 10 * time.Millisecond, 1}, // tick 1 due exactly now
		{0, 100, 25 * time.Millisecond, 2},
		{5, 100, 51 * time.Millisecond, 0},
		{5, 100, 60 * time.Millisecond, 1},
		{5, 100, 999 * time.Millisecond, 94},
		{5, 100, time.Hour, 94}, // only ticks in the run
		{0, 1 << 40, 1e6 * time.Second, 1e8},
		{0, 1 << 40, 1e6*time.Second - 1, 1e8 - 1},
		{99, 100, time.Hour, 0},
	}
	for _, c := range cases {
		if got := lateTicks(due(c.end), c.k, t0.Add(c.now)); got != c.want {
			t.Errorf("k %d, end %d, now t0+%v: %d late ticks, want %d", c.k, c.end, c.now, got, c.want)
		}
	}
}
