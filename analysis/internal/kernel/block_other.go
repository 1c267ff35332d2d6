//go:build !amd64 || purego

package kernel

import "desim/sim"

// useKernel reports whether addBlockKernel is an assembly kernel: not on
// this platform, where State.addBlockGo does all the work.
const useKernel = false

func addBlockKernel(*State, []sim.Record, int64) bool { return false }
