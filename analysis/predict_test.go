package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat"

	// Imported for its side effect: it registers the -update flag, so that
	// "go test ./... -update" is accepted by this test binary too.
	_ "desim/internal/golden"
	"desim/scenarios"
	"desim/sim"
)

// predEps is the accuracy of the hand-derived cases: every field of the
// prediction must equal the exact value to 1e-12 (absolute; the values are
// rates of order 1 to 10 per second).
const predEps = 1e-12

// predMachine builds the expected prediction of one machine; drift and the
// rates are per second.
func predMachine(id int, rate, arrival, load, receive, send, internal, queue, clock, drift float64) MachinePrediction {
	return MachinePrediction{ID: id, Rate: rate, ArrivalRate: arrival, Load: load, ReceiveRate: receive,
		SendRate: send, InternalRate: internal, QueueSlope: queue, ClockSlope: clock, Drift: drift}
}

// predFields lists the fields of a prediction by their JSON names.
func predFields(m MachinePrediction) []struct {
	name string
	v    float64
} {
	return []struct {
		name string
		v    float64
	}{
		{"id", float64(m.ID)}, {"rate", m.Rate}, {"arrival_rate", m.ArrivalRate}, {"load", m.Load},
		{"receive_rate", m.ReceiveRate}, {"send_rate", m.SendRate}, {"internal_rate", m.InternalRate},
		{"queue_slope", m.QueueSlope}, {"clock_slope", m.ClockSlope}, {"drift", m.Drift},
	}
}

// Notation in the derivations: q = 2/R, F the free set (machines with
// s > 0), S_F = Σ_F r / (1 + q(|F|−1)), s_i = (r_i − q·S_F)/(1 − q) for i in
// F (s_i = r_i when F = {i}), λ_i = q·Σ_{j≠i} s_j, ρ_i = λ_i/r_i,
// send = s·N/R, internal = s·(R−N)/R, c = clock slope.
var predCases = []struct {
	name  string
	rates []float64
	die   int
	want  []MachinePrediction
}{
	{
		// The issue's worked check. q = 0.2. F = {0}: S_F = 6, q·S_F = 1.2,
		// and r_1 = r_2 = 1 ≤ 1.2, so the slow machines are never free.
		// s = (6, 0, 0); λ = (0, 1.2, 1.2); ρ = (0, 1.2, 1.2).
		// Machine 0: send 6·3/10 = 1.8, internal 6·7/10 = 4.2, c = 6 (no
		// other machine sends). Machines 1, 2: receive min(1.2, 1) = 1,
		// queue 1.2 − 1 = 0.2/s, c = max(1, 6·1/1.2) = 5, drift 5 − 6 = −1.
		name: "A2", rates: []float64{6, 1, 1}, die: 10,
		want: []MachinePrediction{
			predMachine(0, 6, 0, 0, 0, 1.8, 4.2, 0, 6, 0),
			predMachine(1, 1, 1.2, 1.2, 1, 0, 0, 0.2, 5, -1),
			predMachine(2, 1, 1.2, 1.2, 1, 0, 0, 0.2, 5, -1),
		},
	},
	{
		// q = 0.2. F = {0, 1}: S_F = 12/1.2 = 10, q·S_F = 2 < 6, and
		// r_2 = 1 ≤ 2. s_0 = s_1 = (6 − 2)/0.8 = 5, s_2 = 0.
		// λ_0 = λ_1 = 0.2·5 = 1 (ρ = 1/6), λ_2 = 0.2·10 = 2 (ρ = 2).
		// Free: receive 1, send 5·0.3 = 1.5, internal 5·0.7 = 3.5, c = 6.
		// Machine 2: receive 1, queue 2 − 1 = 1/s, c = max(1, 6·1/2) = 3,
		// drift −3.
		name: "A3", rates: []float64{6, 6, 1}, die: 10,
		want: []MachinePrediction{
			predMachine(0, 6, 1, 1.0/6, 1, 1.5, 3.5, 0, 6, 0),
			predMachine(1, 6, 1, 1.0/6, 1, 1.5, 3.5, 0, 6, 0),
			predMachine(2, 1, 2, 2, 1, 0, 0, 1, 3, -3),
		},
	},
	{
		// Symmetric. q = 0.2, all free: S_F = 18/(1 + 0.2·2) = 90/7, so
		// s = 6/1.4 = 30/7 each (check: 6 − 0.2·2·30/7 = 30/7).
		// λ = 0.2·60/7 = 12/7, ρ = 2/7; send 30/7·3/10 = 9/7, internal
		// 30/7·7/10 = 3; 12/7 + 9/7 + 3 = 6. c = 6, drift 0.
		name: "A1", rates: []float64{6, 6, 6}, die: 10,
		want: []MachinePrediction{
			predMachine(0, 6, 12.0/7, 2.0/7, 12.0/7, 9.0/7, 3, 0, 6, 0),
			predMachine(1, 6, 12.0/7, 2.0/7, 12.0/7, 9.0/7, 3, 0, 6, 0),
			predMachine(2, 6, 12.0/7, 2.0/7, 12.0/7, 9.0/7, 3, 0, 6, 0),
		},
	},
	{
		// A2 with R = 4: q = 0.5. F = {0}: q·S_F = 3 ≥ 1. s = (6, 0, 0);
		// λ = (0, 3, 3), ρ = 3. Machine 0: send 6·3/4 = 4.5, internal
		// 6·1/4 = 1.5. Machines 1, 2: receive 1, queue 3 − 1 = 2/s,
		// c = max(1, 6·1/3) = 2, drift −4.
		name: "B2-captioned", rates: []float64{6, 1, 1}, die: 4,
		want: []MachinePrediction{
			predMachine(0, 6, 0, 0, 0, 4.5, 1.5, 0, 6, 0),
			predMachine(1, 1, 3, 3, 1, 0, 0, 2, 2, -4),
			predMachine(2, 1, 3, 3, 1, 0, 0, 2, 2, -4),
		},
	},
	{
		// Two machines, one overloaded. N = 2: face 1 sends to the peer,
		// face 2 broadcasts (to the one peer), so q = 2/4 = 0.5 still.
		// F = {0}: q·S_F = 1.5 ≥ 1. s = (3, 0); λ = (0, 1.5), ρ_1 = 1.5.
		// Machine 0: send 3·2/4 = 1.5, internal 3·2/4 = 1.5. Machine 1:
		// receive 1, queue 0.5/s, c = max(1, 3·1/1.5) = 2, drift −1.
		name: "two machines, one drifts", rates: []float64{3, 1}, die: 4,
		want: []MachinePrediction{
			predMachine(0, 3, 0, 0, 0, 1.5, 1.5, 0, 3, 0),
			predMachine(1, 1, 1.5, 1.5, 1, 0, 0, 0.5, 2, -1),
		},
	},
	{
		// Two machines, both free. q = 0.5. F = {0, 1}: S_F = 5/1.5 = 10/3,
		// q·S_F = 5/3 < 2. s_0 = (3 − 5/3)/0.5 = 8/3, s_1 = (2 − 5/3)/0.5
		// = 2/3. λ_0 = 0.5·2/3 = 1/3 (ρ 1/9), λ_1 = 0.5·8/3 = 4/3 (ρ 2/3).
		// send = internal = s/2: (4/3, 1/3). c = max(r, c_in) = 3 for both.
		name: "two machines, both free", rates: []float64{3, 2}, die: 4,
		want: []MachinePrediction{
			predMachine(0, 3, 1.0/3, 1.0/9, 1.0/3, 4.0/3, 4.0/3, 0, 3, 0),
			predMachine(1, 2, 4.0/3, 2.0/3, 4.0/3, 1.0/3, 1.0/3, 0, 3, 0),
		},
	},
	{
		// R = 2 (two machines, q = 1: every free tick sends to the peer)
		// and equal rates: both free needs s_0 + s_1 = 3, any split solves
		// the fixed point, and the predictor takes the symmetric one,
		// s = 1.5 each. λ = 1.5, ρ = 0.5, send = s·2/2 = 1.5, internal 0.
		name: "two machines, R = 2, equal rates", rates: []float64{3, 3}, die: 2,
		want: []MachinePrediction{
			predMachine(0, 3, 1.5, 0.5, 1.5, 1.5, 0, 0, 3, 0),
			predMachine(1, 3, 1.5, 0.5, 1.5, 1.5, 0, 0, 3, 0),
		},
	},
	{
		// R = 2, unequal rates: both free would need s_0 + s_1 = 3 = 2, so
		// F = {0}: s = (3, 0), λ_1 = 3, ρ_1 = 1.5, queue 1/s,
		// c_1 = max(2, 3·2/3) = 2, drift −1.
		name: "two machines, R = 2", rates: []float64{3, 2}, die: 2,
		want: []MachinePrediction{
			predMachine(0, 3, 0, 0, 0, 3, 0, 0, 3, 0),
			predMachine(1, 2, 3, 1.5, 2, 0, 0, 1, 2, -1),
		},
	},
	{
		// Four machines, exactly two free. q = 2/8 = 0.25. F = {0, 1}:
		// S_F = 12/1.25 = 9.6, q·S_F = 2.4 ≥ 2 ≥ 1 (and F = {0, 1, 2}
		// fails: S = 14/1.5, q·S = 7/3 > 2). s_0 = s_1 = (6 − 2.4)/0.75
		// = 4.8. λ_0 = λ_1 = 0.25·4.8 = 1.2 (ρ 0.2); λ_2 = λ_3 = 0.25·9.6
		// = 2.4. Free: send 4.8·4/8 = 2.4, internal 4.8·4/8 = 2.4.
		// Machine 2: ρ = 1.2, queue 0.4/s, c = 6·2/2.4 = 5, drift −1.
		// Machine 3: ρ = 2.4, queue 1.4/s, c = 6·1/2.4 = 2.5, drift −3.5.
		name: "four machines, two free", rates: []float64{6, 6, 2, 1}, die: 8,
		want: []MachinePrediction{
			predMachine(0, 6, 1.2, 0.2, 1.2, 2.4, 2.4, 0, 6, 0),
			predMachine(1, 6, 1.2, 0.2, 1.2, 2.4, 2.4, 0, 6, 0),
			predMachine(2, 2, 2.4, 1.2, 2, 0, 0, 0.4, 5, -1),
			predMachine(3, 1, 2.4, 2.4, 1, 0, 0, 1.4, 2.5, -3.5),
		},
	},
	{
		// Near ρ = 1 from below (B4). q = 0.5, all free: S_F = 15/2 = 7.5,
		// q·S_F = 3.75 < 4. s = (4.5, 2.5, 0.5); λ = 0.5·(3, 5, 7) =
		// (1.5, 2.5, 3.5), ρ = (0.25, 0.5, 0.875). send 3s/4 = (3.375,
		// 1.875, 0.375), internal s/4 = (1.125, 0.625, 0.125). c = 6.
		name: "B4, near 1 from below", rates: []float64{6, 5, 4}, die: 4,
		want: []MachinePrediction{
			predMachine(0, 6, 1.5, 0.25, 1.5, 3.375, 1.125, 0, 6, 0),
			predMachine(1, 5, 2.5, 0.5, 2.5, 1.875, 0.625, 0, 6, 0),
			predMachine(2, 4, 3.5, 0.875, 3.5, 0.375, 0.125, 0, 6, 0),
		},
	},
	{
		// Near ρ = 1 from above. q = 0.2. F = {0}: q·S_F = 1.2 ≥ 1.1.
		// λ_1 = λ_2 = 1.2: ρ_1 = 12/11 ≈ 1.09, queue 0.1/s,
		// c_1 = 6·1.1/1.2 = 5.5, drift −0.5; ρ_2 = 1.2, queue 0.2/s,
		// c_2 = 5, drift −1.
		name: "near 1 from above", rates: []float64{6, 1.1, 1}, die: 10,
		want: []MachinePrediction{
			predMachine(0, 6, 0, 0, 0, 1.8, 4.2, 0, 6, 0),
			predMachine(1, 1.1, 1.2, 12.0/11, 1.1, 0, 0, 0.1, 5.5, -0.5),
			predMachine(2, 1, 1.2, 1.2, 1, 0, 0, 0.2, 5, -1),
		},
	},
	{
		// Exactly ρ = 1. q = 0.2. F = {0, 1}: S_F = 10, q·S_F = 2 = r_2,
		// so s_2 = 0 and λ_2 = 2, ρ_2 = 1, queue 0, receive 2. Machines 0,
		// 1 as in A3 but λ = 1. c_2 = max(2, 6·2/2) = 6 = max(2, c_in):
		// both branches agree at ρ = 1. drift 0 everywhere.
		name: "exactly 1", rates: []float64{6, 6, 2}, die: 10,
		want: []MachinePrediction{
			predMachine(0, 6, 1, 1.0/6, 1, 1.5, 3.5, 0, 6, 0),
			predMachine(1, 6, 1, 1.0/6, 1, 1.5, 3.5, 0, 6, 0),
			predMachine(2, 2, 2, 1, 2, 0, 0, 0, 6, 0),
		},
	},
	{
		// Exactly ρ = 1 where rounding decides (rates as a scenario gives
		// them: 3, 3, 12/11). The first version of the solver found no
		// consistent free set here and fell back to machine 0 alone, so
		// machine 1 (rate 3) was predicted never to send. q = 2/9.
		// F = {0, 1}: S_F = 6/(11/9) = 54/11, q·S_F = 12/11 = r_2, so
		// s_2 = 0, λ_2 = 12/11, ρ_2 = 1. s_0 = s_1 = (3 − 12/11)/(7/9)
		// = 27/11; λ_0 = λ_1 = (2/9)·27/11 = 6/11 (ρ 2/11); send
		// s·3/9 = 9/11, internal s·6/9 = 18/11 (6 + 9 + 18 = 33 elevenths
		// = 3). c = 3 everywhere (at ρ = 1 both branches give c_in = 3).
		name: "exactly 1, on the rounding edge", rates: []float64{3, 3, 12.0 / 11}, die: 9,
		want: []MachinePrediction{
			predMachine(0, 3, 6.0/11, 2.0/11, 6.0/11, 9.0/11, 18.0/11, 0, 3, 0),
			predMachine(1, 3, 6.0/11, 2.0/11, 6.0/11, 9.0/11, 18.0/11, 0, 3, 0),
			predMachine(2, 12.0/11, 12.0/11, 1, 12.0/11, 0, 0, 0, 3, 0),
		},
	},
}

func TestPredictHandDerived(t *testing.T) {
	for _, tc := range predCases {
		t.Run(tc.name, func(t *testing.T) {
			got := Predict(tc.rates, tc.die)
			if len(got) != len(tc.want) {
				t.Fatalf("Predict(%v, %d): %d machines, want %d", tc.rates, tc.die, len(got), len(tc.want))
			}
			for i := range got {
				g, w := predFields(got[i]), predFields(tc.want[i])
				for k := range g {
					if math.Abs(g[k].v-w[k].v) > predEps {
						t.Errorf("machine %d: %s = %.15g, want %.15g", i, g[k].name, g[k].v, w[k].v)
					}
				}
			}
		})
	}
}

// predRandomCase is a random rate set and die for the property tests.
type predRandomCase struct {
	rates []float64
	die   int
}

// predRandomCases returns n rate sets from a fixed seed: 2 to 9 machines
// (sometimes 40), dies from N to N+12 (sometimes 1000), rates that are
// small integers, simple fractions or any float in (0.01, 100), with ties,
// and some sets built to put machines exactly on the free threshold q·S_F
// (where rounding decides between free and overloaded).
func predRandomCases(n int) []predRandomCase {
	rng := rand.New(rand.NewPCG(20240603, 3))
	rate := func() float64 {
		switch rng.IntN(3) {
		case 0:
			return float64(1 + rng.IntN(12))
		case 1:
			return float64(1+rng.IntN(12)) / float64(1+rng.IntN(5))
		}
		return 0.01 + 99.99*rng.Float64()
	}
	cases := make([]predRandomCase, 0, n)
	for len(cases) < n {
		N := 2 + rng.IntN(8)
		if rng.IntN(20) == 0 {
			N = 40
		}
		die := N + rng.IntN(13)
		if rng.IntN(20) == 0 {
			die = 1000
		}
		rates := make([]float64, N)
		for i := range rates {
			rates[i] = rate()
			if i > 0 && rng.IntN(4) == 0 {
				rates[i] = rates[rng.IntN(i)] // a tie
			}
		}
		if rng.IntN(4) == 0 && N >= 3 {
			// Threshold set: the first k machines free, the others exactly
			// at q·S_F of those k (only when all k are free).
			k := 1 + rng.IntN(N-1)
			q := 2 / float64(die)
			var sum float64
			for _, r := range rates[:k] {
				sum += r
			}
			th := q * sum / (1 + q*float64(k-1))
			if slices.Min(rates[:k]) > th {
				for i := k; i < N; i++ {
					rates[i] = th
				}
			}
		}
		cases = append(cases, predRandomCase{rates, die})
	}
	return cases
}

// predClose reports whether a and b agree to 1e-12 relative to scale.
func predClose(a, b, scale float64) bool {
	return math.Abs(a-b) <= 1e-12*math.Max(1, scale)
}

func TestPredictProperties(t *testing.T) {
	cases := predRandomCases(3000)
	rules := []struct {
		name string
		// check returns a description of the first violation, or "".
		check func(c predRandomCase, p []MachinePrediction) string
	}{
		{"fixed point: s_i = max(0, r_i − λ_i) with s = send+internal and λ_i = q·Σ_{j≠i} s_j", func(c predRandomCase, p []MachinePrediction) string {
			q := 2 / float64(c.die)
			scale := 0.0
			for _, r := range c.rates {
				scale += r
			}
			s := make([]float64, len(p))
			for i, m := range p {
				s[i] = m.SendRate + m.InternalRate
			}
			for i, m := range p {
				var others float64
				for j := range s {
					if j != i {
						others += s[j]
					}
				}
				if lam := q * others; !predClose(m.ArrivalRate, lam, scale) {
					return fmt.Sprintf("machine %d: arrival_rate %.17g, q·Σ_{j≠i} s_j = %.17g", i, m.ArrivalRate, lam)
				}
				if want := math.Max(0, m.Rate-m.ArrivalRate); !predClose(s[i], want, scale) {
					return fmt.Sprintf("machine %d: s = %.17g, max(0, r − λ) = %.17g", i, s[i], want)
				}
			}
			return ""
		}},
		{"s splits as N/R sends and (R−N)/R internals", func(c predRandomCase, p []MachinePrediction) string {
			n, R := float64(len(p)), float64(c.die)
			for i, m := range p {
				if !predClose(m.SendRate*(R-n), m.InternalRate*n, m.Rate*R) {
					return fmt.Sprintf("machine %d: send %.17g, internal %.17g", i, m.SendRate, m.InternalRate)
				}
			}
			return ""
		}},
		{"receive + send + internal = rate when ρ < 1", func(c predRandomCase, p []MachinePrediction) string {
			for i, m := range p {
				if m.Load < 1 && !predClose(m.ReceiveRate+m.SendRate+m.InternalRate, m.Rate, m.Rate) {
					return fmt.Sprintf("machine %d (ρ %.6g): %.17g + %.17g + %.17g ≠ rate %.17g", i, m.Load, m.ReceiveRate, m.SendRate, m.InternalRate, m.Rate)
				}
			}
			return ""
		}},
		{"ρ ≥ 1: every tick receives, the queue grows at λ − r", func(c predRandomCase, p []MachinePrediction) string {
			for i, m := range p {
				if m.Load >= 1 && (m.ReceiveRate != m.Rate || !predClose(m.SendRate+m.InternalRate, 0, m.Rate) || m.QueueSlope != m.ArrivalRate-m.Rate) {
					return fmt.Sprintf("machine %d (ρ %.6g): %+v", i, m.Load, m)
				}
				if m.Load < 1 && m.QueueSlope != 0 {
					return fmt.Sprintf("machine %d (ρ %.6g): queue_slope %g", i, m.Load, m.QueueSlope)
				}
			}
			return ""
		}},
		{"load = λ/r", func(c predRandomCase, p []MachinePrediction) string {
			for i, m := range p {
				if m.Load != m.ArrivalRate/m.Rate || m.Rate != c.rates[i] || m.ID != i {
					return fmt.Sprintf("machine %d: %+v", i, m)
				}
			}
			return ""
		}},
		{"the fastest machine is free", func(c predRandomCase, p []MachinePrediction) string {
			i := slices.Index(c.rates, slices.Max(c.rates))
			if p[i].Load >= 1 {
				return fmt.Sprintf("machine %d (rate %g): ρ = %g", i, p[i].Rate, p[i].Load)
			}
			return ""
		}},
		{"drift ≤ 0 and its maximum is 0", func(c predRandomCase, p []MachinePrediction) string {
			best := math.Inf(-1)
			for i, m := range p {
				if m.Drift > 0 {
					return fmt.Sprintf("machine %d: drift %g", i, m.Drift)
				}
				best = math.Max(best, m.Drift)
			}
			if best != 0 {
				return fmt.Sprintf("largest drift %g", best)
			}
			return ""
		}},
		{"rate ≤ clock_slope ≤ the largest rate", func(c predRandomCase, p []MachinePrediction) string {
			top := slices.Max(c.rates)
			for i, m := range p {
				if m.ClockSlope < m.Rate || m.ClockSlope > top*(1+1e-12) {
					return fmt.Sprintf("machine %d: rate %g, clock_slope %g, largest rate %g", i, m.Rate, m.ClockSlope, top)
				}
			}
			return ""
		}},
		{"equal rates, equal predictions", func(c predRandomCase, p []MachinePrediction) string {
			for i := range p {
				for j := range i {
					if c.rates[i] != c.rates[j] {
						continue
					}
					a, b := p[i], p[j]
					a.ID, b.ID = 0, 0
					if a != b {
						return fmt.Sprintf("machines %d and %d (rate %g): %+v vs %+v", j, i, c.rates[i], p[j], p[i])
					}
				}
			}
			return ""
		}},
		{"reversing the machines reverses the prediction", func(c predRandomCase, p []MachinePrediction) string {
			rev := slices.Clone(c.rates)
			slices.Reverse(rev)
			pr := Predict(rev, c.die)
			n := len(p)
			for i := range p {
				a, b := p[i], pr[n-1-i]
				a.ID, b.ID = 0, 0
				fa, fb := predFields(a), predFields(b)
				for k := range fa {
					if !predClose(fa[k].v, fb[k].v, slices.Max(c.rates)) {
						return fmt.Sprintf("machine %d: %s %.17g, reversed %.17g", i, fa[k].name, fa[k].v, fb[k].v)
					}
				}
			}
			return ""
		}},
	}
	preds := make([][]MachinePrediction, len(cases))
	for i, c := range cases {
		preds[i] = Predict(c.rates, c.die)
	}
	for _, rule := range rules {
		t.Run(rule.name, func(t *testing.T) {
			bad := 0
			for i, c := range cases {
				if msg := rule.check(c, preds[i]); msg != "" {
					if bad++; bad <= 3 {
						t.Errorf("rates %v, die %d: %s", c.rates, c.die, msg)
					}
				}
			}
			if bad > 3 {
				t.Errorf("... %d of %d rate sets violate the rule", bad, len(cases))
			}
		})
	}
}

// The comparison with the simulator: every built-in scenario, predSimSeeds
// seeds of predSimSeconds of virtual time each. A metric agrees with the
// prediction when
//
//	|mean − predicted| ≤ predSimK·SE + tol,
//
// SE the standard error of the mean over the seeds and tol the model
// tolerance of the metric (×predSimNearScale near ρ = 1).
const (
	predSimSeeds   = 20
	predSimSeconds = 600
	// About 230 metrics are compared; with 19 degrees of freedom a |t|
	// above 4 has probability below 1e-3, so honest seed-to-seed noise is
	// not expected to fail any of them, and since the seeds are fixed the
	// outcome is deterministic: the margin protects against an honest
	// change of the random streams.
	predSimK = 4.0
	// The model tolerances. The fluid model ignores the start-up
	// transient: a machine starts with an empty queue, so even an
	// overloaded one spends its first few ticks free (the observed
	// receive rate of a ρ = 1.2 machine is about 0.995/s, not 1), and the
	// messages that arrived after a machine's last tick are not counted:
	// a few events in 600 s, ≈ 0.005/s.
	predSimTolRate = 0.01 // ticks or messages per second: receive, send, internal, arrival
	// The OLS slope of the queue length over one run: the same transient.
	predSimTolQueue = 0.01 // messages per second
	// The OLS slope of the clock: a free machine lags the fastest clock
	// by a bounded, fluctuating amount (observed drifts of −0.002/s).
	predSimTolClock = 0.02 // ticks per second: clock_slope and drift
	// Near ρ = 1 (predSimNearLow < ρ < predSimNearHigh, a band symmetric
	// in log ρ) the queue wanders like a random walk: a queue below
	// capacity takes long to settle, an overloaded one empties again and
	// again before it grows, and at ρ = 1 the queue grows like √t, whose
	// OLS slope over 600 s is of order 0.05/s for the built-ins' arrival
	// rates, though the fluid model says 0. The fluid prediction is only
	// approximate there: the tolerances are predSimNearScale times larger.
	predSimNearLow   = 0.8
	predSimNearHigh  = 1.25
	predSimNearScale = 5.0
	// predSimPerturb is the relative error put into the prediction to
	// show that the comparison can fail.
	predSimPerturb = 0.2
)

// predSimMetric is one metric compared with the prediction.
type predSimMetric struct {
	name      string
	tol       float64
	observed  func(m MachineMetrics) float64
	predicted func(p MachinePrediction) float64
}

var predSimMetrics = []predSimMetric{
	{"receive_rate", predSimTolRate, func(m MachineMetrics) float64 { return float64(m.Receives) / predSimSeconds },
		func(p MachinePrediction) float64 { return p.ReceiveRate }},
	{"send_rate", predSimTolRate, func(m MachineMetrics) float64 { return float64(m.Sends) / predSimSeconds },
		func(p MachinePrediction) float64 { return p.SendRate }},
	{"internal_rate", predSimTolRate, func(m MachineMetrics) float64 { return float64(m.Internals) / predSimSeconds },
		func(p MachinePrediction) float64 { return p.InternalRate }},
	{"arrival_rate", predSimTolRate, func(m MachineMetrics) float64 { return float64(m.Receives+m.FinalQueue) / predSimSeconds },
		func(p MachinePrediction) float64 { return p.ArrivalRate }},
	{"queue_slope", predSimTolQueue, func(m MachineMetrics) float64 { return m.QueueSlope },
		func(p MachinePrediction) float64 { return p.QueueSlope }},
	{"clock_slope", predSimTolClock, func(m MachineMetrics) float64 { return m.ClockSlope },
		func(p MachinePrediction) float64 { return p.ClockSlope }},
	{"drift", predSimTolClock, func(m MachineMetrics) float64 { return m.Drift },
		func(p MachinePrediction) float64 { return p.Drift }},
}

// predSimObserved is the mean and standard error over seeds of each metric
// (index as predSimMetrics) of each machine of one scenario.
type predSimObserved struct {
	name     string
	pred     []MachinePrediction
	mean, se [][]float64
	nearOne  []bool
}

// predSimulate runs a built-in scenario for predSimSeeds seeds of
// predSimSeconds each, with the Accumulator as the only sink.
func predSimulate(t *testing.T, name string) predSimObserved {
	t.Helper()
	s, err := scenarios.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	s.Duration = predSimSeconds * time.Second
	cfg := s.Config(1)
	eng, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n, rates := len(s.Machines), s.Rates()
	obs := predSimObserved{name: name, pred: Predict(rates, s.Die)}
	// vals[i][k][seed−1]: metric k of machine i in the run of that seed.
	vals := make([][][]float64, n)
	for i := range vals {
		vals[i] = make([][]float64, len(predSimMetrics))
	}
	acc := NewAccumulator(n)
	for seed := uint64(1); seed <= predSimSeeds; seed++ {
		eng.Reset(seed)
		acc.Reset()
		if err := eng.Run(acc); err != nil {
			t.Fatal(err)
		}
		for i, m := range acc.Metrics(rates) {
			for k, mt := range predSimMetrics {
				vals[i][k] = append(vals[i][k], mt.observed(m))
			}
		}
	}
	for i := range n {
		mean := make([]float64, len(predSimMetrics))
		se := make([]float64, len(predSimMetrics))
		for k := range predSimMetrics {
			var sd float64
			mean[k], sd = stat.MeanStdDev(vals[i][k], nil) // sd with n − 1
			se[k] = sd / math.Sqrt(predSimSeeds)
		}
		obs.mean = append(obs.mean, mean)
		obs.se = append(obs.se, se)
		rho := obs.pred[i].Load
		obs.nearOne = append(obs.nearOne, rho > predSimNearLow && rho < predSimNearHigh)
	}
	return obs
}

// agrees reports whether the observed metric k of machine i agrees with
// the predicted value pv, and the allowed deviation.
func (o *predSimObserved) agrees(i, k int, pv float64) (bool, float64) {
	tol := predSimMetrics[k].tol
	if o.nearOne[i] {
		tol *= predSimNearScale
	}
	allowed := predSimK*o.se[i][k] + tol
	return math.Abs(o.mean[i][k]-pv) <= allowed, allowed
}

func TestPredictAgainstSimulator(t *testing.T) {
	var all []predSimObserved
	for _, name := range scenarios.Names() {
		obs := predSimulate(t, name)
		var b strings.Builder
		fmt.Fprintf(&b, "%s: mean ± SE over %d seeds × %d s vs predicted (✗: outside %g·SE + tol)\n", name, predSimSeeds, predSimSeconds, predSimK)
		for i, p := range obs.pred {
			near := ""
			if obs.nearOne[i] {
				near = fmt.Sprintf(" near 1: tol ×%g", predSimNearScale)
			}
			fmt.Fprintf(&b, "  machine %d rate %g ρ %.3f%s\n", i, p.Rate, p.Load, near)
			for k, mt := range predSimMetrics {
				pv := mt.predicted(p)
				ok, allowed := obs.agrees(i, k, pv)
				mark := " "
				if !ok {
					mark = "✗"
					t.Errorf("%s machine %d (ρ %.3f): %s observed %.4f ± %.4f, predicted %.4f: |difference| %.4f > %.4f",
						name, i, p.Load, mt.name, obs.mean[i][k], obs.se[i][k], pv, math.Abs(obs.mean[i][k]-pv), allowed)
				}
				fmt.Fprintf(&b, "    %s %-13s %9.4f ± %.4f  predicted %9.4f  |diff| %.4f of %.4f\n",
					mark, mt.name, obs.mean[i][k], obs.se[i][k], pv, math.Abs(obs.mean[i][k]-pv), allowed)
			}
		}
		t.Log(b.String())
		all = append(all, obs)
	}

	// The comparison must be able to fail: a prediction 20% off (up or
	// down) must be caught for every drifting machine (ρ ≥ 1) in the
	// metrics that do not vanish for it (its receive and arrival rates
	// and its clock slope), and for every machine when every metric is
	// off by 20%. (The queue slope and the drift of a drifting machine,
	// e.g. 0.2/s and −1/s in A2, are not always distinguishable from 20%
	// more or less in 20 runs of 600 s, so they are not required to be.)
	t.Run("perturbed prediction fails", func(t *testing.T) {
		required := map[string]bool{"receive_rate": true, "arrival_rate": true, "clock_slope": true}
		drifting := 0
		for _, obs := range all {
			for i, p := range obs.pred {
				for _, f := range []float64{1 + predSimPerturb, 1 - predSimPerturb} {
					caught := false
					for k, mt := range predSimMetrics {
						ok, _ := obs.agrees(i, k, f*mt.predicted(p))
						caught = caught || !ok
						if p.Load >= 1 && required[mt.name] && ok {
							t.Errorf("%s machine %d (ρ %.3f): %s predicted ×%g = %.4f still agrees with the observed %.4f ± %.4f",
								obs.name, i, p.Load, mt.name, f, f*mt.predicted(p), obs.mean[i][k], obs.se[i][k])
						}
					}
					if !caught {
						t.Errorf("%s machine %d: the whole prediction ×%g still agrees with the simulator", obs.name, i, f)
					}
				}
				if p.Load >= 1 {
					drifting++
				}
			}
		}
		if drifting < 5 {
			t.Errorf("only %d drifting machines among the built-ins; the perturbation test needs several", drifting)
		}
	})
}

// ExamplePredict prints the mean-field prediction for the paper's A2: one
// machine at 6 ticks/s and two at 1 tick/s, a ten-faced die.
func ExamplePredict() {
	for _, m := range Predict([]float64{6, 1, 1}, 10) {
		fmt.Printf("machine %d: rate %g/s, arrivals %.2f/s, load %.2f, queue %+.2f/s, clock %.2f/s, drift %+.2f/s\n",
			m.ID, m.Rate, m.ArrivalRate, m.Load, m.QueueSlope, m.ClockSlope, m.Drift)
	}
	// Output:
	// machine 0: rate 6/s, arrivals 0.00/s, load 0.00, queue +0.00/s, clock 6.00/s, drift +0.00/s
	// machine 1: rate 1/s, arrivals 1.20/s, load 1.20, queue +0.20/s, clock 5.00/s, drift -1.00/s
	// machine 2: rate 1/s, arrivals 1.20/s, load 1.20, queue +0.20/s, clock 5.00/s, drift -1.00/s
}

// TestLoadsMatchPredict: Loads at whole faces is Predict's load, bit for
// bit, and between whole faces it lies between its neighbours' values for
// a machine whose load falls with R.
func TestLoadsMatchPredict(t *testing.T) {
	for _, c := range predRandomCases(200) {
		p := Predict(c.rates, c.die)
		got := Loads(c.rates, float64(c.die))
		for i := range p {
			if got[i] != p[i].Load {
				t.Fatalf("rates %v die %d machine %d: Loads %v, Predict %v", c.rates, c.die, i, got[i], p[i].Load)
			}
		}
	}
	// 6, 6, 1: the slow machine's load 2·(2/R)·s_fast/1 falls as R grows.
	a, mid, b := Loads([]float64{6, 6, 1}, 10)[2], Loads([]float64{6, 6, 1}, 10.5)[2], Loads([]float64{6, 6, 1}, 11)[2]
	if !(a > mid && mid > b) {
		t.Errorf("slow machine's load at R = 10, 10.5, 11: %v, %v, %v; want decreasing", a, mid, b)
	}
}
