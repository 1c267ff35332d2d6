//go:build race

package experiment

// The race detector slows the simulations behind the validations of
// logs_test.go seventeenfold (35 s instead of 2 s for the five original
// runs), and those tests check numbers, not concurrency: under it
// TestOriginalRunsCalibrateValidate validates A5 alone; "make test" runs
// all five in its 32-bit run.
func init() { raceDetector = true }
