package sim_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"desim/sim"
)

func TestParseRate(t *testing.T) {
	cases := []struct {
		in     string
		str    string  // String() of the result
		float  float64 // Float64() of the result
		period int64   // TickTime(1)
	}{
		{"6", "6", 6, 166666666},
		{" 6 ", "6", 6, 166666666},
		{"2.5", "2.5", 2.5, 400000000},
		{"2.50", "2.5", 2.5, 400000000},
		{"25e-1", "2.5", 2.5, 400000000},
		{"1/3", "1/3", 1.0 / 3, 3000000000},
		{"2/6", "1/3", 1.0 / 3, 3000000000},
		{"7.77", "7.77", 7.77, 128700128},
		{"0.001", "0.001", 0.001, 1000000000000},
		{"1e6", "1000000", 1e6, 1000},
		{"1000000", "1000000", 1e6, 1000},
		{"0.000000001", "0.000000001", 1e-9, 1e18},
		{"999999.999999999", "999999.999999999", 999999.999999999, 1000},
		{"5/4", "1.25", 1.25, 800000000},
		{"1/7", "1/7", 1.0 / 7, 7000000000},
		{"6.000001", "6.000001", 6.000001, 166666638},
	}
	for _, c := range cases {
		r, err := sim.ParseRate(c.in)
		if err != nil {
			t.Errorf("ParseRate(%q): %v", c.in, err)
			continue
		}
		if r.String() != c.str || r.Float64() != c.float || r.TickTime(1) != c.period || r.IsZero() {
			t.Errorf("ParseRate(%q) = %s (%v, period %d), want %s (%v, period %d)",
				c.in, r, r.Float64(), r.TickTime(1), c.str, c.float, c.period)
		}
		if back, err := sim.ParseRate(r.String()); err != nil || back != r {
			t.Errorf("ParseRate(%q).String() = %q does not read back: %v, %v", c.in, r, back, err)
		}
	}
	bad := []string{"", " ", "0", "-1", "-0.5", "0/5", "abc", "6c/s", "1/0", "1000000.000000001", "2e6",
		"0.0000000001", // period 1e19 ns does not fit in 63 bits
		"NaN", "Inf", "1..2"}
	for _, in := range bad {
		if r, err := sim.ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) = %s, want an error", in, r)
		}
	}
	if !(sim.Rate{}).IsZero() {
		t.Error("the zero Rate is not IsZero")
	}
	defer func() {
		if recover() == nil {
			t.Error("MustRate(\"0\") did not panic")
		}
	}()
	sim.MustRate("0")
}

// Rule 7: TickTime(k) = floor(k·1e9/rate), checked with math/big for many
// k from 0 up to the largest k whose time fits in 63 bits.
func TestRateTickTime(t *testing.T) {
	rates := []string{"6", "1", "2.5", "1/3", "7.77", "0.001", "1000000", "999999.999999999", "6.000001",
		"5.999999", "3/7", "0.000000001", "123456.789", "1/999999999", "13"}
	rng := rand.New(rand.NewPCG(3, 4))
	maxI := new(big.Int).SetInt64(math.MaxInt64)
	for _, rs := range rates {
		r := sim.MustRate(rs)
		rat, _ := new(big.Rat).SetString(rs)
		// period = 1e9 / rate; kmax = the largest k with k·period < 2^63.
		period := new(big.Rat).Quo(big.NewRat(1e9, 1), rat)
		kmaxR := new(big.Rat).Quo(new(big.Rat).SetInt(maxI), period)
		kmax := new(big.Int).Quo(kmaxR.Num(), kmaxR.Denom())
		if !kmax.IsInt64() {
			kmax.SetInt64(math.MaxInt64)
		}
		km := kmax.Int64()
		ks := []int64{}
		for k := int64(0); k < 2000 && k <= km; k++ {
			ks = append(ks, k)
		}
		for _, k := range []int64{1e6, 1e9, 1e12 - 1, 1e12, 1e12 + 1, 1e15, km - 1, km} {
			if k >= 0 && k <= km {
				ks = append(ks, k)
			}
		}
		for range 2000 {
			ks = append(ks, rng.Int64N(km+1))
		}
		for _, k := range ks {
			want := new(big.Rat).Mul(big.NewRat(k, 1), period)
			w := new(big.Int).Quo(want.Num(), want.Denom())
			if got := r.TickTime(k); !w.IsInt64() || got != w.Int64() {
				t.Fatalf("rate %s: TickTime(%d) = %d, want %s", rs, k, got, w)
			}
		}
	}
}

// TicksBefore(d) counts the k ≥ 0 with TickTime(k) < d: the ticks of a
// machine starting at 0 in a window of d ns.
func TestRateTicksBefore(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, rs := range []string{"6", "1", "2.5", "1/3", "7.77", "0.001", "1000000", "999999.999999999", "6.000001", "3/7"} {
		r := sim.MustRate(rs)
		ds := []int64{-5, 0, 1, 2, 999, 1000, 1001, s - 1, s, s + 1, 100 * s, 1e16}
		for k := int64(0); k < 50; k++ {
			ds = append(ds, r.TickTime(k)-1, r.TickTime(k), r.TickTime(k)+1)
		}
		for range 500 {
			ds = append(ds, rng.Int64N(1e16))
		}
		for _, d := range ds {
			if got, want := r.TicksBefore(d), wantTicks(rs, 0, d); got != want {
				t.Fatalf("rate %s: TicksBefore(%d) = %d, want %d", rs, d, got, want)
			}
		}
	}
}

// TestParseRateBase10 pins the syntax: decimals and fractions in base 10
// only, with no base prefixes or digit separators (Go's big.Rat syntax
// would read "010/1" as 8 and "0x10" as 16).
func TestParseRateBase10(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // "" for an error
	}{
		{"010/1", "10"}, {"010", "10"}, {"07.5", "7.5"}, {"1/3", "1/3"}, {"2.5e-1", "0.25"}, {".5", "0.5"},
		{"0x10", ""}, {"0b11", ""}, {"0o7", ""}, {"1_0", ""}, {"1/0x3", ""}, {"1/-3", ""}, {"1e", ""}, {"/3", ""}, {"3/", ""},
	} {
		r, err := sim.ParseRate(c.in)
		switch {
		case c.want == "" && err == nil:
			t.Errorf("ParseRate(%q) = %s, want an error", c.in, r)
		case c.want != "" && (err != nil || r.String() != c.want):
			t.Errorf("ParseRate(%q) = %v, %v; want %s", c.in, r, err, c.want)
		}
	}
}
