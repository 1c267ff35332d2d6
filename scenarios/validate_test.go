package scenarios

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"desim/sim"
)

// parseFile is the file name every validation case is parsed under.
const parseFile = "case.yaml"

// head is the start of most cases: lines 1-3, with the machines from line 4.
const head = "duration: 60s\ndie: 3\nmachines:\n"

// twoMachines completes head into a valid scenario (lines 4-5).
const twoMachines = "  - rate: 6\n  - rate: 1\n"

// parseErrorCases are scenario texts that Parse must reject, with the line
// of the error and a piece of its message.
var parseErrorCases = []struct {
	name string
	yaml string
	line int
	msg  string
}{
	// Machines.
	{"no machines", head[:len(head)-1] + " []\n", 3, "0 machine(s); a scenario needs at least 2"},
	{"one machine", head + "  - rate: 6\n", 4, "1 machine(s); a scenario needs at least 2"},
	{"too many machines", "duration: 60s\ndie: 2000\nmachines:\n" + strings.Repeat("  - rate: 1\n", MaxMachines+1), 4, "1001 machines; at most 1000"},
	{"machines not a list", head[:len(head)-1] + " 3\n", 3, "machines must be a list"},
	{"machines a mapping", head + "  rate: 6\n", 4, "machines must be a list (- rate: 6), found a mapping"},
	{"machines null", head, 3, "machines must be a list"},
	{"machine not a mapping", head + "  - 6\n  - rate: 1\n", 4, "machine 0 must be a mapping"},
	{"machine a list", head + "  - rate: 6\n  - [1]\n", 5, "machine 1 must be a mapping (rate: 6), found a list"},
	{"missing rate", head + "  - rate: 6\n  - start: 1s\n", 5, "machine 1 has no rate"},
	{"rate null", head + "  - rate:\n  - rate: 1\n", 4, "rate has no value"},
	{"rate a list", head + "  - rate: [6]\n  - rate: 1\n", 4, "rate must be a single value, found a list"},
	{"unknown machine key", head + "  - rate: 6\n    speed: 2\n  - rate: 1\n", 5, `machine 0: unknown key "speed" (known: rate, start, timing)`},
	{"duplicate machine key", head + "  - rate: 6\n  - rate: 1\n    rate: 2\n", 6, "machine 1: rate appears twice"},

	// Die.
	{"die below machines", "duration: 60s\ndie: 2\nmachines:\n  - rate: 6\n  - rate: 1\n  - rate: 1\n", 2, "die has 2 faces, fewer than the 3 machines"},
	{"die zero", "duration: 60s\ndie: 0\nmachines:\n" + twoMachines, 2, `die "0" must be a whole number`},
	{"die negative", "duration: 60s\ndie: -4\nmachines:\n" + twoMachines, 2, `die "-4" must be a whole number`},
	{"die above max", "duration: 60s\ndie: 1073741825\nmachines:\n" + twoMachines, 2, "to 1073741824"},
	{"die not a number", "duration: 60s\ndie: ten\nmachines:\n" + twoMachines, 2, `die "ten" must be a whole number`},
	{"die fractional", "duration: 60s\ndie: 3.5\nmachines:\n" + twoMachines, 2, `die "3.5"`},
	{"die missing", "duration: 60s\nmachines:\n" + twoMachines, 1, "missing die"},
	{"die null", "duration: 60s\ndie:\nmachines:\n" + twoMachines, 2, "die has no value"},

	// Rates.
	{"rate .inf", head + "  - rate: .inf\n  - rate: 1\n", 4, "machine 0: rate .inf must be a finite positive number"},
	{"rate -.inf", head + "  - rate: 6\n  - rate: -.inf\n", 5, "machine 1: rate -.inf must be a finite positive number"},
	{"rate .nan", head + "  - rate: .nan\n  - rate: 1\n", 4, "machine 0: rate .nan must be a finite positive number"},
	{"rate inf", head + "  - rate: inf\n  - rate: 1\n", 4, "machine 0: rate inf must be a finite positive number"},
	{"rate +Inf", head + "  - rate: +Inf\n  - rate: 1\n", 4, "must be a finite positive number"},
	{"rate NaN", head + "  - rate: NaN\n  - rate: 1\n", 4, "machine 0: rate NaN must be a finite positive number"},
	{"rate zero", head + "  - rate: 0\n  - rate: 1\n", 4, "machine 0: rate 0 must be positive"},
	{"rate zero fraction", head + "  - rate: 0/5\n  - rate: 1\n", 4, "must be positive"},
	{"rate negative", head + "  - rate: 6\n  - rate: -1\n", 5, "machine 1: rate -1 must be positive"},
	{"rate above 1e6", head + "  - rate: 1000001\n  - rate: 1\n", 4, "machine 0: rate 1000001 is above the maximum of 1e+06"},
	{"rate just above 1e6", head + "  - rate: 1000000.000000001\n  - rate: 1\n", 4, "above the maximum"},
	{"rate too many digits", head + "  - rate: 1.0000000001\n  - rate: 1\n", 4, "machine 0: rate 1.0000000001 has too many digits"},
	{"rate too small", head + "  - rate: 0.0000000001\n  - rate: 1\n", 4, "has too many digits"},
	{"rate not a number", head + "  - rate: fast\n  - rate: 1\n", 4, `machine 0: rate "fast" is not a number`},
	{"rate with unit", head + "  - rate: 6/s\n  - rate: 1\n", 4, `rate "6/s" is not a number`},
	{"rate empty string", head + "  - rate: \"\"\n  - rate: 1\n", 4, "machine 0: rate is empty"},
	{"rate divide by zero", head + "  - rate: 1/0\n  - rate: 1\n", 4, "is not a number"},

	// Duration.
	{"duration missing", "die: 3\nmachines:\n" + twoMachines, 1, "missing duration"},
	{"duration missing, mapping later", "# a comment\n\ndie: 3\nmachines:\n" + twoMachines, 3, "missing duration"},
	{"duration null", "duration:\ndie: 3\nmachines:\n" + twoMachines, 1, "duration has no value"},
	{"duration zero", "duration: 0s\ndie: 3\nmachines:\n" + twoMachines, 1, "duration 0s must be positive and at most 10^7 s (10000000s)"},
	{"duration bare zero", "duration: 0\ndie: 3\nmachines:\n" + twoMachines, 1, "must be positive"},
	{"duration negative", "duration: -5s\ndie: 3\nmachines:\n" + twoMachines, 1, "duration -5s must be positive"},
	{"duration above 1e7 s", "duration: 10000001s\ndie: 3\nmachines:\n" + twoMachines, 1, "duration 10000001s must be positive and at most 10^7 s"},
	{"duration 1ns above 1e7 s", "duration: 2777h46m40.000000001s\ndie: 3\nmachines:\n" + twoMachines, 1, "at most 10^7 s"},
	{"duration without unit", "duration: 60\ndie: 3\nmachines:\n" + twoMachines, 1, `duration "60" needs a unit, e.g. 60s or 60ms`},
	{"duration decimal without unit", "duration: 1.5\ndie: 3\nmachines:\n" + twoMachines, 1, `duration "1.5" needs a unit`},
	{"duration not a duration", "duration: a minute\ndie: 3\nmachines:\n" + twoMachines, 1, `duration "a minute" is not a duration`},
	{"duration a list", "duration: [60s]\ndie: 3\nmachines:\n" + twoMachines, 1, "duration must be a single value, found a list"},
	{"duration overflows", "duration: 9999999999h\ndie: 3\nmachines:\n" + twoMachines, 1, "duration"},

	// Latency, jitter, start.
	{"latency negative", head + twoMachines + "latency: -1ms\n", 6, "latency -1ms is negative"},
	{"latency above 1e7 s", head + twoMachines + "latency: 10000001s\n", 6, "latency 10000001s is above 10^7 s"},
	{"latency without unit", head + twoMachines + "latency: 100\n", 6, `latency "100" needs a unit`},
	{"jitter negative", head + twoMachines + "jitter: -1us\n", 6, "jitter -1us is negative"},
	{"jitter above 1e7 s", head + twoMachines + "jitter: 3000h\n", 6, "jitter 3000h is above 10^7 s"},
	{"jitter not a duration", head + twoMachines + "jitter: lots\n", 6, `jitter "lots" is not a duration`},
	{"start negative", head + "  - rate: 6\n  - rate: 1\n    start: -0.5s\n", 6, "machine 1: start -0.5s is negative"},
	{"start without unit", head + "  - rate: 6\n    start: 2\n  - rate: 1\n", 5, `start "2" needs a unit`},
	{"start at duration", head + "  - rate: 6\n  - rate: 1\n    start: 60s\n", 5, "machine 1 starts at 60s, not before the end of the run (60s)"},
	{"start after duration", head + "  - rate: 6\n    start: 1m1s\n  - rate: 1\n", 4, "machine 0 starts at 61s, not before the end of the run (60s)"},

	// Empty files and documents.
	{"empty file", "", 1, "the file is empty"},
	{"only whitespace", "  \n\n   \n", 1, "the file is empty"},
	{"only comments", "# a scenario\n# to be written\n", 1, "the file is empty"},
	{"only a document marker", "---\n", 2, "expected a mapping"},
	{"two documents", head + twoMachines + "---\n" + head + twoMachines, 6, "a second YAML document; a scenario file holds exactly one"},
	{"two documents, both marked", "---\n" + head + twoMachines + "---\nname: x\n", 7, "a second YAML document"},
	{"empty second document", head + twoMachines + "---\n", 6, "a second YAML document"},
	{"top level a list", "- rate: 6\n- rate: 1\n", 1, "expected a mapping of keys (name, duration, die, machines, ...), found a list"},
	{"top level a scalar", "\nhello\n", 2, `found the value "hello"`},

	// Malformed YAML.
	{"tab-indented", head + "\t- rate: 6\n\t- rate: 1\n", 4, "indented with a tab; YAML indentation must use spaces"},
	{"tab-indented, CRLF", strings.ReplaceAll(head+"\t- rate: 6\n\t- rate: 1\n", "\n", "\r\n"), 4, "indented with a tab"},
	{"CRLF line endings", strings.ReplaceAll(head+"  - rate: 6\n  - rate: 0\n", "\n", "\r\n"), 5, "machine 1: rate 0 must be positive"},
	{"CR line endings", strings.ReplaceAll(head+"  - rate: 6\n  - rate: 0\n", "\n", "\r"), 5, "machine 1: rate 0 must be positive"},
	{"tab-indented first line", "\tduration: 60s\ndie: 3\nmachines:\n" + twoMachines, 1, "indented with a tab"},
	{"unclosed quote", "duration: 60s\ndie: 3\ndescription: \"runs\nmachines:\n" + twoMachines, 3, "malformed YAML: found unexpected end of stream"},
	{"unclosed single quote", "duration: 60s\ndie: 3\nname: 'a\n", 3, "malformed YAML"},
	{"bad indentation", "duration: 60s\n  die: 3\nmachines:\n" + twoMachines, 2, "malformed YAML: mapping values are not allowed in this context"},
	{"unclosed flow list on line 1", "machines: [{rate: 6}, {rate: 1}\ndie: 3\nduration: 60s\n", 1, "malformed YAML"},
	{"unclosed flow list", "duration: 60s\ndie: 3\nmachines: [\n", 3, "malformed YAML"},
	{"unknown anchor alias on line 2 of a value", "duration: 60s\ndie: &d 3\nlatency: *d\nmachines:\n" + twoMachines, 3, "latency must be a single value, found an alias"},

	// Keys.
	{"unknown top-level key", head + twoMachines + "speed: 2\n", 6, `unknown key "speed" (known: name, description, seed, duration, die, latency, jitter, timing, machines)`},
	{"misspelt key", "duration: 60s\ndice: 3\nmachines:\n" + twoMachines, 2, `unknown key "dice"`},
	{"key in another case", "Duration: 60s\ndie: 3\nmachines:\n" + twoMachines, 1, `unknown key "Duration"`},
	{"duplicate key", "duration: 60s\ndie: 3\ndie: 4\nmachines:\n" + twoMachines, 3, "die appears twice (first at line 2)"},
	{"duplicate key far apart", head + twoMachines + "duration: 30s\n", 6, "duration appears twice (first at line 1)"},
	{"duplicate key in flow mapping", "{duration: 60s, duration: 1s, die: 3, machines: [{rate: 6}, {rate: 1}]}\n", 1, "duration appears twice"},
	{"key not a word", "[a, b]: 1\n" + head + twoMachines, 1, "keys must be plain words"},

	// Seed, name, description.
	{"seed not a number", head + twoMachines + "seed: lucky\n", 6, `seed "lucky" is not an unsigned 64-bit integer`},
	{"seed negative", head + twoMachines + "seed: -1\n", 6, `seed "-1" is not an unsigned 64-bit integer`},
	{"seed too large", head + twoMachines + "seed: 18446744073709551616\n", 6, "is not an unsigned 64-bit integer"},
	{"seed fractional", head + twoMachines + "seed: 1.5\n", 6, `seed "1.5"`},
	{"seed null", head + twoMachines + "seed:\n", 6, "seed has no value"},
	{"name with a slash", "name: a/b\n" + head + twoMachines, 1, `name "a/b" may only use letters, digits, '.', '_' and '-'`},
	{"name with a space", head + twoMachines + "name: my run\n", 6, `name "my run" may only use`},
	{"name empty", "name: \"\"\n" + head + twoMachines, 1, `name "" may only use`},
	{"name null", "name:\n" + head + twoMachines, 1, "name has no value"},
	{"name a mapping", "name: {a: 1}\n" + head + twoMachines, 1, "name must be a single value, found a mapping"},
	{"description a list", head + twoMachines + "description:\n  - a\n", 7, "description must be a single value, found a list"},
	{"description with NUL", head + twoMachines + "description: \"a\\0b\"\n", 6, "description contains a NUL byte"},
}

func TestParseErrors(t *testing.T) {
	for _, c := range parseErrorCases {
		t.Run(c.name, func(t *testing.T) {
			checkParseError(t, c.yaml, c.line, c.msg)
		})
	}
}

// checkParseError parses text as parseFile and checks that the error is a
// *Error at that line whose text starts "case.yaml:LINE: " and holds msg.
func checkParseError(t *testing.T, text string, line int, msg string) {
	t.Helper()
	s, err := Parse(parseFile, []byte(text))
	if err == nil {
		t.Fatalf("Parse(%q) succeeded: %+v", text, s)
	}
	if s != nil {
		t.Errorf("Parse returned a scenario with its error")
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is a %T, not a *scenarios.Error", err, err)
	}
	if _, ok := err.(*Error); !ok {
		t.Errorf("error is a %T wrapping a *Error, not a *Error", err)
	}
	prefix := fmt.Sprintf("%s:%d: ", parseFile, line)
	if e.File != parseFile || e.Line != line || !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("error %q (file %q, line %d), want it to start %q", err, e.File, e.Line, prefix)
	}
	if !strings.Contains(e.Msg, msg) {
		t.Errorf("error %q, want it to contain %q", err, msg)
	}
	if strings.Contains(err.Error(), "panic") || strings.Contains(err.Error(), "goroutine") {
		t.Errorf("error %q looks like a Go panic", err)
	}
}

// TestMalformedYAMLLines checks the line of YAML syntax errors that
// yaml.v3 reports without a line or with the wrong one.
//
// yaml.v3 alone would get these wrong: it writes "line N: " only when its
// 0-based mark line is not 0, so a scanner error on line 1, a reader error
// (control characters, invalid UTF-8) or an unknown anchor has no line, and
// parser errors ("did not find expected key") carry the line of the
// enclosing block's start, one or more lines early. parser.yamlError finds
// the line itself, as the end of the first prefix of the file that fails
// to parse. Every scenario error is "file:line: message".
func TestMalformedYAMLLines(t *testing.T) {
	for _, c := range []struct {
		name string
		yaml string
		line int
		msg  string
	}{
		// Line 0 where the problem is on line 1.
		{"mapping in a plain value on line 1", "duration: 60s: 1\ndie: 3\nmachines:\n" + twoMachines, 1, "malformed YAML: mapping values are not allowed"},
		{"unclosed quote on line 1", "name: \"abc\ndie: 3\nduration: 60s\n", 1, "malformed YAML"},
		// Line 0 for reader and composer errors.
		{"control character", "duration: 60s\ndie: 3\x01\nmachines:\n" + twoMachines, 2, "control characters are not allowed"},
		{"invalid UTF-8", "duration: 60s\ndescription: caf\xe9\ndie: 3\nmachines:\n" + twoMachines, 2, "UTF-8"},
		{"unknown anchor", "duration: 60s\ndie: 3\nlatency: *lat\nmachines:\n" + twoMachines, 3, "unknown anchor 'lat' referenced"},
		// Parser errors: the line before the offending one.
		{"sequence item dedented", head + "  - rate: 6\n - rate: 1\n", 5, "malformed YAML: did not find expected key"},
		{"machine key dedented", head + "  - rate: 6\n    start: 1s\n   x: 1\n", 6, "malformed YAML"},
	} {
		t.Run(c.name, func(t *testing.T) {
			checkParseError(t, c.yaml, c.line, c.msg)
		})
	}
}

// TestTabIndentedAfterScalar checks the tab message for tab-indented lines
// that follow a line ending in a value.
//
// yaml.v3 reports such a tab at the line of the scalar before it (one line
// early); the located line must be the one with the tab, also with lone CR
// line endings.
func TestTabIndentedAfterScalar(t *testing.T) {
	for _, c := range []struct {
		name string
		yaml string
		line int
		msg  string
	}{
		{"tab-indented key", "duration: 60s\ndie: 3\n\tmachines:\n" + twoMachines, 3, "indented with a tab"},
		{"tab-indented machine key", head + "  - rate: 6\n\t  start: 1s\n  - rate: 1\n", 5, "indented with a tab"},
		{"tab-indented second item", head + "  - rate: 6\n\t- rate: 1\n", 5, "indented with a tab"},
		{"tab after spaces", head + "  - rate: 6\n  \t- rate: 1\n", 5, "indented with a tab"},
		// Also missed: yamlError splits the file into lines at "\n" only,
		// while YAML also ends lines at a lone "\r" (old Mac files).
		{"tab-indented, CR line endings", strings.ReplaceAll(head+"\t- rate: 6\n\t- rate: 1\n", "\n", "\r"), 4, "indented with a tab"},
	} {
		t.Run(c.name, func(t *testing.T) {
			checkParseError(t, c.yaml, c.line, c.msg)
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	data := []byte(head + twoMachines + "# " + strings.Repeat("x", MaxFileSize) + "\n")
	_, err := Parse(parseFile, data)
	var e *Error
	if !errors.As(err, &e) || e.File != parseFile || !strings.Contains(e.Msg, "larger than 1048576 bytes") {
		t.Errorf("Parse of %d bytes = %v, want a size error", len(data), err)
	}
}

func TestErrorFormat(t *testing.T) {
	for _, c := range []struct {
		e    Error
		want string
	}{
		{Error{File: "a.yaml", Line: 3, Msg: "bad"}, "a.yaml:3: bad"},
		{Error{File: "a.yaml", Msg: "bad"}, "a.yaml: bad"},
		{Error{File: "dir/b.yaml", Line: 1, Msg: "x: y"}, "dir/b.yaml:1: x: y"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("%+v.Error() = %q, want %q", c.e, got, c.want)
		}
	}
}

func TestParseDefaults(t *testing.T) {
	s, err := Parse("dir/my-run.v2.yaml", []byte(head+twoMachines))
	if err != nil {
		t.Fatal(err)
	}
	want := &Scenario{
		Name:     "my-run.v2",
		Seed:     1,
		Duration: 60 * time.Second,
		Die:      3,
		Latency:  100 * time.Microsecond,
		Machines: []Machine{{Rate: sim.MustRate("6")}, {Rate: sim.MustRate("1")}},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Parse = %+v, want %+v", s, want)
	}
}

// TestParseAccepts lists valid scenarios that exercise every key, the
// edges of each range and the forms YAML allows.
func TestParseAccepts(t *testing.T) {
	for _, c := range []struct {
		name string
		yaml string
		want Scenario
	}{
		{"every key", `name: full_1.0
description: "Two machines: 6 c/s and one third"
seed: 18446744073709551615
duration: 90s
die: 4
latency: 2ms
jitter: 500us
machines:
  - rate: 6
    start: 0.5s
  - rate: 1/3
`, Scenario{
			Name: "full_1.0", Description: "Two machines: 6 c/s and one third", Seed: 1<<64 - 1,
			Duration: 90 * time.Second, Die: 4, Latency: 2 * time.Millisecond, Jitter: 500 * time.Microsecond,
			Machines: []Machine{{Rate: sim.MustRate("6"), Start: 500 * time.Millisecond}, {Rate: sim.MustRate("1/3")}},
		}},
		{"flow style", "{duration: 1m30s, die: 2, seed: 0, latency: 0s, machines: [{rate: 2.5}, {rate: '1000000', start: 1ns}]}\n", Scenario{
			Name: "case", Duration: 90 * time.Second, Die: 2,
			Machines: []Machine{{Rate: sim.MustRate("2.5")}, {Rate: sim.MustRate("1e6"), Start: 1}},
		}},
		{"limits", "duration: 10000000s\ndie: 1073741824\nlatency: 2777h46m40s\njitter: 10000000s\nmachines:\n  - rate: 0.000000001\n  - rate: 1000000\n    start: 9999999.999999999s\n", Scenario{
			Name: "case", Seed: 1, Duration: 1e16, Die: sim.MaxFaces, Latency: 1e16, Jitter: 1e16,
			Machines: []Machine{{Rate: sim.MustRate("1/1000000000")}, {Rate: sim.MustRate("1000000"), Start: 1e16 - 1}},
		}},
		{"quoted values and comments", "# comment\nduration: \"60s\"  # one minute\ndie: '3'\nmachines:\n  - rate: \"6\"\n  - rate: ' 1 '\n", Scenario{
			Name: "case", Seed: 1, Duration: time.Minute, Die: 3, Latency: DefaultLatency,
			Machines: []Machine{{Rate: sim.MustRate("6")}, {Rate: sim.MustRate("1")}},
		}},
		{"byte order mark and CRLF", "\ufeff" + strings.ReplaceAll(head+twoMachines, "\n", "\r\n"), Scenario{
			Name: "case", Seed: 1, Duration: time.Minute, Die: 3, Latency: DefaultLatency,
			Machines: []Machine{{Rate: sim.MustRate("6")}, {Rate: sim.MustRate("1")}},
		}},
		{"document markers", "---\n" + head + twoMachines + "...\n", Scenario{
			Name: "case", Seed: 1, Duration: time.Minute, Die: 3, Latency: DefaultLatency,
			Machines: []Machine{{Rate: sim.MustRate("6")}, {Rate: sim.MustRate("1")}},
		}},
		{"folded description", "description: >-\n  one\n  two\n" + head + twoMachines, Scenario{
			Name: "case", Description: "one two", Seed: 1, Duration: time.Minute, Die: 3, Latency: DefaultLatency,
			Machines: []Machine{{Rate: sim.MustRate("6")}, {Rate: sim.MustRate("1")}},
		}},
		{"five machines, die equal to N", "duration: 1s\ndie: 5\nmachines:\n" + strings.Repeat("  - rate: 1\n", 5), Scenario{
			Name: "case", Seed: 1, Duration: time.Second, Die: 5, Latency: DefaultLatency,
			Machines: []Machine{{Rate: sim.MustRate("1")}, {Rate: sim.MustRate("1")}, {Rate: sim.MustRate("1")}, {Rate: sim.MustRate("1")}, {Rate: sim.MustRate("1")}},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse(parseFile, []byte(c.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*s, c.want) {
				t.Errorf("Parse = %+v\nwant    %+v", *s, c.want)
			}
		})
	}
}

func TestMaxMachinesAccepted(t *testing.T) {
	text := "duration: 1s\ndie: 1000\nmachines:\n" + strings.Repeat("  - rate: 1\n", MaxMachines)
	s, err := Parse(parseFile, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Machines) != MaxMachines {
		t.Errorf("%d machines, want %d", len(s.Machines), MaxMachines)
	}
}

func TestCheck(t *testing.T) {
	base := func() *Scenario {
		s, err := Parse(parseFile, []byte(head+"  - rate: 6\n  - rate: 1\n    start: 10s\n"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, c := range []struct {
		name     string
		duration time.Duration
		msg      string
	}{
		{"unchanged", 60 * time.Second, ""},
		{"shortened", 11 * time.Second, ""},
		{"maximum", 1e16, ""},
		{"zero", 0, "duration 0s is not in (0, 10^7 s]"},
		{"negative", -time.Second, "duration -1s is not in"},
		{"too long", 1e16 + 1, "duration 10000000000000001ns is not in"},
		{"start at end", 10 * time.Second, "machine 1 starts at 10s, not before the end of the run (10s)"},
		{"start after end", 1500 * time.Millisecond, "machine 1 starts at 10s, not before the end of the run (1500ms)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := base()
			s.Duration = c.duration
			err := s.Check()
			switch {
			case c.msg == "" && err != nil:
				t.Errorf("Check: %v", err)
			case c.msg != "" && (err == nil || err.Error() != c.msg && !strings.HasPrefix(err.Error(), c.msg)):
				t.Errorf("Check = %v, want %q", err, c.msg)
			}
		})
	}
}

func TestConfigAndRates(t *testing.T) {
	s, err := Parse(parseFile, []byte("seed: 7\nduration: 2s\ndie: 4\nlatency: 3ms\njitter: 1ms\nmachines:\n  - rate: 2.5\n    start: 250ms\n  - rate: 1/3\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.Config(42)
	want := sim.Config{
		Seed: 42, Duration: 2e9, Die: 4, Latency: 3e6, Jitter: 1e6,
		Machines: []sim.MachineConfig{{Rate: sim.MustRate("5/2"), Start: 250e6}, {Rate: sim.MustRate("1/3")}},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("Config(42) = %+v, want %+v", cfg, want)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if got := s.Rates(); !reflect.DeepEqual(got, []float64{2.5, 1.0 / 3}) {
		t.Errorf("Rates() = %v", got)
	}
}
