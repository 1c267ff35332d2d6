package exact

import (
	"math"
	"math/big"
	"testing"

	_ "desim/internal/golden" // registers -update for "go test ./... -update"
)

// binsValue is Σ bins[j]·2^(32j), computed with math/big from the raw bins
// (which need not be normalised).
func binsValue(s *Sum) *big.Int {
	z := new(big.Int)
	for j := nbins - 1; j >= 0; j-- {
		z.Lsh(z, binBits)
		z.Add(z, big.NewInt(s.bins[j]))
	}
	return z
}

// scaledInt is x·2^1074 for a finite x.
func scaledInt(x float64) *big.Int {
	f := new(big.Float).SetFloat64(x)
	f.SetMantExp(f, 1074)
	i, _ := f.Int(nil)
	return i
}

// worstBins returns a Sum whose bins hold what normEvery−1 additions of
// the largest per-bin contributions (2^32−1 each, of sign sign) leave
// without normalisation: the state just before the periodic normalisation.
func worstBins(sign int64) Sum {
	var s Sum
	for j := range s.bins {
		s.bins[j] = sign * (normEvery - 1) * (binMask)
	}
	s.pending = normEvery - 1
	return s
}

// TestNormalizePath drives the periodic normalisation without 2^30 real
// additions: the bins are set to their worst case just before it, then
// more terms are added across the threshold. The value must stay exact,
// pending must restart, and normalised bins must be in [0, 2^32) but the
// last.
func TestNormalizePath(t *testing.T) {
	for _, c := range []struct {
		name  string
		start func() Sum
		terms []float64
	}{
		{"worst positive bins, positive terms", func() Sum { return worstBins(1) },
			[]float64{math.MaxFloat64, 1, 0x1.fffffffffffffp-1000, math.SmallestNonzeroFloat64, 0x1.fffffffffffffp+500}},
		{"worst negative bins, negative terms", func() Sum { return worstBins(-1) },
			[]float64{-math.MaxFloat64, -1, -0x1.fffffffffffffp-1000, -math.SmallestNonzeroFloat64}},
		{"worst positive bins, negative terms", func() Sum { return worstBins(1) },
			[]float64{-math.MaxFloat64, -0x1.fffffffffffffp-1000, -3}},
		{"mixed bins", func() Sum {
			s := worstBins(1)
			for j := 0; j < nbins; j += 2 {
				s.bins[j] = -s.bins[j]
			}
			return s
		}, []float64{1e-300, -1e300, 5, math.SmallestNonzeroFloat64}},
		{"empty sum at the threshold", func() Sum { return Sum{pending: normEvery - 1} },
			[]float64{1, -2, 0.5}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := c.start()
			want := binsValue(&s)
			for _, x := range c.terms {
				s.Add(x)
				want.Add(want, scaledInt(x))
			}
			if s.pending >= normEvery || s.pending > int32(len(c.terms)) {
				t.Errorf("pending = %d after crossing the threshold", s.pending)
			}
			if got := s.Int(); got.Cmp(want) != 0 {
				t.Fatalf("Int() = %v\nwant     %v", got, want)
			}
			s.normalize()
			for j := 0; j < nbins-1; j++ {
				if s.bins[j] < 0 || s.bins[j] > binMask {
					t.Fatalf("bin %d = %d after normalize, want [0, 2^32)", j, s.bins[j])
				}
			}
			if got := binsValue(&s); got.Cmp(want) != 0 {
				t.Fatalf("normalize changed the value")
			}
		})
	}
}

// TestMergeWorstBins merges two Sums in their worst unnormalised state.
func TestMergeWorstBins(t *testing.T) {
	for _, c := range []struct {
		name         string
		signA, signB int64
	}{
		{"positive + positive", 1, 1},
		{"negative + negative", -1, -1},
		{"positive + negative", 1, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, b := worstBins(c.signA), worstBins(c.signB)
			want := new(big.Int).Add(binsValue(&a), binsValue(&b))
			a.Merge(&b)
			if got := a.Int(); got.Cmp(want) != 0 {
				t.Fatalf("Merge = %v\nwant    %v", got, want)
			}
			if b.pending != normEvery-1 {
				t.Errorf("Merge changed its argument")
			}
		})
	}
}
