package main

import (
	"desim/internal/buildinfo"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// The behaviour the command line gained with cobra: suggestions for
// mistyped commands and flags, shell completion, "desim version" and
// "--version", and GNU-style flags in the help.

// TestSuggestions: a mistyped command or flag exits 2, does nothing, and
// suggests the nearest name; a name far from every other gets none.
func TestSuggestions(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	for _, tc := range []struct {
		name    string
		args    []string
		want    []string // each must appear in stderr
		suggest string   // the suggestion, on its own line after "Did you mean this?"; "" for none
	}{
		{"command", []string{"rn", "A3", "--out", out}, []string{`unknown command "rn" for "desim"`, `Run "desim --help" for usage.`}, "run"},
		{"command, a letter swapped", []string{"sewep", "A3"}, []string{`unknown command "sewep"`}, "sweep"},
		{"command, a letter missing", []string{"scenaros"}, []string{`unknown command "scenaros"`}, "scenarios"},
		{"command after help", []string{"help", "rn"}, []string{`unknown command "rn"`}, "run"},
		{"command far from all", []string{"frobnicate"}, []string{`unknown command "frobnicate"`}, ""},
		{"flag", []string{"run", "A3", "--sed", "5", "--out", out}, []string{"desim run: unknown flag: --sed", `Run "desim run --help" for usage.`}, "--seed"},
		{"flag, a prefix", []string{"run", "A3", "--dur", "5s", "--out", out}, []string{"unknown flag: --dur"}, "--duration"},
		{"flag of another command", []string{"sweep", "A3", "--seds", "10"}, []string{"desim sweep: unknown flag: --seds"}, "--seeds"},
		{"flag with a value", []string{"run", "A3", "--sed=5", "--out", out}, []string{"unknown flag: --sed"}, "--seed"},
		{"flag far from all", []string{"run", "A3", "--frobnicate", "--out", out}, []string{"unknown flag: --frobnicate", `Run "desim run --help" for usage.`}, ""},
		{"shorthand flag", []string{"run", "A3", "-x", "--out", out}, []string{"unknown shorthand flag: 'x' in -x"}, ""},
		{"old single-dash long flag", []string{"sweep", "A3", "-seeds", "10"}, []string{"unknown shorthand flag: 's' in -seeds"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := desim(tc.args...)
			if r.code != 2 {
				t.Errorf("exit status %d, want 2; stderr:\n%s", r.code, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout is not empty:\n%s", r.stdout)
			}
			noPanic(t, "stderr", r.stderr)
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			m := regexp.MustCompile(`Did you mean this\?\n((?:\t\S+\n)+)`).FindStringSubmatch(r.stderr)
			switch {
			case tc.suggest == "" && strings.Contains(r.stderr, "Did you mean"):
				t.Errorf("a suggestion, want none:\n%s", r.stderr)
			case tc.suggest != "" && (m == nil || !strings.Contains(m[1], "\t"+tc.suggest+"\n")):
				t.Errorf("no suggestion %q:\n%s", tc.suggest, r.stderr)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("the output directory was created (stat: %v)", err)
			}
		})
	}
}

// TestCompletion: "desim completion SHELL" prints a non-empty completion
// script for desim and exits 0; an unknown shell is bad usage.
func TestCompletion(t *testing.T) {
	for _, tc := range []struct {
		shell string
		want  []string // marks of that shell's script
	}{
		{"bash", []string{"# bash completion V2 for desim", "__desim_", "complete -o default -F __start_desim desim"}},
		{"zsh", []string{"#compdef desim", "_desim"}},
		{"fish", []string{"# fish completion for desim", "complete -c desim"}},
		{"powershell", []string{"# powershell completion for desim", "Register-ArgumentCompleter"}},
	} {
		t.Run(tc.shell, func(t *testing.T) {
			r := desim("completion", tc.shell)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
			if len(r.stdout) < 500 {
				t.Errorf("a %d-byte script:\n%s", len(r.stdout), r.stdout)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("the %s script lacks %q", tc.shell, w)
				}
			}
			// The script is desim's, not the test binary's.
			if strings.Contains(r.stdout, ".test") {
				t.Errorf("the %s script names the test binary", tc.shell)
			}
			// The same script every time.
			if again := desim("completion", tc.shell).stdout; again != r.stdout {
				t.Errorf("two runs gave different %s scripts", tc.shell)
			}
		})
	}
	// A shell cobra does not know, or none, is bad usage.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"completion", "tcsh"}, `unknown command "tcsh" for "desim completion"`},
		{[]string{"completion"}, "need a SHELL: bash, fish, powershell or zsh"},
	} {
		r := desim(tc.args...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("desim %s: exit %d, stdout %q, stderr %q; want 2, nothing on stdout and %q", strings.Join(tc.args, " "), r.code, r.stdout, r.stderr, tc.want)
		}
	}
}

// TestCompletionRequests: the completion scripts ask desim itself (the
// hidden __complete command) for candidates: the commands, a command's
// flags with two dashes, and nothing but the shells for completion.
func TestCompletionRequests(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string // candidates, each at the start of a line
		not  []string
	}{
		{[]string{"__complete", "r"}, []string{"real", "reproduce", "run"}, []string{"sweep"}},
		{[]string{"__complete", "run", "A2", "--s"}, []string{"--seed"}, []string{"--seeds", "--out"}},
		{[]string{"__complete", "sweep", "A2", "--"}, []string{"--seeds", "--output", "--shard", "--resume", "--workers"}, []string{"--seed\t", "--out\t"}},
		{[]string{"__complete", "completion", ""}, []string{"bash", "fish", "powershell", "zsh"}, nil},
		{[]string{"__complete", "help", "sw"}, []string{"sweep"}, []string{"run"}},
	} {
		r := desim(tc.args...)
		if r.code != 0 {
			t.Errorf("desim %s: exit %d, stderr:\n%s", strings.Join(tc.args, " "), r.code, r.stderr)
			continue
		}
		for _, w := range tc.want {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(w) + `(\t|$)`).MatchString(r.stdout) {
				t.Errorf("desim %s: no candidate %q:\n%s", strings.Join(tc.args, " "), w, r.stdout)
			}
		}
		for _, n := range tc.not {
			if regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(strings.TrimSuffix(n, "\t")) + `(\t|$)`).MatchString(r.stdout) {
				t.Errorf("desim %s: unexpected candidate %q:\n%s", strings.Join(tc.args, " "), n, r.stdout)
			}
		}
	}
}

// TestVersion: "desim version", "desim --version" and "desim -v" print the
// same line "desim VERSION" and exit 0; the version command takes no
// arguments.
func TestVersion(t *testing.T) {
	var first string
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}} {
		r := desim(args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("desim %v: exit %d, stderr %q", args, r.code, r.stderr)
		}
		if !regexp.MustCompile(`^desim \S.*\n$`).MatchString(r.stdout) || strings.Count(r.stdout, "\n") != 1 {
			t.Errorf("desim %v printed %q, want one line \"desim VERSION\"", args, r.stdout)
		}
		if strings.HasPrefix(r.stdout, "desim desim") {
			t.Errorf("desim %v names desim twice: %q", args, r.stdout)
		}
		if first == "" {
			first = r.stdout
		} else if r.stdout != first {
			t.Errorf("desim %v printed %q, desim version %q", args, r.stdout, first)
		}
	}
	if want := "desim " + buildinfo.Version() + "\n"; first != want {
		t.Errorf("desim version printed %q, want %q", first, want)
	}
	if r := desim("version", "extra"); r.code != 2 || !strings.Contains(r.stderr, "extra") {
		t.Errorf("desim version extra: exit %d, stderr %q; want 2 naming the argument", r.code, r.stderr)
	}
}

// TestHelpFlagsGNUStyle: the help lists long flags with two dashes,
// shorthands beside them, whichever way the help is asked for.
func TestHelpFlagsGNUStyle(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string // each must appear at the start of a flag line
		not  []string
	}{
		{[]string{"help", "run"}, []string{"--seed string", "--duration string", "--out string", "--plot", "--quiet", "-h, --help"}, []string{"-seed"}},
		{[]string{"run", "--help"}, []string{"--seed string", "--duration string", "--out string", "--plot", "--quiet", "-h, --help"}, []string{"-seed"}},
		{[]string{"sweep", "--help"}, []string{"-o, --output FILE", "--seeds string", "--resume FILE", "--shard string", "--workers int", "--json", "--csv"}, []string{"-seeds", "-o string"}},
		{[]string{"merge", "--help"}, []string{"-o, --output FILE", "--json", "--csv"}, nil},
		{[]string{"plot", "--help"}, []string{"-o, --output FILE"}, nil},
		{[]string{"validate", "--help"}, []string{"--seeds int", "--real-runs int", "--speed float", "--connect-timeout duration"}, nil},
		{[]string{"machine", "--help"}, []string{"--id int", "--peers string", "--token string", "--control"}, nil},
	} {
		r := desim(tc.args...)
		if r.code != 0 {
			t.Errorf("desim %v: exit %d, stderr %s", tc.args, r.code, r.stderr)
			continue
		}
		_, flags, ok := strings.Cut(r.stdout, "\nFlags:\n")
		if !ok {
			t.Errorf("desim %v has no Flags section:\n%s", tc.args, r.stdout)
			continue
		}
		for _, w := range tc.want {
			if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(w) + `\s`).MatchString(flags) {
				t.Errorf("desim %v does not list %q:\n%s", tc.args, w, flags)
			}
		}
		for _, n := range tc.not {
			if regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(n) + `\s`).MatchString(flags) {
				t.Errorf("desim %v lists %q:\n%s", tc.args, n, flags)
			}
		}
	}
	// "desim help run" and "desim run --help" are the same page.
	if a, b := desim("help", "run").stdout, desim("run", "--help").stdout; a != b {
		t.Errorf("desim help run and desim run --help differ:\n%s\n---\n%s", a, b)
	}
}

// TestOutputFlagBothSpellings: -o and --output are one flag.
func TestOutputFlagBothSpellings(t *testing.T) {
	dir := t.TempDir()
	short, long := filepath.Join(dir, "short.txt"), filepath.Join(dir, "long.txt")
	args := []string{"sweep", "A2", "--seeds", "5", "--duration", "5s", "--workers", "2", "--quiet"}
	mustRun(t, append(args, "-o", short)...)
	mustRun(t, append(args, "--output", long)...)
	mustRun(t, append(args, "--output="+long+".eq")...)
	a, errA := os.ReadFile(short)
	b, errB := os.ReadFile(long)
	c, errC := os.ReadFile(long + ".eq")
	if errA != nil || errB != nil || errC != nil || len(a) == 0 || string(a) != string(b) || string(b) != string(c) {
		t.Errorf("-o, --output and --output= wrote different results (%v, %v, %v)", errA, errB, errC)
	}
}

// TestHelpExamplesParse: every "desim ..." command line in the help's
// examples names an existing command and only flags it has, with values
// they accept (so examples cannot go stale when flags change, as the
// single-dash long flags of the old command line did).
func TestHelpExamplesParse(t *testing.T) {
	root := newRoot(&env{stdout: io.Discard, stderr: io.Discard})
	var cmds []*cobra.Command
	var collect func(c *cobra.Command)
	collect = func(c *cobra.Command) {
		cmds = append(cmds, c)
		for _, sub := range c.Commands() {
			collect(sub)
		}
	}
	collect(root)
	n := 0
	for _, c := range cmds {
		for _, line := range strings.Split(c.Example, "\n") {
			// Each command of a line ("a && b", "a | b", "a > f"), up to a
			// comment: two spaces or more after it.
			for _, part := range regexp.MustCompile(`&&|\||>|#`).Split(line, -1) {
				part = strings.TrimSpace(part)
				if i := strings.Index(part, "   "); i >= 0 {
					part = part[:i]
				}
				if !strings.HasPrefix(part, "desim ") {
					continue
				}
				// A shell variable stands for a number ($S, the start
				// instant) or a list ($P, the peers): "1" parses as either.
				part = regexp.MustCompile(`\$\w+`).ReplaceAllString(part, "1")
				args := strings.Fields(part)[1:]
				fresh := newRoot(&env{stdout: io.Discard, stderr: io.Discard})
				fresh.InitDefaultHelpCmd()
				cmd, rest, err := fresh.Find(args)
				if err != nil || cmd == fresh {
					t.Errorf("example %q (in the help of %s): no such command (%v)", part, c.CommandPath(), err)
					continue
				}
				cmd.InitDefaultHelpFlag()
				if err := cmd.ParseFlags(rest); err != nil {
					t.Errorf("example %q (in the help of %s): %v", part, c.CommandPath(), err)
					continue
				}
				if cmd.Args != nil {
					if err := cmd.Args(cmd, cmd.Flags().Args()); err != nil {
						t.Errorf("example %q (in the help of %s): %v", part, c.CommandPath(), err)
					}
				}
				n++
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d example command lines found in the help", n)
	}
}
