package main

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"desim/experiment"
)

// TestExitCode: every class of error maps to its documented status.
func TestExitCode(t *testing.T) {
	running := &env{running: true}
	for _, c := range []struct {
		name string
		err  error
		want int
	}{
		{"a failure", errors.New("disk full"), exitFailure},
		{"bad input", experiment.Inputf("x.yaml:3: bad"), exitUsage},
		{"wrapped bad input", fmt.Errorf("loading: %w", experiment.Inputf("bad")), exitUsage},
		{"interrupted", fmt.Errorf("run stopped: %w", context.Canceled), exitInterrupted},
		{"a sweep interrupted", experiment.ErrInterrupted, exitInterrupted},
		{"a machine died", &experiment.MachineDeath{ID: 1}, exitFailure},
		{"a panic in a goroutine", fmt.Errorf("sweep: %w", &experiment.PanicError{Value: "boom"}), exitInternal},
		{"a report that failed", exitError{code: exitFailure}, exitFailure},
	} {
		if got := exitCode(running, c.err); got != c.want {
			t.Errorf("%s: exit %d, want %d", c.name, got, c.want)
		}
	}
	// Before a command's own code runs, any error is cobra's: bad usage.
	if got := exitCode(&env{}, errors.New("unknown flag: --x")); got != exitUsage {
		t.Errorf("cobra's error: exit %d, want %d", got, exitUsage)
	}
}
