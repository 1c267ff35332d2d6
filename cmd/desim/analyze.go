package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"desim/analysis"
	"desim/scenarios"
	"desim/sim"
)

var analyzeCmd = &command{
	name:    "analyze",
	summary: "print the per-machine metrics of any run's logs, desim's or the original's",
	usage:   "analyze RUN... [--json]",
	help: `
Reads a run's logs and prints the per-machine metrics of summary.json
(ticks, receives, sends, internals, messages sent, final clock and queue,
largest queue, clock and queue slopes, drift, clock jumps), with the same
definitions as "desim run".

RUN is a run directory holding machine-<i>.csv files (machine i's log), or
a list of log files, machine 0 first. The logs may be desim's (time in
seconds since the start of the run) or the original Python
implementation's (seconds since the epoch, as Python prints a float); times
are rebased to the run's earliest line.

When the directory holds a scenario.yaml (as "desim run" writes it), the
scenario's name, seed, duration and rates are taken from it, and
"desim analyze DIR --json" prints exactly the bytes of DIR/summary.json.
Otherwise the scenario is named after the directory, the seed is 0, the
duration is the time from the earliest line to the latest, and each
machine's rate is estimated from its log as (ticks - 1) / (time of its
last tick - time of its first); a note on stderr says so.

A malformed log (a wrong number of fields, an unknown event name, a bad
number, time going backwards, an empty file) is reported as file:line and
exits with status 2.

Examples:
  desim analyze out/A2-seed1
  desim analyze out/A2-seed1 --json
  desim analyze logs/machine-0.csv logs/machine-1.csv logs/machine-2.csv`,
	setup: func(fs *flag.FlagSet) func(e *env, args []string) error {
		asJSON := fs.Bool("json", false, "print the metrics as summary.json's JSON instead of a table")
		return func(e *env, args []string) error {
			if len(args) == 0 {
				return usagef("need a run directory or log files (see \"desim analyze -h\")")
			}
			l, s, err := openRun(args)
			if err != nil {
				return err
			}
			sum := runSummary(l, s, args)
			if s == nil {
				fmt.Fprintf(e.stderr, "desim analyze: no scenario.yaml, so the rates are estimated from the logs as (ticks - 1) / (last - first time)\n")
			}
			if *asJSON {
				_, err := e.stdout.Write(sum.Marshal())
				return err
			}
			if s != nil {
				fmt.Fprintf(e.stdout, "%s, seed %d, %s of virtual time\n", s.Name, s.Seed, scenarios.FormatDuration(s.Duration))
			} else {
				fmt.Fprintf(e.stdout, "%s: %d machines, %ss from the earliest line to the latest", sum.Scenario, len(l.Machines), sim.AppendSeconds(nil, l.Duration()))
				if l.Offset != 0 {
					fmt.Fprintf(e.stdout, " (the earliest at %ss)", sim.AppendSeconds(nil, l.Offset))
				}
				fmt.Fprintf(e.stdout, "; rates estimated\n")
			}
			ms := sum.Machines
			if s == nil {
				// Estimated rates to 4 significant digits, for the
				// table's alignment; --json has them in full.
				ms = slices.Clone(ms)
				for i := range ms {
					ms[i].Rate, _ = strconv.ParseFloat(strconv.FormatFloat(ms[i].Rate, 'g', 4, 64), 64)
				}
			}
			analysis.WriteTable(e.stdout, ms)
			return nil
		}
	},
}

// openRun reads the run named by a command's arguments (one run directory
// or a list of log files) and, when they are one directory holding a
// scenario.yaml, that scenario (nil otherwise). Malformed logs, missing
// files and a scenario that does not match the logs are usage errors (exit
// status 2) naming the file and line.
func openRun(args []string) (*analysis.Log, *scenarios.Scenario, error) {
	l, err := analysis.ReadRun(args...)
	if err != nil {
		return nil, nil, inputError(err)
	}
	if len(args) != 1 {
		return l, nil, nil
	}
	if st, err := os.Stat(args[0]); err != nil || !st.IsDir() {
		return l, nil, nil
	}
	path := filepath.Join(args[0], "scenario.yaml")
	if _, err := os.Stat(path); err != nil {
		return l, nil, nil
	}
	s, err := scenarios.Load(path)
	if err != nil {
		return nil, nil, usageError{err}
	}
	if len(s.Machines) != len(l.Machines) {
		return nil, nil, usagef("%s: the scenario has %d machines but %s holds %d logs", path, len(s.Machines), args[0], len(l.Machines))
	}
	// A desim run's times are already seconds since its start: undo the
	// reader's rebasing to the earliest line, which moves the whole run
	// when every machine starts late.
	for _, recs := range l.Machines {
		for i := range recs {
			recs[i].At += l.Offset
		}
	}
	l.Offset = 0
	return l, s, nil
}

// runSummary returns the summary of a run read by openRun: with the
// scenario's name, seed, duration and rates when s is not nil, so that it
// equals the run's summary.json; otherwise named after the logs' directory
// ("logs" when there is none), seed 0, the time from the earliest line to
// the latest as duration and rates estimated from the logs.
func runSummary(l *analysis.Log, s *scenarios.Scenario, args []string) *analysis.Summary {
	if s != nil {
		return &analysis.Summary{
			Scenario:  s.Name,
			Seed:      s.Seed,
			DurationS: s.Duration.Seconds(),
			Machines:  l.Metrics(s.Rates()),
		}
	}
	return &analysis.Summary{
		Scenario:  logsName(args),
		DurationS: float64(l.Duration()) / 1e9,
		Machines:  l.Metrics(l.EstimatedRates()),
	}
}

// logsName names a run without a scenario: the base name of its directory,
// or of the directory that holds every listed file, or "logs".
func logsName(args []string) string {
	dir := args[0]
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		dir = filepath.Dir(args[0])
		for _, a := range args[1:] {
			if filepath.Dir(a) != dir {
				return "logs"
			}
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "logs"
	}
	name := filepath.Base(abs)
	if name == "/" || name == "." || name == string(filepath.Separator) {
		return "logs"
	}
	return name
}
