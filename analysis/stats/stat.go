package stats

import (
	"math"
	"math/big"

	"gonum.org/v1/gonum/stat/distuv"

	"desim/analysis/exact"
)

// Stat accumulates one metric over seeds: the count, the exact sums of the
// values and of their squares, and the extremes with the seeds that gave
// them. Merging is exact and commutative, so a Stat is the same whatever
// order its seeds were added in and however they were split among workers
// or shards.
type Stat struct {
	N       int64     `json:"n"`
	Sum     exact.Sum `json:"sum"`   // Σx
	SumSq   exact.Sum `json:"sumsq"` // Σx², exactly (see exact.Sum.AddSquare)
	Min     float64   `json:"min"`
	Max     float64   `json:"max"`
	MinSeed uint64    `json:"min_seed"` // the lowest seed giving Min
	MaxSeed uint64    `json:"max_seed"` // the lowest seed giving Max
}

// Add adds the value x of the run with the given seed.
func (s *Stat) Add(x float64, seed uint64) {
	if s.N == 0 || x < s.Min || x == s.Min && seed < s.MinSeed {
		s.Min, s.MinSeed = x, seed
	}
	if s.N == 0 || x > s.Max || x == s.Max && seed < s.MaxSeed {
		s.Max, s.MaxSeed = x, seed
	}
	s.N++
	s.Sum.Add(x)
	s.SumSq.AddSquare(x)
}

// Merge adds t's values.
func (s *Stat) Merge(t *Stat) {
	if t.N == 0 {
		return
	}
	if s.N == 0 {
		*s = *t
		return
	}
	if t.Min < s.Min || t.Min == s.Min && t.MinSeed < s.MinSeed {
		s.Min, s.MinSeed = t.Min, t.MinSeed
	}
	if t.Max > s.Max || t.Max == s.Max && t.MaxSeed < s.MaxSeed {
		s.Max, s.MaxSeed = t.Max, t.MaxSeed
	}
	s.N += t.N
	s.Sum.Merge(&t.Sum)
	s.SumSq.Merge(&t.SumSq)
}

// Summary is what a Stat reports.
type Summary struct {
	N       int64   `json:"n"`
	Mean    float64 `json:"mean"`
	SD      float64 `json:"sd"`   // sample standard deviation (n − 1 in the denominator)
	CI95    float64 `json:"ci95"` // half-width of the 95% confidence interval of the mean: t(0.975, n−1)·sd/√n
	Min     float64 `json:"min"`
	Max     float64 `json:"max"`
	MinSeed uint64  `json:"min_seed"`
	MaxSeed uint64  `json:"max_seed"`
	// Predicted is the mean-field prediction (nil where the model makes
	// none) and Z = (mean − predicted)/(sd/√n) (nil when undefined; 0 when
	// every run gave the predicted value, to 1e-9 relative).
	Predicted *float64 `json:"predicted"`
	Z         *float64 `json:"z"`
}

// precision of the exact arithmetic behind mean and variance: enough for
// every bit of the sums (at most ~2150 bits) and their products.
const precision = 4600

// Summarize computes the mean, sample standard deviation and 95% CI from
// the exact sums: mean = Σx/n and var = (Σx² − (Σx)²/n)/(n − 1), both
// evaluated exactly and rounded once to float64; sd = √var. With predicted
// (may be nil) it fills Predicted and Z. Undefined quantities (sd and CI
// for n < 2) are 0 and Z is nil.
func (s *Stat) Summarize(predicted *float64) Summary {
	out := Summary{N: s.N, Min: s.Min, Max: s.Max, MinSeed: s.MinSeed, MaxSeed: s.MaxSeed}
	if s.N == 0 {
		return out
	}
	sum, ok1 := s.Sum.Float()
	sq, ok2 := s.SumSq.Float()
	if !ok1 || !ok2 {
		out.Mean, out.SD, out.CI95 = math.NaN(), math.NaN(), math.NaN()
		return out
	}
	n := new(big.Float).SetPrec(precision).SetInt64(s.N)
	mean := new(big.Float).SetPrec(precision).Quo(sum, n)
	out.Mean, _ = mean.Float64()
	if s.N > 1 {
		// var = (Σx² − Σx·mean)/(n−1), exact up to the 4600-bit precision.
		v := new(big.Float).SetPrec(precision).Mul(sum, mean)
		v.Sub(sq, v)
		v.Quo(v, new(big.Float).SetPrec(precision).SetInt64(s.N-1))
		variance, _ := v.Float64()
		out.SD = math.Sqrt(math.Max(variance, 0))
		t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(s.N - 1)}.Quantile(0.975)
		out.CI95 = t * out.SD / math.Sqrt(float64(s.N))
	}
	if predicted != nil {
		p := *predicted
		out.Predicted = &p
		if se := out.SD / math.Sqrt(float64(s.N)); se > 0 {
			z := (out.Mean - p) / se
			out.Z = &z
		} else if math.Abs(out.Mean-p) <= 1e-9*math.Max(1, math.Abs(p)) && s.N > 1 {
			// Every run gave the same value, and the prediction is it (to
			// the rounding of a model computed in floating point).
			z := 0.0
			out.Z = &z
		}
	}
	return out
}
