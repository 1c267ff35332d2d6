//go:build !amd64 || purego

package analysis

import "desim/sim"

// useKernel reports whether addBlockKernel is an assembly kernel: not on
// this platform, where blockState.addBlockGo does all the work.
const useKernel = false

func addBlockKernel(*blockState, []sim.Record, int64) bool { return false }
