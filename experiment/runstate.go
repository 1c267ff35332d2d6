package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"desim/internal/progress"
)

// StateRunOptions is how RunState runs a sweep's or a grid's state.
type StateRunOptions struct {
	// Out is the result's file ("" or "-" for Stdout); the lock and the
	// partial file of an interruption are named after it.
	Out string
	// Resume is a partial file to continue ("" for none).
	Resume string
	// Workers is the number of goroutines running seeds.
	Workers int
	// Name labels the progress display and the timing line ("sweep",
	// "grid").
	Name string
	// Quiet hides the progress display and the timing line; neither is
	// shown when Stderr is not a terminal.
	Quiet bool
	// Stdout receives a shard's state when Out is ""; Stderr the progress
	// display and the timing line.
	Stdout, Stderr io.Writer
	// Write writes a complete (unsharded) state's result.
	Write func(*SweepState) error
}

// StateInterrupted is RunState's error when its context was cancelled:
// the completed runs are saved in Partial, and Message says so
// ("interrupted after D of T runs; saved them in FILE"). It matches
// ErrInterrupted.
type StateInterrupted struct {
	Partial, Message string
}

func (e *StateInterrupted) Error() string { return e.Message }
func (e *StateInterrupted) Unwrap() error { return ErrInterrupted }

// RunState runs a sweep's or a grid's state, resumed from o.Resume if
// given, under the lock of its output (see LockSweep), with a progress
// display and, when that was shown, a timing line on o.Stderr. A shard
// writes its state (to o.Out, or o.Stdout); a whole run its result, with
// o.Write, after which the partial file it resumed from, if its own, is
// removed. When ctx is cancelled the completed runs are saved in the
// partial file and the error is a *StateInterrupted; when the result
// cannot be written the partial file, if any, stays for another try.
func RunState(ctx context.Context, state *SweepState, o StateRunOptions) error {
	lock, err := LockSweep(o.Out) // held until the output or the partial file is written
	if err != nil {
		return err
	}
	defer lock.Unlock()
	if o.Resume != "" {
		if state, err = ResumeSweep(state, o.Resume); err != nil {
			return err
		}
	}
	todo := state.Todo()
	add, finish := progress.New(o.Stderr, o.Name, int(min(todo, math.MaxInt32)), o.Quiet)
	start := time.Now()
	events, runErr := state.Run(ctx, SweepOptions{Workers: o.Workers, Progress: add})
	finish()
	elapsed := time.Since(start)
	if runErr != nil {
		if !errors.Is(runErr, ErrInterrupted) {
			return runErr
		}
		msg, err := lock.SaveInterrupted(state)
		if err != nil {
			return err
		}
		return &StateInterrupted{Partial: lock.Partial(), Message: msg}
	}
	if add != nil { // a terminal, without Quiet
		fmt.Fprintf(o.Stderr, "desim %s: %d runs, %d events in %.2f s (%.1f M events/s, %d workers)\n",
			o.Name, todo, events, elapsed.Seconds(), float64(events)/elapsed.Seconds()/1e6, o.Workers)
	}
	if state.Shard != nil {
		return WriteOutput(o.Stdout, o.Out, state.Marshal())
	}
	if err := o.Write(state); err != nil {
		return err // the partial file, if any, stays for another try
	}
	lock.Finished(o.Resume) // the result is written: its partial file has served
	return nil
}
