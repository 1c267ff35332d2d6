package main

import (
	"github.com/spf13/cobra"

	"desim/analysis/stats"
	"desim/experiment"
	"desim/scenarios"
)

func newGridCmd(e *env) *cobra.Command {
	var seedsF, dur, out, shardF, resume, plot string
	var workers, cell int
	var asJSON, asCSV, quiet bool
	c := e.command("grid GRID", "map drift over a parameter plane: every cell of a grid over many seeds, with the theory's ρ = 1 boundary",
		args(1, 1, "need one GRID (a built-in grid name or a grid file)"),
		func(c *cobra.Command, a []string) error {
			if asJSON && asCSV {
				return usagef("--json and --csv exclude each other")
			}
			if err := checkRunFlags(&workers, out); err != nil {
				return err
			}
			o, err := experiment.ParseGridOverrides(seedsF, dur)
			if err != nil {
				return err
			}
			g, err := experiment.LoadGrid(a[0], o)
			if err != nil {
				return err
			}
			if c.Flags().Changed("cell") {
				s, err := g.Cell(cell)
				if err != nil {
					return experiment.Input(err)
				}
				return experiment.WriteOutput(e.stdout, out, scenarios.Marshal(s))
			}
			shard, err := experiment.ParseShard(shardF, g.Seeds)
			if err != nil {
				return err
			}
			if plot != "" {
				if _, err := experiment.GridFigureFormat(plot); err != nil {
					return err
				}
			}
			state, err := experiment.NewGridState(g, shard)
			if err != nil {
				return err
			}
			return e.runState(c, a, state, experiment.StateRunOptions{Out: out, Resume: resume, Workers: workers, Quiet: quiet,
				Write: func(st *experiment.SweepState) error {
					return writeResult(e, st, experiment.ResultOptions{Out: out, Format: stats.FormatOf(asJSON, asCSV), Plot: plot})
				}})
		})
	f := c.Flags()
	f.StringVar(&seedsF, "seeds", "", "seeds: a range A-B, or a count N meaning 1..N (default: the grid's)")
	f.StringVar(&dur, "duration", "", "virtual time of each run, Go duration syntax (default: the grid's)")
	f.IntVar(&workers, "workers", 0, "goroutines running seeds in parallel (default: one per CPU)")
	f.BoolVar(&asJSON, "json", false, "print JSON: every cell's values, loads, drift verdicts and metrics, and the agreement")
	f.BoolVar(&asCSV, "csv", false, "print CSV: one row per cell, machine and metric")
	f.StringVarP(&out, "output", "o", "", "write the output to `FILE` (atomically) instead of stdout")
	f.StringVar(&plot, "plot", "", "also draw the grid's figure to `FILE` (.png, .svg or .pdf)")
	f.StringVar(&shardF, "shard", "", "run only shard K/N of the seeds (0 <= K < N) and write its state for desim merge")
	f.StringVar(&resume, "resume", "", "continue the grid saved in `FILE` (a partial result of an interrupted grid)")
	f.BoolVar(&quiet, "quiet", false, "no progress bar and no timing on stderr (neither is shown when stderr is not a terminal)")
	f.IntVar(&cell, "cell", 0, "print the scenario of cell `N` (as in the output) and run nothing")
	return c
}

func newGridsCmd(e *env) *cobra.Command {
	return e.command("grids [show NAME]", "list the built-in grids, or print one as YAML",
		args(0, 2, "usage: desim grids [show NAME]"),
		func(c *cobra.Command, a []string) error {
			switch {
			case len(a) == 0:
				return experiment.WriteGridList(e.stdout)
			case len(a) == 2 && a[0] == "show":
				data, ok := experiment.GridSource(a[1])
				if !ok {
					return usagef("no built-in grid %q (see \"desim grids\")", a[1])
				}
				_, err := e.stdout.Write(data)
				return err
			}
			return usagef("usage: desim grids [show NAME]")
		})
}
