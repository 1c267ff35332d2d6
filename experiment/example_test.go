package experiment_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"desim/analysis"
	"desim/analysis/stats"
	"desim/experiment"
)

// Load a built-in scenario, with its seed and duration overridden.
func ExampleLoad() {
	seed := uint64(7)
	s, err := experiment.Load("A2", experiment.Overrides{Seed: &seed, Duration: time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Name, s.Seed, s.Duration, s.Die, s.Rates())
	// Output: A2 7 1m0s 10 [6 1 1]
}

// Simulate one run and read its per-machine metrics.
func ExampleSimulate() {
	s, err := experiment.Load("A2", experiment.Overrides{Duration: 60 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	res, err := experiment.Simulate(context.Background(), s, experiment.Options{})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range res.Summary.Machines {
		fmt.Printf("machine %d: %d ticks, final clock %d, queue %d\n", m.ID, m.Ticks, m.FinalClock, m.FinalQueue)
	}
	// Output:
	// machine 0: 360 ticks, final clock 360, queue 0
	// machine 1: 60 ticks, final clock 325, queue 7
	// machine 2: 60 ticks, final clock 276, queue 11
}

// Write a run directory, then read it back as any recorded run.
func ExampleReadRun() {
	dir, err := os.MkdirTemp("", "desim-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	s, err := experiment.Load("A3", experiment.Overrides{Duration: 30 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := experiment.SimulateToDir(context.Background(), s, experiment.Dir(dir)); err != nil {
		log.Fatal(err)
	}
	r, err := experiment.ReadRun(dir)
	if err != nil {
		log.Fatal(err)
	}
	sum := r.Summary()
	fmt.Println(r.Name, len(r.Log.Machines), "machines,", sum.Machines[2].Ticks, "ticks of machine 2")
	// Output: A3 3 machines, 30 ticks of machine 2
}

// Predict who drifts from the mean-field model.
func ExampleLoad_predict() {
	s, err := experiment.Load("A2", experiment.Overrides{})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range analysis.Predict(s.Rates(), s.Die) {
		fmt.Printf("machine %d: load %.2f, drifts %v\n", m.ID, m.Load, m.Load > 1)
	}
	// Output:
	// machine 0: load 0.00, drifts false
	// machine 1: load 1.20, drifts true
	// machine 2: load 1.20, drifts true
}

// Validate the simulator against a real-socket run whose machines are
// goroutines of this process, each with its own loopback listener.
func ExampleValidate() {
	s, err := experiment.Load("B2", experiment.Overrides{Duration: 5 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	v, err := experiment.Validate(context.Background(), s, experiment.ValidateOptions{
		Real:     experiment.RealOptions{Speed: 10, Launcher: experiment.InProcessLauncher{}},
		RealRuns: 1,
		Seeds:    50,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d comparisons; real seeds %d-%d, simulated %d-%d\n",
		len(v.Result.Comparisons), v.RealSeeds.From, v.RealSeeds.To, v.SimSeeds.From, v.SimSeeds.To)
	// Output: 39 comparisons; real seeds 1-1, simulated 2-51
}

// Sweep 200 seeds of a scenario and read the mean and 95% confidence
// interval of a metric; the result is the same for any number of workers.
func ExampleSweep() {
	s, err := experiment.Load("A2", experiment.Overrides{Duration: 60 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	st := experiment.NewSweepScenario(s)
	if err := experiment.Sweep(context.Background(), st, 1, 200, experiment.SweepOptions{Workers: 2}); err != nil {
		log.Fatal(err)
	}
	out := stats.Summarize(s, st.Stats, stats.SeedRange{From: 1, To: 200})
	for _, m := range out.Machines[1:] { // the two slow machines
		q := m.Metric(analysis.QueueSlope)
		fmt.Printf("machine %d: queue slope %.3f ± %.3f per s over %d runs\n", m.ID, q.Mean, q.CI95, q.N)
	}
	// Output:
	// machine 1: queue slope 0.214 ± 0.018 per s over 200 runs
	// machine 2: queue slope 0.213 ± 0.016 per s over 200 runs
}
