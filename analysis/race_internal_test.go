//go:build race

package analysis

// The race detector slows the simulations of the finite-horizon model's
// tests tenfold; they check numbers, not concurrency, and run in full
// without -race.
func init() { raceInternal = true }
