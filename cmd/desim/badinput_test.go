package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// badScenario is a scenario file that desim run must reject.
type badScenario struct {
	name    string
	content string
	// lines are the acceptable line numbers of the error (the first is
	// the one the file's author would point at; a second is given where
	// another line is as reasonable, e.g. the "machines:" key or its list).
	lines []int
	// msg is a piece of the expected message.
	msg string
}

// two is the machines list of a valid scenario, for cases that break
// another key.
const two = "machines:\n  - rate: 6\n  - rate: 1\n"

var badScenarios = []badScenario{
	// Fewer than 2 machines: the list (line 4) or its key (line 3).
	{"one machine", "duration: 60s\ndie: 10\nmachines:\n  - rate: 6\n", []int{4, 3}, "at least 2"},
	{"no machines", "duration: 60s\ndie: 10\nmachines: []\n", []int{3}, "at least 2"},
	{"die below N", "duration: 60s\ndie: 2\nmachines:\n  - rate: 6\n  - rate: 1\n  - rate: 1\n", []int{2}, "die"},
	{"rate .inf", "duration: 60s\ndie: 10\nmachines:\n  - rate: 6\n  - rate: .inf\n", []int{5}, "rate"},
	{"rate inf", "duration: 60s\ndie: 10\nmachines:\n  - rate: 6\n  - rate: inf\n", []int{5}, "rate"},
	{"rate .nan", "duration: 60s\ndie: 10\nmachines:\n  - rate: 6\n  - rate: .nan\n", []int{5}, "rate"},
	{"rate negative", "duration: 60s\ndie: 10\nmachines:\n  - rate: 6\n  - rate: 1\n  - rate: -1\n", []int{6}, "positive"},
	{"rate zero", "duration: 60s\ndie: 10\nmachines:\n  - rate: 0\n  - rate: 1\n", []int{4}, "positive"},
	{"rate above 1e6", "duration: 60s\ndie: 10\nmachines:\n  - rate: 1000001\n  - rate: 1\n", []int{4}, "maximum"},
	{"rate 2e6", "duration: 60s\ndie: 10\nmachines:\n  - rate: 6\n  - rate: 2e6\n", []int{5}, "maximum"},
	{"rate not a number", "duration: 60s\ndie: 10\nmachines:\n  - rate: fast\n  - rate: 1\n", []int{4}, "not a number"},
	{"duration 0", "die: 10\nduration: 0s\n" + two, []int{2}, "duration"},
	{"duration 0 without unit", "die: 10\nduration: 0\n" + two, []int{2}, "duration"},
	{"duration negative", "die: 10\nduration: -5s\n" + two, []int{2}, "duration"},
	{"duration above 10^7 s", "die: 10\nduration: 10000001s\n" + two, []int{2}, "duration"},
	{"duration without unit", "die: 10\nduration: 60\n" + two, []int{2}, "unit"},
	{"latency negative", "duration: 60s\ndie: 10\nlatency: -1ms\n" + two, []int{3}, "latency"},
	{"jitter negative", "duration: 60s\ndie: 10\njitter: -1us\n" + two, []int{3}, "jitter"},
	{"start negative", "duration: 60s\ndie: 10\nmachines:\n  - rate: 6\n  - rate: 1\n    start: -1s\n", []int{6}, "start"},
	{"start at the end", "duration: 60s\ndie: 10\nmachines:\n  - rate: 6\n  - rate: 1\n    start: 60s\n", []int{6, 5}, "start"},
	{"empty file", "", []int{1}, "empty"},
	{"only a comment", "# a scenario\n", []int{1}, "empty"},
	{"two documents", "duration: 60s\ndie: 10\n" + two + "---\nduration: 60s\n", []int{6, 7}, "document"},
	{"tab-indented", "duration: 60s\ndie: 10\nmachines:\n\t- rate: 6\n\t- rate: 1\n", []int{4}, "tab"},
	{"tab-indented top-level key", "duration: 60s\n\tdie: 10\n" + two, []int{2}, "tab"},
	// yaml.v3 reports "found a tab character that violates indentation"
	// at the line BEFORE the tab when the tab indents a key of a list
	// item; desim's first version reported that line, as "malformed YAML".
	// Regression cases: the line of the tab and the tab message.
	{"tab-indented key after a list item", "duration: 60s\ndie: 10\nmachines:\n  - rate: 6\n  - rate: 1\n\tstart: 1s\n", []int{6}, "tab"},
	{"tab-indented key in a list item", "duration: 60s\ndie: 10\nmachines:\n  - rate: 6\n\t  start: 1s\n  - rate: 1\n", []int{5}, "tab"},
	{"malformed: unclosed flow list", "duration: 60s\ndie: 10\nmachines: [\n  {rate: 6},\n", []int{4, 3, 5}, ""},
	{"malformed: bad indentation", "duration: 60s\ndie: 10\n  bad: indent\n" + two, []int{3}, ""},
	// yaml.v3 reports an unclosed flow list opened on line 2 at line 1,
	// and an unclosed quote at the end of the stream (line 7 of this
	// 6-line file); desim's first version passed those lines on.
	// Regression cases: a line of the file at or after the problem.
	{"malformed: unclosed flow list on line 2", "duration: 60s\ndie: [10\n" + two, []int{2, 3}, ""},
	{"malformed: unclosed quote", "name: \"A2\nduration: 60s\ndie: 10\n" + two, []int{1, 2, 3, 4, 5, 6}, ""},
	{"not a mapping", "- rate: 6\n- rate: 1\n", []int{1}, "mapping"},
	{"unknown key", "duration: 60s\ndie: 10\ncolour: red\n" + two, []int{3}, "colour"},
	{"unknown machine key", "duration: 60s\ndie: 10\nmachines:\n  - rate: 6\n  - rate: 1\n    speed: 2\n", []int{6}, "speed"},
	{"repeated key", "duration: 60s\ndie: 10\ndie: 11\n" + two, []int{3}, "twice"},
	{"missing die", "duration: 60s\n" + two, []int{1}, "die"},
	{"machine without rate", "duration: 60s\ndie: 10\nmachines:\n  - start: 1s\n  - rate: 1\n", []int{4}, "rate"},
	{"seed negative", "seed: -1\nduration: 60s\ndie: 10\n" + two, []int{1}, "seed"},
}

// TestBadScenarioFile: every invalid scenario file makes "desim run FILE"
// exit with status 2 and a "FILE:LINE: message" error, write nothing, and
// never panic.
func TestBadScenarioFile(t *testing.T) {
	for _, bc := range badScenarios {
		t.Run(bc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			file := filepath.Join(dir, "bad.yaml")
			writeTestFile(t, file, bc.content)
			out := filepath.Join(dir, "out")
			r := desim("run", file, "--out", out)
			if r.code != 2 {
				t.Errorf("exit status %d, want 2; stderr:\n%s", r.code, r.stderr)
			}
			noPanic(t, "stderr", r.stderr)
			ok := false
			for _, l := range bc.lines {
				if strings.Contains(r.stderr, file+":"+strconv.Itoa(l)+": ") {
					ok = true
				}
			}
			if !ok {
				t.Errorf("stderr does not hold %s:LINE: with LINE in %v:\n%s", file, bc.lines, r.stderr)
			}
			if !strings.Contains(r.stderr, bc.msg) {
				t.Errorf("stderr does not mention %q:\n%s", bc.msg, r.stderr)
			}
			if strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
				t.Errorf("a bad file should give one line of error, got:\n%s", r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout is not empty:\n%s", r.stdout)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the output directory was created for a bad scenario (stat: %v)", err)
			}
		})
	}
}

// TestBadFlags: bad flags and arguments exit 2 with a message that says
// what is wrong.
func TestBadFlags(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	for _, tc := range []struct {
		args []string
		msg  []string // each must appear in stderr
	}{
		{[]string{"run", "A2", "--bogus", "--out", out}, []string{"unknown flag: --bogus", `Run "desim run --help" for usage.`}},
		{[]string{"run", "A2", "-seed", "5", "--out", out}, []string{"unknown shorthand flag: 's' in -seed"}},
		{[]string{"run", "A2", "--seed", "abc", "--out", out}, []string{"--seed", "abc"}},
		{[]string{"run", "A2", "--seed", "-1", "--out", out}, []string{"--seed", "-1"}},
		{[]string{"run", "A2", "--seed", "18446744073709551616", "--out", out}, []string{"--seed"}},
		{[]string{"run", "A2", "--out", out, "--seed"}, []string{"flag needs an argument: --seed"}},
		{[]string{"run", "A2", "--duration", "xyz", "--out", out}, []string{"--duration", "xyz"}},
		{[]string{"run", "A2", "--duration", "0s", "--out", out}, []string{"duration"}},
		{[]string{"run", "A2", "--duration", "-1m", "--out", out}, []string{"duration"}},
		{[]string{"run", "A2", "--duration", "10000001s", "--out", out}, []string{"duration"}},
		{[]string{"run", "NOPE", "--out", out}, []string{"NOPE", "A2"}},
		{[]string{"run", filepath.Join(dir, "missing.yaml"), "--out", out}, []string{"missing.yaml"}},
		{[]string{"run", dir, "--out", out}, []string{dir, "directory"}},
		{[]string{"run", "--out", out}, []string{"SCENARIO"}},
		{[]string{"run", "A2", "A3", "--out", out}, []string{"SCENARIO", "2"}},
		{[]string{"scenarios", "show", "NOPE"}, []string{"NOPE"}},
		{[]string{"scenarios", "show"}, []string{"scenarios"}},
		{[]string{"scenarios", "list", "more"}, []string{"scenarios"}},
		{[]string{"help", "nope"}, []string{`unknown command "nope"`}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := desim(tc.args...)
			if r.code != 2 {
				t.Errorf("exit status %d, want 2; stderr:\n%s", r.code, r.stderr)
			}
			noPanic(t, "stderr", r.stderr)
			for _, m := range tc.msg {
				if !strings.Contains(r.stderr, m) {
					t.Errorf("stderr does not mention %q:\n%s", m, r.stderr)
				}
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the output directory was created (stat: %v)", err)
			}
		})
	}
}

// TestOutputDirectoryUnusable: a run that cannot write its output exits 1
// (the work failed), not 2, and does not panic.
func TestOutputDirectoryUnusable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	writeTestFile(t, file, "x")
	r := desim("run", "A2", "--duration", "1s", "--out", file)
	if r.code != 2 || !strings.Contains(r.stderr, "is not a directory") {
		t.Errorf("--out naming a file: exit %d, want 2 (bad input, issue 16); stderr:\n%s", r.code, r.stderr)
	}
	noPanic(t, "stderr", r.stderr)
}

// TestBinaryBadInput builds the real binary and runs bad inputs through it:
// the process exits with status 2 and prints no panic.
func TestBinaryBadInput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "desim")
	build := exec.Command(gobin, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cases := []struct {
		name string
		args []string
		file string // content of FILE, replacing "FILE" in args
		line string
	}{
		{"tab-indented file", []string{"run", "FILE"}, "duration: 60s\ndie: 10\nmachines:\n\t- rate: 6\n\t- rate: 1\n", ":4: "},
		{"rate .inf", []string{"run", "FILE"}, "duration: 60s\ndie: 10\nmachines:\n  - rate: 6\n  - rate: .inf\n", ":5: "},
		{"empty file", []string{"run", "FILE"}, "", ":1: "},
		{"bad seed flag", []string{"run", "A2", "--seed", "abc"}, "", ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, "bad"+strconv.Itoa(i)+".yaml")
			writeTestFile(t, file, tc.file)
			args := append([]string(nil), tc.args...)
			for k := range args {
				if args[k] == "FILE" {
					args[k] = file
				}
			}
			args = append(args, "--out", filepath.Join(dir, "out"))
			cmd := exec.Command(bin, args...)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 {
				t.Fatalf("desim %v: %v, want exit status 2; stderr:\n%s", args, err, stderr.String())
			}
			noPanic(t, "stderr", stderr.String())
			if tc.line != "" && !strings.Contains(stderr.String(), file+tc.line) {
				t.Errorf("stderr does not hold %s%s:\n%s", file, tc.line, stderr.String())
			}
		})
	}
	// And a good run through the binary exits 0.
	cmd := exec.Command(bin, "run", "A2", "--duration", "2s", "--out", filepath.Join(dir, "good"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("desim run A2 --duration 2s: %v\n%s", err, out)
	}
}

// TestFailedRunLeavesNothing: experiment.SimulateToDir promises that "on any error nothing
// is left under a final name that was not there before" and no temporary
// file stays behind. Make one output name unusable (a directory in the
// way) and check that the run exits 1 and leaves the directory as it was.
func TestFailedRunLeavesNothing(t *testing.T) {
	for _, blocked := range []string{"machine-0.csv", "machine-2.csv", "summary.json", "scenario.yaml"} {
		t.Run(blocked, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, blocked), 0o755); err != nil {
				t.Fatal(err)
			}
			// A non-empty directory, so that no rename can replace it.
			writeTestFile(t, filepath.Join(dir, blocked, "keep"), "x")
			r := desim("run", "A2", "--duration", "5s", "--out", dir)
			if r.code != 1 {
				t.Errorf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
			}
			noPanic(t, "stderr", r.stderr)
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var left []string
			for _, e := range entries {
				if e.Name() != blocked {
					left = append(left, e.Name())
				}
			}
			// Dir.Write commits the files of a run all together or not at
			// all: a file that cannot be written must not leave the others
			// under their final names.
			if len(left) > 0 {
				t.Errorf("after a failed run the directory holds %v besides %s", left, blocked)
			}
		})
	}
}
