package analysis

import "desim/sim"

// blockState is the part of a machine's accumulator that every record
// updates: the running sums of the least-squares fits of the clock c and
// the queue length q against x (ns since the machine's first record), the
// latest clock, the maxima and the event-class counts of the current
// block. The assembly kernel (block_amd64.s) reads and writes it by the
// offsets of go_asm.h.
type blockState struct {
	sx, sxx  float64 // Σx, Σx²
	sc, sxc  float64 // Σc, Σxc
	sq, sxq  float64 // Σq, Σxq
	last     int64   // clock of the latest record
	maxJump  int64   // largest clock difference of consecutive records
	maxQueue int64   // largest queue length
	// lanes counts the records of the current block by event class, in
	// 16-bit lanes: lane k (bits 16k..16k+15) holds class k.
	lanes uint64
}

// maxBlock is the most records of one block, the largest count a 16-bit
// lane holds.
const maxBlock = 0xffff

// laneInc[c] adds 1 to lane c of blockState.lanes. The assembly kernel
// reads it.
var laneInc = [4]uint64{1, 1 << 16, 1 << 32, 1 << 48}

// addBlock adds blk (at most maxBlock records, in time order) with
// x = At − t0.
//
// It runs the assembly kernel where there is one, and the Go loop
// otherwise or when the kernel declines a block. Both do the same IEEE 754
// operations in the same order on each sum, so they give the same bits: x,
// c and q are exact in float64 (the kernel takes only blocks whose values
// are all in [0, 2^52)), each sum gets one addition per record in record
// order, and each product is rounded once before it is added.
func (s *blockState) addBlock(blk []sim.Record, t0 int64) {
	if useKernel && addBlockKernel(s, blk, t0) {
		return
	}
	s.addBlockGo(blk, t0)
}

// addBlockGo is addBlock in Go, keeping the state in registers: the maxima
// and the class count are branch-free.
func (s *blockState) addBlockGo(blk []sim.Record, t0 int64) {
	// Separate scalars, not a struct copy, so they live in registers.
	sx, sxx, sc, sxc, sq, sxq := s.sx, s.sxx, s.sc, s.sxc, s.sq, s.sxq
	last, maxJump, maxQueue, lanes := s.last, s.maxJump, s.maxQueue, s.lanes
	for i := range blk {
		r := &blk[i]
		x := float64(r.At - t0)
		c := float64(r.Clock)
		q := float64(r.Queue)
		sx += x
		sxx += float64(x * x)
		sc += c
		sxc += float64(x * c)
		sq += q
		sxq += float64(x * q)
		maxJump = max(maxJump, r.Clock-last)
		last = r.Clock
		maxQueue = max(maxQueue, r.Queue)
		lanes += 1 << (16 * min(uint32(r.Event), classSend))
	}
	s.sx, s.sxx, s.sc, s.sxc, s.sq, s.sxq = sx, sxx, sc, sxc, sq, sxq
	s.last, s.maxJump, s.maxQueue, s.lanes = last, maxJump, maxQueue, lanes
}

// slope returns the least-squares slope of the series with sums sy = Σy and
// sxy = Σxy over n points:
//
//	(Σxy − Σx·Σy/n) / (Σx² − (Σx)²/n)
//
// or 0 when n < 2 or every x is equal.
func (s *blockState) slope(n int64, sy, sxy float64) float64 {
	if n < 2 {
		return 0
	}
	fn := float64(n)
	den := s.sxx - float64(s.sx*s.sx)/fn
	if !(den > 0) {
		return 0
	}
	return (sxy - float64(s.sx*sy)/fn) / den
}
