//go:build race

package main

// The race detector slows the simulations behind "desim validate --logs"
// seventeenfold, and the tests of calibrate_test.go check numbers, not
// concurrency: under it they validate one run each (A5, and one seed of
// desim's own logs); "make test" runs them all in its 32-bit run.
func init() { raceDetector = true }
