package exact_test

import (
	"encoding/json"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"desim/analysis/exact"
	_ "desim/internal/golden" // registers -update for "go test ./... -update"
)

// ---------------------------------------------------------------------------
// Exact references computed with math/big.

// two1074 is 2^1074: every finite float64 times it is an integer.
var two1074 = new(big.Int).Lsh(big.NewInt(1), 1074)

// scaled returns the exact integer x·2^1074 of a finite x.
func scaled(t testing.TB, x float64) *big.Int {
	t.Helper()
	if math.IsNaN(x) || math.IsInf(x, 0) {
		t.Fatalf("scaled(%v): not finite", x)
	}
	f := new(big.Float).SetFloat64(x)
	f.SetMantExp(f, 1074)
	i, acc := f.Int(nil)
	if acc != big.Exact {
		t.Fatalf("scaled(%v): %v is not an integer", x, f)
	}
	return i
}

// refSum returns Σ x·2^1074 of the finite terms, exactly.
func refSum(t testing.TB, xs []float64) *big.Int {
	t.Helper()
	z := new(big.Int)
	for _, x := range xs {
		z.Add(z, scaled(t, x))
	}
	return z
}

// refFloat sums the terms as big.Floats at a precision that makes every
// addition exact (the terms lie on the 2^-1074 grid and below 2^1100).
func refFloat(t testing.TB, xs []float64) *big.Float {
	t.Helper()
	z := new(big.Float).SetPrec(4096)
	for _, x := range xs {
		z.Add(z, new(big.Float).SetFloat64(x))
		if z.Acc() != big.Exact {
			t.Fatalf("reference big.Float sum is not exact")
		}
	}
	return z
}

// roundRat rounds Σ·2^-1074 to float64 through big.Rat (nearest, ties to
// even; ±Inf beyond the range): a rounding independent of the one Sum uses.
func roundRat(i *big.Int) float64 {
	f, _ := new(big.Rat).SetFrac(i, two1074).Float64()
	return f
}

// sumOf adds the terms in order.
func sumOf(xs []float64) *exact.Sum {
	var s exact.Sum
	for _, x := range xs {
		s.Add(x)
	}
	return &s
}

func text(t testing.TB, s *exact.Sum) string {
	t.Helper()
	b, err := s.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sameFloat is bit equality, except that every NaN equals every NaN.
func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

// ---------------------------------------------------------------------------
// Random terms of wildly different magnitudes.

// randTerm draws a finite float64: any exponent, subnormals, ±0, the
// extremes, ordinary values and small integers, either sign.
func randTerm(r *rand.Rand) float64 {
	var x float64
	switch r.IntN(8) {
	case 0, 1: // any finite bit pattern: exponent uniform over the range
		e := r.Uint64N(0x7ff)
		x = math.Float64frombits(e<<52 | r.Uint64N(1<<52))
	case 2: // subnormal
		x = math.Float64frombits(r.Uint64N(1<<52) | 1)
	case 3: // zeros and extremes
		x = []float64{0, math.MaxFloat64, math.SmallestNonzeroFloat64, 0x1p-1022, 0x1p1023, 1}[r.IntN(6)]
	case 4: // ordinary values at a random scale
		x = r.NormFloat64() * math.Pow(10, float64(r.IntN(41)-20))
	case 5: // integers
		x = float64(r.Int64N(1 << 53))
	case 6: // huge
		x = math.Float64frombits((0x7fe-r.Uint64N(30))<<52 | r.Uint64N(1<<52))
	default: // tiny normal
		x = math.Float64frombits((1+r.Uint64N(30))<<52 | r.Uint64N(1<<52))
	}
	if r.IntN(2) == 0 {
		x = -x
	}
	return x
}

// randTerms returns n terms, some of them followed later by their
// negation so that large parts cancel.
func randTerms(r *rand.Rand, n int) []float64 {
	xs := make([]float64, 0, n)
	for len(xs) < n {
		x := randTerm(r)
		xs = append(xs, x)
		if r.IntN(3) == 0 && len(xs) < n {
			xs = append(xs, -x)
		}
	}
	r.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
	return xs
}

// ---------------------------------------------------------------------------

// TestAddExactTable checks sums whose float64 evaluation would lose
// everything: cancellations, intermediate overflow, ties and subnormals.
// The result must be Σ rounded once (nearest, ties to even).
func TestAddExactTable(t *testing.T) {
	const tiny = math.SmallestNonzeroFloat64
	maxUlp := 0x1p971 // the spacing of float64s at MaxFloat64
	for _, c := range []struct {
		name  string
		terms []float64
		want  float64
	}{
		{"empty", nil, 0},
		{"1e300+1-1e300", []float64{1e300, 1, -1e300}, 1},
		{"1-1e300+1e300 (other order)", []float64{1, -1e300, 1e300}, 1},
		{"1+1e-300-1", []float64{1, 1e-300, -1}, 1e-300},
		{"max+max-max (no intermediate overflow)", []float64{math.MaxFloat64, math.MaxFloat64, -math.MaxFloat64}, math.MaxFloat64},
		{"max+max overflows to +Inf", []float64{math.MaxFloat64, math.MaxFloat64}, math.Inf(1)},
		{"-max-max overflows to -Inf", []float64{-math.MaxFloat64, -math.MaxFloat64}, math.Inf(-1)},
		{"max + half ulp is a tie, rounds to even: +Inf", []float64{math.MaxFloat64, maxUlp / 2}, math.Inf(1)},
		{"max + just under half ulp stays max", []float64{math.MaxFloat64, maxUlp / 2, -tiny}, math.MaxFloat64},
		{"0.1+0.2-0.3 is exactly 2^-55", []float64{0.1, 0.2, -0.3}, 0x1p-55},
		{"tie 1+2^-53 rounds to even 1", []float64{1, 0x1p-53}, 1},
		{"tie 1+2^-52+2^-53 rounds to even 1+2^-51", []float64{1, 0x1p-52, 0x1p-53}, 1 + 0x1p-51},
		{"just above the tie rounds up", []float64{1, 0x1p-53, tiny}, 1 + 0x1p-52},
		{"just below the tie rounds down", []float64{1, 0x1p-53, -tiny}, 1},
		{"negative tie rounds to even", []float64{-1, -0x1p-53}, -1},
		{"1e16+1+1 (float64 gives 1e16)", []float64{1e16, 1, 1}, 1e16 + 2},
		{"subnormals add exactly", []float64{tiny, tiny, tiny}, 3 * tiny},
		{"subnormal cancellation", []float64{tiny, -tiny}, 0},
		{"subnormals into the normal range", []float64{0x0.8p-1022, 0x0.8p-1022}, 0x1p-1022},
		{"smallest normal minus smallest subnormal", []float64{0x1p-1022, -tiny}, 0x1p-1022 - tiny},
		{"huge and tiny", []float64{math.MaxFloat64, tiny, -math.MaxFloat64}, tiny},
		{"+0", []float64{0}, 0},
		// An exact sum has no sign of zero: it reads as +0 (IEEE would
		// give -0 for -0 + -0); what matters is that it is always the same.
		{"-0 reads as +0", []float64{math.Copysign(0, -1), math.Copysign(0, -1)}, 0},
		{"x-x is +0", []float64{-3.5, 3.5}, 0},
		{"NaN term", []float64{1, math.NaN()}, math.NaN()},
		{"+Inf term reads NaN", []float64{math.Inf(1)}, math.NaN()},
		{"Inf-Inf", []float64{math.Inf(1), math.Inf(-1)}, math.NaN()},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := sumOf(c.terms)
			if got := s.Float64(); !sameFloat(got, c.want) {
				t.Errorf("Σ%v = %v (%#x), want %v (%#x)", c.terms, got, math.Float64bits(got), c.want, math.Float64bits(c.want))
			}
			finite := true
			for _, x := range c.terms {
				finite = finite && !math.IsNaN(x) && !math.IsInf(x, 0)
			}
			if finite {
				if got, want := s.Int(), refSum(t, c.terms); got.Cmp(want) != 0 {
					t.Errorf("Int() = %v, want %v", got, want)
				}
				if got, want := s.Float64(), roundRat(refSum(t, c.terms)); !sameFloat(got, want) {
					t.Errorf("Float64() = %v, big.Rat rounds to %v", got, want)
				}
			} else if _, ok := s.Float(); ok {
				t.Errorf("Float() ok with a non-finite term")
			}
		})
	}
}

// TestAddRandomAgainstBig compares Sum with math/big over random terms of
// every magnitude and sign: the exact integer, the big.Float sum, and the
// rounding to float64 (against big.Rat's and big.Float's).
func TestAddRandomAgainstBig(t *testing.T) {
	for _, c := range []struct {
		name string
		seed uint64
		n    int
	}{
		{"few terms", 1, 3},
		{"some terms", 2, 50},
		{"many terms", 3, 2000},
		{"many terms, other seed", 4, 2000},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(c.seed, 99))
			for trial := range 20 {
				xs := randTerms(r, c.n)
				s := sumOf(xs)
				want := refSum(t, xs)
				if got := s.Int(); got.Cmp(want) != 0 {
					t.Fatalf("trial %d: Int() = %v, want %v", trial, got, want)
				}
				f, ok := s.Float()
				if !ok {
					t.Fatalf("trial %d: Float() not ok", trial)
				}
				if ref := refFloat(t, xs); f.Cmp(ref) != 0 {
					t.Fatalf("trial %d: Float() = %v, big.Float sum %v", trial, f, ref)
				}
				got := s.Float64()
				if w := roundRat(want); !sameFloat(got, w) {
					t.Fatalf("trial %d: Float64() = %v, big.Rat rounds to %v", trial, got, w)
				}
				if w, _ := refFloat(t, xs).Float64(); !sameFloat(got, w) {
					t.Fatalf("trial %d: Float64() = %v, big.Float rounds to %v", trial, got, w)
				}
			}
		})
	}
}

// TestAddOrderIndependent shuffles the terms: the sum (its text, hence
// its every bit) must not change.
func TestAddOrderIndependent(t *testing.T) {
	for _, c := range []struct {
		name string
		seed uint64
		n    int
	}{
		{"10 terms", 5, 10},
		{"500 terms", 6, 500},
		{"3000 terms", 7, 3000},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(c.seed, 1))
			xs := randTerms(r, c.n)
			want := text(t, sumOf(xs))
			wantF := sumOf(xs).Float64()
			for range 10 {
				r.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
				s := sumOf(xs)
				if got := text(t, s); got != want {
					t.Fatalf("shuffled sum %s, first order %s", got, want)
				}
				if got := s.Float64(); !sameFloat(got, wantF) {
					t.Fatalf("shuffled Float64 %v, first order %v", got, wantF)
				}
			}
		})
	}
}

// TestManyLargeTerms exercises the carries between bins (and the
// normalisation) with many terms of the largest magnitudes, all of one
// sign and then mixed with tiny ones, checking exactness.
func TestManyLargeTerms(t *testing.T) {
	for _, c := range []struct {
		name string
		gen  func(r *rand.Rand) float64
		n    int
	}{
		{"MaxFloat64 repeated", func(*rand.Rand) float64 { return math.MaxFloat64 }, 4000},
		{"-MaxFloat64 repeated", func(*rand.Rand) float64 { return -math.MaxFloat64 }, 4000},
		{"huge positive, random mantissas", func(r *rand.Rand) float64 {
			return math.Float64frombits((0x7fe-r.Uint64N(4))<<52 | r.Uint64N(1<<52))
		}, 4000},
		{"all-ones mantissas at every exponent", func(r *rand.Rand) float64 {
			return math.Float64frombits(r.Uint64N(0x7ff)<<52 | (1<<52 - 1))
		}, 20000},
		{"huge and subnormal, mixed signs", func(r *rand.Rand) float64 {
			if r.IntN(2) == 0 {
				return -math.Float64frombits(r.Uint64N(1<<52) | 1)
			}
			return math.Float64frombits((0x7fe-r.Uint64N(2))<<52 | r.Uint64N(1<<52))
		}, 20000},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(11, 12))
			xs := make([]float64, c.n)
			for i := range xs {
				xs[i] = c.gen(r)
			}
			s := sumOf(xs)
			want := refSum(t, xs)
			if got := s.Int(); got.Cmp(want) != 0 {
				t.Fatalf("Int() = %v\nwant     %v", got, want)
			}
			if got, w := s.Float64(), roundRat(want); !sameFloat(got, w) {
				t.Fatalf("Float64() = %v, want %v", got, w)
			}
			// Subtract everything again: exactly zero.
			for _, x := range xs {
				s.Add(-x)
			}
			if got := s.Int(); got.Sign() != 0 {
				t.Fatalf("after subtracting every term: %v, want 0", got)
			}
		})
	}
}

// TestMerge checks that merging the sums of parts equals adding every term
// to one Sum, whatever the split and the order of the merges.
func TestMerge(t *testing.T) {
	for _, c := range []struct {
		name  string
		seed  uint64
		n     int
		parts int
	}{
		{"two parts", 21, 200, 2},
		{"seven parts", 22, 700, 7},
		{"more parts than terms", 23, 5, 9},
		{"one part", 24, 100, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(c.seed, 2))
			xs := randTerms(r, c.n)
			want := text(t, sumOf(xs))
			parts := make([]exact.Sum, c.parts)
			for _, x := range xs {
				parts[r.IntN(c.parts)].Add(x)
			}
			for trial := range 5 {
				order := r.Perm(c.parts)
				var total exact.Sum
				if trial%2 == 1 {
					// Merge into a Sum that already holds terms.
					total = parts[order[0]]
					order = order[1:]
				}
				for _, k := range order {
					total.Merge(&parts[k])
				}
				if got := text(t, &total); got != want {
					t.Fatalf("merged %s, want %s", got, want)
				}
			}
			// Merging leaves its argument unchanged.
			before := text(t, &parts[0])
			var x exact.Sum
			x.Merge(&parts[0])
			if after := text(t, &parts[0]); after != before {
				t.Errorf("Merge changed its argument: %s, was %s", after, before)
			}
		})
	}
}

// TestMergeSpecial covers merges with NaN, zero and self.
func TestMergeSpecial(t *testing.T) {
	for _, c := range []struct {
		name string
		a, b []float64
		want float64
	}{
		{"empty into empty", nil, nil, 0},
		{"NaN into finite", []float64{1}, []float64{math.NaN()}, math.NaN()},
		{"finite into NaN", []float64{math.Inf(1)}, []float64{1}, math.NaN()},
		{"cancelling parts", []float64{1e300, 1}, []float64{-1e300}, 1},
		{"negative parts", []float64{-0x1p-1074}, []float64{-math.MaxFloat64}, -math.MaxFloat64},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, b := sumOf(c.a), sumOf(c.b)
			a.Merge(b)
			if got := a.Float64(); !sameFloat(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
	t.Run("merge with itself doubles", func(t *testing.T) {
		xs := randTerms(rand.New(rand.NewPCG(3, 3)), 100)
		s := sumOf(xs)
		s.Merge(s)
		want := new(big.Int).Lsh(refSum(t, xs), 1)
		if got := s.Int(); got.Cmp(want) != 0 {
			t.Errorf("s.Merge(s) = %v, want %v", got, want)
		}
	})
}

// exactSquare returns x²·2^1074 as an exact rational (it need not lie on
// the 2^-1074 grid).
func exactSquare(x float64) *big.Rat {
	r := new(big.Rat).SetFloat64(x)
	r.Mul(r, r)
	return r.Mul(r, new(big.Rat).SetInt(two1074))
}

// TestAddSquare checks that AddSquare adds x² exactly whenever x² lies on
// the accumulator's 2^-1074 grid (every |x| ≥ 2^-485, and any x whose
// lowest set bit is at least 2^-537), and within half a grid step (2^-1075)
// below that, where no float64 accumulator could hold it.
func TestAddSquare(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	var randoms []float64
	for range 300 {
		// Exponents with x² within the accumulator's range.
		e := 1023 - 480 + r.Uint64N(960)
		randoms = append(randoms, math.Float64frombits(e<<52|r.Uint64N(1<<52)))
	}
	for _, c := range []struct {
		name  string
		xs    []float64
		exact bool // x² is on the grid: AddSquare must be exact
	}{
		{"simple", []float64{0, 1, -1, 3, 0.5, -2.25}, true},
		{"inexact products", []float64{0.1, -0.1, 1.0 / 3, math.Pi, math.E, 1 + 0x1p-52, 6.0000000001}, true},
		{"odd 53-bit mantissas", []float64{1<<53 - 1, -(1<<53 - 1), (1<<53 - 1) * 0x1p-60}, true},
		{"large", []float64{1e150, -1.3407807929942596e154, 0x1.fffffffffffffp511}, true},
		{"small on the grid", []float64{0x1p-537, 0x1.8p-500, 0x1.fffffffffffffp-485}, true},
		{"random", randoms, true},
		{"below the grid", []float64{0x1p-538, 1e-200, math.SmallestNonzeroFloat64, -0x1.8p-520}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, x := range c.xs {
				var s exact.Sum
				s.AddSquare(x)
				got := new(big.Rat).SetInt(s.Int())
				want := exactSquare(x)
				if c.exact {
					if got.Cmp(want) != 0 {
						t.Errorf("AddSquare(%v) = %v·2^-1074, want %v", x, got, want)
					}
					continue
				}
				diff := new(big.Rat).Sub(got, want)
				if diff.Abs(diff).Cmp(big.NewRat(1, 2)) > 0 {
					t.Errorf("AddSquare(%v) = %v·2^-1074, more than half a step from %v", x, got.FloatString(3), want.FloatString(3))
				}
			}
			// And all of them in one Sum, against the exact total.
			var s exact.Sum
			total := new(big.Rat)
			for _, x := range c.xs {
				s.AddSquare(x)
				total.Add(total, exactSquare(x))
			}
			if c.exact && new(big.Rat).SetInt(s.Int()).Cmp(total) != 0 {
				t.Errorf("Σx² = %v, want %v", s.Int(), total)
			}
		})
	}
}

// TestFloat64CorrectlyRounded draws sums near rounding boundaries (a
// float64 plus a multiple of a quarter ulp, plus or minus the smallest
// subnormal) and compares the rounding with big.Float's and big.Rat's.
func TestFloat64CorrectlyRounded(t *testing.T) {
	for _, c := range []struct {
		name  string
		base  func(r *rand.Rand) float64
		seeds uint64
	}{
		{"around 1", func(r *rand.Rand) float64 { return 1 + float64(r.IntN(1000))*0x1p-52 }, 1},
		{"normal", func(r *rand.Rand) float64 { return math.Float64frombits((1+r.Uint64N(0x7fd))<<52 | r.Uint64N(1<<52)) }, 2},
		{"near the top", func(r *rand.Rand) float64 { return math.Float64frombits(0x7fe<<52 | r.Uint64N(1<<52)) }, 3},
		{"near the subnormals", func(r *rand.Rand) float64 { return math.Float64frombits((1+r.Uint64N(3))<<52 | r.Uint64N(1<<52)) }, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(c.seeds, 5))
			for range 300 {
				b := c.base(r)
				if r.IntN(2) == 0 {
					b = -b
				}
				ulp := math.Abs(math.Nextafter(b, math.Inf(1)) - b)
				if math.IsInf(ulp, 0) || ulp == 0 {
					continue
				}
				terms := []float64{b, float64(r.IntN(5)) * ulp / 4}
				switch r.IntN(3) {
				case 0:
					terms = append(terms, math.SmallestNonzeroFloat64)
				case 1:
					terms = append(terms, -math.SmallestNonzeroFloat64)
				}
				s := sumOf(terms)
				got := s.Float64()
				ref, _ := refFloat(t, terms).Float64()
				if !sameFloat(got, ref) {
					t.Fatalf("Σ%v: Float64() = %v, big.Float rounds to %v", terms, got, ref)
				}
				if w := roundRat(refSum(t, terms)); !sameFloat(got, w) {
					t.Fatalf("Σ%v: Float64() = %v, big.Rat rounds to %v", terms, got, w)
				}
			}
		})
	}
}

// TestTextRoundTrip checks that MarshalText and UnmarshalText give back the
// same sum (integer, float64 and text), directly and inside JSON.
func TestTextRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, c := range []struct {
		name  string
		terms []float64
		text  string // expected text, if not ""
	}{
		{"zero", nil, "0"},
		{"negative zero", []float64{math.Copysign(0, -1)}, "0"},
		{"one", []float64{1}, "4" + strings.Repeat("0", 268)}, // 2^1074 = 4·16^268
		{"smallest subnormal", []float64{math.SmallestNonzeroFloat64}, "1"},
		{"negative smallest subnormal", []float64{-math.SmallestNonzeroFloat64}, "-1"},
		{"negative", []float64{-1.5, -1e-300}, ""},
		{"mixed random", randTerms(r, 500), ""},
		{"cancelling to a tiny negative", []float64{1e300, -1e300, -3e-320}, ""},
		{"max", []float64{math.MaxFloat64}, ""},
		{"-max", []float64{-math.MaxFloat64}, ""},
		{"beyond float64: 1000·max", repeat(math.MaxFloat64, 1000), ""},
		{"beyond float64: -1000·max", repeat(-math.MaxFloat64, 1000), ""},
		{"NaN", []float64{1, math.NaN()}, "NaN"},
		{"Inf", []float64{math.Inf(-1)}, "NaN"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := sumOf(c.terms)
			b, err := s.MarshalText()
			if err != nil {
				t.Fatal(err)
			}
			if c.text != "" && string(b) != c.text {
				t.Errorf("MarshalText = %q, want %q", b, c.text)
			}
			var u exact.Sum
			if err := u.UnmarshalText(b); err != nil {
				t.Fatalf("UnmarshalText(%q): %v", b, err)
			}
			if b2 := text(t, &u); b2 != string(b) {
				t.Errorf("round trip: %q, want %q", b2, b)
			}
			if !sameFloat(u.Float64(), s.Float64()) {
				t.Errorf("round trip: Float64 %v, want %v", u.Float64(), s.Float64())
			}
			if _, ok := s.Float(); ok && u.Int().Cmp(s.Int()) != 0 {
				t.Errorf("round trip: Int %v, want %v", u.Int(), s.Int())
			}
			// The round-tripped sum keeps adding exactly.
			s.Add(0.25)
			u.Add(0.25)
			if text(t, &u) != text(t, s) {
				t.Errorf("after one more Add: %s, want %s", text(t, &u), text(t, s))
			}
			// In JSON, as a string.
			j, err := json.Marshal(struct{ S exact.Sum }{*sumOf(c.terms)})
			if err != nil {
				t.Fatal(err)
			}
			var back struct{ S exact.Sum }
			if err := json.Unmarshal(j, &back); err != nil {
				t.Fatalf("json %s: %v", j, err)
			}
			if got := text(t, &back.S); got != string(b) {
				t.Errorf("json round trip: %s, want %s", got, b)
			}
		})
	}
}

func repeat(x float64, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = x
	}
	return xs
}

// TestTextRoundTripLargeSums: every Sum that Add can build must read back.
// 4097·MaxFloat64 is Σ·2^1074 of 2111 bits: more than 66 bins of 32 bits
// hold without the top bin's headroom, which UnmarshalText must use.
func TestTextRoundTripLargeSums(t *testing.T) {
	for _, c := range []struct {
		name  string
		terms []float64
	}{
		{"4096·max (2110 bits)", repeat(math.MaxFloat64, 4096)},
		{"4097·max (2111 bits)", repeat(math.MaxFloat64, 4097)},
		{"-4097·max", repeat(-math.MaxFloat64, 4097)},
		{"100000·max", repeat(math.MaxFloat64, 100000)},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := sumOf(c.terms)
			b := text(t, s)
			var u exact.Sum
			if err := u.UnmarshalText([]byte(b)); err != nil {
				msg := err.Error()
				if len(msg) > 60 {
					msg = msg[:60] + "…"
				}
				t.Fatalf("UnmarshalText of what MarshalText wrote (Σ·2^1074 has %d bits): %s", s.Int().BitLen(), msg)
			}
			if u.Int().Cmp(s.Int()) != 0 {
				t.Errorf("round trip changed the sum")
			}
		})
	}
}

// TestUnmarshalTextRejects feeds garbage: an error, no panic, and the Sum
// left usable.
func TestUnmarshalTextRejects(t *testing.T) {
	for _, c := range []struct {
		name, in string
	}{
		{"empty", ""},
		{"space", " "},
		{"leading space", " 1f"},
		{"trailing newline", "1f\n"},
		{"0x prefix", "0x1f"},
		{"decimal point", "1.5"},
		{"exponent", "1p10"},
		{"lower-case nan", "nan"},
		{"NaN with space", "NaN "},
		{"Inf", "Inf"},
		{"double minus", "--1"},
		{"minus only", "-"},
		{"underscore", "1_0"},
		{"not hex", "xyz"},
		{"NUL", "\x00"},
		{"UTF-8", "é"},
		{"JSON number", `{"a":1}`},
		{"out of range", "1" + strings.Repeat("0", 600)},
		{"negative out of range", "-1" + strings.Repeat("f", 600)},
	} {
		t.Run(c.name, func(t *testing.T) {
			var s exact.Sum
			s.Add(7)
			err := s.UnmarshalText([]byte(c.in))
			if err == nil {
				t.Fatalf("UnmarshalText(%q) accepted: %s", c.in, text(t, &s))
			}
			if !strings.HasPrefix(err.Error(), "exact: ") {
				t.Errorf("error %q does not name the package", err)
			}
			// Still usable.
			s.Add(1)
			_ = s.Float64()
		})
	}
}

// FuzzSumText feeds arbitrary text to UnmarshalText: no panic; whatever is
// accepted marshals to a canonical text that reads back to itself, and
// keeps adding exactly.
func FuzzSumText(f *testing.F) {
	for _, s := range []string{"0", "1", "-1", "NaN", "ff", "-abcdef0123456789", "", "0x10", "1" + strings.Repeat("0", 527)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s exact.Sum
		if err := s.UnmarshalText(data); err != nil {
			return
		}
		b1 := text(t, &s)
		var u exact.Sum
		if err := u.UnmarshalText([]byte(b1)); err != nil {
			t.Fatalf("%q read as %q, which does not read back: %v", data, b1, err)
		}
		if b2 := text(t, &u); b2 != b1 {
			t.Fatalf("%q: text %q then %q", data, b1, b2)
		}
		if b1 == "NaN" {
			return
		}
		in, ok := new(big.Int).SetString(string(data), 16)
		if !ok || in.Cmp(s.Int()) != 0 {
			t.Fatalf("%q read as %v", data, s.Int())
		}
		_ = s.Float64()
		s.Add(1)
		want := new(big.Int).Add(in, two1074)
		if s.Int().Cmp(want) != 0 {
			t.Fatalf("%q + 1 = %v, want %v", data, s.Int(), want)
		}
	})
}

// BenchmarkAdd measures Add (ns/op) on a mix of magnitudes.
func BenchmarkAdd(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = randTerm(r)
	}
	var s exact.Sum
	i := 0
	for b.Loop() {
		s.Add(xs[i&1023])
		i++
	}
	sink = s.Float64()
}

var sink float64
