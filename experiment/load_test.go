package experiment

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"desim/scenarios"
)

// TestLoadForgiving checks Load's rules for a newcomer's input: built-in
// names in any case, a suggestion for a mistyped one, a file without a
// duration when the duration is given, every problem of a file at once,
// and standard input as "-".
func TestLoadForgiving(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	short := write("short.yaml", "die: 3\nmachines:\n  - rate: 6\n  - rate: 1\n")
	bad := write("bad.yaml", "name: my run\ndie: 3\nmachines:\n  - rate: 0\n  - rate: 1\n    speed: 2\n")
	late := write("late.yaml", "die: 3\nmachines:\n  - rate: 6\n  - rate: 1\n    start: 30s\n")

	for _, c := range []struct {
		name, arg string
		o         Overrides
		wantName  string
		wantDur   time.Duration
		err       string // the whole error, when one is expected
		notExist  bool
	}{
		{name: "built-in in lower case", arg: "a3", wantName: "A3", wantDur: 590 * time.Second},
		{name: "captioned built-in in upper case", arg: "B2-CAPTIONED", o: Overrides{Duration: time.Minute}, wantName: "B2-captioned", wantDur: time.Minute},
		{name: "mistyped built-in", arg: "A33", err: `no built-in scenario or file "A33"; did you mean A3?`, notExist: true},
		{name: "neither built-in nor file", arg: filepath.Join(dir, "nope.yaml"), err: `no built-in scenario or file "` + filepath.Join(dir, "nope.yaml") + `" (built-ins: A1, A2, A3, A4, A5, B1, B2, B3, B4, B2-captioned, B3-captioned)`, notExist: true},
		{name: "no duration, with --duration", arg: short, o: Overrides{Duration: 45 * time.Second}, wantName: "short", wantDur: 45 * time.Second},
		{name: "no duration, without --duration", arg: short, err: short + ":1: missing duration (virtual time of the run, e.g. duration: 60s)"},
		{name: "no duration, a machine starting after --duration", arg: late, o: Overrides{Duration: 30 * time.Second}, err: late + ":4: machine 1 starts at 30s, not before the end of the run (30s)"},
		{name: "every problem at once", arg: bad, o: Overrides{Duration: time.Minute}, err: bad + `:1: name "my run" may only use letters, digits, '.', '_' and '-'` + "\n" +
			bad + ":4: machine 0: rate 0 must be positive\n" +
			bad + `:6: machine 1: unknown key "speed" (known: rate, start, timing)`},
		{name: "standard input", arg: "-", o: Overrides{Duration: time.Minute, Stdin: strings.NewReader("name: piped\ndie: 2\nmachines: [{rate: 1}, {rate: 2}]\n")}, wantName: "piped", wantDur: time.Minute},
		{name: "standard input, without a name", arg: "-", o: Overrides{Stdin: strings.NewReader("duration: 5s\ndie: 2\nmachines: [{rate: 1}, {rate: 2}]\n")}, wantName: scenarios.StdinName, wantDur: 5 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Load(c.arg, c.o)
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("Load(%q) = %v\nwant %s", c.arg, err, c.err)
				}
				if !errors.Is(err, ErrInput) {
					t.Errorf("error %v is not bad input", err)
				}
				if errors.Is(err, fs.ErrNotExist) != c.notExist {
					t.Errorf("errors.Is(%v, fs.ErrNotExist) = %v, want %v", err, !c.notExist, c.notExist)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != c.wantName || s.Duration != c.wantDur {
				t.Errorf("Load(%q) = %s of %s, want %s of %s", c.arg, s.Name, s.Duration, c.wantName, c.wantDur)
			}
		})
	}
}
