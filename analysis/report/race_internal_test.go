//go:build race

package report

// The race detector slows TestVerdictsStable's simulations twentyfold; it
// checks verdicts, not concurrency, and runs in full without -race.
func init() { raceInternal = true }
