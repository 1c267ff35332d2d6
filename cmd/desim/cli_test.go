package main

import (
	"desim/experiment"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"desim/scenarios"
)

func TestScenariosList(t *testing.T) {
	r := mustRun(t, "scenarios")
	if r.stderr != "" {
		t.Errorf("stderr: %s", r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "NAME") {
		t.Errorf("no header line: %q", lines[0])
	}
	names := scenarios.Names()
	if len(lines) != 1+len(names) {
		t.Fatalf("%d lines, want a header and %d scenarios:\n%s", len(lines), len(names), r.stdout)
	}
	for i, n := range names {
		s, err := scenarios.Builtin(n)
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(lines[i+1])
		if len(f) == 0 || f[0] != n {
			t.Errorf("line %d: %q, want scenario %s", i+2, lines[i+1], n)
		}
		// The rates, die and duration appear on the scenario's line.
		for _, want := range []string{s.Machines[0].Rate.String() + ", ", scenarios.FormatDuration(s.Duration)} {
			if !strings.Contains(lines[i+1], want) {
				t.Errorf("line for %s lacks %q: %q", n, want, lines[i+1])
			}
		}
	}
	// The as-run and as-captioned variants are told apart.
	if !strings.Contains(r.stdout, "B2-captioned") || !strings.Contains(r.stdout, "B3-captioned") {
		t.Errorf("the captioned variants are missing:\n%s", r.stdout)
	}
}

func TestScenariosShow(t *testing.T) {
	for _, n := range scenarios.Names() {
		r := mustRun(t, "scenarios", "show", n)
		src, ok := scenarios.Source(n)
		if !ok || r.stdout != string(src) {
			t.Errorf("scenarios show %s does not print the built-in YAML:\n%s", n, r.stdout)
		}
		// What it prints is a scenario file that runs as the built-in.
		s, err := scenarios.Parse(n+".yaml", []byte(r.stdout))
		if err != nil {
			t.Errorf("scenarios show %s: output does not parse: %v", n, err)
			continue
		}
		b, _ := scenarios.Builtin(n)
		if string(scenarios.Marshal(s)) != string(scenarios.Marshal(b)) {
			t.Errorf("scenarios show %s parses to a different scenario", n)
		}
	}
	r := mustRun(t, "scenarios", "show", "A2")
	for _, want := range []string{"name: A2", "die: 10", "- rate: 6", "- rate: 1"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("scenarios show A2 lacks %q:\n%s", want, r.stdout)
		}
	}
}

// TestShowThenRun is the workflow the help suggests: save a built-in's YAML,
// run the file; it gives the same files as running the built-in by name.
func TestShowThenRun(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "A4.yaml")
	writeTestFile(t, file, mustRun(t, "scenarios", "show", "A4").stdout)
	a, b := filepath.Join(dir, "byname"), filepath.Join(dir, "byfile")
	mustRun(t, "run", "A4", "--duration", "30s", "--seed", "5", "--out", a)
	mustRun(t, "run", file, "--duration", "30s", "--seed", "5", "--out", b)
	if d := sameFiles(readOutDir(t, a), readOutDir(t, b)); d != "" {
		t.Errorf("A4 by name vs by file: %s", d)
	}
}

// subcommands returns the names of desim's commands as "desim help" lists
// them (cobra's help and completion included).
func subcommands(t *testing.T) []string {
	t.Helper()
	root := newRoot(&env{stdout: io.Discard, stderr: io.Discard})
	root.InitDefaultHelpCmd()
	var names []string
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() || c.Name() == "help" {
			names = append(names, c.Name())
		}
	}
	for _, want := range []string{"run", "scenarios", "analyze", "predict", "plot", "sweep", "merge", "real", "machine", "validate", "reproduce", "version", "help", "completion"} {
		if !slices.Contains(names, want) {
			t.Errorf("desim has no command %q (it has %v)", want, names)
		}
	}
	return names
}

func TestHelp(t *testing.T) {
	names := subcommands(t)
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		r := desim(args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("desim %v: exit %d, stderr %s", args, r.code, r.stderr)
		}
		for _, want := range []string{"Usage:", "desim [command]", "Exit status", "Available Commands:", "--version"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("desim %v lacks %q:\n%s", args, want, r.stdout)
			}
		}
		for _, c := range names {
			if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(c) + ` `).MatchString(r.stdout) {
				t.Errorf("desim %v does not list command %q:\n%s", args, c, r.stdout)
			}
		}
		// Issue 2 asks for help with examples: the overview shows at least
		// one runnable example such as "desim run A2".
		if !regexp.MustCompile(`(?m)^\s+desim run \S`).MatchString(r.stdout) {
			t.Errorf("desim %v shows no example command line (e.g. \"desim run A2\"):\n%s", args, r.stdout)
		}
	}
	// The three say the same.
	if a, b, c := desim("help").stdout, desim("-h").stdout, desim("--help").stdout; a != b || b != c {
		t.Errorf("desim help, -h and --help differ:\n%s\n---\n%s\n---\n%s", a, b, c)
	}
}

func TestCommandHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"run", "-h"}, []string{"Usage:\n  desim run SCENARIO [flags]", "Examples:", "desim run A2", "--seed", "--duration", "--out", "scenario.yaml", "summary.json", "machine-<i>.csv"}},
		{[]string{"run", "--help"}, []string{"Usage:\n  desim run SCENARIO [flags]", "Examples:"}},
		{[]string{"help", "run"}, []string{"Usage:\n  desim run SCENARIO [flags]", "Examples:", "--seed"}},
		{[]string{"scenarios", "-h"}, []string{"Usage:\n  desim scenarios [show NAME]", "desim scenarios show A2"}},
		{[]string{"help", "scenarios"}, []string{"Usage:\n  desim scenarios [show NAME]", "desim scenarios show A2"}},
		{[]string{"run", "A2", "-h"}, []string{"Usage:\n  desim run SCENARIO [flags]"}},
		{[]string{"sweep", "--help"}, []string{"Usage:\n  desim sweep SCENARIO... [flags]", "-o, --output FILE", "--seeds", "--shard", "--resume"}},
		{[]string{"help", "help"}, []string{"desim help [command]"}},
	} {
		r := desim(tc.args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("desim %v: exit %d, stderr %s", tc.args, r.code, r.stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("desim %v lacks %q:\n%s", tc.args, w, r.stdout)
			}
		}
	}
	// "desim help run" and "desim run -h" say the same.
	if a, b := desim("help", "run").stdout, desim("run", "-h").stdout; a != b {
		t.Errorf("desim help run and desim run -h differ:\n%s\n---\n%s", a, b)
	}
	// "-h" after a bad argument still shows the help, and runs nothing.
	dir := filepath.Join(t.TempDir(), "out")
	if r := desim("run", "NOPE", "--out", dir, "-h"); r.code != 0 || !strings.Contains(r.stdout, "desim run SCENARIO") {
		t.Errorf("desim run NOPE -h: exit %d, stdout:\n%s", r.code, r.stdout)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("desim run -h wrote %s", dir)
	}
}

func TestUnknownCommandAndNoArguments(t *testing.T) {
	r := desim("frobnicate")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown command "frobnicate" for "desim"`) || !strings.Contains(r.stderr, `Run "desim --help" for usage.`) {
		t.Errorf("unknown command: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "Did you mean") {
		t.Errorf("unknown command far from every command: a suggestion anyway:\n%s", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("unknown command wrote to stdout:\n%s", r.stdout)
	}
	// Without arguments: the overview of desim --help, on stderr, exit 2.
	r = desim()
	if r.code != 2 || r.stdout != "" || r.stderr != desim("--help").stdout {
		t.Errorf("no arguments: exit %d, stdout %q, stderr (want the output of desim --help):\n%s", r.code, r.stdout, r.stderr)
	}
	r = desim("version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "desim ") {
		t.Errorf("version: exit %d, stdout %q", r.code, r.stdout)
	}
}

// TestRunDefaultOutAndQuiet: without --out the run goes to
// out/<name>-seed<N>/ under the working directory, or
// out/<name>-seed<N>-<duration>/ with --duration; --quiet prints only the
// replay command, on stderr; --json prints the summary on stdout.
func TestRunDefaultOutAndQuiet(t *testing.T) {
	t.Chdir(t.TempDir())
	r := mustRun(t, "run", "B4", "--seed", "12", "--duration", "5s", "--quiet")
	want := "replay: desim run " + filepath.Join("out", "B4-seed12-5s", "scenario.yaml") + "\n"
	if r.stderr != want || r.stdout != "" {
		t.Errorf("--quiet stderr %q, stdout %q; want stderr %q and no stdout", r.stderr, r.stdout, want)
	}
	files := readOutDir(t, filepath.Join("out", "B4-seed12-5s"))
	for _, n := range []string{"machine-0.csv", "machine-1.csv", "machine-2.csv", "summary.json", "scenario.yaml"} {
		if len(files[n]) == 0 {
			t.Errorf("out/B4-seed12/%s missing or empty", n)
		}
	}
	// The scenario's own seed is the default (1 for the built-ins).
	r = mustRun(t, "run", "A1", "--seed", "1")
	if _, err := os.Stat(filepath.Join("out", "A1-seed1", "summary.json")); errors.Is(err, os.ErrNotExist) {
		t.Errorf("desim run A1 did not write out/A1-seed1/summary.json; stdout:\n%s", r.stdout)
	}
	// Without --quiet: a header and the metrics table on stdout, what was
	// written and the replay line on stderr.
	for _, w := range []string{"A1, seed 1, ", "clock_slope", "queue_slope"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
		}
	}
	for _, w := range []string{"wrote out", "replay: desim run out/A1-seed1/scenario.yaml"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	// A shorter run does not replace it: it goes to its own directory.
	mustRun(t, "run", "A1", "--duration", "2s", "--quiet")
	readOutDir(t, filepath.Join("out", "A1-seed1-2s"))
	if sum, err := experiment.Dir(filepath.Join("out", "A1-seed1")).ReadSummary(); err != nil || sum.DurationS == 2 {
		t.Errorf("the 2 s run replaced the full run: %v %+v", err, sum)
	}
	// --json: exactly summary.json on stdout.
	r = mustRun(t, "run", "A1", "--duration", "2s", "--json")
	data, err := os.ReadFile(filepath.Join("out", "A1-seed1-2s", "summary.json"))
	if err != nil || r.stdout != string(data) {
		t.Errorf("--json printed %q, want summary.json %q (%v)", r.stdout, data, err)
	}
}
