package analysis

import (
	"math"
	"slices"
	"sort"
)

// MachinePrediction is the mean-field prediction for one machine. Rates
// are per second of virtual time.
type MachinePrediction struct {
	ID           int     `json:"id"`
	Rate         float64 `json:"rate"`          // r: ticks per second
	ArrivalRate  float64 `json:"arrival_rate"`  // λ: messages arriving per second
	Load         float64 `json:"load"`          // ρ = λ/r: above 1 the queue grows linearly and the clock drifts; 1 is critical (see Predict)
	ReceiveRate  float64 `json:"receive_rate"`  // min(λ, r): ticks spent on a receive
	SendRate     float64 `json:"send_rate"`     // s·N/R: ticks on which a send happens
	InternalRate float64 `json:"internal_rate"` // s·(R−N)/R
	QueueSlope   float64 `json:"queue_slope"`   // max(0, λ − r): growth of the queue, messages per second
	ClockSlope   float64 `json:"clock_slope"`   // c: growth of the logical clock, per second
	Drift        float64 `json:"drift"`         // c minus the largest rate (≤ 0)
}

// Predict is a mean-field (fluid) model of the scale model with the given
// tick rates r_i (ticks per second, > 0) and die faces R (≥ N, the number
// of machines, ≥ 2), as in a valid scenario.
//
// A tick that finds its queue empty rolls the die and sends to one given
// peer with probability q = 2/R (that peer's face plus the broadcast face).
// Let s_i be the rate of machine i's ticks that find the queue empty, and
// λ_i = q · Σ_{j≠i} s_j the rate at which messages arrive at it. In the
// steady state each message costs one tick, so
//
//	s_i = max(0, r_i − λ_i).
//
// This fixed point is solved exactly. It is unique for q < 1 (R > 2); for
// R = 2 and two machines of equal rate every split s_0 + s_1 = r solves it
// and the symmetric one is taken. The machines with s_i > 0 (the free set
// F) are exactly those with r_i > q·S_F, where S_F = Σ_{j∈F} s_j =
// Σ_{j∈F} r_j / (1 + q(|F|−1)) and s_i = (r_i − q·S_F)/(1 − q), so F is a
// set of the fastest machines (see freeRates). The per-machine rates
// follow: arrival_rate λ_i, load ρ_i = λ_i/r_i, receive_rate
// min(λ_i, r_i), send_rate s_i·N/R, internal_rate s_i·(R−N)/R and
// queue_slope max(0, λ_i − r_i), all per second; receive, send and
// internal rates add up to r_i.
//
// The clock slope c_i, in logical-clock units per second: let c_in be the
// largest clock slope among the other machines that send at all
// (s_j > 0). A machine with ρ_i < 1 keeps up with the fastest clock it
// hears from, c_i = max(r_i, c_in). An overloaded one (ρ_i ≥ 1) serves its
// queue in order, so the message it takes at time t was sent at time
// r_i·t/λ_i, and c_i = max(r_i, c_in·r_i/λ_i). These refer to each other;
// they are iterated from c_i = r_i until nothing changes. drift is c_i
// minus the largest rate (the largest c_j is the largest rate: the
// fastest machine keeps its own rate, and no c_i exceeds the largest
// c_in), as the metric drift is measured.
//
// The load decides the long run. For ρ < 1 the queue keeps emptying and
// stays short. For ρ > 1 it empties a few times at most, then grows
// linearly at λ − r, and the clock drifts at c − c_in·r/λ. ρ = 1 is the
// critical case: the queue keeps emptying, but between emptyings it
// wanders like a random walk, so it grows like √t (not linearly) and the
// clock falls behind like √t, while its slope tends to c_in: no linear
// drift, but no bounded lag either.
//
// The model is a fluid approximation: it ignores the randomness of sends
// and the start-up transient (PredictRun accounts for both over a run of
// a given length). Near ρ = 1 the queue of a run wanders like a random
// walk for a long time before it settles or grows, and the prediction
// there is only approximate.
func Predict(rates []float64, die int) []MachinePrediction {
	n := len(rates)
	R := float64(die)
	s := freeRates(rates, die)
	out := make([]MachinePrediction, n)
	var total float64 // Σ_j s_j, in index order
	for _, v := range s {
		total += v
	}
	for i, r := range rates {
		// λ_i = q·Σ_{j≠i} s_j with q = 2/R, from the total so that machines
		// with equal rates get equal predictions bit for bit.
		lambda := 2 * (total - s[i]) / R
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
	fastest := slices.Max(rates)
	for i := range out {
		// c_i ≤ the largest rate exactly; the iteration's products may
		// round a hair above it.
		out[i].ClockSlope = math.Min(c[i], fastest)
		out[i].Drift = out[i].ClockSlope - fastest
	}
	return out
}

// Loads returns the mean-field load ρ_i = λ_i/r_i of each machine (see
// Predict) for a die of R faces, R a real number ≥ 2: the same formula
// extended between whole numbers of faces, so that the boundary ρ = 1 can
// be drawn across a continuous axis of faces. For a whole R it equals
// Predict's loads bit for bit.
func Loads(rates []float64, R float64) []float64 {
	s := freeRatesR(rates, R)
	var total float64
	for _, v := range s {
		total += v
	}
	out := make([]float64, len(rates))
	for i, r := range rates {
		out[i] = 2 * (total - s[i]) / R / r
	}
	return out
}

// freeRates solves s_i = max(0, r_i − (2/R)·Σ_{j≠i} s_j) (see Predict).
//
// The free set F is a set of the k fastest machines (machines of equal
// rate are all in F or all out of it), and it is the largest such set whose
// slowest member is free: r_min(F) > q·S_F. For every larger k the
// condition fails too, so scanning k downwards from n finds the solution
// even when rounding makes a machine sit exactly on the threshold (an
// upward scan testing both ends can then accept no k at all). The set of
// the machines of the largest rate always qualifies when R > 2.
//
// R = 2 allows only two machines, and q = 1: every free tick sends to the
// other machine. Both are free only if s_0 + s_1 = r_0 = r_1; then every
// split of r solves the fixed point and freeRates takes the symmetric one,
// s = r/2 each. Otherwise the faster machine alone is free.
func freeRates(rates []float64, die int) []float64 { return freeRatesR(rates, float64(die)) }

// freeRatesR is freeRates for a real number of faces R ≥ 2.
func freeRatesR(rates []float64, R float64) []float64 {
	n := len(rates)
	if R <= 2 && n == 2 && rates[0] == rates[1] {
		return []float64{rates[0] / 2, rates[1] / 2}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rates[order[a]] > rates[order[b]] })
	prefix := make([]float64, n+1) // prefix[k]: sum of the k fastest rates
	for k, i := range order {
		prefix[k+1] = prefix[k] + rates[i]
	}
	s := make([]float64, n)
	for k := n; k >= 1; k-- {
		if k < n && rates[order[k]] == rates[order[k-1]] {
			continue // a tie across the boundary: not a candidate F
		}
		// S_F = Σ_F r / (1 + q(k−1)) = R·Σ_F r / (R + 2(k−1)).
		sf := R * prefix[k] / (R + 2*float64(k-1))
		if k > 1 && R*rates[order[k-1]] <= 2*sf {
			continue // the slowest of F would not be free
		}
		for _, i := range order[:k] {
			if k == 1 {
				s[i] = rates[i]
			} else {
				// s_i = (r_i − q·S_F)/(1 − q) = (R·r_i − 2·S_F)/(R − 2).
				s[i] = (R*rates[i] - 2*sf) / (R - 2)
			}
		}
		return s
	}
	// Unreachable: k = 1 qualifies unless the top rate is tied, and then the
	// tied group qualifies (R > 2) or R = 2 was handled above.
	s[order[0]] = rates[order[0]]
	return s
}
