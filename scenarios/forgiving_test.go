package scenarios

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestBuiltinName(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"A3", "A3", true},
		{"a3", "A3", true},
		{"b2-captioned", "B2-captioned", true},
		{"B2-CAPTIONED", "B2-captioned", true},
		{"b3-Captioned", "B3-captioned", true},
		{"A33", "", false},
		{"", "", false},
		{"A3.yaml", "", false},
		{"./A3", "", false},
	} {
		got, ok := BuiltinName(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("BuiltinName(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// TestLoadBuiltinAnyCase: a built-in name in any case loads the built-in,
// under its canonical name.
func TestLoadBuiltinAnyCase(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a3", "A3"},
		{"A3", "A3"},
		{"b1", "B1"},
		{"b2-captioned", "B2-captioned"},
		{"B3-CAPTIONED", "B3-captioned"},
	} {
		t.Run(c.in, func(t *testing.T) {
			s, err := Load(c.in)
			if err != nil {
				t.Fatal(err)
			}
			want, err := Builtin(c.want)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != c.want || !reflect.DeepEqual(s, want) {
				t.Errorf("Load(%q) = %+v, want the built-in %s %+v", c.in, s, c.want, want)
			}
		})
	}
}

// TestLoadDidYouMean: a name that is neither a built-in nor a file gets the
// nearest built-in, or the list of them when none is near.
func TestLoadDidYouMean(t *testing.T) {
	list := "(built-ins: A1, A2, A3, A4, A5, B1, B2, B3, B4, B2-captioned, B3-captioned)"
	for _, c := range []struct{ in, want string }{
		{"A33", `no built-in scenario or file "A33"; did you mean A3?`},
		{"a33", `no built-in scenario or file "a33"; did you mean A3?`},
		{"B2-captiond", `no built-in scenario or file "B2-captiond"; did you mean B2-captioned?`},
		{"b4x", `no built-in scenario or file "b4x"; did you mean B4?`},
		{"nosuch", `no built-in scenario or file "nosuch" ` + list},
		{"mine.yaml", `no built-in scenario or file "mine.yaml" ` + list},
	} {
		t.Run(c.in, func(t *testing.T) {
			_, err := Load(c.in)
			if err == nil || err.Error() != c.want {
				t.Errorf("Load(%q) = %v, want %q", c.in, err, c.want)
			}
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Load(%q) = %v, which does not match fs.ErrNotExist", c.in, err)
			}
		})
	}
}

// noDuration is a valid scenario but for its duration.
const noDuration = "die: 3\nmachines:\n  - rate: 6\n  - rate: 1\n    start: 20s\n"

// TestDefaultDuration: a file may leave its duration out when a default is
// given, and only then.
func TestDefaultDuration(t *testing.T) {
	for _, c := range []struct {
		name string
		yaml string
		def  time.Duration
		want time.Duration // 0 when an error is expected
		line int
		msg  string
	}{
		{name: "missing, with a default", yaml: noDuration, def: 30 * time.Second, want: 30 * time.Second},
		{name: "missing, without a default", yaml: noDuration, line: 1, msg: "missing duration (virtual time of the run, e.g. duration: 60s)"},
		{name: "given, with a default", yaml: "duration: 60s\n" + noDuration, def: 30 * time.Second, want: 60 * time.Second},
		{name: "given and wrong, with a default", yaml: "duration: 60\n" + noDuration, def: 30 * time.Second, line: 1, msg: `duration "60" needs a unit`},
		{name: "missing, a machine starts after the default", yaml: noDuration, def: 20 * time.Second, line: 4, msg: "machine 1 starts at 20s, not before the end of the run (20s)"},
		{name: "missing, the default too long", yaml: noDuration, def: maxDuration + 1, line: 1, msg: "the default duration 10000000000000001ns is above 10^7 s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := ParseWith(parseFile, []byte(c.yaml), Options{DefaultDuration: c.def})
			if c.want == 0 {
				var e *Error
				if !errors.As(err, &e) || e.Line != c.line || !strings.Contains(e.Msg, c.msg) {
					t.Fatalf("ParseWith = %v, want %s:%d: ...%s...", err, parseFile, c.line, c.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Duration != c.want {
				t.Errorf("duration %s, want %s", s.Duration, c.want)
			}
		})
	}

	t.Run("from a file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "short.yaml")
		if err := os.WriteFile(path, []byte(noDuration), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := LoadWith(path, Options{DefaultDuration: time.Minute})
		if err != nil || s.Duration != time.Minute || s.Name != "short" {
			t.Errorf("LoadWith(%s) = %+v, %v; want a scenario of 1m named short", path, s, err)
		}
		if _, err := Load(path); err == nil || err.Error() != path+":1: missing duration (virtual time of the run, e.g. duration: 60s)" {
			t.Errorf("Load(%s) = %v, want a missing duration", path, err)
		}
	})
}

// problem is one expected *Error of a file: its line and a piece of its
// message.
type problem struct {
	line int
	msg  string
}

// problems returns the *Errors of err in order: err itself, or those that
// errors.Join put together.
func problems(t *testing.T, err error) []*Error {
	t.Helper()
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var out []*Error
	for _, e := range errs {
		se, ok := e.(*Error)
		if !ok {
			t.Fatalf("%v (a %T) among the errors is not a *Error", e, e)
		}
		out = append(out, se)
	}
	return out
}

// TestAllProblemsInOneGo: every problem of a file is reported at once,
// each with its line, in the order of the lines.
func TestAllProblemsInOneGo(t *testing.T) {
	for _, c := range []struct {
		name string
		yaml string
		want []problem
	}{
		{"every key missing", "name: x\n", []problem{
			{1, "missing duration"}, {1, "missing die"}, {1, "missing machines"},
		}},
		{"wrong values and unknown keys, in line order", "name: my run\nspeed: 2\nduration: 60\ndie: 3\nlatency: -1s\nmachines:\n  - rate: 0\n  - rate: 1\n    begin: 1s\n", []problem{
			{1, `name "my run" may only use`},
			{2, `unknown key "speed" (known: name, description, seed, duration, die, latency, jitter, timing, machines); did you mean seed?`},
			{3, `duration "60" needs a unit`},
			{5, "latency -1s is negative"},
			{7, "machine 0: rate 0 must be positive"},
			{9, `machine 1: unknown key "begin" (known: rate, start, timing)`},
		}},
		{"a misspelt key stands for the missing one", "duration: 60s\ndice: 3\nmachines:\n" + twoMachines, []problem{
			{2, `unknown key "dice" (known: name, description, seed, duration, die, latency, jitter, timing, machines); did you mean die?`},
		}},
		{"a key in another case stands for the missing one", "DURATION: 60s\ndie: 3\nmachine:\n" + twoMachines, []problem{
			{1, `unknown key "DURATION" (known: name, description, seed, duration, die, latency, jitter, timing, machines); did you mean duration?`},
			{3, `unknown key "machine" (known: name, description, seed, duration, die, latency, jitter, timing, machines); did you mean machines?`},
		}},
		{"a present key is not suggested", "duration: 60s\ndie: 3\ndies: 4\nmachines:\n" + twoMachines, []problem{
			{3, `unknown key "dies" (known: name, description, seed, duration, die, latency, jitter, timing, machines)`},
		}},
		{"a misspelt machine key stands for the missing rate", head + "  - rat: 6\n  - rate: 1\n    strat: 1s\n", []problem{
			{4, `machine 0: unknown key "rat" (known: rate, start, timing); did you mean rate?`},
			{6, `machine 1: unknown key "strat" (known: rate, start, timing); did you mean start?`},
		}},
		{"every machine's problems", "duration: 60s\ndie: 4\nmachines:\n" + "  - rate: 0\n  - rate: fast\n    start: -1s\n  - start: 1s\n  - 6\n", []problem{
			{4, "machine 0: rate 0 must be positive"},
			{5, `machine 1: rate "fast" is not a number`},
			{6, "machine 1: start -1s is negative"},
			{7, "machine 2 has no rate"},
			{8, "machine 3 must be a mapping"},
		}},
		{"duplicates and the rest", "duration: 60s\ndie: 3\ndie: 4\nseed: x\nmachines:\n" + twoMachines + "duration: 1s\n", []problem{
			{3, "die appears twice (first at line 2)"},
			{4, `seed "x" is not an unsigned 64-bit integer`},
			{8, "duration appears twice (first at line 1)"},
		}},
		{"no check across keys on a wrong value", "duration: 0s\ndie: 0\nmachines:\n  - rate: 6\n    start: 1s\n  - rate: 1\n", []problem{
			{1, "duration 0s must be positive"},
			{2, `die "0" must be a whole number`},
		}},
		{"checks across keys with the others' problems", "duration: 10s\ndie: 3\nseed: -1\nmachines:\n" + strings.Repeat("  - rate: 1\n    start: 10s\n", 4), []problem{
			{2, "die has 3 faces, fewer than the 4 machines"},
			{3, `seed "-1" is not`},
			{5, "machine 0 starts at 10s"},
			{7, "machine 1 starts at 10s"},
			{9, "machine 2 starts at 10s"},
			{11, "machine 3 starts at 10s"},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(parseFile, []byte(c.yaml))
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			got := problems(t, err)
			var lines []string
			for i, e := range got {
				lines = append(lines, e.Error())
				if i >= len(c.want) {
					continue
				}
				w := c.want[i]
				if e.File != parseFile || e.Line != w.line || !strings.Contains(e.Msg, w.msg) {
					t.Errorf("problem %d = %q, want %s:%d: ...%s...", i, e, parseFile, w.line, w.msg)
				}
			}
			if len(got) != len(c.want) {
				t.Errorf("%d problems, want %d:\n%s", len(got), len(c.want), err)
			}
			if err.Error() != strings.Join(lines, "\n") {
				t.Errorf("error text %q, want one line per problem", err)
			}
			if len(got) == 1 && err != error(got[0]) {
				t.Errorf("one problem is returned as a %T, want the *Error itself", err)
			}
		})
	}
}

// TestTooManyProblems: past maxErrors, the rest are counted on one line.
func TestTooManyProblems(t *testing.T) {
	text := "duration: 60s\ndie: 50\nmachines:\n" + strings.Repeat("  - rate: 0\n", 30)
	_, err := Parse(parseFile, []byte(text))
	got := problems(t, err)
	if len(got) != maxErrors+1 {
		t.Fatalf("%d problems listed, want %d:\n%v", len(got), maxErrors+1, err)
	}
	for i, e := range got[:maxErrors] {
		if want := fmt.Sprintf("%s:%d: machine %d: rate 0 must be positive", parseFile, 4+i, i); e.Error() != want {
			t.Errorf("problem %d = %q, want %q", i, e, want)
		}
	}
	if last, want := got[maxErrors].Error(), fmt.Sprintf("%s:%d: and 10 more problems from here on", parseFile, 4+maxErrors); last != want {
		t.Errorf("last line %q, want %q", last, want)
	}
}
