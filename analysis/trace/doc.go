// Package trace reads a traced run, its logs and its message trace
// (messages.csv, written by "desim run --trace"; see sim.MessageWriter),
// checks them against each other, computes vector clocks, and exports the
// run to the tools that draw distributed traces: Perfetto and
// chrome://tracing (the trace-event JSON format) and ShiViz.
//
// Everything streams: Scan reads the logs and the trace together in one
// pass in the engine's order of ticks and keeps only the messages in
// flight or queued; the exports write as they read. Check, which also
// verifies every queue length against the times messages entered the
// queues, holds the run in memory.
//
// It sits beside package analysis, on the same floor: it may import sim,
// scenarios and analysis, and never the plotting libraries.
package trace
