package sim_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"desim/sim"
)

// Rule 11: randomness.

// refMix64 is the SplitMix64 finaliser, written out again.
func refMix64(z uint64) uint64 {
	z ^= z >> 30
	z *= 0xbf58476d1ce4e5b9
	z ^= z >> 27
	z *= 0x94d049bb133111eb
	return z ^ z>>31
}

// StreamSeed is its documented formula: key = purpose<<56 | a<<28 | b,
// hi = mix64(seed), lo = mix64(hi ^ mix64(key)).
func TestStreamSeedFormula(t *testing.T) {
	// SplitMix64's published outputs for seed 0 are mix64(k·γ) for
	// k = 1, 2, 3 with γ = 0x9e3779b97f4a7c15; hi = mix64(seed) shows them.
	const gamma = 0x9e3779b97f4a7c15
	for k, want := range []uint64{0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f} {
		x := uint64(k+1) * gamma
		if got := refMix64(x); got != want {
			t.Fatalf("test's mix64(%d·γ) = %#x, want %#x", k+1, got, want)
		}
		if hi, _ := sim.StreamSeed(x, sim.PurposeDie, 0, 0); hi != want {
			t.Errorf("StreamSeed(%d·γ) hi = %#x, want SplitMix64's %#x", k+1, hi, want)
		}
	}
	seen := map[[2]uint64]string{}
	for _, seed := range []uint64{0, 1, 2, 42, 1 << 63, ^uint64(0)} {
		for _, p := range []sim.Purpose{sim.PurposeDie, sim.PurposeJitter} {
			for _, a := range []int{0, 1, 2, 5, 1<<20 - 1} {
				for _, b := range []int{0, 1, 2, 7, 1<<20 - 1} {
					hi, lo := sim.StreamSeed(seed, p, a, b)
					key := uint64(p)<<56 | uint64(a)<<28 | uint64(b)
					wantHi := refMix64(seed)
					wantLo := refMix64(wantHi ^ refMix64(key))
					if hi != wantHi || lo != wantLo {
						t.Fatalf("StreamSeed(%d, %d, %d, %d) = %#x, %#x; want %#x, %#x", seed, p, a, b, hi, lo, wantHi, wantLo)
					}
					name := fmt.Sprintf("(%d, %d, %d, %d)", seed, p, a, b)
					if prev, dup := seen[[2]uint64{hi, lo}]; dup {
						t.Errorf("StreamSeed%s = StreamSeed%s", name, prev)
					}
					seen[[2]uint64{hi, lo}] = name
				}
			}
		}
	}
	// The die's stream is PCG(StreamSeed(seed, PurposeDie, i, 0)): its
	// first face, from the high half of the first word, matches.
	hi, lo := sim.StreamSeed(9, sim.PurposeDie, 3, 0)
	w := rand.NewPCG(hi, lo).Uint64() >> 32
	d := sim.NewDie(9, 3, 6)
	if m := w * 6; uint32(m) >= uint32(1<<32%6) {
		if f := d.Roll(); f != int(m>>32)+1 {
			t.Errorf("first face %d, want %d from the stream's first word", f, int(m>>32)+1)
		}
	}
}

// refDie draws faces on demand exactly as Die documents: 32-bit words,
// the high half of each Uint64 first; face = 1 + (w·R >> 32) unless the
// low 32 bits of w·R are below (2^32 − R) mod R, then the next word.
type refDie struct {
	src   *rand.PCG
	r     uint64
	words []uint32
}

func newRefDie(seed uint64, machine, faces int) *refDie {
	return &refDie{src: rand.NewPCG(sim.StreamSeed(seed, sim.PurposeDie, machine, 0)), r: uint64(faces)}
}

func (d *refDie) word() uint32 {
	if len(d.words) == 0 {
		x := d.src.Uint64()
		d.words = []uint32{uint32(x >> 32), uint32(x)}
	}
	w := d.words[0]
	d.words = d.words[1:]
	return w
}

func (d *refDie) roll() int {
	thresh := uint32((1<<32 - d.r) % d.r)
	for {
		m := uint64(d.word()) * d.r
		if uint32(m) >= thresh {
			return int(m>>32) + 1
		}
	}
}

func TestDieMatchesOnDemandReference(t *testing.T) {
	faces := []int{1, 2, 3, 4, 6, 7, 10, 13, 100, 1000003, 1 << 29, 3 << 28, 1<<30 - 1, sim.MaxFaces}
	for _, r := range faces {
		for _, seed := range []uint64{1, 2, 77} {
			for _, machine := range []int{0, 1, 5} {
				d := sim.NewDie(seed, machine, r)
				ref := newRefDie(seed, machine, r)
				for k := range 5000 {
					if got, want := d.Roll(), ref.roll(); got != want {
						t.Fatalf("R %d seed %d machine %d: roll %d = %d, want %d", r, seed, machine, k, got, want)
					}
				}
				// Reset in place equals a fresh die, whatever was rolled.
				d.Reset(seed+1, machine, r)
				ref = newRefDie(seed+1, machine, r)
				for k := range 100 {
					if got, want := d.Roll(), ref.roll(); got != want {
						t.Fatalf("after Reset: R %d roll %d = %d, want %d", r, k, got, want)
					}
				}
			}
		}
	}
}

// Die.Roll is uniform on 1..R: a chi-square test over 10^6 rolls with a
// fixed seed (deterministic, so it cannot flake), against the 0.999
// quantile of the chi-square distribution with R-1 degrees of freedom.
func TestDieUniform(t *testing.T) {
	cases := []struct {
		r         int
		threshold float64 // chi-square 0.999 quantile, R-1 degrees of freedom
	}{
		{4, 16.266},
		{7, 22.458},
		{10, 27.877},
		{16, 37.697},
	}
	const rolls = 1_000_000
	for _, c := range cases {
		for _, seed := range []uint64{1, 2} {
			d := sim.NewDie(seed, 0, c.r)
			counts := make([]int, c.r+1)
			for range rolls {
				f := d.Roll()
				if f < 1 || f > c.r {
					t.Fatalf("R %d: face %d", c.r, f)
				}
				counts[f]++
			}
			exp := float64(rolls) / float64(c.r)
			chi2 := 0.0
			for f := 1; f <= c.r; f++ {
				dev := float64(counts[f]) - exp
				chi2 += dev * dev / exp
			}
			if chi2 > c.threshold {
				t.Errorf("R %d seed %d: chi-square %.2f above %.3f; counts %v", c.r, seed, chi2, c.threshold, counts[1:])
			}
		}
	}
	// Very large dice stay in range and use both ends.
	d := sim.NewDie(3, 0, sim.MaxFaces)
	lo, hi := sim.MaxFaces, 0
	for range 100_000 {
		f := d.Roll()
		if f < 1 || f > sim.MaxFaces {
			t.Fatalf("R = MaxFaces: face %d", f)
		}
		lo, hi = min(lo, f), max(hi, f)
	}
	if lo > sim.MaxFaces/1000 || hi < sim.MaxFaces-sim.MaxFaces/1000 {
		t.Errorf("R = MaxFaces: faces only in [%d, %d]", lo, hi)
	}
}

// Dice of different machines and seeds are different streams.
func TestDieStreamsDiffer(t *testing.T) {
	seq := func(seed uint64, m int) [64]int {
		d := sim.NewDie(seed, m, 1000)
		var s [64]int
		for i := range s {
			s[i] = d.Roll()
		}
		return s
	}
	seen := map[[64]int]string{}
	for seed := uint64(0); seed < 5; seed++ {
		for m := range 5 {
			s := seq(seed, m)
			if s != seq(seed, m) {
				t.Fatalf("seed %d machine %d: not reproducible", seed, m)
			}
			name := fmt.Sprintf("seed %d machine %d", seed, m)
			if prev, dup := seen[s]; dup {
				t.Errorf("%s rolls the same as %s", name, prev)
			}
			seen[s] = name
		}
	}
}
