// Command desim is a deterministic simulator of the scale model of logical
// clocks. Run "desim help" for the commands.
//
// The command line is a shell over package experiment: flags, output
// formatting and exit statuses, nothing else. Exit statuses are decided
// here only (see exitCode).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"desim/experiment"
)

// Exit statuses.
const (
	exitOK          = 0
	exitFailure     = 1   // the command could not do its work, or a check failed
	exitUsage       = 2   // bad usage or bad input: nothing was done
	exitInternal    = 3   // a bug: desim panicked
	exitInterrupted = 130 // stopped by Ctrl-C or SIGTERM
)

// env is what a command may touch: its output streams.
type env struct {
	stdout, stderr io.Writer
	// running is set when a command's own code starts: an error before
	// that is cobra's (bad flags, arguments or command) and so usage.
	running bool
}

// usagef is bad usage: an error matching experiment.ErrInput, exit status
// 2, like bad input.
var usagef = experiment.Inputf

// exitError ends a command with a status after it printed its report (a
// check that failed: 1); a nil err prints nothing more.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e exitError) Unwrap() error { return e.err }

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Main runs desim with the given arguments and returns its exit status.
func Main(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			stack := strings.SplitAfterN(string(debug.Stack()), "\n", 13)
			fmt.Fprintf(stderr, "desim: internal error: %v\n(please report this with the command line; details follow)\n%s", r, strings.Join(stack[:min(len(stack), 12)], ""))
			code = exitInternal
		}
	}()
	e := &env{stdout: stdout, stderr: stderr}
	root := newRoot(e)
	root.SetArgs(args)
	if len(args) == 0 {
		// The overview of "desim --help", on stderr: a usage error.
		root.SetOut(stderr)
		root.SetArgs([]string{"--help"})
		root.Execute()
		return exitUsage
	}
	cmd, err := root.ExecuteC()
	if err == nil {
		return exitOK
	}
	code = exitCode(e, err)
	name := "desim"
	if cmd != nil && cmd != root {
		name = cmd.CommandPath()
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintf(stderr, "%s: %s\n", name, msg)
	}
	if code == exitUsage && !e.running && cmd != nil {
		fmt.Fprintf(stderr, "Run \"%s --help\" for usage.\n", cmd.CommandPath())
	}
	return code
}

// exitCode decides the exit status of a command's error.
func exitCode(e *env, err error) int {
	var ee exitError
	var death *experiment.MachineDeath
	switch {
	case errors.As(err, new(*experiment.PanicError)):
		return exitInternal
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &death):
		return exitFailure
	case errors.Is(err, experiment.ErrInput), !e.running:
		return exitUsage
	}
	return exitFailure
}

// signalContext is the context of a command that stops cleanly on Ctrl-C
// or SIGTERM.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
