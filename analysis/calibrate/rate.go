package calibrate

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"desim/sim"
)

// NominalRate returns the simplest rate for a mean tick interval of m
// seconds over the given number of intervals: p/q for the first q of
// Denominators with p = ⌈q/(m + ε)⌉ and a period q/p of at least m − w,
// where ε = min(RateSlack/intervals, m/1000) (package documentation). It
// is an error when no denominator gives one, or when the rate would be
// above sim.MaxRate.
func NominalRate(m float64, intervals int, w time.Duration) (sim.Rate, error) {
	if !(m > 0) || math.IsInf(m, 0) {
		return sim.Rate{}, fmt.Errorf("mean tick interval %g s is not a positive time", m)
	}
	hi := m + min(RateSlack.Seconds()/float64(max(intervals, 1)), m/1000)
	lo := m - w.Seconds()
	for _, q := range Denominators {
		pf := math.Ceil(float64(q) / hi)
		if pf > sim.MaxRate*float64(q) {
			return sim.Rate{}, fmt.Errorf("mean tick interval %s implies a rate of %.4g ticks/s, above the maximum of %g", fmtSec(m), 1/m, float64(sim.MaxRate))
		}
		p := int64(pf)
		if float64(q)/float64(p) < lo {
			continue
		}
		r, err := sim.ParseRate(strconv.FormatInt(p, 10) + "/" + strconv.FormatInt(q, 10))
		if err != nil {
			return sim.Rate{}, fmt.Errorf("mean tick interval %s: rate %d/%d: %v", fmtSec(m), p, q, err)
		}
		return r, nil
	}
	qs := make([]string, len(Denominators))
	for i, q := range Denominators {
		qs[i] = strconv.FormatInt(q, 10)
	}
	return sim.Rate{}, fmt.Errorf("mean tick interval %s (%.6g ticks/s): no rate p/q with q in {%s} has a period in [%s, %s], the mean interval less at most %s of overshoot; give the rates",
		fmtSec(m), 1/m, strings.Join(qs, ", "), fmtSec(lo), fmtSec(m), w)
}

// betaQuantile is the p quantile of Beta(n − 1, 2), the distribution of
// the range of n uniform draws on [0, 1].
func betaQuantile(n int, p float64) float64 {
	return distuv.Beta{Alpha: float64(n - 1), Beta: 2}.Quantile(p)
}
