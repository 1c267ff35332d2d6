package calibrate_test

import (
	"fmt"

	"desim/analysis"
	"desim/analysis/calibrate"
)

// Calibrating one run of the original Python implementation (A5: rates 6,
// 4 and 2 ticks/s, R = 10). The maximum-likelihood die is 11, by chance;
// the 99 % interval holds the configured 10.
func ExampleFit() {
	l, err := analysis.ReadRun("testdata/original/A5/machine-0.csv", "testdata/original/A5/machine-1.csv", "testdata/original/A5/machine-2.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := calibrate.Fit([]*analysis.Log{l}, calibrate.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, m := range e.Machines {
		fmt.Printf("machine %d: rate %s, overshoot %.0f ± %.0f µs (sd %.0f µs), start %.1f ms\n",
			i, m.Rate, m.Overshoot.Mean*1e6, m.Overshoot.SE*1e6, m.Overshoot.SD*1e6, m.Start*1e3)
	}
	fmt.Printf("die R = %d, 99 %% interval [%d, %d] (%d sends / %d free ticks)\n", e.Die.R, e.Die.Lo, e.Die.Hi, e.Die.Sends, e.Die.Free)
	fmt.Println("duration", e.Duration, "latency (assumed)", e.Latency)
	// Output:
	// machine 0: rate 6, overshoot 258 ± 8 µs (sd 181 µs), start 0.1 ms
	// machine 1: rate 4, overshoot 229 ± 5 µs (sd 82 µs), start 0.0 ms
	// machine 2: rate 2, overshoot 236 ± 4 µs (sd 45 µs), start 0.7 ms
	// die R = 11, 99 % interval [10, 13] (171 sends / 642 free ticks)
	// duration 1m13s latency (assumed) 100µs
}
