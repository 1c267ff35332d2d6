package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"desim/analysis/stats"
	"desim/experiment"
	"desim/internal/buildinfo"
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
			if err := checkRunFlags(&workers, out); err != nil {
				return err
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
			state := experiment.NewSweepState(scs, seeds, shard)
			return e.runState(c, a, state, experiment.StateRunOptions{Out: out, Resume: resume, Workers: workers, Quiet: quiet,
				Write: func(st *experiment.SweepState) error {
					return writeResult(e, st, experiment.ResultOptions{Out: out, Format: stats.FormatOf(asJSON, asCSV), Wide: wide})
				}})
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

// writeResult writes a complete sweep's or grid's result (see
// experiment.WriteResult), its replay commands running this desim.
func writeResult(e *env, st *experiment.SweepState, o experiment.ResultOptions) error {
	o.Command = buildinfo.Command()
	return experiment.WriteResult(e.stdout, st, o)
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
