package experiment

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"desim/sim/realtime"
)

// WallTime: duration / speed, rounded for display, saturating at the
// longest time.Duration instead of overflowing (the issue's "-2562047h47m
// 16.854775808s" at speed 1e-12), whatever the speed.
func TestWallTime(t *testing.T) {
	const maxDur = time.Duration(math.MaxInt64)
	cases := []struct {
		d     time.Duration
		speed float64
		want  time.Duration
	}{
		{60 * time.Second, 10, 6 * time.Second},
		{60 * time.Second, 1, time.Minute},
		{590 * time.Second, 3, 196700 * time.Millisecond}, // 196.666… s, to 0.1 s
		{time.Second, 3, 333 * time.Millisecond},          // under a second: to the ms
		{time.Second, realtime.MaxSpeed, 0},               // 100 µs rounds to 0 ms
		{10 * time.Second, realtime.MinSpeed, 10000 * time.Second},
		{realtime.MaxWallTime, 1, realtime.MaxWallTime},
		{5 * time.Second, 1e-12, maxDur}, // the issue's
		{maxDur, 0.5, maxDur},            // 2⁶⁴ ns does not fit
		{maxDur, 1, maxDur},
		{maxDur, math.SmallestNonzeroFloat64, maxDur},
		{time.Nanosecond, math.SmallestNonzeroFloat64, maxDur},
		{5 * time.Second, 0, maxDur},
		{5 * time.Second, math.Copysign(0, -1), maxDur},
		{5 * time.Second, -2, maxDur},
		{5 * time.Second, math.NaN(), maxDur},
		{5 * time.Second, math.Inf(-1), maxDur},
		{5 * time.Second, math.Inf(1), 0},
		{0, 0, 0},
		{0, math.NaN(), 0},
		{-time.Second, 1, 0},
		{-time.Second, -1, 0},
	}
	for _, c := range cases {
		if got := WallTime(c.d, c.speed); got != c.want {
			t.Errorf("WallTime(%v, %g) = %v, want %v", c.d, c.speed, got, c.want)
		}
	}
}

// RealOptions.Check refuses, as bad input saying what to change, a speed
// outside [MinSpeed, MaxSpeed] and a run that would take more than
// MaxWallTime of wall time: the "--speed 1e-12 --duration 5s" ran
// one tick per machine and called itself completed.
func TestRealOptionsCheckSpeed(t *testing.T) {
	cases := []struct {
		dur   time.Duration
		speed float64
		want  string // "" for accepted
	}{
		{5 * time.Second, 1e-12, "speed 1e-12 is below the least speed, 0.001"},
		{5 * time.Second, math.NaN(), "speed NaN is not in (0, 10000]"},
		{5 * time.Second, math.Inf(1), "speed +Inf is not in (0, 10000]"},
		{5 * time.Second, 0, "speed 0 is not in (0, 10000]"},
		{5 * time.Second, -1, "speed -1 is not in (0, 10000]"},
		{5 * time.Second, realtime.MinSpeed, ""},
		{realtime.MaxWallTime, 1, ""},
		{realtime.MaxWallTime + time.Nanosecond, 1, "the limit is 7 days (raise --speed or shorten --duration)"},
		{realtime.MaxWallTime, 0.999, "would take 7.01 days of wall time"},
		{realtime.MaxWallTime * 2, 2, ""},
	}
	for _, c := range cases {
		s, err := Load("A3", Overrides{Duration: c.dur})
		if err != nil {
			t.Fatal(err)
		}
		o := RealOptions{Speed: c.speed}
		err = o.Check(s)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v at speed %g: %v, want accepted", c.dur, c.speed, err)
		case c.want != "" && (!errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v at speed %g: error %v, want bad input containing %q", c.dur, c.speed, err, c.want)
		}
	}
}
