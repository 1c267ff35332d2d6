package kernel

import "desim/sim"

// Classes of events, as State counts them: an event's class is
// min(event, ClassSend), so that every send to a peer is ClassSend.
const (
	ClassInternal  = iota // sim.Internal
	ClassReceive          // sim.Receive
	ClassBroadcast        // sim.Broadcast
	ClassSend             // sim.SendTo(any peer)
	Classes               // the number of classes
)

// State is what every record of one machine updates: the running sums of
// the least-squares fits of the clock c and the queue length q against x
// (ns since the machine's first record), the latest clock, the maxima and
// the number of records of each event class. The zero State has added
// nothing. The assembly kernel (block_amd64.s) reads and writes the fields
// up to lanes by the offsets of go_asm.h.
type State struct {
	sx, sxx  float64 // Σx, Σx²
	sc, sxc  float64 // Σc, Σxc
	sq, sxq  float64 // Σq, Σxq
	last     int64   // clock of the latest record
	maxJump  int64   // largest clock difference of consecutive records
	maxQueue int64   // largest queue length
	// lanes counts the records of the current block by event class, in
	// 16-bit lanes: lane k (bits 16k..16k+15) holds class k.
	lanes  uint64
	counts [Classes]int64 // records added, by class
	n      int64          // records added
}

// maxBlock is the most records of one block, the largest count a 16-bit
// lane holds.
const maxBlock = 0xffff

// laneInc[c] adds 1 to lane c of State.lanes. The assembly kernel reads
// it.
var laneInc = [Classes]uint64{1, 1 << 16, 1 << 32, 1 << 48}

// Add adds records of the machine in time order, with x = At − t0 (t0 is
// the time of the machine's first record). The first record ever added
// has a jump of 0. Add takes recs in blocks of at most maxBlock records,
// so that each lane of State.lanes can count a whole block.
func (s *State) Add(recs []sim.Record, t0 int64) {
	if s.n == 0 && len(recs) > 0 {
		s.last = recs[0].Clock
	}
	for len(recs) > 0 {
		blk := recs[:min(len(recs), maxBlock)]
		recs = recs[len(blk):]
		s.lanes = 0
		s.addBlock(blk, t0)
		for k := range s.counts {
			s.counts[k] += int64(s.lanes >> (16 * k) & 0xffff)
		}
		s.n += int64(len(blk))
	}
}

// N returns the number of records added.
func (s *State) N() int64 { return s.n }

// Count returns the number of records of class c (ClassInternal ..
// ClassSend) added.
func (s *State) Count(c int) int64 { return s.counts[c] }

// Last returns the clock of the latest record added.
func (s *State) Last() int64 { return s.last }

// MaxJump returns the largest difference between the clocks of
// consecutive records (0 if the clock never rose).
func (s *State) MaxJump() int64 { return s.maxJump }

// MaxQueue returns the largest queue length (0 if every one was
// negative or none was added).
func (s *State) MaxQueue() int64 { return s.maxQueue }

// ClockSlope returns the least-squares slope of the clock against x, per
// ns; 0 with fewer than two records or all of them at one x.
func (s *State) ClockSlope() float64 { return s.slope(s.sc, s.sxc) }

// QueueSlope returns the least-squares slope of the queue length against
// x, per ns; 0 with fewer than two records or all of them at one x.
func (s *State) QueueSlope() float64 { return s.slope(s.sq, s.sxq) }

// addBlock adds blk (at most maxBlock records, in time order) with
// x = At − t0.
//
// It runs the assembly kernel where there is one, and the Go loop
// otherwise or when the kernel declines a block. Both do the same IEEE 754
// operations in the same order on each sum, so they give the same bits: x,
// c and q are exact in float64 (the kernel takes only blocks whose values
// are all in [0, 2^52)), each sum gets one addition per record in record
// order, and each product is rounded once before it is added.
func (s *State) addBlock(blk []sim.Record, t0 int64) {
	if useKernel && addBlockKernel(s, blk, t0) {
		return
	}
	s.addBlockGo(blk, t0)
}

// addBlockGo is addBlock in Go, keeping the state in registers: the maxima
// and the class count are branch-free.
func (s *State) addBlockGo(blk []sim.Record, t0 int64) {
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
		lanes += 1 << (16 * min(uint32(r.Event), ClassSend))
	}
	s.sx, s.sxx, s.sc, s.sxc, s.sq, s.sxq = sx, sxx, sc, sxc, sq, sxq
	s.last, s.maxJump, s.maxQueue, s.lanes = last, maxJump, maxQueue, lanes
}

// slope returns the least-squares slope of the series with sums sy = Σy
// and sxy = Σxy over the s.n points:
//
//	(Σxy − Σx·Σy/n) / (Σx² − (Σx)²/n)
//
// or 0 when n < 2 or every x is equal. Each product is rounded before it
// is used, so that no platform fuses it into an FMA.
func (s *State) slope(sy, sxy float64) float64 {
	if s.n < 2 {
		return 0
	}
	fn := float64(s.n)
	den := s.sxx - float64(s.sx*s.sx)/fn
	if !(den > 0) {
		return 0
	}
	return (sxy - float64(s.sx*sy)/fn) / den
}
