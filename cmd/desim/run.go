package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"desim/analysis"
	"desim/scenarios"
	"desim/sim"
)

var runCmd = &command{
	name:    "run",
	summary: "run a scenario and write its logs, summary and resolved scenario",
	usage:   "run SCENARIO [--seed N] [--duration D] [--out DIR] [--quiet] [--plot]",
	help: `
Runs SCENARIO (a built-in name such as A2, or the path of a YAML file) in
virtual time and writes, into DIR (default out/<name>-seed<N>):

  machine-<i>.csv   one log line per tick: event,time,queue_length,logical_clock
                    (time in seconds since the start, 9 decimals)
  summary.json      per-machine metrics: ticks, sends, receives, final clock,
                    queue, clock and queue slopes, drift, clock jumps
  scenario.yaml     the scenario as run, seed and duration included;
                    "desim run DIR/scenario.yaml" replays it byte for byte
  figure.png        with --plot: the run's figure, as "desim plot DIR" draws it

Every file is written under a temporary name and renamed when complete.
The same scenario, seed and duration always give the same bytes.

Examples:
  desim run A2                        the paper's A2 for its published 660 s
  desim run A3 --seed 7 --duration 60s
  desim run my.yaml --out runs/try1
  desim run out/A2-seed1/scenario.yaml   replay a run`,
	setup: func(fs *flag.FlagSet) func(e *env, args []string) error {
		seed := fs.String("seed", "", "random seed, an unsigned 64-bit integer (default: the scenario's seed)")
		dur := fs.String("duration", "", "virtual time to run, Go duration syntax such as 60s or 10m (default: the scenario's)")
		out := fs.String("out", "", "output directory (default: out/<name>-seed<N>)")
		quiet := fs.Bool("quiet", false, "print only the replay command")
		plot := fs.Bool("plot", false, "also draw the run's figure into DIR/figure.png (see \"desim plot\")")
		return func(e *env, args []string) error {
			if len(args) != 1 {
				return usagef("need exactly one SCENARIO, got %d arguments (see \"desim run -h\")", len(args))
			}
			s, err := loadScenario(args[0], *seed, *dur)
			if err != nil {
				return err
			}
			dir := *out
			if dir == "" {
				dir = filepath.Join("out", fmt.Sprintf("%s-seed%d", s.Name, s.Seed))
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			sum, err := runToDir(ctx, s, dir)
			if err != nil {
				if ctx.Err() != nil {
					return failure{code: 130, err: errors.New("interrupted; no output was written")}
				}
				return err
			}
			if *plot {
				if err := plotRun(dir); err != nil {
					return err
				}
			}
			if !*quiet {
				fmt.Fprintf(e.stdout, "%s, seed %d, %s of virtual time\n", s.Name, s.Seed, scenarios.FormatDuration(s.Duration))
				analysis.WriteTable(e.stdout, sum.Machines)
				fmt.Fprintf(e.stdout, "wrote %s\n", filepath.Join(dir, "{machine-*.csv,summary.json,scenario.yaml}"))
				if *plot {
					fmt.Fprintf(e.stdout, "wrote %s\n", filepath.Join(dir, "figure.png"))
				}
			}
			fmt.Fprintf(e.stdout, "replay: desim run %s\n", filepath.Join(dir, "scenario.yaml"))
			return nil
		}
	},
}

// loadScenario loads a scenario by name or path and applies --seed and
// --duration overrides ("" keeps the scenario's). Every problem is a usage
// error.
func loadScenario(arg, seed, dur string) (*scenarios.Scenario, error) {
	s, err := scenarios.Load(arg)
	if err != nil {
		return nil, usageError{err}
	}
	if seed != "" {
		v, err := strconv.ParseUint(seed, 10, 64)
		if err != nil {
			return nil, usagef("--seed %q is not an unsigned 64-bit integer", seed)
		}
		s.Seed = v
	}
	if dur != "" {
		d, err := time.ParseDuration(dur)
		if err != nil {
			return nil, usagef("--duration %q is not a duration (Go syntax: 60s, 10m, 1h)", dur)
		}
		s.Duration = d
	}
	if err := s.Check(); err != nil {
		return nil, usagef("%s: %v", arg, err)
	}
	return s, nil
}

// ctxSink stops a run when its context is cancelled (checked per batch).
type ctxSink struct{ ctx context.Context }

func (c ctxSink) Records(int, []sim.Record) error { return c.ctx.Err() }

// simulate runs s with its seed, writing machine i's log to logs[i] when
// logs is not nil, and returns the run's summary.
func simulate(ctx context.Context, s *scenarios.Scenario, logs []io.Writer) (*analysis.Summary, error) {
	eng, err := sim.New(s.Config(s.Seed))
	if err != nil {
		return nil, usageError{err}
	}
	acc := analysis.NewAccumulator(len(s.Machines))
	sinks := sim.Sinks{ctxSink{ctx}, acc}
	var lw *sim.LogWriter
	if logs != nil {
		lw = sim.NewLogWriter(logs)
		sinks = append(sinks, lw)
	}
	if err := eng.Run(sinks); err != nil {
		return nil, err
	}
	if lw != nil {
		if err := lw.Flush(); err != nil {
			return nil, err
		}
	}
	return &analysis.Summary{
		Scenario:  s.Name,
		Seed:      s.Seed,
		DurationS: s.Duration.Seconds(),
		Machines:  acc.Metrics(s.Rates()),
	}, nil
}

// runToDir runs s and writes its logs, summary.json and scenario.yaml into
// dir as one result: all of them, or (on any error) none under its final
// name.
func runToDir(ctx context.Context, s *scenarios.Scenario, dir string) (sum *analysis.Summary, err error) {
	err = writeRunDir(dir, s, func(logs []io.Writer) ([]byte, error) {
		var err error
		if sum, err = simulate(ctx, s, logs); err != nil {
			return nil, err
		}
		return sum.Marshal(), nil
	})
	return sum, err
}
