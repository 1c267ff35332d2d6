package sim

import "math"

// The arithmetic of this file builds the quantile table of an overshoot
// distribution (see Overshoot). The table decides tick times, so it must
// be bit-identical on every platform. It therefore uses only IEEE-754
// operations that are exactly rounded everywhere (+, −, ×, ÷, math.Sqrt)
// and exact bit operations (math.Frexp, math.Ldexp, math.Round), and its
// own exp and log below instead of math.Exp and math.Log, which have
// assembly versions on amd64, arm64 and s390x that need not agree with the
// portable code in the last bit. Every product goes through mul: Go may
// fuse x*y+z into one fused multiply-add (it does on arm64, ppc64le,
// riscv64 and s390x), which rounds once instead of twice, and an explicit
// float64() conversion is the documented way to forbid that.

// mul returns x·y rounded to float64, never fused into a following
// addition (see above).
func mul(x, y float64) float64 { return float64(x * y) }

// expDet is e^x, ported from the portable code of Go's math.Exp (FreeBSD's
// e_exp.c) with every product through mul.
func expDet(x float64) float64 {
	const (
		ln2Hi     = 6.93147180369123816490e-01
		ln2Lo     = 1.90821492927058770002e-10
		log2e     = 1.44269504088896338700e+00
		overflow  = 7.09782712893383973096e+02
		underflow = -7.45133219101941108420e+02
		nearZero  = 1.0 / (1 << 28)

		p1 = 1.66666666666666657415e-01
		p2 = -2.77777777770155933842e-03
		p3 = 6.61375632143793436117e-05
		p4 = -1.65339022054652515390e-06
		p5 = 4.13813679705723846039e-08
	)
	switch {
	case math.IsNaN(x) || math.IsInf(x, 1):
		return x
	case x < underflow:
		return 0
	case x > overflow:
		return math.Inf(1)
	case -nearZero < x && x < nearZero:
		return 1 + x
	}
	var k int
	if x < 0 {
		k = int(mul(log2e, x) - 0.5)
	} else {
		k = int(mul(log2e, x) + 0.5)
	}
	hi := x - mul(float64(k), ln2Hi)
	lo := mul(float64(k), ln2Lo)
	r := hi - lo
	t := mul(r, r)
	c := r - mul(t, p1+mul(t, p2+mul(t, p3+mul(t, p4+mul(t, p5)))))
	y := 1 - ((lo - mul(r, c)/(2-c)) - hi)
	return math.Ldexp(y, k)
}

// logDet is the natural logarithm, ported from the portable code of Go's
// math.Log (FreeBSD's e_log.c) with every product through mul.
func logDet(x float64) float64 {
	const (
		ln2Hi = 6.93147180369123816490e-01
		ln2Lo = 1.90821492927058770002e-10
		l1    = 6.666666666666735130e-01
		l2    = 3.999999999940941908e-01
		l3    = 2.857142874366239149e-01
		l4    = 2.222219843214978396e-01
		l5    = 1.818357216161805012e-01
		l6    = 1.531383769920937332e-01
		l7    = 1.479819860511658591e-01
	)
	switch {
	case math.IsNaN(x) || math.IsInf(x, 1):
		return x
	case x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	}
	f1, ki := math.Frexp(x)
	if f1 < math.Sqrt2/2 {
		f1 *= 2
		ki--
	}
	f := f1 - 1
	k := float64(ki)
	s := f / (2 + f)
	s2 := mul(s, s)
	s4 := mul(s2, s2)
	t1 := mul(s2, l1+mul(s4, l3+mul(s4, l5+mul(s4, l7))))
	t2 := mul(s4, l2+mul(s4, l4+mul(s4, l6)))
	r := t1 + t2
	hfsq := mul(mul(0.5, f), f)
	return mul(k, ln2Hi) - ((hfsq - (mul(s, hfsq+r) + mul(k, ln2Lo))) - f)
}

// lgammaPos is ln Γ(z) for z > 0: the recurrence Γ(z) = Γ(z+m)/(z(z+1)…
// (z+m−1)) up to z+m ≥ 16, then Stirling's series to the term in z^-13
// (an error below 10^-18 there).
func lgammaPos(z float64) float64 {
	const halfLog2Pi = 0.91893853320467274178 // ln √(2π)
	p := 1.0
	for z < 16 {
		p = mul(p, z)
		z++
	}
	zi := 1 / z
	zi2 := mul(zi, zi)
	ser := mul(zi, 1.0/12+mul(zi2, -1.0/360+mul(zi2, 1.0/1260+mul(zi2, -1.0/1680+
		mul(zi2, 1.0/1188+mul(zi2, -691.0/360360+mul(zi2, 1.0/156)))))))
	return mul(z-0.5, logDet(z)) - z + halfLog2Pi + ser - logDet(p)
}

// gammaMaxIter bounds the terms of gammaPQ's series and continued
// fraction; both need O(√a) terms near x = a, a few hundred for the
// largest shape used (gammaMaxShape).
const gammaMaxIter = 100000

// gammaPQ returns the regularized incomplete gamma functions P(a, x) and
// Q(a, x) = 1 − P(a, x) at x = e^t, for a > 0, and lp = ln(x^a e^{−x}/Γ(a))
// (lga is ln Γ(a)). Below x = a+1 it sums the series P = x^a e^{−x}/Γ(a) ·
// Σ_{n≥0} x^n / (a(a+1)…(a+n)), above it evaluates the continued fraction
// of Q by the modified Lentz method (Numerical Recipes, 6.2); the other
// function is 1 minus the one computed. Taking ln x as the argument lets
// quantiles far below the smallest float64 be found (their value rounds to
// 0 ns anyway).
func gammaPQ(a, t, lga float64) (p, q, lp float64) {
	x := expDet(t)
	lp = mul(a, t) - x - lga
	if x < a+1 {
		ap, del, sum := a, 1/a, 1/a
		for range gammaMaxIter {
			ap++
			del = mul(del, x/ap)
			sum += del
			if del < mul(sum, 1e-17) {
				break
			}
		}
		p = mul(sum, expDet(lp))
		return p, 1 - p, lp
	}
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < gammaMaxIter; i++ {
		an := mul(-float64(i), float64(i)-a)
		b += 2
		d = mul(an, d) + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := mul(d, c)
		h = mul(h, del)
		if math.Abs(del-1) < 4e-16 { // two ulps below 1
			break
		}
	}
	q = mul(expDet(lp), h)
	return 1 - q, q, lp
}

// gammaMaxShape is the largest gamma shape whose quantiles are computed
// directly; a distribution of larger shape (sd below mean/100) is the
// standardised gamma of this shape, scaled to its sd and shifted to its
// mean (see Overshoot).
const gammaMaxShape = 1e4

// gammaNodes returns the n+1 nodes y_0 ≤ … ≤ y_n of the piecewise-linear
// inverse CDF of a standard gamma distribution of shape a (scale 1),
// 0 < a ≤ gammaMaxShape, n ≥ 2:
//
//   - y_j = F⁻¹(j/n) for 0 < j < n, solved by safeguarded Newton steps on
//     ln y (bisection when a step leaves the bracket) to a relative 10^-13;
//   - y_n = 2·E[Y | Y > y_{n−1}] − y_{n−1}, so that a uniform draw on the
//     last bin has the mean of the gamma's upper tail, with
//     E[Y | Y > y] = a·n·Q(a+1, y) (since E[Y; Y > y] = a·Q(a+1, y));
//   - y_0 = max(0, 2·E[Y | Y < y_1] − y_1), likewise for the first bin,
//     with E[Y | Y < y_1] = a·n·P(a+1, y_1).
//
// The interior bins are trapezoids of the quantile function, which is
// convex in the tail; with n = 4096 the mean of the table is within
// 2·10^-5 of a for a ≥ 1 (4·10^-4 for a = 0.1) and its sd within 10^-4
// of √a for a ≥ 0.25 (3·10^-3 for a = 0.01).
func gammaNodes(a float64, n int) []float64 {
	lga := lgammaPos(a)
	y := make([]float64, n+1)
	// Start for the first quantile: the Wilson–Hilferty approximation
	// y ≈ a(1 − 1/(9a) + z/(3√a))³ with the rough normal quantile
	// z = −√(2 ln n), or where that fails (small a) the lower tail
	// P(a, y) ≈ y^a/Γ(a+1).
	t := (logDet(1/float64(n)) + lgammaPos(a+1)) / a
	if w := 1 - 1/mul(9, a) - math.Sqrt(mul(2, logDet(float64(n))))/mul(3, math.Sqrt(a)); w > 0.1 {
		t = logDet(a) + mul(3, logDet(w))
	}
	// Newton steps on ln y are at most maxStep long: far below the
	// quantile P is tiny and the step would be huge.
	maxStep := 1 + 10/a
	tlo := math.Inf(-1) // ln of the previous quantile: P there is below the target
	var t1, tn float64  // ln y_1 and ln y_{n-1}
	for j := 1; j < n; j++ {
		pt := float64(j) / float64(n)
		qt := float64(n-j) / float64(n)
		lo, hi := tlo, math.Inf(1)
		var lp float64
		for it := 0; ; it++ {
			p, q, l := gammaPQ(a, t, lga)
			lp = l
			// r = P(y) − p, from whichever of P and Q is the accurate one.
			var r float64
			if p < 0.5 {
				r = p - pt
			} else {
				r = qt - q
			}
			if r == 0 {
				break
			}
			if r < 0 {
				lo = t
			} else {
				hi = t
			}
			// dP/d(ln y) = f_a(y)·y = e^lp.
			nt := t - max(-maxStep, min(maxStep, r/expDet(lp)))
			if !(nt > lo && nt < hi) {
				switch {
				case math.IsInf(lo, -1):
					nt = hi - 8
				case math.IsInf(hi, 1):
					nt = lo + 1
				default:
					nt = lo + mul(0.5, hi-lo)
				}
			}
			// Converged: the step, or the bracket, is below 10^-13
			// relative; t (whose lp is known) is kept.
			tol := mul(1e-13, math.Max(1, math.Abs(t)))
			if math.Abs(nt-t) <= tol || hi-lo <= tol || it == 199 {
				break
			}
			t = nt
		}
		y[j] = expDet(t)
		switch j {
		case 1:
			t1 = t
		case n - 1:
			tn = t
		}
		tlo = t
		// Next start: one first-order step of 1/n in probability (at most
		// a factor e^8, and finite when the density underflows).
		t += min(8, 1/mul(float64(n), expDet(lp)))
	}
	// The end bins' conditional means, from E[Y; Y < y] = a·P(a+1, y).
	nf, lga1 := float64(n), lgammaPos(a+1)
	p1, _, _ := gammaPQ(a+1, t1, lga1)
	_, qn, _ := gammaPQ(a+1, tn, lga1)
	y[0] = math.Max(0, 2*mul(mul(a, nf), p1)-y[1])
	y[n] = 2*mul(mul(a, nf), qn) - y[n-1]
	for j := 1; j <= n; j++ { // monotone, whatever the last bits did
		y[j] = math.Max(y[j], y[j-1])
	}
	return y
}
