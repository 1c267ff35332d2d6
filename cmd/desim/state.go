package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"desim/experiment"
	"desim/internal/progress"
)

// checkRunFlags checks --workers (0 becomes one per CPU) and -o.
func checkRunFlags(workers *int, out string) error {
	if *workers < 0 {
		return usagef("--workers %d: need at least 1 (or 0 for one per CPU)", *workers)
	}
	if *workers == 0 {
		*workers = runtime.NumCPU()
	}
	if st, err := os.Stat(out); out != "" && err == nil && st.IsDir() {
		return usagef("-o %s: is a directory; give a file name", out)
	}
	return nil
}

// stateRun is how runState runs a state: where its output goes, the
// partial file it resumes, its workers, and whether to keep quiet.
type stateRun struct {
	out, resume string
	workers     int
	quiet       bool
}

// runState runs a sweep's or a grid's state, resumed from r.resume if
// given, under the lock of its output; an interruption saves it and
// prints the resume command. A shard writes its state; a whole run its
// result, with write.
func (e *env) runState(c *cobra.Command, a []string, state *experiment.SweepState, r stateRun, write func(*experiment.SweepState) error) error {
	lock, err := experiment.LockSweep(r.out) // held until the output or the partial file is written
	if err != nil {
		return err
	}
	defer lock.Unlock()
	if r.resume != "" {
		if state, err = experiment.ResumeSweep(state, r.resume); err != nil {
			return err
		}
	}
	ctx, stop := signalContext()
	defer stop()
	todo := state.Todo()
	progress, finish := progress.New(e.stderr, c.Name(), int(min(todo, math.MaxInt32)), r.quiet)
	start := time.Now()
	events, runErr := state.Run(ctx, experiment.SweepOptions{Workers: r.workers, Progress: progress})
	finish()
	elapsed := time.Since(start)
	if runErr != nil {
		if !errors.Is(runErr, experiment.ErrInterrupted) {
			return runErr
		}
		msg, err := lock.SaveInterrupted(state)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "desim %s: %s\nresume with: %s\n", c.Name(), msg, resumeCommand(c, a, lock.Partial()))
		return exitError{code: exitInterrupted}
	}
	if progress != nil { // a terminal, without --quiet
		fmt.Fprintf(e.stderr, "desim %s: %d runs, %d events in %.2f s (%.1f M events/s, %d workers)\n",
			c.Name(), todo, events, elapsed.Seconds(), float64(events)/elapsed.Seconds()/1e6, r.workers)
	}
	if state.Shard != nil {
		return experiment.WriteOutput(e.stdout, r.out, state.Marshal())
	}
	if err := write(state); err != nil {
		return err // the partial file, if any, stays for another try
	}
	lock.Finished(r.resume) // the result is written: its partial file has served
	return nil
}
