package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"desim/analysis"
	"desim/analysis/figure"
	"desim/analysis/report"
	"desim/analysis/sweep"
	"desim/scenarios"
	"desim/sim"
)

// The scenarios "desim reproduce" validates against real sockets, and how.
var (
	validateScenarios = []string{"A3", "B2"}
	validateArgs      = []string{"--duration", "60s", "--speed", "20", "--seeds", "200", "--real-runs", "1"}
)

var reproduceCmd = &command{
	name:    "reproduce",
	summary: "regenerate the paper's experiments and check its claims in one report",
	usage:   "reproduce [--out DIR] [--seeds N] [--duration D] [--no-real] [--workers N] [--quiet]",
	help: `
Regenerates the paper's evidence and tells what holds. For every built-in
scenario (A1-A5, B1-B4 as run, B2-captioned, B3-captioned) it draws the
figure of seed 1, sweeps seeds 1..N beside the mean-field prediction, and
writes into DIR:

  figures/<name>.png   the paper's two-panel figure of each scenario
  REPORT.md            the report: an overview table (load, predicted and
                       simulated clock and queue slopes with 95% CIs,
                       "drifts"), a section per scenario, the paper's four
                       claims each with a verdict computed from the data by a
                       stated rule, the B2/B3 caption discrepancy, and a
                       validation of the simulator against real sockets
  report.json          the same numbers, machine-readable
  REPORT.html          the same report as one self-contained page

The real-socket validation runs "desim validate" on A3 and B2 (about 10 s
of wall time); --no-real skips it.

Examples:
  desim reproduce                      defaults: out/reproduce, 1000 seeds, 300 s
  desim reproduce --seeds 100 --duration 60s --no-real --out /tmp/r`,
	setup: func(fs *flag.FlagSet) func(e *env, args []string) error {
		out := fs.String("out", filepath.Join("out", "reproduce"), "output directory")
		seeds := fs.Uint64("seeds", 1000, "seeds per scenario (1..N)")
		dur := fs.String("duration", "300s", "virtual time of every run (Go duration syntax)")
		noReal := fs.Bool("no-real", false, "skip the real-socket validation")
		workers := fs.Int("workers", runtime.NumCPU(), "goroutines running seeds in parallel")
		quiet := fs.Bool("quiet", false, "no progress display, print only where the report is")
		return func(e *env, args []string) error {
			if len(args) != 0 {
				return usagef("reproduce takes no arguments, only flags (see \"desim reproduce -h\")")
			}
			if *seeds < 2 {
				return usagef("--seeds %d: need at least 2 seeds for confidence intervals", *seeds)
			}
			if *workers < 1 {
				return usagef("--workers %d: need at least 1", *workers)
			}
			var scs []*scenarios.Scenario
			for _, n := range scenarios.Names() {
				s, err := loadScenario(n, "1", *dur)
				if err != nil {
					return err
				}
				scs = append(scs, s)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			cmdline := fmt.Sprintf("desim reproduce --seeds %d --duration %s", *seeds, *dur)
			if *noReal {
				cmdline += " --no-real"
			}
			err := reproduce(ctx, e, reproduceOptions{
				dir: *out, seeds: *seeds, duration: *dur, noReal: *noReal, workers: *workers, quiet: *quiet, command: cmdline,
			}, scs)
			if err != nil && ctx.Err() != nil {
				return failure{code: 130, err: errors.New("interrupted; no report was written")}
			}
			return err
		}
	},
}

type reproduceOptions struct {
	dir      string
	seeds    uint64
	duration string
	noReal   bool
	workers  int
	quiet    bool
	command  string
}

// recordSink keeps every record of a run, per machine.
type recordSink [][]sim.Record

func (r recordSink) Records(machine int, b []sim.Record) error {
	r[machine] = append(r[machine], b...)
	return nil
}

// figurePNG runs s with seed 1 and draws its figure as PNG.
func figurePNG(s *scenarios.Scenario) ([]byte, error) {
	eng, err := sim.New(s.Config(1))
	if err != nil {
		return nil, err
	}
	recs := make(recordSink, len(s.Machines))
	if err := eng.Run(recs); err != nil {
		return nil, err
	}
	fig := &figure.Figure{Title: s.Name, Subtitle: s.Description, Duration: int64(s.Duration)}
	for i, r := range recs {
		fig.Series = append(fig.Series, figure.Series{ID: i, Rate: s.Machines[i].Rate.String(), Records: r})
	}
	var b bytes.Buffer
	if err := figure.WriteFigure(&b, fig, "png"); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func reproduce(ctx context.Context, e *env, o reproduceOptions, scs []*scenarios.Scenario) error {
	say := func(format string, args ...any) {
		if !o.quiet {
			fmt.Fprintf(e.stderr, format, args...)
		}
	}
	var set outputSet
	defer set.Abort()
	if err := os.MkdirAll(filepath.Join(o.dir, "figures"), 0o755); err != nil {
		return err
	}

	// Figures of seed 1.
	say("desim reproduce: figures of seed 1 (%d scenarios)\n", len(scs))
	figures := map[string][]byte{}
	in := report.Input{Seeds: sweep.SeedRange{From: 1, To: o.seeds}, Duration: o.duration, Command: o.command}
	for _, s := range scs {
		png, err := figurePNG(s)
		if err != nil {
			return fmt.Errorf("%s: %v", s.Name, err)
		}
		rel := "figures/" + s.Name + ".png"
		figures[rel] = png
		if err := set.Write(filepath.Join(o.dir, filepath.FromSlash(rel)), png); err != nil {
			return err
		}
		in.Scenarios = append(in.Scenarios, report.ScenarioInput{
			Scenario: s, Figure: rel,
			FigureCommand: fmt.Sprintf("desim run %s --seed 1 --duration %s --plot", s.Name, o.duration),
			Predict:       analysis.Predict(s.Rates(), s.Die),
		})
	}

	// Sweeps.
	say("desim reproduce: sweeping seeds 1-%d of %d scenarios\n", o.seeds, len(scs))
	progress, finish := newProgress(e, int(o.seeds)*len(scs), o.quiet)
	for i, s := range scs {
		st := sweep.NewScenario(s)
		if err := sweep.Run(ctx, st, 1, o.seeds, sweep.Options{Workers: o.workers, Progress: progress}); err != nil {
			finish()
			return err
		}
		in.Scenarios[i].Sweep = sweep.Summarize(st, in.Seeds)
	}
	finish()

	// Real sockets.
	if o.noReal {
		in.ValidationNote = "Skipped (--no-real). Run \"desim reproduce\" without --no-real, or \"desim validate A3\", to compare the simulator with real sockets."
	} else {
		for _, name := range validateScenarios {
			say("desim reproduce: validating %s against real sockets\n", name)
			args := append([]string{"validate", name}, validateArgs...)
			var out, errOut bytes.Buffer
			code := Main(args, &out, &errOut)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if code != exitOK && code != exitFailure {
				return fmt.Errorf("desim %s failed (exit %d): %s", strings.Join(args, " "), code, strings.TrimSpace(errOut.String()))
			}
			in.Validation = append(in.Validation, report.ValidationTable{
				Scenario: name, Command: "desim " + strings.Join(args, " "), Passed: code == exitOK, Text: out.String(),
			})
		}
	}

	r := report.Build(in)
	html, err := r.HTML(figures)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{"REPORT.md", r.Markdown()}, {"report.json", r.JSON()}, {"REPORT.html", html}} {
		if err := set.Write(filepath.Join(o.dir, f.name), f.data); err != nil {
			return err
		}
	}
	if err := set.Commit(); err != nil {
		return err
	}
	for _, c := range r.Claims {
		fmt.Fprintf(e.stdout, "claim %-2s  %-12s %s\n", c.ID, strings.ToUpper(string(c.Verdict)), c.Claim)
	}
	for _, v := range r.Validation {
		status := "passed"
		if !v.Passed {
			status = "FAILED"
		}
		fmt.Fprintf(e.stdout, "real sockets vs simulator, %s: %s\n", v.Scenario, status)
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", filepath.Join(o.dir, "{REPORT.md,REPORT.html,report.json,figures/}"))
	return nil
}
