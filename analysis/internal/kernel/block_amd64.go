//go:build amd64 && !purego

package kernel

import (
	"unsafe"

	"desim/sim"
)

// useKernel reports whether addBlockKernel is the assembly kernel.
const useKernel = true

// addBlockKernel is State.addBlockGo in SSE2 assembly (the amd64
// baseline), with the pairs (Σx, Σc) and (Σx², Σxc) each summed in one
// vector register. It declines, changing nothing and returning false, a
// block holding an x, clock or queue length outside [0, 2^52), for which
// its integer-to-float conversion would not be exact.
//
//go:noescape
func addBlockKernel(s *State, blk []sim.Record, t0 int64) bool

// The kernel reads sim.Record as {At, Clock, Queue int64; Event uint32} in
// 32 bytes. These fail to compile if that changes.
var (
	_ [0]struct{} = [unsafe.Sizeof(sim.Record{}) - 32]struct{}{}
	_ [0]struct{} = [unsafe.Offsetof(sim.Record{}.Clock) - 8]struct{}{}
	_ [0]struct{} = [unsafe.Offsetof(sim.Record{}.Queue) - 16]struct{}{}
	_ [0]struct{} = [unsafe.Offsetof(sim.Record{}.Event) - 24]struct{}{}
	_ [0]struct{} = [unsafe.Sizeof(sim.Record{}.Event) - 4]struct{}{}
)
