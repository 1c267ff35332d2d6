package main

import (
	"bytes"
	"desim/analysis"
	"desim/experiment"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"desim/analysis/stats"
	_ "desim/internal/golden" // registers -update for "go test ./... -update"
	"desim/scenarios"
)

// The sweeps of these tests are short: 10 s of virtual time, 50 seeds.
var sweepArgs = []string{"--seeds", "50", "--duration", "10s", "--quiet"}

func sweepCmdArgs(extra ...string) []string {
	return append(append([]string{"sweep"}, extra...), sweepArgs...)
}

// TestSweepJSONParses checks the document --json prints: every scenario,
// machine and metric, with the fields of issue 4.
func TestSweepJSONParses(t *testing.T) {
	r := mustRun(t, sweepCmdArgs("A2", "A3", "--json")...)
	var doc struct {
		Scenarios []struct {
			Scenario  string          `json:"scenario"`
			DurationS float64         `json:"duration_s"`
			Seeds     stats.SeedRange `json:"seeds"`
			Runs      int64           `json:"runs"`
			Machines  []struct {
				ID      int                                   `json:"id"`
				Rate    float64                               `json:"rate"`
				Metrics map[string]map[string]json.RawMessage `json:"metrics"`
			} `json:"machines"`
		} `json:"scenarios"`
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, r.stdout)
	}
	if len(doc.Scenarios) != 2 || doc.Scenarios[0].Scenario != "A2" || doc.Scenarios[1].Scenario != "A3" {
		t.Fatalf("scenarios: %+v", doc.Scenarios)
	}
	fields := []string{"n", "mean", "sd", "ci95", "min", "max", "min_seed", "max_seed", "predicted", "z"}
	for _, s := range doc.Scenarios {
		if s.DurationS != 10 || s.Seeds != (stats.SeedRange{From: 1, To: 50}) || s.Runs != 50 || len(s.Machines) != 3 {
			t.Errorf("%s: duration %v, seeds %v, runs %d, %d machines", s.Scenario, s.DurationS, s.Seeds, s.Runs, len(s.Machines))
		}
		for i, m := range s.Machines {
			if m.ID != i {
				t.Errorf("%s: machine %d has id %d", s.Scenario, i, m.ID)
			}
			if len(m.Metrics) != len(analysis.Metrics) {
				t.Errorf("%s machine %d: %d metrics, want %d", s.Scenario, i, len(m.Metrics), len(analysis.Metrics))
			}
			for _, name := range analysis.Metrics {
				v, ok := m.Metrics[name.Key]
				if !ok {
					t.Errorf("%s machine %d: no %s", s.Scenario, i, name)
					continue
				}
				for _, f := range fields {
					if _, ok := v[f]; !ok {
						t.Errorf("%s machine %d %s: no %q", s.Scenario, i, name, f)
					}
				}
				if string(v["n"]) != "50" {
					t.Errorf("%s machine %d %s: n = %s", s.Scenario, i, name, v["n"])
				}
			}
		}
	}
	// Machine 0 of A2 (6 c/s) ticks 60 times in 10 s in every run.
	if got := string(doc.Scenarios[0].Machines[0].Metrics["ticks"]["mean"]); got != "60" {
		t.Errorf("A2 machine 0 mean ticks %s, want 60", got)
	}
	// The metric keys are in summary.json's order.
	i0 := strings.Index(r.stdout, `"ticks"`)
	i1 := strings.Index(r.stdout, `"max_jump"`)
	if i0 < 0 || i1 < i0 {
		t.Errorf("metrics out of order")
	}
}

// TestSweepQuietStderr: with --quiet nothing goes to stderr.
//
// Issue 4 also asks for "nothing on stderr when it is not a terminal", so
// the second case runs without --quiet into a buffer (not a terminal).
// The timing line goes to stderr only on a terminal.
func TestSweepQuietStderr(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
	}{
		{"--quiet", []string{"sweep", "A2", "--seeds", "20", "--duration", "5s", "--json", "--quiet"}},
		{"not a terminal", []string{"sweep", "A2", "--seeds", "20", "--duration", "5s", "--json"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := mustRun(t, c.args...)
			if r.stderr != "" {
				t.Errorf("stderr is not empty:\n%s", r.stderr)
			}
		})
	}
}

// TestSweepSameBytesAnyWorkers: the output of every format is the same
// bytes for --workers 1 and 3, 0 (one per CPU) and the default.
func TestSweepSameBytesAnyWorkers(t *testing.T) {
	for _, format := range []string{"--json", "--csv", ""} {
		t.Run("format "+format, func(t *testing.T) {
			var outs []string
			for _, w := range []string{"1", "3", "0", ""} {
				args := sweepCmdArgs("A2", "B4")
				if format != "" {
					args = append(args, format)
				}
				if w != "" {
					args = append(args, "--workers", w)
				}
				outs = append(outs, mustRun(t, args...).stdout)
			}
			if outs[0] == "" {
				t.Fatal("no output")
			}
			for i := 1; i < len(outs); i++ {
				if outs[i] != outs[0] {
					t.Errorf("run %d differs from --workers 1: %s", i, sweepFirstDiff(outs[0], outs[i]))
				}
			}
		})
	}
}

func sweepFirstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y || i >= len(al) || i >= len(bl) {
			return fmt.Sprintf("line %d:\n  want %q\n  got  %q", i+1, x, y)
		}
	}
	return "differ"
}

// sweepWriteShards runs the shards k/n of the test sweep into dir/shard-k.json
// and returns the file names.
func sweepWriteShards(t *testing.T, dir string, n int, scs ...string) []string {
	t.Helper()
	var files []string
	for k := range n {
		f := filepath.Join(dir, fmt.Sprintf("shard-%d.json", k))
		args := sweepCmdArgs(append(scs, "--shard", fmt.Sprintf("%d/%d", k, n), "-o", f)...)
		r := mustRun(t, args...)
		if r.stdout != "" {
			t.Errorf("with -o, stdout is not empty: %s", r.stdout)
		}
		files = append(files, f)
	}
	return files
}

// TestSweepShardMerge: shards 0/2 and 1/2 (and four shards) written to
// files and merged give exactly the unsharded output, in every format and
// whatever the order of the files.
func TestSweepShardMerge(t *testing.T) {
	dir := t.TempDir()
	two := sweepWriteShards(t, dir, 2, "A2", "A3")
	four := sweepWriteShards(t, t.TempDir(), 4, "A2", "A3")
	for _, f := range two {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		st, err := experiment.ParseSweepState(f, data)
		if err != nil {
			t.Fatalf("shard file does not parse as a state: %v", err)
		}
		if !st.Complete || st.Shard == nil || st.Shard.N != 2 {
			t.Errorf("%s: complete %v, shard %v", f, st.Complete, st.Shard)
		}
	}
	for _, format := range []string{"--json", "--csv", ""} {
		args := []string{"A2", "A3"}
		if format != "" {
			args = append(args, format)
		}
		want := mustRun(t, sweepCmdArgs(args...)...).stdout
		for _, c := range []struct {
			name  string
			files []string
		}{
			{"2 shards", two},
			{"2 shards reversed", []string{two[1], two[0]}},
			{"4 shards", four},
			{"4 shards scrambled", []string{four[2], four[0], four[3], four[1]}},
		} {
			t.Run(c.name+" "+format, func(t *testing.T) {
				args := append([]string{"merge"}, c.files...)
				if format != "" {
					args = append(args, format)
				}
				got := mustRun(t, args...).stdout
				if got != want {
					t.Errorf("merge differs from the unsharded sweep: %s", sweepFirstDiff(want, got))
				}
			})
		}
	}
	// merge -o writes the same bytes to a file.
	out := filepath.Join(dir, "result", "merged.json")
	r := mustRun(t, "merge", two[0], two[1], "--json", "-o", out)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := mustRun(t, sweepCmdArgs("A2", "A3", "--json")...).stdout; string(data) != want || r.stdout != "" {
		t.Errorf("merge -o: %s", sweepFirstDiff(want, string(data)))
	}
}

// TestMergeRefuses: shards that do not belong together, and files that are
// not shards, exit 2 with a message naming the problem; nothing is written.
func TestMergeRefuses(t *testing.T) {
	dir := t.TempDir()
	a := sweepWriteShards(t, filepath.Join(dir, "a"), 2, "A2", "A3")
	four := sweepWriteShards(t, filepath.Join(dir, "four"), 4, "A2", "A3")
	mk := func(sub string, args ...string) string {
		f := filepath.Join(dir, sub+".json")
		mustRun(t, append(args, "-o", f)...)
		return f
	}
	otherScenario := mk("other-scenario", sweepCmdArgs("A2", "A4", "--shard", "1/2")...)
	otherDuration := mk("other-duration", "sweep", "A2", "A3", "--seeds", "50", "--duration", "11s", "--quiet", "--shard", "1/2")
	otherSeeds := mk("other-seeds", "sweep", "A2", "A3", "--seeds", "2-50", "--duration", "10s", "--quiet", "--shard", "1/2")
	output := mk("output", sweepCmdArgs("A2", "A3", "--json")...)
	garbage := filepath.Join(dir, "garbage.json")
	writeTestFile(t, garbage, "{\"format\":\"desim-sweep-state\",\"version\":1,")
	for _, c := range []struct {
		name  string
		files []string
		want  []string
	}{
		{"different scenarios", []string{a[0], otherScenario}, []string{"not shards of one sweep", "scenario 2 differs: A3 and A4"}},
		{"different durations", []string{a[0], otherDuration}, []string{"not shards of one sweep", "duration"}},
		{"different seed ranges", []string{a[0], otherSeeds}, []string{"not shards of one sweep", "seed ranges differ: 1-50 and 2-50"}},
		{"different shard counts", []string{a[0], four[1]}, []string{"is shard 1/4", "is of 2 shards"}},
		{"shard given twice", []string{a[0], a[0]}, []string{"shard 0/2 given twice"}},
		{"missing shard", []string{a[1]}, []string{"shard 0/2 (seeds 1-25) is missing"}},
		{"missing shard of four", []string{four[0], four[1], four[3]}, []string{"shard 2/4", "is missing"}},
		{"the sweep output instead of a shard", []string{a[0], output}, []string{output, "not a sweep state file"}},
		{"truncated file", []string{a[0], garbage}, []string{garbage, "not a sweep state file"}},
		{"no such file", []string{a[0], filepath.Join(dir, "nope.json")}, []string{"nope.json"}},
		{"no file", nil, []string{"need the shard files"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, "result-"+strings.ReplaceAll(c.name, " ", "-")+".json")
			r := desim(append(append([]string{"merge"}, c.files...), "--json", "-o", out)...)
			sweepRefused(t, r, out, c.want...)
		})
	}
}

// TestSweepBadFlags: bad --seeds, --shard and --workers values (and other
// bad usage) exit 2 with a message naming the flag, and print nothing.
// (--workers 0 is valid: one per CPU; see TestSweepSameBytesAnyWorkers.)
func TestSweepBadFlags(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"seeds 0", []string{"A2", "--seeds", "0"}, "--seeds"},
		{"seeds letters", []string{"A2", "--seeds", "abc"}, "--seeds"},
		{"seeds empty", []string{"A2", "--seeds", ""}, "--seeds"},
		{"seeds reversed", []string{"A2", "--seeds", "5-3"}, "--seeds"},
		{"seeds from 0", []string{"A2", "--seeds", "0-10"}, "--seeds"},
		{"seeds negative", []string{"A2", "--seeds", "-5"}, "--seeds"},
		{"seeds open range", []string{"A2", "--seeds", "1-"}, "--seeds"},
		{"seeds three parts", []string{"A2", "--seeds", "1-2-3"}, "--seeds"},
		{"seeds fraction", []string{"A2", "--seeds", "1.5"}, "--seeds"},
		{"seeds beyond uint64", []string{"A2", "--seeds", "18446744073709551616"}, "--seeds"},
		{"seeds with spaces", []string{"A2", "--seeds", "1 - 10"}, "--seeds"},
		{"shard K = N", []string{"A2", "--shard", "2/2"}, "--shard"},
		{"shard K > N", []string{"A2", "--shard", "3/2"}, "--shard"},
		{"shard N = 0", []string{"A2", "--shard", "0/0"}, "--shard"},
		{"shard negative", []string{"A2", "--shard", "-1/2"}, "--shard"},
		{"shard no slash", []string{"A2", "--shard", "1"}, "--shard"},
		{"shard letters", []string{"A2", "--shard", "a/b"}, "--shard"},
		{"shard empty parts", []string{"A2", "--shard", "/"}, "--shard"},
		{"more shards than seeds", []string{"A2", "--seeds", "50", "--shard", "0/51"}, "51 shards for 50 seeds"},
		{"workers negative", []string{"A2", "--workers", "-2"}, "--workers -2: need at least 1 (or 0 for one per CPU)"},
		{"workers -1", []string{"A2", "--workers", "-1"}, "--workers"},
		{"workers letters", []string{"A2", "--workers", "many"}, "workers"},
		{"json and csv", []string{"A2", "--json", "--csv"}, "--json and --csv"},
		{"no scenario", []string{"--seeds", "10"}, "need at least one SCENARIO"},
		{"unknown scenario", []string{"Z9"}, "Z9"},
		{"bad duration", []string{"A2", "--duration", "ten"}, "--duration"},
		{"negative duration", []string{"A2", "--duration", "-5s"}, "duration"},
		{"unknown flag", []string{"A2", "--seed", "5"}, "seed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.json")
			r := desim(append(append([]string{"sweep"}, c.args...), "--quiet", "-o", out)...)
			sweepRefused(t, r, out, c.want)
		})
	}
}

// sweepPartialState writes the state of the test sweep (A2 A3, seeds 1-50,
// 10 s) with only seeds 5-20 of A2 done, as an interrupted sweep leaves it.
func sweepPartialState(t *testing.T, file string, names []string, d time.Duration, seeds stats.SeedRange, shard *experiment.Shard) {
	t.Helper()
	var scs []*scenarios.Scenario
	for _, n := range names {
		s, err := scenarios.Builtin(n)
		if err != nil {
			t.Fatal(err)
		}
		s.Duration = d
		scs = append(scs, s)
	}
	st := experiment.NewSweepState(scs, seeds, shard)
	r, err := st.Range()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := st.Scenario(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := experiment.Sweep(t.Context(), sc, r.From+4, min(r.From+19, r.To), experiment.SweepOptions{Workers: 1}); err != nil {
		t.Fatal(err)
	}
	st.Scenarios[0].Done = sc.Done
	if err := os.WriteFile(file, st.Marshal(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSweepResume: --resume of a partial state finishes it to the bytes of
// an uninterrupted sweep (and removes the partial file it came from when
// it was -o's); a complete state resumes to the same bytes without work.
func TestSweepResume(t *testing.T) {
	names := []string{"A2", "A3"}
	for _, format := range []string{"--json", "--csv"} {
		t.Run(format, func(t *testing.T) {
			want := mustRun(t, sweepCmdArgs("A2", "A3", format)...).stdout
			dir := t.TempDir()
			out := filepath.Join(dir, "out.txt")
			partial := out + ".partial.json"
			sweepPartialState(t, partial, names, 10*time.Second, stats.SeedRange{From: 1, To: 50}, nil)
			r := mustRun(t, sweepCmdArgs("A2", "A3", format, "-o", out, "--resume", partial)...)
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want || r.stdout != "" {
				t.Errorf("resumed output differs: %s", sweepFirstDiff(want, string(got)))
			}
			if _, err := os.Stat(partial); err == nil {
				t.Errorf("%s is left after the sweep completed", partial)
			}
			// A partial file elsewhere, output on stdout.
			other := filepath.Join(dir, "elsewhere.json")
			sweepPartialState(t, other, names, 10*time.Second, stats.SeedRange{From: 1, To: 50}, nil)
			if got := mustRun(t, sweepCmdArgs("A2", "A3", format, "--resume", other)...).stdout; got != want {
				t.Errorf("resumed to stdout: %s", sweepFirstDiff(want, got))
			}
		})
	}
	t.Run("shard", func(t *testing.T) {
		dir := t.TempDir()
		want := sweepWriteShards(t, dir, 2, "A2", "A3")[1]
		wantData, _ := os.ReadFile(want)
		partial := filepath.Join(dir, "p.json")
		sweepPartialState(t, partial, names, 10*time.Second, stats.SeedRange{From: 1, To: 50}, &experiment.Shard{K: 1, N: 2})
		out := filepath.Join(dir, "resumed.json")
		mustRun(t, sweepCmdArgs("A2", "A3", "--shard", "1/2", "-o", out, "--resume", partial)...)
		got, _ := os.ReadFile(out)
		if !bytes.Equal(got, wantData) {
			t.Errorf("resumed shard state differs: %s", sweepFirstDiff(string(wantData), string(got)))
		}
	})
}

// TestSweepResumeRefuses: --resume of a state from a different sweep (or
// shard), or of a file that is not a state, exits 2 naming the problem.
func TestSweepResumeRefuses(t *testing.T) {
	dir := t.TempDir()
	seeds := stats.SeedRange{From: 1, To: 50}
	file := func(name string, scs []string, d time.Duration, r stats.SeedRange, shard *experiment.Shard) string {
		f := filepath.Join(dir, name)
		sweepPartialState(t, f, scs, d, r, shard)
		return f
	}
	otherScenario := file("other-scenario.json", []string{"A2", "A4"}, 10*time.Second, seeds, nil)
	otherDuration := file("other-duration.json", []string{"A2", "A3"}, 20*time.Second, seeds, nil)
	otherSeeds := file("other-seeds.json", []string{"A2", "A3"}, 10*time.Second, stats.SeedRange{From: 1, To: 60}, nil)
	fewer := file("fewer.json", []string{"A2"}, 10*time.Second, seeds, nil)
	shard := file("shard.json", []string{"A2", "A3"}, 10*time.Second, seeds, &experiment.Shard{K: 0, N: 2})
	unsharded := file("unsharded.json", []string{"A2", "A3"}, 10*time.Second, seeds, nil)
	garbage := filepath.Join(dir, "garbage.json")
	writeTestFile(t, garbage, "not json")
	for _, c := range []struct {
		name   string
		resume string
		extra  []string
		want   []string
	}{
		{"different scenario", otherScenario, nil, []string{otherScenario, "is from a different sweep", "scenario 2 differs"}},
		{"different duration", otherDuration, nil, []string{"is from a different sweep", "duration"}},
		{"different seeds", otherSeeds, nil, []string{"is from a different sweep", "seed ranges differ"}},
		{"fewer scenarios", fewer, nil, []string{"is from a different sweep", "different scenarios"}},
		{"a shard resumed without --shard", shard, nil, []string{"is from a different shard"}},
		{"a shard resumed as another shard", shard, []string{"--shard", "1/2"}, []string{"is from a different shard"}},
		{"unsharded resumed as a shard", unsharded, []string{"--shard", "0/2"}, []string{"is from a different shard"}},
		{"not a state file", garbage, nil, []string{garbage, "not a sweep state file"}},
		{"no such file", filepath.Join(dir, "nope.json"), nil, []string{"nope.json"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.json")
			args := sweepCmdArgs(append([]string{"A2", "A3", "--json", "-o", out, "--resume", c.resume}, c.extra...)...)
			r := desim(args...)
			sweepRefused(t, r, out, c.want...)
			if _, err := os.Stat(c.resume); err != nil && !strings.Contains(c.name, "no such") {
				t.Errorf("the resume file is gone: %v", err)
			}
		})
	}
}

// TestSweepResumeKeepsPartialOnFailure: when the resumed sweep completes
// but its output cannot be written, the partial state must survive (the
// runs it holds are the only copy of that work).
//
// The partial file is removed only after the result was written.
func TestSweepResumeKeepsPartialOnFailure(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.json")
	// A non-empty directory where the output should go.
	if err := os.MkdirAll(filepath.Join(out, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	partial := out + ".partial.json"
	sweepPartialState(t, partial, []string{"A2", "A3"}, 10*time.Second, stats.SeedRange{From: 1, To: 50}, nil)
	before, _ := os.ReadFile(partial)
	r := desim(sweepCmdArgs("A2", "A3", "--json", "-o", out, "--resume", partial)...)
	// A directory as -o is refused before the runs (exit 2); either way
	// the partial state must survive.
	if r.code != 2 || !strings.Contains(r.stderr, "is a directory") {
		t.Errorf("exit %d, want 2 (-o names a directory); stderr:\n%s", r.code, r.stderr)
	}
	after, err := os.ReadFile(partial)
	if err != nil {
		t.Fatalf("the partial state was deleted although the result was not written: %v", err)
	}
	if !bytes.Equal(before, after) {
		t.Logf("the partial state was rewritten")
		if _, err := experiment.ParseSweepState(partial, after); err != nil {
			t.Errorf("the partial state no longer parses: %v", err)
		}
	}
}

// ---------------------------------------------------------------------------
// The real binary: signals and the top of the seed range.

// buildSweepBinary builds the desim binary into dir (without -race, even
// under "go test -race": the children do real sweeps).
func buildSweepBinary(t *testing.T, dir string) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH")
	}
	bin := filepath.Join(dir, "desim")
	build := exec.Command(gobin, "build", "-o", bin, "desim/cmd/desim")
	// Without cgo: no C threads, so the child runs under a tight
	// address-space limit (TestSweepTopSeeds).
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// sweepCPUTicks returns the CPU time (user + system, in clock ticks) the
// process has used so far, from /proc; ok is false when it cannot be read.
func sweepCPUTicks(pid int) (int64, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The fields after the command name, which is in parentheses.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64) // utime, field 14
	s, err2 := strconv.ParseInt(f[12], 10, 64) // stime, field 15
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return u + s, true
}

// sweepOutcome is what an interrupted child left.
type sweepOutcome struct {
	code   int
	stderr string
}

// sweepInterrupt starts the binary with args and, once the process has
// used enough CPU time to be inside the sweep (its signal handling is set
// up before the first run; start-up and argument parsing take a few ms),
// sends it sig. The readiness signal is the child's own CPU time, so a
// slow or loaded machine only makes the wait longer. It returns the exit
// status and stderr, and whether the signal was sent before the child
// exited.
func sweepInterrupt(t *testing.T, bin string, args []string, sig syscall.Signal) (sweepOutcome, bool) {
	t.Helper()
	const readyTicks = 5 // 50 ms of CPU at the usual 100 ticks/s
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	sent := false
	var err error
poll:
	for {
		select {
		case err = <-exited:
			break poll
		default:
		}
		ticks, ok := sweepCPUTicks(cmd.Process.Pid)
		if !ok {
			// Exited between the two checks (or /proc vanished).
			err = <-exited
			break
		}
		if ticks >= readyTicks && !sent {
			e := cmd.Process.Signal(sig)
			if e != nil && !errors.Is(e, os.ErrProcessDone) {
				t.Fatalf("signal: %v", e)
			}
			sent = e == nil
			err = <-exited
			break
		}
		time.Sleep(2 * time.Millisecond) // timing-ok: polling interval only; the readiness test is the child's CPU time
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return sweepOutcome{code: code, stderr: stderr.String()}, sent
}

// sweepParseCommand splits the command line desim printed (words quoted with
// strconv.Quote when they hold spaces or shell characters).
func sweepParseCommand(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	for _, w := range strings.Fields(line) {
		if strings.HasPrefix(w, `"`) {
			u, err := strconv.Unquote(w)
			if err != nil {
				t.Fatalf("cannot unquote %s in %q", w, line)
			}
			w = u
		}
		words = append(words, w)
	}
	return words
}

// TestSweepSignal interrupts a real desim process with SIGINT and SIGTERM:
// exit status 130, no output file, the partial state saved beside it and
// incomplete, the resume command printed; running that command finishes
// the sweep to the bytes of an uninterrupted one.
func TestSweepSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	if runtime.GOOS != "linux" {
		t.Skip("waits for the child's CPU time through /proc")
	}
	bin := buildSweepBinary(t, t.TempDir())
	if _, ok := sweepCPUTicks(os.Getpid()); !ok {
		t.Skip("no /proc/PID/stat")
	}
	refs := map[string][]byte{} // uninterrupted output by seed range
	reference := func(seeds string) []byte {
		if b, ok := refs[seeds]; ok {
			return b
		}
		f := filepath.Join(t.TempDir(), "ref.json")
		cmd := exec.Command(bin, "sweep", "A1", "A2", "A3", "--seeds", seeds, "--duration", "20s", "--json", "-o", f, "--quiet")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("uninterrupted sweep: %v\n%s", err, out)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		refs[seeds] = b
		return b
	}
	for _, c := range []struct {
		name string
		sig  syscall.Signal
	}{
		{"SIGINT", syscall.SIGINT},
		{"SIGTERM", syscall.SIGTERM},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "out.json")
			partial := out + ".partial.json"
			// 3 × 30000 runs of 20 s take about 0.6 s of CPU; the signal
			// comes after 50 ms. Should the sweep end first anyway, try
			// again with more seeds.
			var seeds string
			var res sweepOutcome
			interrupted := false
			for n := 30000; n <= 480000 && !interrupted; n *= 4 {
				seeds = fmt.Sprintf("1-%d", n)
				os.Remove(out)
				var sent bool
				res, sent = sweepInterrupt(t, bin, []string{"sweep", "A1", "A2", "A3", "--seeds", seeds, "--duration", "20s", "--json", "-o", out, "--quiet"}, c.sig)
				interrupted = sent && res.code != 0
				if !interrupted {
					t.Logf("seeds %s: the sweep ended (exit %d) before the signal; retrying with more seeds", seeds, res.code)
				}
			}
			if !interrupted {
				t.Fatalf("could not interrupt the sweep: it always ended before the signal")
			}
			if res.code != 130 {
				t.Fatalf("exit status %d after %s, want 130; stderr:\n%s", res.code, c.name, res.stderr)
			}
			noPanic(t, "stderr", res.stderr)
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s exists after the interruption", out)
			}
			// Only the partial state in the directory: no temporary file.
			files := readOutDir(t, dir)
			if len(files) != 1 || files[filepath.Base(partial)] == nil {
				names := slices.Sorted(maps.Keys(files))
				t.Fatalf("the directory holds %v, want only %s", names, filepath.Base(partial))
			}
			st, err := experiment.ParseSweepState(partial, files[filepath.Base(partial)])
			if err != nil {
				t.Fatalf("the partial state does not parse: %v", err)
			}
			var done, total uint64
			for _, sc := range st.Scenarios {
				done += sc.Done.Count()
				total += st.Seeds.Count()
			}
			t.Logf("interrupted after %d of %d runs", done, total)
			if st.Complete || done >= total {
				t.Errorf("the partial state is marked complete (%v) or holds every run (%d of %d)", st.Complete, done, total)
			}
			if !strings.Contains(res.stderr, fmt.Sprintf("interrupted after %d of %d runs; saved them in %s", done, total, partial)) {
				t.Errorf("stderr does not report %d of %d runs saved in %s:\n%s", done, total, partial, res.stderr)
			}
			_, line, ok := strings.Cut(res.stderr, "resume with: ")
			line, _, _ = strings.Cut(line, "\n")
			// The same arguments and the flags given, in name order.
			want := fmt.Sprintf("%s sweep A1 A2 A3 --duration 20s --json --output %s --quiet --seeds %s --resume %s", bin, out, seeds, partial) // the binary that printed it
			if !ok || line != want {
				t.Fatalf("resume command %q, want %q; stderr:\n%s", line, want, res.stderr)
			}
			// Run the printed command.
			words := sweepParseCommand(t, line)
			cmd := exec.Command(bin, append(words[1:], "--quiet")...)
			if o, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", line, err, o)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if ref := reference(seeds); !bytes.Equal(got, ref) {
				t.Errorf("the resumed sweep differs from an uninterrupted one: %s", sweepFirstDiff(string(ref), string(got)))
			}
			if _, err := os.Stat(partial); err == nil {
				t.Errorf("%s is left after the resumed sweep completed", partial)
			}
		})
	}
}

// TestSweepTopSeeds: seed ranges at the top of uint64 are valid input
// ("desim run --seed 18446744073709551615" is): a sweep over them must
// either run them or refuse them with exit 2 and a message — neither hang
// nor exhaust memory. The child runs under a 1 GB address-space limit
// and a CPU-time limit, so that the bug below cannot hurt the machine.
//
// Seeds up to 2^64-1 must not overflow the chunk arithmetic.
func TestSweepTopSeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh for ulimit")
	}
	bin := buildSweepBinary(t, t.TempDir())
	for _, c := range []struct {
		name, seeds string
		runs        int64
	}{
		{"below the top", "18446744073709551000-18446744073709551010", 11},
		{"the last seed", "18446744073709551615-18446744073709551615", 1},
		{"the last 40 seeds", "18446744073709551576-18446744073709551615", 40},
		{"ending 10 below the top", "18446744073709551590-18446744073709551605", 16},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(sh, "-c", `ulimit -v 1000000 && ulimit -t 20 && exec "$0" "$@"`,
				bin, "sweep", "A2", "--seeds", c.seeds, "--duration", "1s", "--json", "--quiet")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			msg := stderr.String()
			if len(msg) > 400 {
				msg = msg[:400] + "…"
			}
			switch {
			case code == 0:
				var o stats.Output
				if err := json.Unmarshal(stdout.Bytes(), &o); err != nil || len(o.Scenarios) != 1 || o.Scenarios[0].Runs != c.runs {
					t.Errorf("exit 0 but the output is not %d runs: %v\n%s", c.runs, err, stdout.String())
				}
			case code == 2 && !strings.Contains(stderr.String(), "fatal error") && !strings.Contains(stderr.String(), "goroutine "):
				// Refused as bad usage: acceptable.
			default:
				t.Errorf("--seeds %s: exit %d (signal or resource limit?), stderr:\n%s", c.seeds, code, msg)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// docs/cluster

// TestClusterDocs checks the cluster examples: every YAML file under
// docs/cluster parses (every document of it, each a Kubernetes object with
// apiVersion and kind), the Kubernetes example is an Indexed Job using
// JOB_COMPLETION_INDEX, and the Slurm script is valid shell using the
// array task variables and a dependent merge.
func TestClusterDocs(t *testing.T) {
	dir := filepath.Join("..", "..", "docs", "cluster")
	yamls, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(yamls) == 0 {
		t.Fatalf("no YAML file in %s", dir)
	}
	for _, f := range yamls {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			dec := yaml.NewDecoder(bytes.NewReader(data))
			n := 0
			for {
				var doc map[string]any
				err := dec.Decode(&doc)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("document %d does not parse: %v", n+1, err)
				}
				if doc == nil {
					continue
				}
				n++
				if doc["apiVersion"] == nil || doc["kind"] == nil {
					t.Errorf("document %d has no apiVersion or kind", n)
				}
			}
			if n == 0 {
				t.Errorf("no document")
			}
		})
	}
	for _, c := range []struct {
		file string
		want []string
	}{
		{"README.md", []string{"--shard", "desim merge", "slurm-sweep.sh", "k8s-sweep.yaml", "desim grid", "k8s-grid.yaml"}},
		{"k8s-sweep.yaml", []string{"completionMode: Indexed", "JOB_COMPLETION_INDEX", "--shard", "desim merge", "persistentVolumeClaim"}},
		{"slurm-sweep.sh", []string{"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "--dependency=afterok", "--shard", "desim merge", "GRID", "grid \"$GRID\"", "--plot"}},
		{"k8s-grid.yaml", []string{"completionMode: Indexed", "JOB_COMPLETION_INDEX", "--shard", "desim grid", "desim merge", "--plot", "persistentVolumeClaim"}},
	} {
		t.Run("content of "+c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(string(data), w) {
					t.Errorf("%s does not mention %q", c.file, w)
				}
			}
		})
	}
	if bash, err := exec.LookPath("bash"); err == nil {
		if out, err := exec.Command(bash, "-n", filepath.Join(dir, "slurm-sweep.sh")).CombinedOutput(); err != nil {
			t.Errorf("slurm-sweep.sh is not valid bash: %v\n%s", err, out)
		}
	}
}

// sweepRefused checks a refused sweep, merge or resume: exit 2, no panic,
// stderr mentioning each of want, nothing on stdout and no output file.
func sweepRefused(t *testing.T, r mainResult, out string, want ...string) {
	t.Helper()
	if r.code != 2 {
		t.Errorf("exit %d, want 2; stderr:\n%s", r.code, r.stderr)
	}
	noPanic(t, "stderr", r.stderr)
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr does not mention %q:\n%s", w, r.stderr)
		}
	}
	if r.stdout != "" {
		t.Errorf("stdout: %s", r.stdout)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a refused command wrote %s", out)
	}
}
