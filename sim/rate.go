package sim

import (
	"desim/internal/quote"
	"errors"
	"fmt"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"regexp"
	"strings"
)

// MaxRate is the highest tick rate accepted, in ticks per second.
const MaxRate = 1e6

// Rate is a tick rate in ticks per second, held exactly as the reduced
// fraction num/den so that tick times can be computed without rounding
// drift. The tick period in nanoseconds is the reduced fraction
// periodNum/periodDen = 1e9·den/num.
type Rate struct {
	num, den             uint64
	periodNum, periodDen uint64
}

// ParseRate parses a rate in ticks per second written as an integer ("6"),
// a decimal ("2.5", "2.5e-1") or a fraction ("1/3"). The rate must be
// positive, at most MaxRate, and its period 1e9/rate ns must be a fraction
// whose numerator and denominator fit in 63 bits, which holds for every
// decimal with at most 9 digits after the point.
func ParseRate(s string) (Rate, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return Rate{}, errors.New("rate is empty")
	}
	r, ok := parseDecimalOrFraction(t)
	if !ok {
		return Rate{}, fmt.Errorf("rate %s is not a number (write ticks per second as an integer, a decimal or a fraction, e.g. 6, 2.5 or 1/3)", quote.Quote(s))
	}
	if r.Sign() <= 0 {
		return Rate{}, fmt.Errorf("rate %s must be positive", quote.Cut(t))
	}
	if r.Cmp(new(big.Rat).SetInt64(MaxRate)) > 0 {
		return Rate{}, fmt.Errorf("rate %s is above the maximum of %g ticks per second", quote.Cut(t), float64(MaxRate))
	}
	period := new(big.Rat).Quo(big.NewRat(1e9, 1), r)
	if !fits63(r.Num()) || !fits63(r.Denom()) || !fits63(period.Num()) || !fits63(period.Denom()) {
		return Rate{}, fmt.Errorf("rate %s has too many digits for exact tick times; round it to at most 9 decimals", quote.Cut(t))
	}
	return Rate{
		num: r.Num().Uint64(), den: r.Denom().Uint64(),
		periodNum: period.Num().Uint64(), periodDen: period.Denom().Uint64(),
	}, nil
}

// decimalSyntax is a decimal number: an optional sign, digits, an optional
// fraction and an optional exponent (no base prefix or underscores).
var decimalSyntax = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// parseDecimalOrFraction reads "6", "2.5", "2.5e-1" or "1/3", always in
// base 10 ("010" is ten, not eight).
func parseDecimalOrFraction(t string) (*big.Rat, bool) {
	if num, den, ok := strings.Cut(t, "/"); ok {
		n, ok1 := new(big.Int).SetString(num, 10)
		d, ok2 := new(big.Int).SetString(den, 10)
		if !ok1 || !ok2 || d.Sign() == 0 || strings.ContainsAny(den, "+-") || strings.Contains(t, "_") {
			return nil, false
		}
		return new(big.Rat).SetFrac(n, d), true
	}
	if !decimalSyntax.MatchString(t) {
		return nil, false
	}
	return new(big.Rat).SetString(t)
}

func fits63(x *big.Int) bool { return x.Sign() >= 0 && x.BitLen() <= 63 }

// MustRate is ParseRate for rates known to be valid, such as constants in
// tests; it panics on a bad rate.
func MustRate(s string) Rate {
	r, err := ParseRate(s)
	if err != nil {
		panic(err)
	}
	return r
}

// IsZero reports whether r is the zero Rate (not a valid rate).
func (r Rate) IsZero() bool { return r.den == 0 }

// Float64 returns the rate in ticks per second, correctly rounded.
func (r Rate) Float64() float64 {
	f, _ := new(big.Rat).SetFrac(new(big.Int).SetUint64(r.num), new(big.Int).SetUint64(r.den)).Float64()
	return f
}

// String returns the rate in a form ParseRate reads back to the same Rate:
// an integer or a terminating decimal where one exists ("6", "2.5"), and a
// fraction ("1/3") otherwise.
func (r Rate) String() string {
	if r.den == 0 {
		return "0"
	}
	rat := new(big.Rat).SetFrac(new(big.Int).SetUint64(r.num), new(big.Int).SetUint64(r.den))
	d := r.den
	digits := 0
	for d%10 == 0 {
		d /= 10
		digits++
	}
	for d%2 == 0 || d%5 == 0 {
		if d%2 == 0 {
			d /= 2
		} else {
			d /= 5
		}
		digits++
	}
	if d != 1 {
		return rat.RatString()
	}
	s := rat.FloatString(digits)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// TickTime returns the time of tick k after the machine's start, in ns:
// floor(k · 1e9 / rate), computed exactly with 128-bit integer arithmetic.
// It is valid while the result fits in 63 bits.
func (r Rate) TickTime(k int64) int64 {
	hi, lo := bits.Mul64(uint64(k), r.periodNum)
	q, _ := bits.Div64(hi, lo, r.periodDen)
	return int64(q)
}

// ticker steps through a machine's tick times start + floor(k·a/b) for
// k = 0, 1, 2, ... with integer arithmetic only: it keeps k·a = whole·b +
// frac and adds a = step·b + rem per tick. Each value equals
// start + Rate.TickTime(k) exactly (tested), without a division per tick.
//
// With a timing model (timed), tick k is at start + floor(k·a/b) + late,
// where late = o_0 + … + o_{k−1} sums the overshoots drawn so far (one per
// advance) and start includes the start offset.
type ticker struct {
	next  int64  // time of the next tick, ns
	whole int64  // floor(k·a/b) for the next tick's k
	frac  uint64 // (k·a) mod b
	step  int64  // a / b
	rem   uint64 // a mod b
	den   uint64 // b
	start int64

	timed bool
	late  int64           // overshoots so far, ns
	mean  int64           // the overshoot when it is constant (nodes nil)
	nodes *overshootNodes // the overshoot table's nodes (see Overshoot), or nil
	rng   rand.PCG
}

func newTicker(r Rate, start int64) ticker {
	return ticker{
		next: start, start: start,
		step: int64(r.periodNum / r.periodDen), rem: r.periodNum % r.periodDen, den: r.periodDen,
	}
}

// advance moves to the following tick.
func (t *ticker) advance() {
	t.whole += t.step
	t.frac += t.rem
	if t.frac >= t.den {
		t.frac -= t.den
		t.whole++
	}
	t.next = t.start + t.whole
	if t.timed {
		o := t.mean
		if t.nodes != nil {
			o = drawNodes(t.nodes, t.rng.Uint64())
		}
		t.late += o
		t.next += t.late
	}
}

// TicksBefore returns the number of ticks k ≥ 0 with TickTime(k) < d: the
// ticks of a machine that starts at 0 within a window of d ns (d ≥ 0).
func (r Rate) TicksBefore(d int64) int64 {
	if d <= 0 {
		return 0
	}
	// TickTime(k) < d ⟺ k·a/b < d (d is an integer) ⟺ k < d·b/a, so the
	// count is ceil(d·b/a).
	// The quotient fits in 64 bits for every valid rate and duration
	// (it is at most 10^7 s · 10^6 ticks/s).
	hi, lo := bits.Mul64(uint64(d), r.periodDen)
	q, rem := bits.Div64(hi, lo, r.periodNum)
	if rem != 0 {
		q++
	}
	return int64(q)
}
