// Package exact sums float64 values without rounding error, so that a sum
// is the same whatever the order of its terms: sums over seeds computed by
// any number of workers, or by shards on different machines, merge to the
// same bits.
//
// A Sum is a fixed-point superaccumulator (after Kulisch): every finite
// float64 is an integer multiple of 2^-1074, and a Sum holds the exact
// integer Σ x·2^1074 in 66 signed 64-bit bins of 32 bits each (bin j
// weighs 2^(32j)), with 31 bits of headroom per bin for carries. Adding a
// value splits its 53-bit significand over at most three bins; bins are
// normalised (carries propagated) every 2^30 additions and before reading.
// The value is read back with one correct rounding (to nearest, ties to
// even).
//
// Imports: the standard library and desim/internal/quote.
package exact

import (
	"fmt"
	"math"
	"math/big"

	"desim/internal/quote"
)

const (
	nbins     = 66 // covers bit positions 0..2111 of x·2^1074
	binBits   = 32
	binMask   = 1<<binBits - 1
	normEvery = 1 << 30
)

// Sum is an exact sum of float64 values. The zero Sum is 0 and ready to
// use. A Sum is a value type: copying it copies the sum.
type Sum struct {
	bins    [nbins]int64
	pending int32 // additions since the last normalisation
	// nonFinite counts infinite or NaN terms, which are not summed; a Sum
	// with any reads as NaN.
	nonFinite int32
}

// Add adds x exactly.
func (s *Sum) Add(x float64) {
	b := math.Float64bits(x)
	e := int(b >> 52 & 0x7ff)
	m := b & (1<<52 - 1)
	switch e {
	case 0x7ff:
		s.nonFinite++
		return
	case 0:
		if m == 0 {
			return
		}
		e = 1 // subnormal: m·2^-1074
	default:
		m |= 1 << 52
	}
	pos := e - 1 // bit position of m's lowest bit in x·2^1074
	j, sh := pos/binBits, uint(pos%binBits)
	lo := m << sh
	hi := m >> (64 - sh) // sh = 0 gives m >> 64 = 0 in Go
	c0, c1, c2 := int64(lo&binMask), int64(lo>>binBits), int64(hi)
	if b>>63 != 0 {
		c0, c1, c2 = -c0, -c1, -c2
	}
	s.bins[j] += c0
	s.bins[j+1] += c1
	s.bins[j+2] += c2
	s.pending++
	if s.pending == normEvery {
		s.normalize()
	}
}

// AddSquare adds x² exactly: the rounded square and the rounding error,
// which math.FMA gives exactly (x² = p + e with e = FMA(x, x, −p)).
func (s *Sum) AddSquare(x float64) {
	p := x * x
	s.Add(p)
	if e := math.FMA(x, x, -p); e != 0 {
		s.Add(e)
	}
}

// Merge adds the sum t.
func (s *Sum) Merge(t *Sum) {
	s.normalize()
	u := *t
	u.normalize()
	for j := range s.bins {
		s.bins[j] += u.bins[j]
	}
	s.nonFinite += u.nonFinite
	s.normalize()
}

// normalize propagates carries so that every bin but the last is in
// [0, 2^32); the last holds the sign.
func (s *Sum) normalize() {
	for j := 0; j < nbins-1; j++ {
		c := s.bins[j] >> binBits // floor division by 2^32
		s.bins[j] -= c << binBits
		s.bins[j+1] += c
	}
	s.pending = 0
}

// Int returns the sum as the exact integer Σx·2^1074.
func (s *Sum) Int() *big.Int {
	u := *s
	u.normalize()
	z := big.NewInt(u.bins[nbins-1])
	for j := nbins - 2; j >= 0; j-- {
		z.Lsh(z, binBits)
		z.Add(z, big.NewInt(u.bins[j]))
	}
	return z
}

// Float returns the exact sum as a big.Float (NaN is reported by ok =
// false).
func (s *Sum) Float() (f *big.Float, ok bool) {
	if s.nonFinite > 0 {
		return nil, false
	}
	i := s.Int()
	f = new(big.Float).SetPrec(uint(max(i.BitLen(), 64))).SetInt(i)
	return f.SetMantExp(f, -1074), true
}

// Float64 returns the sum rounded once to the nearest float64 (ties to
// even); ±Inf when it is beyond float64's range, NaN if a term was not
// finite.
func (s *Sum) Float64() float64 {
	f, ok := s.Float()
	if !ok {
		return math.NaN()
	}
	v, _ := f.Float64()
	return v
}

// MarshalText writes the exact sum as the hexadecimal integer Σx·2^1074
// ("0x1p..." is not used: the integer form is exact and short), or "NaN".
func (s Sum) MarshalText() ([]byte, error) {
	if s.nonFinite > 0 {
		return []byte("NaN"), nil
	}
	return []byte(s.Int().Text(16)), nil
}

// UnmarshalText reads what MarshalText wrote.
func (s *Sum) UnmarshalText(b []byte) error {
	*s = Sum{}
	if string(b) == "NaN" {
		s.nonFinite = 1
		return nil
	}
	i, ok := new(big.Int).SetString(string(b), 16)
	if !ok {
		return fmt.Errorf("exact: %s is not a hexadecimal integer", quote.Quote(b))
	}
	// The top bin (weight 2^(32·65)) holds a signed 64-bit value; keeping
	// it below 2^62 leaves the headroom normalisation needs.
	if i.BitLen() > (nbins-1)*binBits+62 {
		return fmt.Errorf("exact: sum %s is out of range", quote.Quote(b))
	}
	neg := i.Sign() < 0
	a := new(big.Int).Abs(i)
	// Split |i| into 32-bit bins, the last taking every bit left, then
	// negate bin by bin if needed.
	var bin [nbins]int64
	mask := big.NewInt(binMask)
	w := new(big.Int)
	for j := 0; j < nbins-1; j++ {
		bin[j] = w.And(w.Rsh(a, uint(j*binBits)), mask).Int64()
	}
	bin[nbins-1] = w.Rsh(a, uint((nbins-1)*binBits)).Int64()
	if neg {
		for j := range bin {
			bin[j] = -bin[j]
		}
	}
	s.bins = bin
	s.normalize()
	return nil
}
