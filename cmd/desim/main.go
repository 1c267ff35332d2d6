// Command desim is a deterministic simulator of the scale model of logical
// clocks. Run "desim help" for the commands.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // the command could not do its work (I/O, a failed check)
	exitUsage   = 2 // bad usage or bad input: nothing was done
)

// command is one subcommand of desim.
type command struct {
	name    string
	summary string // one line for "desim help"
	usage   string // synopsis, after "desim "
	help    string // description and examples for "desim CMD -h"
	// setup defines the command's flags on fs and returns the function
	// that runs it with the positional arguments, once fs is parsed.
	setup func(fs *flag.FlagSet) func(e *env, args []string) error
}

// env is what a command may touch: its output streams.
type env struct {
	stdout, stderr io.Writer
}

// commands lists the subcommands in the order "desim help" shows them.
var commands []*command

func init() {
	commands = []*command{
		runCmd,
		scenariosCmd,
		analyzeCmd,
		predictCmd,
		plotCmd,
		sweepCmd,
		mergeCmd,
		realCmd,
		machineCmd,
		validateCmd,
		reproduceCmd,
		helpCmd,
	}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// usageError is bad usage or input: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// failure is an error with its own exit status (for example a check that
// found a problem, exit 1, after it printed its report).
type failure struct {
	code int
	err  error
}

func (e failure) Error() string { return e.err.Error() }

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Main runs desim with the given arguments and returns its exit status.
func Main(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "desim: internal error: %v\n(please report this with the command line; details follow)\n%s", r, firstLines(string(debug.Stack()), 12))
			code = 3
		}
	}()
	e := &env{stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		writeOverview(stderr)
		return exitUsage
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "-help" {
		writeOverview(stdout)
		return exitOK
	}
	if name == "version" || name == "--version" {
		fmt.Fprintln(stdout, version())
		return exitOK
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(stderr, "desim: unknown command %q\n\n", name)
		writeOverview(stderr)
		return exitUsage
	}
	err := c.exec(e, args[1:])
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var f failure
	if errors.As(err, &f) {
		if f.err != nil && f.err.Error() != "" {
			fmt.Fprintf(stderr, "desim %s: %v\n", c.name, f.err)
		}
		return f.code
	}
	fmt.Fprintf(stderr, "desim %s: %v\n", c.name, err)
	var u usageError
	if errors.As(err, &u) {
		return exitUsage
	}
	return exitFailure
}

func firstLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "")
}

func version() string {
	v := "desim (devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = "desim " + bi.Main.Version
	}
	return v
}

func writeOverview(w io.Writer) {
	fmt.Fprint(w, `desim simulates the scale model of logical clocks in virtual time:
machines tick at different rates, exchange Lamport clock values through
message queues, and their clocks drift apart. A scenario and a seed replay
the same run bit for bit.

Usage:
  desim COMMAND [ARGUMENTS] [FLAGS]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Examples:
  desim scenarios                      the built-in scenarios (the paper's)
  desim run A2                         one run: logs, summary.json, scenario.yaml
  desim predict A2                     the mean-field prediction: who drifts
  desim sweep A2 --seeds 10000         the distribution over 10000 seeds

Run "desim help COMMAND" or "desim COMMAND -h" for a command's flags and
examples.

Exit status: 0 on success, 1 when the work failed, 2 for bad usage or input.
`)
}

var helpCmd = &command{
	name: "help", summary: "show help for desim or for one command",
	usage: "help [COMMAND]",
	setup: func(fs *flag.FlagSet) func(e *env, args []string) error {
		return func(e *env, args []string) error {
			if len(args) == 0 {
				writeOverview(e.stdout)
				return nil
			}
			c := lookup(args[0])
			if c == nil {
				return usagef("no command %q; run \"desim help\" for the list", args[0])
			}
			fs := flag.NewFlagSet("desim "+c.name, flag.ContinueOnError)
			c.setup(fs)
			writeCommandHelp(e.stdout, c, fs)
			return nil
		}
	},
}

// exec parses the command's flags and runs it.
func (c *command) exec(e *env, args []string) error {
	fs := flag.NewFlagSet("desim "+c.name, flag.ContinueOnError)
	run := c.setup(fs)
	pos, err := parseArgs(e, c, fs, args)
	if err != nil {
		return err
	}
	return run(e, pos)
}

func writeCommandHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: desim %s\n\n", c.usage)
	if c.help != "" {
		fmt.Fprintf(w, "%s\n", strings.TrimSpace(c.help))
	}
	has := false
	fs.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprintf(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

// parseArgs parses flags that may come before, between or after the
// positional arguments, and returns the positional ones. -h prints the
// command's help and returns flag.ErrHelp.
func parseArgs(e *env, c *command, fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				writeCommandHelp(e.stdout, c, fs)
				return nil, flag.ErrHelp
			}
			return nil, usagef("%v (see \"desim %s -h\")", err, c.name)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
