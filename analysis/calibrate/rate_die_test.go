package calibrate_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"desim/analysis/calibrate"
	"desim/sim"
)

// TestNominalRate checks the simplest-rate rule on mean intervals of
// known rates plus overshoots, and its errors.
func TestNominalRate(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		m    float64       // mean interval, s
		w    time.Duration // max overshoot
		want string        // rate, or "error: <substring>"
		n    int           // intervals (0: 437, a 73 s run at 6 c/s)
	}{
		{"6 c/s, original's overshoot", 1.0/6 + 0.258e-3, 2 * ms, "6", 0},
		{"6 c/s exactly", 1.0 / 6, 2 * ms, "6", 0},
		{"6 c/s, 0.5 ns short (rounded log times)", 1.0/6 - 0.5e-9, 2 * ms, "6", 0},
		{"6 c/s, 1.9 ms late", 1.0/6 + 1.9e-3, 2 * ms, "6", 0},
		{"1 c/s, issue's worst overshoot", 1 + 1.3e-3, 2 * ms, "1", 0},
		{"2.5 c/s", 0.4 + 0.4e-3, 2 * ms, "5/2", 0},
		{"1/3 c/s", 3 + 1e-3, 2 * ms, "1/3", 0},
		{"6/5 c/s", 1/1.2 + 0.1e-3, 2 * ms, "6/5", 0},
		{"5.9 c/s", 1/5.9 + 0.4e-3, 2 * ms, "59/10", 0},
		// With a 5 ms window 5.9 c/s plus 0.4 ms is indistinguishable
		// from 6 c/s plus 3.2 ms: the simpler rate wins.
		{"5.9 c/s, wide window", 1/5.9 + 0.4e-3, 5 * ms, "6", 0},
		// 6 c/s 2 µs short is beyond RateSlack: no longer 6, but the
		// first q whose rate has a period within 2 ms below m.
		{"6 c/s, 2 µs short", 1.0/6 - 2e-6, 2 * ms, "121/20", 0},
		{"1 µs", 1e-6, 2 * ms, "1000000", 1e6},
		{"6 c/s, 0.2 µs short over 2 intervals", 1.0/6 - 0.2e-6, 2 * ms, "6", 2},
		{"100 c/s", 0.01 + 50e-6, 2 * ms, "100", 0},
		{"zero", 0, 2 * ms, "error: not a positive time", 0},
		{"too fast", 1e-7, 2 * ms, "error: above the maximum of 1e+06", 0},
		{"too slow for every q", 1e4, 2 * ms, "error: no rate p/q with q in {1, 2, 3, 4, 5, 10, 20, 100, 1000}", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := tt.n
			if n == 0 {
				n = 437
			}
			r, err := calibrate.NominalRate(tt.m, n, tt.w)
			if want, ok := strings.CutPrefix(tt.want, "error: "); ok {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("NominalRate(%g) = %s, %v; want an error with %q", tt.m, r, err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := sim.MustRate(tt.want); r != want {
				t.Errorf("NominalRate(%.9f) = %s, want %s", tt.m, r, want)
			}
			// The rule's promise: the period is at most the mean
			// interval (up to RateSlack) and at least it less w.
			p := 1 / r.Float64()
			if p > tt.m+calibrate.RateSlack.Seconds()/float64(n) || p < tt.m-tt.w.Seconds() {
				t.Errorf("period %.9f outside [m − w, m + slack] for m = %.9f", p, tt.m)
			}
		})
	}
}

// TestFitDie pins the die of known counts and checks the error cases.
func TestFitDie(t *testing.T) {
	tests := []struct {
		name           string
		free, sends, n int
		r, lo, hi      int
		unbounded      bool
		err            string
	}{
		// The original's A5 run: 171 sends among 642 free ticks.
		{name: "A5", free: 642, sends: 171, n: 3, r: 11, lo: 10, hi: 13},
		// C1: 231 of 500, ℓ(7) = −346.26 > ℓ(6) = −346.57.
		{name: "C1", free: 500, sends: 231, n: 3, r: 7, lo: 6, hi: 7},
		// Every free tick sent: p = 1, R = N, and R = N + 1 has
		// likelihood 0.75^100.
		{name: "all sends", free: 100, sends: 100, n: 3, r: 3, lo: 3, hi: 3},
		{name: "one send of one", free: 1, sends: 1, n: 3, r: 3, lo: 3, hi: 82},
		{name: "beyond the largest die", free: 1 << 30, sends: 1, n: 3, r: sim.MaxFaces, hi: sim.MaxFaces, unbounded: true},
		{name: "no free ticks", free: 0, sends: 0, n: 3, err: "no free ticks"},
		{name: "no sends", free: 50, sends: 0, n: 3, err: "no sends among the 50 free ticks"},
		{name: "one machine", free: 50, sends: 5, n: 1, err: "at least 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := calibrate.FitDie(tt.free, tt.sends, tt.n)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %+v, %v; want an error with %q", d, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.name == "beyond the largest die" {
				// R* = 3·2^30 is beyond the largest die; the lower
				// end is about R*/(a few).
				if d.R != tt.r || d.Hi != tt.hi || !d.Unbounded || d.Lo < 1e8 || d.Lo >= sim.MaxFaces {
					t.Errorf("got %+v", d)
				}
				return
			}
			if d.R != tt.r || d.Lo != tt.lo || d.Hi != tt.hi || d.Unbounded != tt.unbounded {
				t.Errorf("got R̂ = %d [%d, %d] unbounded=%v, want %d [%d, %d] %v", d.R, d.Lo, d.Hi, d.Unbounded, tt.r, tt.lo, tt.hi, tt.unbounded)
			}
		})
	}
}

// TestFitDieBruteForce compares FitDie with a scan of every R from N to
// 5000 on random counts: R̂ maximises the binomial likelihood (the smaller
// on a tie) and the interval is exactly the set where
// 2(ℓ(R̂) − ℓ(R)) ≤ 6.635.
func TestFitDieBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	ll := func(free, sends, n, r int) float64 {
		p := float64(n) / float64(r)
		l := 0.0
		if sends > 0 {
			l += float64(sends) * math.Log(p)
		}
		if free > sends {
			l += float64(free-sends) * math.Log(1-p)
		}
		return l
	}
	for range 300 {
		n := 2 + rng.IntN(4)
		free := 1 + rng.IntN(2000)
		sends := 1 + rng.IntN(free)
		d, err := calibrate.FitDie(free, sends, n)
		if err != nil {
			t.Fatal(err)
		}
		if d.Hi >= 5000 {
			continue // keep the interval inside the scan
		}
		best, bestR := math.Inf(-1), 0
		for r := n; r <= 5000; r++ {
			if l := ll(free, sends, n, r); l > best {
				best, bestR = l, r
			}
		}
		lo, hi := 0, 0
		for r := n; r <= 5000; r++ {
			if 2*(best-ll(free, sends, n, r)) <= 6.634896601021214 {
				if lo == 0 {
					lo = r
				}
				hi = r
			}
		}
		if d.R != bestR || d.Lo != lo || d.Hi != hi {
			t.Errorf("n=%d %d/%d: got %d [%d, %d], scan %d [%d, %d]", n, sends, free, d.R, d.Lo, d.Hi, bestR, lo, hi)
		}
	}
}
