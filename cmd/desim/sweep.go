package main

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"desim/analysis/stats"
	"desim/experiment"
	"desim/internal/buildinfo"
	"desim/internal/progress"
	"desim/internal/shell"
	"desim/scenarios"
)

func newSweepCmd(e *env) *cobra.Command {
	var seedsF, dur, out, shardF, resume string
	var workers int
	var asJSON, asCSV, wide, quiet bool
	c := e.command("sweep SCENARIO...", "run scenarios over many seeds; mean, sd, 95% CI and extremes beside the prediction",
		args(1, -1, "need at least one SCENARIO"),
		func(c *cobra.Command, a []string) error {
			if asJSON && asCSV {
				return usagef("--json and --csv exclude each other")
			}
			if workers < 0 {
				return usagef("--workers %d: need at least 1 (or 0 for one per CPU)", workers)
			}
			if workers == 0 {
				workers = runtime.NumCPU()
			}
			if st, err := os.Stat(out); out != "" && err == nil && st.IsDir() {
				return usagef("-o %s: is a directory; give a file name", out)
			}
			seeds, err := experiment.ParseSeeds(seedsF)
			if err != nil {
				return err
			}
			shard, err := experiment.ParseShard(shardF, seeds)
			if err != nil {
				return err
			}
			var scs []*scenarios.Scenario
			for _, arg := range a {
				s, err := loadScenario(arg, "", dur)
				if err != nil {
					return err
				}
				scs = append(scs, s)
			}
			lock, err := experiment.LockSweep(out) // held until the output or the partial file is written
			if err != nil {
				return err
			}
			defer lock.Unlock()
			state := experiment.NewSweepState(scs, seeds, shard)
			if resume != "" {
				if state, err = experiment.ResumeSweep(state, resume); err != nil {
					return err
				}
			}
			ctx, stop := signalContext()
			defer stop()
			todo := state.Todo()
			progress, finish := progress.New(e.stderr, "sweep", int(min(todo, math.MaxInt32)), quiet)
			start := time.Now()
			events, runErr := state.Run(ctx, experiment.SweepOptions{Workers: workers, Progress: progress})
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
				fmt.Fprintf(e.stderr, "desim sweep: %s\nresume with: %s\n", msg, resumeCommand(c, a, lock.Partial()))
				return exitError{code: exitInterrupted}
			}
			if progress != nil { // a terminal, without --quiet
				fmt.Fprintf(e.stderr, "desim sweep: %d runs, %d events in %.2f s (%.1f M events/s, %d workers)\n",
					todo, events, elapsed.Seconds(), float64(events)/elapsed.Seconds()/1e6, workers)
			}
			if shard != nil {
				return experiment.WriteOutput(e.stdout, out, state.Marshal())
			}
			if err := writeSweepOutput(e, state, out, asJSON, asCSV, wide); err != nil {
				return err // the partial file, if any, stays for another try
			}
			lock.Finished(resume) // the result is written: its partial file has served
			return nil
		})
	f := c.Flags()
	f.StringVar(&seedsF, "seeds", "1000", "seeds: a range A-B, or a count N meaning 1..N")
	f.StringVar(&dur, "duration", "", "virtual time of each run, Go duration syntax (default: each scenario's)")
	f.IntVar(&workers, "workers", 0, "goroutines running seeds in parallel (default: one per CPU)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	f.BoolVar(&wide, "wide", false, "in the table, also sd, the extremes and their seeds (wider than 100 columns)")
	f.BoolVar(&asCSV, "csv", false, "print CSV: one row per scenario, machine and metric")
	f.StringVarP(&out, "output", "o", "", "write the output to `FILE` (atomically) instead of stdout")
	f.StringVar(&shardF, "shard", "", "run only shard K/N of the seeds (0 <= K < N) and write its state for desim merge")
	f.StringVar(&resume, "resume", "", "continue the sweep saved in `FILE` (a partial result of an interrupted sweep)")
	f.BoolVar(&quiet, "quiet", false, "no progress bar and no timing on stderr (neither is shown when stderr is not a terminal)")
	return c
}

// writeSweepOutput writes a complete state's result as JSON, CSV or a
// table (100 columns wide, or with everything), with replay commands.
func writeSweepOutput(e *env, state *experiment.SweepState, out string, asJSON, asCSV, wide bool) error {
	o, err := state.Output()
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if f := stats.FormatOf(asJSON, asCSV); f != stats.FormatTable {
		err = stats.Write(&b, o, f)
	} else {
		err = stats.WriteTableOptions(&b, o, stats.TableOptions{Wide: wide, Command: buildinfo.Command(), Quote: shell.Quote})
	}
	if err != nil {
		return err
	}
	return experiment.WriteOutput(e.stdout, out, b.Bytes())
}

// resumeCommand is the command line that finishes an interrupted sweep:
// the same arguments and flags, and --resume partial.
func resumeCommand(c *cobra.Command, args []string, partial string) string {
	w := append([]string{c.Name()}, args...)
	c.Flags().Visit(func(f *pflag.Flag) { // the flags given, in name order
		switch {
		case f.Name == "resume":
		case f.Value.Type() == "bool" && f.Value.String() == "true":
			w = append(w, "--"+f.Name)
		case f.Value.Type() == "bool":
			w = append(w, "--"+f.Name+"=false")
		default:
			w = append(w, "--"+f.Name, f.Value.String())
		}
	})
	return command(append(w, "--resume", partial)...)
}
