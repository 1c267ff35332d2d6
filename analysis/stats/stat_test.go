package stats

import (
	"encoding/json"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	_ "desim/internal/golden" // registers -update for "go test ./... -update"
)

// statJSON is a Stat's complete content (its exact sums included), for
// comparing two Stats bit for bit.
func statJSON(t testing.TB, s *Stat) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// obs is one run's value of a metric.
type obs struct {
	x    float64
	seed uint64
}

func statOf(os []obs) *Stat {
	var s Stat
	for _, o := range os {
		s.Add(o.x, o.seed)
	}
	return &s
}

// TestStatExtremes checks min and max with the seeds that gave them; on a
// tie the lowest seed wins, whatever the order the runs were added in.
func TestStatExtremes(t *testing.T) {
	negZero := math.Copysign(0, -1)
	for _, c := range []struct {
		name             string
		obs              []obs
		min, max         float64
		minSeed, maxSeed uint64
	}{
		{"one run", []obs{{2.5, 7}}, 2.5, 2.5, 7, 7},
		{"distinct", []obs{{3, 1}, {1, 2}, {5, 3}, {4, 4}}, 1, 5, 2, 3},
		{"tie on the min", []obs{{1, 9}, {2, 4}, {1, 3}, {1, 12}}, 1, 2, 3, 4},
		{"tie on the max", []obs{{5, 40}, {5, 17}, {0, 2}, {5, 99}}, 0, 5, 2, 17},
		{"all equal", []obs{{6, 8}, {6, 5}, {6, 11}}, 6, 6, 5, 5},
		{"negative values", []obs{{-1, 3}, {-7, 9}, {-7, 4}, {-0.5, 1}}, -7, -0.5, 4, 1},
		// 0 and -0 compare equal: the lowest seed's value is reported.
		{"zero and negative zero", []obs{{0, 6}, {negZero, 2}}, negZero, negZero, 2, 2},
		{"large seeds", []obs{{1, math.MaxUint64}, {1, math.MaxUint64 - 1}}, 1, 1, math.MaxUint64 - 1, math.MaxUint64 - 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			for trial := range 10 {
				os := append([]obs(nil), c.obs...)
				r.Shuffle(len(os), func(i, j int) { os[i], os[j] = os[j], os[i] })
				// Added one by one, and merged from single-run Stats.
				added := statOf(os)
				var merged Stat
				for _, o := range os {
					merged.Merge(statOf([]obs{o}))
				}
				for _, s := range []*Stat{added, &merged} {
					if math.Float64bits(s.Min) != math.Float64bits(c.min) || s.MinSeed != c.minSeed ||
						math.Float64bits(s.Max) != math.Float64bits(c.max) || s.MaxSeed != c.maxSeed {
						t.Fatalf("trial %d, order %v: min %v (seed %d), max %v (seed %d); want min %v (seed %d), max %v (seed %d)",
							trial, os, s.Min, s.MinSeed, s.Max, s.MaxSeed, c.min, c.minSeed, c.max, c.maxSeed)
					}
					if s.N != int64(len(c.obs)) {
						t.Fatalf("N = %d, want %d", s.N, len(c.obs))
					}
				}
			}
		})
	}
}

// randObs draws n runs of a metric with seeds from the given one, with
// repeated values (for ties) and values of different scales.
func randObs(r *rand.Rand, n int, from uint64) []obs {
	os := make([]obs, n)
	for i := range os {
		x := r.NormFloat64()*3 + 10
		switch r.IntN(4) {
		case 0:
			x = float64(r.IntN(5)) // ties
		case 1:
			x *= 1e-9
		}
		os[i] = obs{x, from + uint64(i)}
	}
	return os
}

// TestStatMerge checks that merging is commutative and equals adding every
// run to one Stat, for several splits.
func TestStatMerge(t *testing.T) {
	for _, c := range []struct {
		name  string
		n     int
		parts int
	}{
		{"two parts", 100, 2},
		{"seven parts", 300, 7},
		{"some parts empty", 5, 12},
		{"one part", 40, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(c.n), uint64(c.parts)))
			os := randObs(r, c.n, 1000)
			want := statJSON(t, statOf(os))
			parts := make([]Stat, c.parts)
			for _, o := range os {
				parts[r.IntN(c.parts)].Add(o.x, o.seed)
			}
			for range 6 {
				var total Stat
				for _, k := range r.Perm(c.parts) {
					total.Merge(&parts[k])
				}
				if got := statJSON(t, &total); got != want {
					t.Fatalf("merged %s\nwant   %s", got, want)
				}
			}
			// a.Merge(b) and b.Merge(a) agree.
			if c.parts >= 2 {
				a, b := parts[0], parts[1]
				a.Merge(&parts[1])
				b.Merge(&parts[0])
				if statJSON(t, &a) != statJSON(t, &b) {
					t.Errorf("Merge is not commutative:\n%s\n%s", statJSON(t, &a), statJSON(t, &b))
				}
			}
		})
	}
}

// TestSummarize compares mean, sd and ci95 with gonum (stat.MeanStdDev and
// distuv.StudentsT), and the mean with the exact mean rounded once.
func TestSummarize(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var wide, big1000 []float64
	for range 50 {
		wide = append(wide, r.NormFloat64()*1e6+3)
	}
	for range 1000 {
		big1000 = append(big1000, r.ExpFloat64())
	}
	for _, c := range []struct {
		name string
		xs   []float64
	}{
		{"two values", []float64{1, 2}},
		{"small integers", []float64{3, 1, 4, 1, 5, 9, 2, 6}},
		{"slopes", []float64{5.5899, 5.61, 5.57, 5.6, 5.62, 5.58, 5.59}},
		{"large offset, small spread", []float64{1e9 + 0.1, 1e9 + 0.2, 1e9 + 0.3, 1e9 + 0.4}},
		{"negative", []float64{-0.41, -0.39, -0.45, -0.4}},
		{"wide", wide},
		{"1000 exponential", big1000},
	} {
		t.Run(c.name, func(t *testing.T) {
			var s Stat
			for i, x := range c.xs {
				s.Add(x, uint64(i+1))
			}
			got := s.Summarize(nil)
			mean, sd := stat.MeanStdDev(c.xs, nil)
			n := float64(len(c.xs))
			ci := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(0.975) * sd / math.Sqrt(n)
			if got.N != int64(len(c.xs)) {
				t.Errorf("N = %d", got.N)
			}
			if !near(got.Mean, mean, 1e-13) {
				t.Errorf("mean %v, gonum %v", got.Mean, mean)
			}
			if !near(got.SD, sd, 1e-9) {
				t.Errorf("sd %v, gonum %v", got.SD, sd)
			}
			if !near(got.CI95, ci, 1e-9) {
				t.Errorf("ci95 %v, gonum %v", got.CI95, ci)
			}
			// The mean is the exact Σx/n rounded once.
			exactSum := new(big.Rat)
			for _, x := range c.xs {
				exactSum.Add(exactSum, new(big.Rat).SetFloat64(x))
			}
			want, _ := exactSum.Quo(exactSum, new(big.Rat).SetInt64(int64(len(c.xs)))).Float64()
			if got.Mean != want {
				t.Errorf("mean %v, exact mean rounded once %v", got.Mean, want)
			}
			if got.Predicted != nil || got.Z != nil {
				t.Errorf("no prediction given, but predicted %v, z %v", got.Predicted, got.Z)
			}
		})
	}
}

func near(a, b, rel float64) bool {
	return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b)) || a == b
}

func ptr(x float64) *float64 { return &x }

// TestSummarizePrediction checks predicted and z = (mean − p)/(sd/√n),
// and the edge cases n = 0, n = 1 and sd = 0.
func TestSummarizePrediction(t *testing.T) {
	for _, c := range []struct {
		name     string
		xs       []float64
		pred     *float64
		mean, sd float64
		ci       float64 // -1: compute from gonum
		z        *float64
	}{
		{"n = 0", nil, nil, 0, 0, 0, nil},
		{"n = 1", []float64{4.5}, ptr(4), 4.5, 0, 0, nil},
		{"n = 1, mean equals prediction", []float64{4}, ptr(4), 4, 0, 0, nil},
		{"sd = 0, mean equals prediction", []float64{360, 360, 360}, ptr(360), 360, 0, 0, ptr(0)},
		{"sd = 0, mean differs", []float64{360, 360, 360}, ptr(359), 360, 0, 0, nil},
		{"sd = 0, prediction off by rounding", []float64{360, 360, 360}, ptr(360 - 1e-12), 360, 0, 0, ptr(0)},
		{"z positive", []float64{1, 2, 3, 4}, ptr(2), 2.5, math.Sqrt(5.0 / 3), -1, ptr(0.5 / (math.Sqrt(5.0/3) / 2))},
		{"z negative", []float64{1, 2, 3, 4}, ptr(3.5), 2.5, math.Sqrt(5.0 / 3), -1, ptr(-1 / (math.Sqrt(5.0/3) / 2))},
		{"no prediction", []float64{1, 2, 3, 4}, nil, 2.5, math.Sqrt(5.0 / 3), -1, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var s Stat
			for i, x := range c.xs {
				s.Add(x, uint64(i+1))
			}
			got := s.Summarize(c.pred)
			if got.N != int64(len(c.xs)) || got.Mean != c.mean || !near(got.SD, c.sd, 1e-15) {
				t.Errorf("n %d mean %v sd %v; want %d, %v, %v", got.N, got.Mean, got.SD, len(c.xs), c.mean, c.sd)
			}
			ci := c.ci
			if ci < 0 {
				n := float64(len(c.xs))
				ci = distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(0.975) * c.sd / math.Sqrt(n)
			}
			if !near(got.CI95, ci, 1e-12) {
				t.Errorf("ci95 %v, want %v", got.CI95, ci)
			}
			if len(c.xs) > 0 && (c.pred == nil) != (got.Predicted == nil) {
				t.Errorf("predicted %v, want %v", got.Predicted, c.pred)
			}
			if c.pred != nil && got.Predicted != nil && *got.Predicted != *c.pred {
				t.Errorf("predicted %v, want %v", *got.Predicted, *c.pred)
			}
			switch {
			case c.z == nil && got.Z != nil:
				t.Errorf("z = %v, want none", *got.Z)
			case c.z != nil && got.Z == nil:
				t.Errorf("no z, want %v", *c.z)
			case c.z != nil && !near(*got.Z, *c.z, 1e-14):
				t.Errorf("z = %v, want %v", *got.Z, *c.z)
			}
			// Whatever the case, the summary encodes as JSON (no NaN).
			if _, err := json.Marshal(got); err != nil {
				t.Errorf("summary does not encode: %v", err)
			}
		})
	}
}

// TestStatJSONRoundTrip: a Stat written to a state file reads back to the
// same bits.
func TestStatJSONRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name string
		obs  []obs
	}{
		{"empty", nil},
		{"one", []obs{{-3.25, 9}}},
		{"many", randObs(rand.New(rand.NewPCG(8, 8)), 200, 5)},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := statOf(c.obs)
			j := statJSON(t, s)
			var back Stat
			if err := json.Unmarshal([]byte(j), &back); err != nil {
				t.Fatal(err)
			}
			if got := statJSON(t, &back); got != j {
				t.Errorf("round trip %s, want %s", got, j)
			}
			a, b := s.Summarize(ptr(1)), back.Summarize(ptr(1))
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if string(ja) != string(jb) {
				t.Errorf("summaries differ after the round trip:\n%s\n%s", ja, jb)
			}
		})
	}
}
