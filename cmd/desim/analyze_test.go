package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"desim/analysis"
	_ "desim/internal/golden" // registers -update for "go test ./... -update"
)

const originalDir = "../../testdata/original"

// TestAnalyzeEqualsSummary runs scenarios with "desim run" and checks that
// "desim analyze DIR --json" prints exactly the bytes of DIR/summary.json,
// and that the table is the one "desim run" printed.
func TestAnalyzeEqualsSummary(t *testing.T) {
	custom := filepath.Join(t.TempDir(), "late.yaml")
	writeAnalyzeFile(t, custom, `name: late-starts
seed: 9
duration: 45s
die: 5
latency: 2ms
jitter: 40ms
machines:
  - rate: 2.5
    start: 0.7s
  - rate: 1/3
    start: 0.25s
  - rate: 7
    start: 1.5s
  - rate: 4
    start: 0.3s
`)
	tests := []struct{ scenario, duration, seed string }{
		{"A1", "60s", "1"},
		{"A2", "90s", "1"},
		{"A3", "75s", "2"},
		{"A5", "30s", "3"},
		{"B2", "50s", "1"},
		{"B4", "40s", "4"},
		{"B3-captioned", "60s", "5"},
		{custom, "45s", "9"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.scenario), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			ran := mustRun(t, "run", tt.scenario, "--duration", tt.duration, "--seed", tt.seed, "--out", dir)
			want, err := os.ReadFile(filepath.Join(dir, "summary.json"))
			if err != nil {
				t.Fatal(err)
			}
			got := mustRun(t, "analyze", dir, "--json")
			if got.stdout != string(want) {
				t.Errorf("analyze --json differs from summary.json:\n got: %s\nwant: %s", got.stdout, want)
			}
			if got.stderr != "" {
				t.Errorf("stderr: %s", got.stderr)
			}
			table := mustRun(t, "analyze", dir)
			if !strings.HasPrefix(ran.stdout, table.stdout) {
				t.Errorf("analyze's table is not run's:\nanalyze:\n%s\nrun:\n%s", table.stdout, ran.stdout)
			}
		})
	}
}

// TestAnalyzeOriginal analyzes the original-format fixture: rates
// estimated, named after its directory, seed 0, duration from the earliest
// line to the latest.
func TestAnalyzeOriginal(t *testing.T) {
	files := []string{
		filepath.Join(originalDir, "machine-0.csv"),
		filepath.Join(originalDir, "machine-1.csv"),
		filepath.Join(originalDir, "machine-2.csv"),
	}
	for name, args := range map[string][]string{"directory": {originalDir}, "files": files} {
		t.Run(name, func(t *testing.T) {
			r := mustRun(t, append([]string{"analyze", "--json"}, args...)...)
			if !strings.Contains(r.stderr, "rates are estimated") {
				t.Errorf("stderr does not say the rates are estimated: %q", r.stderr)
			}
			var s analysis.Summary
			if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
				t.Fatalf("%v\n%s", err, r.stdout)
			}
			if s.Scenario != "original" || s.Seed != 0 || s.DurationS != 12.0354028 || len(s.Machines) != 3 {
				t.Errorf("scenario %q seed %d duration %v s, %d machines; want original, 0, 12.0354028, 3", s.Scenario, s.Seed, s.DurationS, len(s.Machines))
			}
			for i, m := range s.Machines {
				ticks := []int64{72, 25, 13}[i]
				rate := []float64{6, 2, 1}[i]
				if m.ID != i || m.Ticks != ticks || math.Abs(m.Rate-rate) > 0.01*rate {
					t.Errorf("machine %d: id %d, %d ticks, rate %g; want %d ticks, rate about %g", i, m.ID, m.Ticks, m.Rate, ticks, rate)
				}
			}
		})
	}
	r := mustRun(t, "analyze", originalDir)
	for _, want := range []string{"original: 3 machines, 12.035402800s from the earliest line to the latest (the earliest at 1678246660.071246400s); rates estimated\n", "machine   rate",
		"\n      0  5.983       72 ", "\n      1  1.998       25 ", "\n      2 0.9994       13 "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table output lacks %q:\n%s", want, r.stdout)
		}
	}
}

// TestAnalyzeName checks the name of a run without a scenario.
func TestAnalyzeName(t *testing.T) {
	tmp := t.TempDir()
	other := filepath.Join(tmp, "elsewhere.csv")
	data, err := os.ReadFile(filepath.Join(originalDir, "machine-2.csv"))
	if err != nil {
		t.Fatal(err)
	}
	writeAnalyzeFile(t, other, string(data))
	tests := []struct {
		args []string
		want string
	}{
		{[]string{filepath.Join(originalDir, "machine-0.csv"), filepath.Join(originalDir, "machine-1.csv"), other}, "logs"},
		{[]string{originalDir + "/"}, "original"},
	}
	for _, tt := range tests {
		r := mustRun(t, append([]string{"analyze", "--json"}, tt.args...)...)
		var s analysis.Summary
		if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
			t.Fatal(err)
		}
		if s.Scenario != tt.want {
			t.Errorf("analyze %v: scenario %q, want %q", tt.args, s.Scenario, tt.want)
		}
	}
}

func writeAnalyzeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestAnalyzeBadInput checks that bad input exits 2 with the file and line
// and no stack trace.
func TestAnalyzeBadInput(t *testing.T) {
	const ok = "internal,0.000000000,0,1\n"
	scenario3 := "machines:\n  - rate: 6\n  - rate: 1\n  - rate: 1\ndie: 10\nduration: 1s\n"
	tests := []struct {
		name  string
		files map[string]string // in a fresh directory D
		args  []string          // "D" stands for the directory
		want  string            // the start of stderr after "desim analyze: "
	}{
		{"malformed line", map[string]string{"machine-0.csv": ok, "machine-1.csv": ok + "internal,0.5,0\n", "machine-2.csv": ok},
			[]string{"D"}, "D/machine-1.csv:2: wrong number of fields"},
		{"unknown event", map[string]string{"machine-0.csv": ok, "machine-1.csv": ok, "machine-2.csv": "Internal,0.5,0,1\n"},
			[]string{"D"}, `D/machine-2.csv:1: unknown event "Internal"`},
		{"time backwards", map[string]string{"machine-0.csv": ok + "internal,2.0,0,2\ninternal,1.0,0,3\n", "machine-1.csv": ok},
			[]string{"D", "--json"}, "D/machine-0.csv:3: time 1.000000000 s is before"},
		{"empty file", map[string]string{"a.csv": ok, "b.csv": ""},
			[]string{"D/a.csv", "D/b.csv"}, "D/b.csv:1: empty file"},
		{"no logs", map[string]string{"notes.txt": "x"},
			[]string{"D"}, "D: no machine-<i>.csv log files"},
		{"gap", map[string]string{"machine-0.csv": ok, "machine-2.csv": ok},
			[]string{"D"}, "D: machine-1.csv is missing"},
		{"missing file", map[string]string{"machine-0.csv": ok},
			[]string{"D/machine-0.csv", "D/machine-1.csv"}, "open D/machine-1.csv: no such file"},
		{"missing directory", nil,
			[]string{"D/nothing"}, "stat D/nothing: no such file"},
		{"scenario with other machine count", map[string]string{"machine-0.csv": ok, "machine-1.csv": ok, "scenario.yaml": scenario3},
			[]string{"D"}, "D/scenario.yaml: the scenario has 3 machines but D holds 2 logs"},
		{"bad scenario", map[string]string{"machine-0.csv": ok, "machine-1.csv": ok, "scenario.yaml": "machines:\n  - rate: 6\n  - rate: x\ndie: 10\nduration: 1s\n"},
			[]string{"D"}, "D/scenario.yaml:3: "},
		{"no arguments", nil, nil, "need a run directory or log files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				writeAnalyzeFile(t, filepath.Join(dir, name), content)
			}
			args := []string{"analyze"}
			for _, a := range tt.args {
				args = append(args, strings.Replace(a, "D", dir, 1))
			}
			r := desim(args...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2\nstderr: %s", r.code, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout not empty: %q", r.stdout)
			}
			want := "desim analyze: " + strings.ReplaceAll(tt.want, "D", dir)
			if !strings.HasPrefix(r.stderr, want) {
				t.Errorf("stderr:\n  got  %q\n  want %q...", r.stderr, want)
			}
			noPanic(t, "stderr", r.stderr)
		})
	}
}

// TestAnalyzeClockDecrease: a logical clock that goes down within a log is
// a model violation: a warning naming file:line on stderr, the metrics as
// usual; with --strict an error, exit 2, nothing on stdout.
func TestAnalyzeClockDecrease(t *testing.T) {
	dir := t.TempDir()
	writeAnalyzeFile(t, filepath.Join(dir, "machine-0.csv"), "internal,0.000000000,0,1\ninternal,1.000000000,0,2\n")
	writeAnalyzeFile(t, filepath.Join(dir, "machine-1.csv"), "internal,0.000000000,0,1\nsend 0  ,0.500000000,0,7\nreceive ,1.000000000,0,6\ninternal,1.500000000,0,7\n")
	warning := "desim analyze: warning: " + filepath.Join(dir, "machine-1.csv") + ":3: logical clock 6 is below the previous line's 7"
	for _, args := range [][]string{{"analyze", dir}, {"analyze", dir, "--json"}} {
		r := mustRun(t, args...)
		if !strings.HasPrefix(r.stderr, warning) || strings.Count(r.stderr, "warning") != 1 {
			t.Errorf("%v: stderr does not start with the one warning %q:\n%s", args, warning, r.stderr)
		}
		if !strings.Contains(r.stdout, "4") {
			t.Errorf("%v: no metrics on stdout:\n%s", args, r.stdout)
		}
		noPanic(t, "stderr", r.stderr)
	}
	r := desim("analyze", dir, "--strict")
	want := "desim analyze: " + filepath.Join(dir, "machine-1.csv") + ":3: logical clock 6 is below the previous line's 7"
	if r.code != 2 || r.stdout != "" || !strings.HasPrefix(r.stderr, want) || strings.Contains(r.stderr, "warning") {
		t.Errorf("--strict: exit %d, stdout %q, stderr %q; want 2, nothing, %q...", r.code, r.stdout, r.stderr, want)
	}
	noPanic(t, "stderr", r.stderr)
	// --strict changes nothing for a run of the model.
	strict := mustRun(t, "analyze", originalDir, "--strict", "--json")
	plain := mustRun(t, "analyze", originalDir, "--json")
	if strict.stdout != plain.stdout || strict.stderr != plain.stderr || strings.Contains(plain.stderr, "warning") {
		t.Errorf("--strict on the original's logs:\n%s%s\nwithout:\n%s%s", strict.stdout, strict.stderr, plain.stdout, plain.stderr)
	}
}
