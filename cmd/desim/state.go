package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/spf13/cobra"

	"desim/experiment"
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

// runState runs a sweep's or a grid's state (see experiment.RunState)
// under a signal context; an interruption prints the resume command and
// exits with status 130.
func (e *env) runState(c *cobra.Command, a []string, state *experiment.SweepState, o experiment.StateRunOptions) error {
	ctx, stop := signalContext()
	defer stop()
	o.Name, o.Stdout, o.Stderr = c.Name(), e.stdout, e.stderr
	err := experiment.RunState(ctx, state, o)
	var in *experiment.StateInterrupted
	if errors.As(err, &in) {
		fmt.Fprintf(e.stderr, "desim %s: %s\nresume with: %s\n", c.Name(), in.Message, resumeCommand(c, a, in.Partial))
		return exitError{code: exitInterrupted}
	}
	return err
}
