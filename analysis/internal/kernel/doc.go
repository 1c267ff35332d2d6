// Package kernel is the innermost loop of analysis.Accumulator: the
// per-record sums of one machine's least-squares fits, its latest clock,
// its maxima and its counts by event class (State). On amd64 an SSE2
// assembly kernel does the work and gives, bit for bit, the results of the
// Go loop, which runs everywhere else and under the build tag purego.
//
// It is internal to analysis and exports only what the Accumulator needs.
// It may import sim (for sim.Record) and the standard library, nothing
// else.
package kernel
