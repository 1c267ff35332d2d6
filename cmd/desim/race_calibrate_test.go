//go:build race

package main

// The race detector slows the simulations behind "desim validate --logs"
// seventeenfold, and the tests of calibrate_test.go check numbers, not
// concurrency: under it they validate one run each (A5, and one seed of
// desim's own logs). TestCalibrateOriginalRuns validates A5 alone in the
// 32-bit run too (10 times slower), where experiment's
// TestOriginalRunsCalibrateValidate validates all five original runs.
func init() { raceDetector = true }
