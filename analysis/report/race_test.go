//go:build race

package report_test

// The race detector slows the figures of TestReportInBrowser's report
// twentyfold (15 s instead of under 1 s), and that test checks a page, not
// concurrency: it runs in the builds without -race ("make test" runs it in
// the purego and the 32-bit runs).
func init() { raceDetector = true }
