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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"desim/analysis/sweep"
	"desim/scenarios"
)

var sweepCmd = &command{
	name:    "sweep",
	summary: "run scenarios over many seeds; mean, sd, 95% CI and extremes beside the prediction",
	usage:   "sweep SCENARIO... [--seeds 1-10000 | --seeds 10000] [--duration D] [--workers N] [--json | --csv] [-o FILE] [--shard K/N] [--resume FILE] [--quiet]",
	help: `
Runs every SCENARIO for every seed, keeping only per-run metrics (no logs),
and prints per scenario, machine and metric of summary.json: n, mean, sd,
the 95% confidence interval's half-width (Student's t), min and max with the
seeds that gave them (replay one with "desim run SCENARIO --seed SEED"), the
mean-field prediction and z = (mean - predicted)/(sd/sqrt(n)).

The output is the same bytes for any --workers, after an interruption and
--resume, and when the seeds are split into shards merged by "desim merge":
sums over seeds are exact, so their order does not matter.

Seeds: --seeds A-B runs seeds A..B; --seeds N runs 1..N (default 1000).
Ctrl-C (or SIGTERM) stops within a second, saves the completed runs to a
partial file (FILE.partial.json with -o FILE, else desim-sweep.partial.json)
and prints the command that resumes it; exit status 130.

Shards (for a cluster: one task per shard, then one merge):
  desim sweep A1 A2 --seeds 1-100000 --shard 0/4 -o shard-0.json
  ...
  desim merge shard-*.json --json -o result.json
With --shard, the output is always the shard's state (JSON for merge).
See docs/cluster/ for a Slurm job array and a Kubernetes Indexed Job.

Examples:
  desim sweep A3 --seeds 10000
  desim sweep A1 A2 A3 A4 A5 B1 B2 B3 B4 --seeds 1-10000 --duration 60s --json -o suite.json
  desim sweep A2 --seeds 1000 --csv > a2.csv`,
	setup: func(fs *flag.FlagSet) func(e *env, args []string) error {
		seedsF := fs.String("seeds", "1000", "seeds: a range A-B, or a count N meaning 1..N")
		dur := fs.String("duration", "", "virtual time of each run, Go duration syntax (default: each scenario's)")
		workers := fs.Int("workers", runtime.NumCPU(), "goroutines running seeds in parallel")
		asJSON := fs.Bool("json", false, "print JSON")
		asCSV := fs.Bool("csv", false, "print CSV: one row per scenario, machine and metric")
		out := fs.String("o", "", "write the output to FILE (atomically) instead of stdout")
		shardF := fs.String("shard", "", "run only shard K/N of the seeds (0 <= K < N) and write its state for desim merge")
		resume := fs.String("resume", "", "continue the sweep saved in FILE (a partial result of an interrupted sweep)")
		quiet := fs.Bool("quiet", false, "no progress bar and no timing on stderr (neither is shown when stderr is not a terminal)")
		return func(e *env, args []string) error {
			if len(args) == 0 {
				return usagef("need at least one SCENARIO (see \"desim sweep -h\")")
			}
			if *asJSON && *asCSV {
				return usagef("--json and --csv exclude each other")
			}
			if *workers < 1 {
				return usagef("--workers %d: need at least 1", *workers)
			}
			if st, err := os.Stat(*out); *out != "" && err == nil && st.IsDir() {
				return usagef("-o %s: is a directory; give a file name", *out)
			}
			seeds, err := parseSeeds(*seedsF)
			if err != nil {
				return err
			}
			var shard *sweep.Shard
			if *shardF != "" {
				sh, err := parseShard(*shardF)
				if err != nil {
					return err
				}
				if _, err := sh.Range(seeds); err != nil {
					return usageError{err}
				}
				shard = &sh
			}
			var scs []*scenarios.Scenario
			for _, a := range args {
				s, err := loadScenario(a, "", *dur)
				if err != nil {
					return err
				}
				scs = append(scs, s)
			}
			state := sweep.NewState(scs, seeds, shard)
			if *resume != "" {
				data, err := os.ReadFile(*resume)
				if err != nil {
					return usageError{err}
				}
				saved, err := sweep.ParseState(*resume, data)
				if err != nil {
					return usageError{err}
				}
				if err := sweep.SameSweep(state, saved); err != nil {
					return usagef("%s is from a different sweep: %v", *resume, err)
				}
				if (saved.Shard == nil) != (shard == nil) || shard != nil && *saved.Shard != *shard {
					return usagef("%s is from a different shard", *resume)
				}
				state = saved
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			r, _ := state.Range()
			var total int
			for _, sc := range state.Scenarios {
				total += int(sc.Done.Missing(r.From, r.To).Count())
			}
			progress, finish := newProgress(e, total, *quiet)
			var events int64
			start := time.Now()
			var runErr error
			for i := range state.Scenarios {
				sc, err := state.Scenario(i)
				if err != nil {
					return err
				}
				runErr = sweep.Run(ctx, sc, r.From, r.To, sweep.Options{Workers: *workers, Progress: progress})
				state.Scenarios[i].Done = sc.Done
				events += sc.Events
				if runErr != nil {
					break
				}
			}
			finish()
			elapsed := time.Since(start)
			if runErr != nil {
				if !errors.Is(runErr, sweep.ErrInterrupted) {
					return runErr
				}
				partial := partialPath(*out)
				state.Complete = false
				if err := writeFileAtomic(partial, state.Marshal()); err != nil {
					return fmt.Errorf("interrupted, and the partial result could not be saved: %v", err)
				}
				var done uint64
				for _, sc := range state.Scenarios {
					done += sc.Done.Count()
				}
				fmt.Fprintf(e.stderr, "desim sweep: interrupted after %d of %d runs; saved them in %s\nresume with: %s\n",
					done, uint64(len(state.Scenarios))*r.Count(), partial, resumeCommand(args, *seedsF, *dur, *shardF, *asJSON, *asCSV, *out, partial))
				return failure{code: 130}
			}
			if progress != nil { // a terminal, without --quiet
				fmt.Fprintf(e.stderr, "desim sweep: %d runs, %d events in %.2f s (%.1f M events/s, %d workers)\n",
					total, events, elapsed.Seconds(), float64(events)/elapsed.Seconds()/1e6, *workers)
			}
			state.Complete = true
			if shard != nil {
				return writeOutput(e, *out, state.Marshal())
			}
			if err := writeSweepOutput(e, state, *out, *asJSON, *asCSV); err != nil {
				return err // the partial file, if any, stays for another try
			}
			if *resume != "" && filepath.Clean(*resume) == filepath.Clean(partialPath(*out)) {
				os.Remove(*resume) // the result is written: the partial file has served
			}
			return nil
		}
	},
}

// partialPath is where an interrupted sweep writing to out saves its
// completed runs.
func partialPath(out string) string {
	if out == "" || out == "-" {
		return "desim-sweep.partial.json"
	}
	return out + ".partial.json"
}

// writeSweepOutput writes a complete state's result as a table, JSON or CSV.
func writeSweepOutput(e *env, state *sweep.State, out string, asJSON, asCSV bool) error {
	o, err := state.Output()
	if err != nil {
		return err
	}
	var b bytes.Buffer
	switch {
	case asJSON:
		err = sweep.WriteJSON(&b, o)
	case asCSV:
		err = sweep.WriteCSV(&b, o)
	default:
		err = sweep.WriteTable(&b, o)
	}
	if err != nil {
		return err
	}
	return writeOutput(e, out, b.Bytes())
}

// writeOutput writes data to the file out atomically, or to stdout.
func writeOutput(e *env, out string, data []byte) error {
	if out == "" || out == "-" {
		_, err := e.stdout.Write(data)
		return err
	}
	if dir := filepath.Dir(out); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return writeFileAtomic(out, data)
}

// parseSeeds reads "A-B" or a count "N" (meaning 1..N).
func parseSeeds(s string) (sweep.SeedRange, error) {
	bad := usagef("--seeds %q: want a range A-B or a count N (seeds 1..N), seeds from 1", s)
	if a, b, ok := strings.Cut(s, "-"); ok {
		from, err1 := strconv.ParseUint(a, 10, 64)
		to, err2 := strconv.ParseUint(b, 10, 64)
		if err1 != nil || err2 != nil || from == 0 || to < from {
			return sweep.SeedRange{}, bad
		}
		return sweep.SeedRange{From: from, To: to}, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return sweep.SeedRange{}, bad
	}
	return sweep.SeedRange{From: 1, To: n}, nil
}

// parseShard reads "K/N".
func parseShard(s string) (sweep.Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || k < 0 || k >= n {
		return sweep.Shard{}, usagef("--shard %q: want K/N with 0 <= K < N, e.g. 0/4", s)
	}
	return sweep.Shard{K: k, N: n}, nil
}

// resumeCommand is the command line that finishes an interrupted sweep.
func resumeCommand(args []string, seeds, dur, shard string, asJSON, asCSV bool, out, partial string) string {
	c := []string{"desim", "sweep"}
	c = append(c, args...)
	c = append(c, "--seeds", seeds)
	if dur != "" {
		c = append(c, "--duration", dur)
	}
	if shard != "" {
		c = append(c, "--shard", shard)
	}
	if asJSON {
		c = append(c, "--json")
	}
	if asCSV {
		c = append(c, "--csv")
	}
	if out != "" {
		c = append(c, "-o", out)
	}
	c = append(c, "--resume", partial)
	for i, w := range c {
		if strings.ContainsAny(w, " \t'\"$*?") {
			c[i] = strconv.Quote(w)
		}
	}
	return strings.Join(c, " ")
}

// newProgress returns the progress callback of a sweep of total runs and a
// function that ends the display. On a terminal (and without --quiet) it is
// a progress bar on stderr with runs/s and the time left; otherwise nothing.
func newProgress(e *env, total int, quiet bool) (func(int), func()) {
	f, ok := e.stderr.(*os.File)
	if quiet || !ok || !term.IsTerminal(int(f.Fd())) || total == 0 {
		return nil, func() {}
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription("sweep"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("runs"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	var mu sync.Mutex
	return func(n int) {
			mu.Lock()
			bar.Add(n)
			mu.Unlock()
		}, func() {
			bar.Finish()
		}
}
