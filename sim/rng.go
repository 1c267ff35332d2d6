package sim

import (
	"math/bits"
	"math/rand/v2"
)

// Purpose names what a random stream is used for, so that streams for
// different purposes never coincide.
type Purpose uint64

const (
	// PurposeDie is the stream of a machine's die: StreamSeed(seed, PurposeDie, i, 0).
	PurposeDie Purpose = 1
	// PurposeJitter is the stream of the link from machine i to machine j:
	// StreamSeed(seed, PurposeJitter, i, j).
	PurposeJitter Purpose = 2
	// PurposeTiming is the timing stream of machine i, which draws its
	// start offset and then its tick overshoots (see MachineConfig):
	// StreamSeed(seed, PurposeTiming, i, 0). Only machines with a timing
	// model draw from it.
	PurposeTiming Purpose = 3
)

// mix64 is the SplitMix64 finaliser (Steele, Lea and Flood, 2014), a
// bijection of uint64 that spreads every input bit over the output.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// StreamSeed returns the two words that seed the PCG stream for one purpose
// of one run, as rand.NewPCG(hi, lo):
//
//	key = purpose<<56 | a<<28 | b        (a, b < 2^28)
//	hi  = mix64(seed)
//	lo  = mix64(hi ^ mix64(key))
//
// where mix64 is the SplitMix64 finaliser. Different seeds give different
// hi; different (purpose, a, b) of one seed give different lo.
func StreamSeed(seed uint64, p Purpose, a, b int) (hi, lo uint64) {
	key := uint64(p)<<56 | uint64(a)<<28 | uint64(b)
	hi = mix64(seed)
	lo = mix64(hi ^ mix64(key))
	return hi, lo
}

// uniform returns a uniform integer in [0, n) for n ≥ 1 by Lemire's
// multiply-and-reject method ("Fast random integer generation in an
// interval", 2019) on 64-bit words: take x = src.Uint64(); the answer is
// the high word of the 128-bit product x·n, except that when the low word
// is below (2^64 − n) mod n the draw is rejected and repeated. It never
// takes the power-of-two shortcut of math/rand/v2, and it is the same on
// 32- and 64-bit platforms. Jitter is drawn with it.
func uniform(src *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}

// MaxFaces is the most faces a die may have.
const MaxFaces = 1 << 30

// Die is a fair die with R faces, rolled from one PCG stream. It belongs to
// the driver of a machine, never to the machine.
//
// The die reads its stream as a sequence of 32-bit words, the high half of
// each src.Uint64() first and then its low half. A face is drawn from the
// next word w by Lemire's method on 32 bits: the face is 1 + (w·R >> 32),
// unless the low 32 bits of w·R are below (2^32 − R) mod R, in which case w
// is rejected and the draw repeats with the following word. This is exactly
// uniform on 1..R for R < 2^32 and the same on every platform.
//
// Faces are drawn in batches of len(buf) ahead of use and handed out in
// order: the k-th Roll returns the k-th face of the stream exactly as if
// each were drawn on demand. Batching only keeps the draw out of the
// driver's hot loop.
type Die struct {
	src    rand.PCG
	faces  uint64 // R
	thresh uint32 // (2^32 − R) mod R
	spare  uint32 // the low half of the last Uint64, if not yet used
	has    bool   // whether spare is unused
	next   int    // index in buf of the next face to hand out
	buf    [32]uint32
}

// NewDie returns the die of machine i for the given seed:
// 1 ≤ faces ≤ MaxFaces, stream StreamSeed(seed, PurposeDie, i, 0).
func NewDie(seed uint64, machine, faces int) Die {
	var d Die
	d.Reset(seed, machine, faces)
	return d
}

// Reset re-seeds the die in place, as NewDie.
func (d *Die) Reset(seed uint64, machine, faces int) {
	d.src.Seed(StreamSeed(seed, PurposeDie, machine, 0))
	d.faces = uint64(faces)
	d.thresh = uint32(-faces) % uint32(faces)
	d.has = false
	d.next = len(d.buf)
}

// Roll returns the next face, uniform in 1..R.
func (d *Die) Roll() int {
	if d.next == len(d.buf) {
		d.refill()
	}
	f := d.buf[d.next]
	d.next++
	return int(f)
}

// refill draws the next len(buf) faces.
//
//go:noinline
func (d *Die) refill() {
	n, thresh := d.faces, d.thresh
	i := 0
	if d.has {
		d.has = false
		if m := uint64(d.spare) * n; uint32(m) >= thresh {
			d.buf[0] = uint32(m>>32) + 1
			i = 1
		}
	}
	for i < len(d.buf) {
		x := d.src.Uint64()
		if m := (x >> 32) * n; uint32(m) >= thresh {
			d.buf[i] = uint32(m>>32) + 1
			i++
		}
		if i == len(d.buf) {
			d.spare, d.has = uint32(x), true
			break
		}
		if m := (x & 0xffffffff) * n; uint32(m) >= thresh {
			d.buf[i] = uint32(m>>32) + 1
			i++
		}
	}
	d.next = 0
}
