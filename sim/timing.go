package sim

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"sync"
)

// Limits of a machine's timing model, checked by Config.Validate.
const (
	// MaxOvershoot is the largest mean and the largest standard deviation
	// of an overshoot, in ns (1 s).
	MaxOvershoot = int64(1e9)
	// MaxOvershootCV is the largest ratio sd/mean of an overshoot with a
	// positive mean: the gamma's shape mean²/sd² is at least 1/100, below
	// which the table's 4096 bins no longer hold its sd to 0.3 %.
	MaxOvershootCV = 10
	// OvershootBins is the number of equal-probability bins of an
	// overshoot's quantile table.
	OvershootBins = 4096
)

// Overshoot is the distribution of the lateness o_k ≥ 0 that a
// sleep-based implementation adds to every tick period: tick k+1 of the
// machine is at tick k + period_k + o_k (see MachineConfig). o_k is a
// whole number of ns.
//
// The distribution is the gamma distribution with the given moments:
// shape k = Mean²/SD², scale θ = SD²/Mean. SD = 0 makes every o_k equal to
// Mean, and Mean = 0 makes it 0 whatever SD; neither draws from the
// random stream. A shape above 10^4 (SD < Mean/100) is replaced by the
// gamma of shape 10^4 standardised and scaled to SD around Mean (its
// skewness, 2/√k, is then 0.02 instead of less; mean and sd are kept).
//
// A draw is an inverse-CDF lookup, integer-only and identical on every
// platform: the table holds the OvershootBins+1 nodes q_0 ≤ … ≤ q_4096
// (ns, rounded to the nearest integer), where q_j = θ·F⁻¹(j/4096) for
// 0 < j < 4096, and q_0 and q_4096 end the first and last bins so that a
// uniform draw on each has the gamma's conditional mean there (see
// gammaNodes). From the next 64-bit word w of the stream, with
// j = w >> 52 (the top 12 bits) and f = w mod 2^52,
//
//	o = q_j + ((q_{j+1} − q_j)·f + 2^51) >> 52
//
// in 128-bit integer arithmetic: one word per draw, linear interpolation
// between adjacent quantiles. The table is built once per distribution in
// float64, with arithmetic that is the same on every platform (see
// gamma.go). Its mean is within 2·10^-5 of Mean and its sd within 10^-4 of
// SD for shapes of 1 and more; at the smallest shape allowed (1/100,
// SD = 10·Mean) within 0.2 % and 0.3 %.
type Overshoot struct {
	// Mean is the mean overshoot in ns, 0 ≤ Mean ≤ MaxOvershoot.
	Mean int64
	// SD is its standard deviation in ns, 0 ≤ SD ≤ MaxOvershoot and
	// SD ≤ MaxOvershootCV·Mean when Mean > 0.
	SD int64
}

// IsZero reports whether the overshoot is always 0 (Mean = 0).
func (o Overshoot) IsZero() bool { return o.Mean == 0 }

// Constant reports whether every draw is Mean, without a random draw
// (SD = 0, or Mean = 0).
func (o Overshoot) Constant() bool { return o.Mean == 0 || o.SD == 0 }

// validate reports what is wrong with o, if anything.
func (o Overshoot) validate() error {
	switch {
	case o.Mean < 0 || o.Mean > MaxOvershoot:
		return fmt.Errorf("overshoot mean %d ns is not in [0, 1 s]", o.Mean)
	case o.SD < 0 || o.SD > MaxOvershoot:
		return fmt.Errorf("overshoot sd %d ns is not in [0, 1 s]", o.SD)
	case o.Mean > 0 && o.SD > MaxOvershootCV*o.Mean:
		return fmt.Errorf("overshoot sd %d ns is more than %d times its mean %d ns", o.SD, MaxOvershootCV, o.Mean)
	}
	return nil
}

// OvershootTable draws the overshoots of one Overshoot distribution. It is
// immutable once built and may be shared by machines, engines and
// goroutines.
type OvershootTable struct {
	o     Overshoot
	nodes *overshootNodes // nil for a constant overshoot
}

// overshootNodes are a table's nodes; an array, so that a draw's index
// needs no bounds check.
type overshootNodes [OvershootBins + 1]int64

// NewOvershootTable builds the table of o, which must be valid (see
// Config.Validate). Building it takes about a millisecond, more for large
// shapes.
func NewOvershootTable(o Overshoot) *OvershootTable {
	t := &OvershootTable{o: o}
	if o.Constant() {
		return t
	}
	mean, sd := float64(o.Mean), float64(o.SD)
	r := mean / sd
	k := mul(r, r) // shape
	nodes := new(overshootNodes)
	if k <= gammaMaxShape {
		theta := sd / r // sd²/mean
		for j, y := range gammaNodes(k, OvershootBins) {
			nodes[j] = int64(math.Round(mul(theta, y)))
		}
	} else {
		// mean + sd·(Y − k0)/√k0 with Y ~ Gamma(k0), k0 = 10^4, √k0 = 100.
		scale := sd / 100
		for j, y := range gammaNodes(gammaMaxShape, OvershootBins) {
			nodes[j] = int64(math.Round(mean + mul(scale, y-gammaMaxShape)))
		}
	}
	for j := range nodes { // ≥ 0 and non-decreasing, as a guard
		nodes[j] = max(nodes[j], 0)
		if j > 0 {
			nodes[j] = max(nodes[j], nodes[j-1])
		}
	}
	t.nodes = nodes
	return t
}

// tableCache holds the tables built by the engines of this process, so
// that engines of the same distribution (a grid's points, a sweep's
// workers) build each only once. A table is a function of its Overshoot
// alone and immutable, so sharing it changes no run. At most
// maxCachedTables (32 KiB each) are kept; beyond that tables are built
// afresh.
var tableCache struct {
	sync.Mutex
	m map[Overshoot]*OvershootTable
}

const maxCachedTables = 256

// cachedOvershootTable is NewOvershootTable through tableCache.
func cachedOvershootTable(o Overshoot) *OvershootTable {
	tableCache.Lock()
	t := tableCache.m[o]
	tableCache.Unlock()
	if t != nil {
		return t
	}
	t = NewOvershootTable(o)
	tableCache.Lock()
	if tableCache.m == nil {
		tableCache.m = map[Overshoot]*OvershootTable{}
	}
	if len(tableCache.m) < maxCachedTables {
		tableCache.m[o] = t
	}
	tableCache.Unlock()
	return t
}

// Overshoot returns the distribution of the table.
func (t *OvershootTable) Overshoot() Overshoot { return t.o }

// Nodes returns a copy of the table's OvershootBins+1 quantile nodes in
// ns, or nil for a constant overshoot.
func (t *OvershootTable) Nodes() []int64 {
	if t.nodes == nil {
		return nil
	}
	return append([]int64(nil), t.nodes[:]...)
}

// Draw returns the next overshoot in ns from src: Mean without touching
// src for a constant overshoot, otherwise the interpolated quantile of
// the next word of src (see Overshoot).
func (t *OvershootTable) Draw(src *rand.PCG) int64 {
	if t.nodes == nil {
		return t.o.Mean
	}
	return drawNodes(t.nodes, src.Uint64())
}

// drawNodes is the interpolation of Overshoot's doc comment for the word w.
func drawNodes(nodes *overshootNodes, w uint64) int64 {
	j := w >> 52
	f := w & (1<<52 - 1)
	lo := nodes[j]
	hi, l := bits.Mul64(uint64(nodes[j+1]-lo), f)
	l, c := bits.Add64(l, 1<<51, 0)
	hi += c
	return lo + int64(hi<<12|l>>52)
}

// StartOffset returns the extra start offset of a machine with a start
// spread of spread ns, drawn from src: uniform in [0, spread) by Lemire's
// method (see uniform), and 0 without a draw when spread is 0.
func StartOffset(src *rand.PCG, spread int64) int64 {
	if spread <= 0 {
		return 0
	}
	return int64(uniform(src, uint64(spread)))
}
