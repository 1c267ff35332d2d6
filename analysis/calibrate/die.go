package calibrate

import (
	"fmt"
	"math"

	"desim/sim"
)

// estimateDie pools the machines' free ticks and sends and fits R.
func estimateDie(ms []Machine, n int) (Die, error) {
	var free, sends int
	for _, m := range ms {
		free += m.Free
		sends += m.Sends
	}
	return FitDie(free, sends, n)
}

// FitDie returns the maximum-likelihood die R ≥ n of n machines whose free
// ticks sent sends times out of free, each sending with probability n/R,
// and its 99 % likelihood-ratio interval (package documentation). With no
// free tick or no send R has no finite estimate, and it is an error.
func FitDie(free, sends, n int) (Die, error) {
	d := Die{N: n, Free: free, Sends: sends}
	switch {
	case n < 2:
		return d, fmt.Errorf("calibrate: %d machine(s): the die needs at least 2", n)
	case free <= 0:
		return d, fmt.Errorf("calibrate: no free ticks (every tick was a receive): the die R cannot be estimated")
	case sends < 0 || sends > free:
		return d, fmt.Errorf("calibrate: %d sends among %d free ticks", sends, free)
	case sends == 0:
		return d, fmt.Errorf("calibrate: no sends among the %d free ticks: the die R has no finite estimate (a send has probability %d/R)", free, n)
	}
	ll := func(r int) float64 { return logLik(free, sends, n, r) }

	// ℓ as a function of a real R peaks at N·free/sends: R̂ is one of the
	// integers beside it.
	star := float64(n) * float64(free) / float64(sends)
	lo := clampFaces(math.Floor(star), n)
	hi := clampFaces(math.Ceil(star), n)
	d.R = lo
	if ll(hi) > ll(lo) {
		d.R = hi
	}
	best := ll(d.R)
	in := func(r int) bool { return 2*(best-ll(r)) <= chi2_99 }

	// ℓ rises up to R̂ and falls after it: binary search each side for the
	// last R inside the interval.
	a, b := n, d.R // smallest R in [a, b] that is in: b is in
	for a < b {
		mid := a + (b-a)/2
		if in(mid) {
			b = mid
		} else {
			a = mid + 1
		}
	}
	d.Lo = a
	a, b = d.R, sim.MaxFaces // largest R in [a, b] that is in: a is in
	for a < b {
		mid := a + (b-a+1)/2
		if in(mid) {
			a = mid
		} else {
			b = mid - 1
		}
	}
	d.Hi = a
	d.Unbounded = d.Hi == sim.MaxFaces
	return d, nil
}

// clampFaces limits r to [n, sim.MaxFaces], before converting it to an
// int: R̂ can pass 2^31, which a 32-bit int cannot hold.
func clampFaces(r float64, n int) int { return int(min(max(r, float64(n)), sim.MaxFaces)) }

// logLik is the binomial log-likelihood of sends among free ticks, each a
// send with probability n/r: sends·ln(n/r) + (free − sends)·ln(1 − n/r),
// with 0·ln 0 = 0.
func logLik(free, sends, n, r int) float64 {
	p := float64(n) / float64(r)
	var l float64
	if sends > 0 {
		l += float64(sends) * math.Log(p)
	}
	if free > sends {
		l += float64(free-sends) * math.Log1p(-p)
	}
	return l
}
