package analysis

import (
	"math"
	"sort"
)

// MachinePrediction is the mean-field prediction for one machine. Rates
// are per second of virtual time.
type MachinePrediction struct {
	ID           int     `json:"id"`
	Rate         float64 `json:"rate"`          // r: ticks per second
	ArrivalRate  float64 `json:"arrival_rate"`  // λ: messages arriving per second
	Load         float64 `json:"load"`          // ρ = λ/r; ρ ≥ 1 means the queue never empties: the machine drifts
	ReceiveRate  float64 `json:"receive_rate"`  // min(λ, r): ticks spent on a receive
	SendRate     float64 `json:"send_rate"`     // s·N/R: ticks on which a send happens
	InternalRate float64 `json:"internal_rate"` // s·(R−N)/R
	QueueSlope   float64 `json:"queue_slope"`   // max(0, λ − r): growth of the queue, messages per second
	ClockSlope   float64 `json:"clock_slope"`   // c: growth of the logical clock, per second
	Drift        float64 `json:"drift"`         // c minus the largest c (≤ 0)
}

// Predict is a mean-field (fluid) model of the scale model with the given
// tick rates (per second) and die faces R.
//
// A tick that finds its queue empty rolls the die and sends to one given
// peer with probability q = 2/R (that peer's face plus the broadcast face).
// Let s_i be the rate of machine i's ticks that find the queue empty, and
// λ_i = q · Σ_{j≠i} s_j the rate at which messages arrive at it. In the
// steady state each message costs one tick, so
//
//	s_i = max(0, r_i − λ_i).
//
// This fixed point is solved exactly: the machines with s_i > 0 (the free
// set F) are exactly those with r_i > q·S_F, where S_F = Σ_{j∈F} s_j =
// Σ_{j∈F} r_j / (1 + q(|F|−1)) and s_i = (r_i − q·S_F)/(1 − q), so F is a
// set of the fastest machines and trying each size of F in turn finds it.
//
// The clock slope: let c_in be the largest clock slope among the other
// machines that send at all (s_j > 0). A machine with ρ_i < 1 keeps up with
// the fastest clock it hears from, c_i = max(r_i, c_in). An overloaded one
// (ρ_i ≥ 1) serves its queue in order, so the message it takes at time t was
// sent at time r_i·t/λ_i, and c_i = max(r_i, c_in·r_i/λ_i). These refer to
// each other; they are iterated from c_i = r_i until nothing changes.
//
// The model is a fluid approximation: it ignores the randomness of sends
// and the start-up transient. Near ρ = 1 the queue of a real run wanders
// like a random walk, growing as √t rather than linearly, and the
// prediction there is only approximate.
func Predict(rates []float64, die int) []MachinePrediction {
	n := len(rates)
	R := float64(die)
	q := 2 / R
	s := freeRates(rates, q)
	out := make([]MachinePrediction, n)
	var total float64
	for _, v := range s {
		total += v
	}
	for i, r := range rates {
		lambda := q * (total - s[i])
		out[i] = MachinePrediction{
			ID:           i,
			Rate:         r,
			ArrivalRate:  lambda,
			Load:         lambda / r,
			ReceiveRate:  math.Min(lambda, r),
			SendRate:     s[i] * float64(n) / R,
			InternalRate: s[i] * float64(die-n) / R,
			QueueSlope:   math.Max(0, lambda-r),
		}
	}
	// Clock slopes, iterated to their fixed point.
	c := make([]float64, n)
	copy(c, rates)
	for iter := 0; iter < 10*n+10; iter++ {
		changed := false
		for i := range out {
			cin := 0.0
			for j := range out {
				if j != i && s[j] > 0 {
					cin = math.Max(cin, c[j])
				}
			}
			next := math.Max(rates[i], cin)
			if out[i].Load >= 1 {
				next = math.Max(rates[i], cin*rates[i]/out[i].ArrivalRate)
			}
			if math.Abs(next-c[i]) > 1e-12*math.Max(1, next) {
				changed = true
			}
			c[i] = next
		}
		if !changed {
			break
		}
	}
	best := math.Inf(-1)
	for i := range out {
		out[i].ClockSlope = c[i]
		best = math.Max(best, c[i])
	}
	for i := range out {
		out[i].Drift = out[i].ClockSlope - best
	}
	return out
}

// freeRates solves s_i = max(0, r_i − q·Σ_{j≠i} s_j) (see Predict).
func freeRates(rates []float64, q float64) []float64 {
	n := len(rates)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rates[order[a]] > rates[order[b]] })
	s := make([]float64, n)
	for k := 1; k <= n; k++ {
		if k > 1 && q >= 1 {
			break // q = 1 (two machines, a two-faced die): one free machine
		}
		var sum float64
		for _, i := range order[:k] {
			sum += rates[i]
		}
		sf := sum / (1 + q*float64(k-1))
		thresh := q * sf
		if rates[order[k-1]] <= thresh {
			continue // the slowest of F would not be free
		}
		if k < n && rates[order[k]] > thresh {
			continue // the fastest outside F would be free
		}
		for _, i := range order[:k] {
			if k == 1 {
				s[i] = rates[i]
			} else {
				s[i] = (rates[i] - thresh) / (1 - q)
			}
		}
		return s
	}
	// Unreachable for positive rates: the top-1 set is consistent unless a
	// faster set is. Fall back to the fastest machine alone.
	s[order[0]] = rates[order[0]]
	return s
}
