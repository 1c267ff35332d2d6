package scenarios

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"desim/sim"
)

// fuzzFile is the file name FuzzParse parses under; its base name is a
// valid default name.
const fuzzFile = "fuzz.yaml"

// FuzzParse checks that Parse never panics, that every error is a *Error
// naming the file, and that every scenario it accepts keeps the documented
// bounds and round-trips through Marshal. Its seed corpus is every
// built-in, every validation case (timing blocks too) and
// testdata/fuzz/FuzzParse/.
func FuzzParse(f *testing.F) {
	for _, name := range Names() {
		src, ok := Source(name)
		if !ok {
			f.Fatalf("no source for built-in %s", name)
		}
		f.Add(src)
	}
	for _, c := range parseErrorCases {
		// Large inputs (the 1001 machines) slow the fuzzer down: it
		// spends its time minimising what it derives from them.
		if len(c.yaml) <= 4096 {
			f.Add([]byte(c.yaml))
		}
	}
	for _, c := range timingErrorCases {
		f.Add([]byte(c.yaml))
	}
	f.Add([]byte(timingYAML))
	f.Add([]byte(loadYAML))
	f.Add([]byte(head + twoMachines))
	f.Add([]byte(noDuration))
	f.Fuzz(func(t *testing.T, data []byte) {
		// With a default duration, a file that has its own parses the
		// same, and one without parses with the default.
		withDefault, derr := ParseWith(fuzzFile, data, Options{DefaultDuration: fuzzDefault})
		if derr != nil {
			checkErrors(t, data, withDefault, derr)
		} else {
			checkBounds(t, withDefault)
		}
		s, err := Parse(fuzzFile, data)
		if err != nil {
			checkErrors(t, data, s, err)
			return
		}
		if derr != nil || !reflect.DeepEqual(withDefault, s) {
			t.Errorf("with a default duration: %+v, %v; without: %+v", withDefault, derr, s)
		}
		checkBounds(t, s)
		out := Marshal(s)
		back, err := Parse(fuzzFile, out)
		if err != nil {
			t.Fatalf("Parse(Marshal(s)): %v\ninput:\n%s\nmarshalled:\n%s", err, data, out)
		}
		if !reflect.DeepEqual(back, s) {
			t.Fatalf("Parse(Marshal(s)) = %+v, want %+v\nmarshalled:\n%s", back, s, out)
		}
		if again := Marshal(back); !bytes.Equal(again, out) {
			t.Fatalf("Marshal is not stable:\n%s\nthen:\n%s", out, again)
		}
	})
}

// fuzzDefault is the default duration FuzzParse also parses with.
const fuzzDefault = 90 * time.Second

// checkErrors checks a failed parse of data: no scenario, and one or more
// *Errors naming the file, in the order of their lines, each at a line of
// the file (or one past its last line, for "unexpected end of stream").
func checkErrors(t *testing.T, data []byte, s *Scenario, err error) {
	t.Helper()
	if s != nil {
		t.Errorf("Parse returned a scenario with its error %v", err)
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
		if len(errs) < 2 || len(errs) > maxErrors+1 {
			t.Errorf("%d errors joined, want 2 to %d", len(errs), maxErrors+1)
		}
	}
	lines, prev := yamlLines(data), 0
	for _, one := range errs {
		e, ok := one.(*Error)
		if !ok {
			t.Fatalf("error %v is a %T, not a *Error", one, one)
		}
		if e.File != fuzzFile || e.Line < 0 || e.Msg == "" || !strings.HasPrefix(e.Error(), fuzzFile+":") {
			t.Errorf("malformed error %q (%+v)", e, *e)
		}
		if e.Line > lines+1 {
			t.Errorf("error %q at line %d of a file of %d lines", e, e.Line, lines)
		}
		if e.Line < prev {
			t.Errorf("error %q at line %d after one at line %d", e, e.Line, prev)
		}
		prev = e.Line
	}
}

// yamlLines counts the lines of data as YAML does: a line ends at "\r\n",
// "\r", "\n", U+0085, U+2028 or U+2029.
func yamlLines(data []byte) int {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	n := 1
	for _, r := range s {
		switch r {
		case '\r', '\n', '\u0085', '\u2028', '\u2029':
			n++
		}
	}
	return n
}

// checkBounds checks every documented bound of a parsed scenario.
func checkBounds(t *testing.T, s *Scenario) {
	t.Helper()
	n := len(s.Machines)
	if n < 2 || n > MaxMachines {
		t.Errorf("%d machines, want 2..%d", n, MaxMachines)
	}
	if s.Die < n || s.Die > sim.MaxFaces {
		t.Errorf("die %d, want %d..%d", s.Die, n, sim.MaxFaces)
	}
	if s.Duration <= 0 || s.Duration > maxDuration {
		t.Errorf("duration %s not in (0, 10^7 s]", s.Duration)
	}
	if s.Latency < 0 || s.Latency > maxDuration || s.Jitter < 0 || s.Jitter > maxDuration {
		t.Errorf("latency %s or jitter %s not in [0, 10^7 s]", s.Latency, s.Jitter)
	}
	if !namePattern.MatchString(s.Name) {
		t.Errorf("name %q breaks the name rule", s.Name)
	}
	if strings.ContainsRune(s.Description, 0) {
		t.Errorf("description %q holds a NUL byte", s.Description)
	}
	for i, m := range s.Machines {
		if m.Rate.IsZero() {
			t.Errorf("machine %d has no rate", i)
			continue
		}
		if r := m.Rate.Float64(); !(r > 0) || r > sim.MaxRate || math.IsInf(r, 0) {
			t.Errorf("machine %d: rate %v not in (0, %g]", i, r, float64(sim.MaxRate))
		}
		if back, err := sim.ParseRate(m.Rate.String()); err != nil || back != m.Rate {
			t.Errorf("machine %d: rate %s does not read back: %v", i, m.Rate, err)
		}
		if m.Start < 0 || m.Start >= s.Duration {
			t.Errorf("machine %d starts at %s, not in [0, %s)", i, m.Start, s.Duration)
		}
		for _, tm := range []Timing{m.Timing, s.Timing} {
			if tm.OvershootMean < 0 || tm.OvershootMean > time.Second || tm.OvershootSD < 0 || tm.OvershootSD > time.Second ||
				tm.OvershootMean > 0 && tm.OvershootSD > 10*tm.OvershootMean || tm.StartSpread < 0 || tm.StartSpread > maxDuration {
				t.Errorf("machine %d: timing %+v out of range", i, tm)
			}
		}
		if m.Start+m.Timing.StartSpread > s.Duration {
			t.Errorf("machine %d may start after the end: start %s + spread %s > %s", i, m.Start, m.Timing.StartSpread, s.Duration)
		}
	}
	if err := s.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
	cfg := s.Config(s.Seed)
	if err := cfg.Validate(); err != nil {
		t.Errorf("Config.Validate: %v", err)
	}
}

// TestFuzzCorpus reads the seed corpus of FuzzParse: every file is in Go's
// corpus format, and those named valid-* hold scenarios that Parse accepts
// (so the fuzzer starts from inputs that reach the round trip).
func TestFuzzCorpus(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParse", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 10 {
		t.Fatalf("%d files in the seed corpus, want at least 10", len(paths))
	}
	valid := 0
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		text := string(raw)
		lit, ok := strings.CutPrefix(text, "go test fuzz v1\n[]byte(")
		lit, ok2 := strings.CutSuffix(strings.TrimRight(lit, "\n"), ")")
		if !ok || !ok2 {
			t.Errorf("%s is not in the corpus format (go test fuzz v1, then []byte(\"...\"))", path)
			continue
		}
		data, err := strconv.Unquote(lit)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if strings.HasPrefix(filepath.Base(path), "valid-") {
			valid++
			if _, err := Parse(fuzzFile, []byte(data)); err != nil {
				t.Errorf("%s: %v", path, err)
			}
		}
	}
	if valid < 5 {
		t.Errorf("%d valid-* seeds, want at least 5", valid)
	}
}
