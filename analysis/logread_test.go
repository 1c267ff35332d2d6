package analysis

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	_ "desim/internal/golden" // registers -update for "go test ./... -update"
	"desim/sim"
)

func TestParseTime(t *testing.T) {
	const maxNs = int64(math.MaxInt64)
	tests := []struct {
		in   string
		want int64
		err  numErr
	}{
		// desim's format: exactly 9 decimals.
		{"0.000000000", 0, numOK},
		{"0.166666666", 166666666, numOK},
		{"3599.833333333", 3599833333333, numOK},
		// Python's float repr of epoch seconds.
		{"1678246660.1234567", 1678246660123456700, numOK},
		{"1678246660.285052", 1678246660285052000, numOK},
		{"1678246660.0", 1678246660000000000, numOK},
		{"1678246660.12345678", 1678246660123456780, numOK},
		// The exponent form.
		{"1.6782466601234567e+09", 1678246660123456700, numOK},
		{"1.6782466601234567E+09", 1678246660123456700, numOK},
		{"16782466601234567e-7", 1678246660123456700, numOK},
		{"1e-05", 10000, numOK},
		{"1e3", 1000000000000, numOK},
		{"1e-9", 1, numOK},
		{"0e999999999", 0, numOK},
		{"1e-999999999", 0, numOK},
		{"12", 12000000000, numOK},
		// Rounding beyond the 9th decimal: to nearest, ties to even.
		{"0.0000000014", 1, numOK},
		{"0.0000000015", 2, numOK},
		{"0.0000000025", 2, numOK},
		{"0.0000000035", 4, numOK},
		{"0.00000000250000001", 3, numOK},
		{"0.0000000024999999", 2, numOK},
		{"0.00000000049", 0, numOK},
		{"0.0000000005", 0, numOK},
		{"0.00000000051", 1, numOK},
		{"0.00000000001", 0, numOK},
		{"5e-10", 0, numOK},
		{"1.5e-9", 2, numOK},
		{"2.5e-9", 2, numOK},
		{"1678246660.12345678949", 1678246660123456789, numOK},
		{"1678246660.1234567895", 1678246660123456790, numOK},
		{"0000000000000000000001.5", 1500000000, numOK},
		// The range: below 2^63 ns.
		{"9223372036.854775807", maxNs, numOK},
		{"9223372036.8547758074999", maxNs, numOK},
		{"9223372036.8547758065", maxNs - 1, numOK},
		{"9223372036.8547758075", 0, numRange},
		{"9223372036.854775808", 0, numRange},
		{"9223372037", 0, numRange},
		{"99999999999999999999", 0, numRange},
		{"1e10", 0, numRange},
		{"1e999999999999", 0, numRange},
		// Negative numbers.
		{"-1", 0, numNegative},
		{"-0.5", 0, numNegative},
		{"-1e3", 0, numNegative},
		// Not numbers.
		{"", 0, numNotNumber},
		{"-", 0, numNotNumber},
		{"--1", 0, numNotNumber},
		{"+1", 0, numNotNumber},
		{".5", 0, numNotNumber},
		{"5.", 0, numNotNumber},
		{"1e", 0, numNotNumber},
		{"1e+", 0, numNotNumber},
		{"1e+-3", 0, numNotNumber},
		{"1.2.3", 0, numNotNumber},
		{" 1", 0, numNotNumber},
		{"1 ", 0, numNotNumber},
		{"inf", 0, numNotNumber},
		{"nan", 0, numNotNumber},
		{"0x10", 0, numNotNumber},
		{"1_000", 0, numNotNumber},
		{"1/3", 0, numNotNumber},
		{"١٢", 0, numNotNumber},
	}
	for _, tt := range tests {
		got, err := parseTime([]byte(tt.in))
		if got != tt.want || err != tt.err {
			t.Errorf("parseTime(%q) = %d, %d; want %d, %d", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParseCount(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  numErr
	}{
		{"0", 0, numOK},
		{"7", 7, numOK},
		{"0042", 42, numOK},
		{"9223372036854775807", math.MaxInt64, numOK},
		{"9223372036854775808", 0, numRange},
		{"99999999999999999999999", 0, numRange},
		{"-3", 0, numNegative},
		{"-0", 0, numNegative},
		{"", 0, numNotNumber},
		{"-", 0, numNotNumber},
		{"--3", 0, numNotNumber},
		{"+3", 0, numNotNumber},
		{"3.0", 0, numNotNumber},
		{"1e3", 0, numNotNumber},
		{"3 ", 0, numNotNumber},
		{"x", 0, numNotNumber},
		{"99999999999999999999999x", 0, numNotNumber},
	}
	for _, tt := range tests {
		got, err := parseCount([]byte(tt.in))
		if got != tt.want || err != tt.err {
			t.Errorf("parseCount(%q) = %d, %d; want %d, %d", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// TestEventTableIsParseEvent checks that the reader's table accepts
// exactly the names sim.Event.Name gives and sim.ParseEvent accepts.
func TestEventTableIsParseEvent(t *testing.T) {
	probes := []string{"internal", "receive ", "receive", "Internal", "send 0  ", "send 1  ", "send 2  ", "send 3  ",
		"send 0+1", "send all", "send 0", "send 10 ", "send 99 ", "send 100", "send 999", "send -1 ", "", "send  0  "}
	for _, n := range []int{1, 2, 3, 4, 5, 6, 9, 10, 11, 100, 1000} {
		tab := newEventTable(n)
		names := slicesClone(probes)
		for e := range tab.Events() {
			names = append(names, sim.Event(e).Name(n))
		}
		for _, name := range names {
			got, ok := tab.lookup([]byte(name))
			want, err := sim.ParseEvent(name, n)
			if ok != (err == nil) || (ok && got != want) {
				t.Errorf("n=%d: lookup(%q) = %v, %v; ParseEvent = %v, %v", n, name, got, ok, want, err)
			}
		}
	}
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

// writeFiles writes name → content files under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// machineFiles returns dir's logs machine-0.csv, machine-1.csv, ... in
// numeric order (machine-10 after machine-9), as experiment.Dir.Logs lists
// a run directory for experiment.ReadRun; this package cannot import it.
// Every machine-*.csv file of dir must be among them.
func machineFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	for i := 0; ; i++ {
		p := filepath.Join(dir, fmt.Sprintf("machine-%d.csv", i))
		if _, err := os.Stat(p); err != nil {
			break
		}
		files = append(files, p)
	}
	all, err := filepath.Glob(filepath.Join(dir, "machine-*.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 || len(files) != len(all) {
		t.Fatalf("%s: %d logs numbered from machine-0.csv, but %d machine-*.csv files", dir, len(files), len(all))
	}
	return files
}

// ok3 is a valid log line of a 3-machine run.
const ok3 = "internal,0.000000000,0,1\n"

func TestReadRunErrors(t *testing.T) {
	long := strings.Repeat("1", MaxLineLen)
	tests := []struct {
		name  string
		files map[string]string // in a fresh directory
		args  []string          // relative to it; nil: its machine-<i>.csv files in order
		want  string            // the message's start, "D" standing for the directory
	}{
		{"too few fields", map[string]string{"machine-0.csv": ok3, "machine-1.csv": ok3 + "internal,1.0,0\n", "machine-2.csv": ok3}, nil,
			"D/machine-1.csv:2: wrong number of fields: 3, want 4 (event,time,queue_length,logical_clock)"},
		{"too many fields", map[string]string{"machine-0.csv": ok3 + ok3 + "internal,1.0,0,2,3,4\n", "machine-1.csv": ok3, "machine-2.csv": ok3}, nil,
			"D/machine-0.csv:3: wrong number of fields: 6, want 4 (event,time,queue_length,logical_clock)"},
		{"one field", map[string]string{"machine-0.csv": "internal\n", "machine-1.csv": ok3, "machine-2.csv": ok3}, nil,
			"D/machine-0.csv:1: wrong number of fields: 1, want 4 (event,time,queue_length,logical_clock)"},
		{"empty line", map[string]string{"machine-0.csv": ok3 + "\n" + ok3, "machine-1.csv": ok3, "machine-2.csv": ok3}, nil,
			"D/machine-0.csv:2: empty line: want 4 fields, event,time,queue_length,logical_clock"},
		{"trailing empty line", map[string]string{"machine-0.csv": ok3 + "\r\n", "machine-1.csv": ok3, "machine-2.csv": ok3}, nil,
			"D/machine-0.csv:2: empty line: want 4 fields, event,time,queue_length,logical_clock"},
		{"unknown event", map[string]string{"machine-0.csv": ok3, "machine-1.csv": ok3, "machine-2.csv": "bogus,0.5,0,1\n"}, nil,
			`D/machine-2.csv:1: unknown event "bogus" for 3 machines (want "internal", "receive ", "send 0  ", "send 1  " or "send 0+1", with the trailing spaces)`},
		{"event without its trailing spaces", map[string]string{"machine-0.csv": "send 0,0.5,0,1\n", "machine-1.csv": ok3, "machine-2.csv": ok3}, nil,
			`D/machine-0.csv:1: unknown event "send 0" for 3 machines`},
		{"a peer beyond N", map[string]string{"machine-0.csv": ok3, "machine-1.csv": ok3 + "send 2  ,0.5,0,2\n"}, nil,
			`D/machine-1.csv:2: unknown event "send 2  " for 2 machines (for 2 machines: "internal", "receive ", "send <p>" padded to 8 characters, or "send all")`},
		{"three-machine broadcast in a 4-machine run", map[string]string{"machine-0.csv": "send 0+1,0.5,0,1\n", "machine-1.csv": ok3, "machine-2.csv": ok3, "machine-3.csv": ok3}, nil,
			`D/machine-0.csv:1: unknown event "send 0+1" for 4 machines`},
		{"time not a number", map[string]string{"machine-0.csv": ok3 + "internal,abc,0,2\n", "machine-1.csv": ok3, "machine-2.csv": ok3}, nil,
			`D/machine-0.csv:2: time "abc" is not a number (want seconds such as 12.5 or 1678246660.1234567)`},
		{"time with a comma decimal", map[string]string{"machine-0.csv": "internal,0 5,0,1\n", "machine-1.csv": ok3, "machine-2.csv": ok3}, nil,
			`D/machine-0.csv:1: time "0 5" is not a number`},
		{"queue not a number", map[string]string{"machine-0.csv": "internal,0.5,x,1\n", "machine-1.csv": ok3, "machine-2.csv": ok3}, nil,
			`D/machine-0.csv:1: queue_length "x" is not a non-negative integer`},
		{"clock not an integer", map[string]string{"machine-0.csv": "internal,0.5,0,1.0\n", "machine-1.csv": ok3, "machine-2.csv": ok3}, nil,
			`D/machine-0.csv:1: logical_clock "1.0" is not a non-negative integer`},
		{"clock empty", map[string]string{"machine-0.csv": "internal,0.5,0,\n", "machine-1.csv": ok3, "machine-2.csv": ok3}, nil,
			`D/machine-0.csv:1: logical_clock "" is not a non-negative integer`},
		{"negative queue", map[string]string{"machine-0.csv": "internal,0.5,-1,1\n", "machine-1.csv": ok3, "machine-2.csv": ok3}, nil,
			`D/machine-0.csv:1: queue_length -1 is negative`},
		{"negative clock", map[string]string{"machine-0.csv": "internal,0.5,0,-7\n", "machine-1.csv": ok3, "machine-2.csv": ok3}, nil,
			`D/machine-0.csv:1: logical_clock -7 is negative`},
		{"negative time", map[string]string{"machine-0.csv": "internal,-0.5,0,1\n", "machine-1.csv": ok3, "machine-2.csv": ok3}, nil,
			`D/machine-0.csv:1: time -0.5 is negative`},
		{"clock out of range", map[string]string{"machine-0.csv": "internal,0.5,0,9223372036854775808\n", "machine-1.csv": ok3, "machine-2.csv": ok3}, nil,
			`D/machine-0.csv:1: logical_clock "9223372036854775808" is out of range (at most 2^63 - 1)`},
		{"time out of range", map[string]string{"machine-0.csv": "internal,1e10,0,1\n", "machine-1.csv": ok3, "machine-2.csv": ok3}, nil,
			`D/machine-0.csv:1: time "1e10" is out of range (at most 2^63 ns, about 9.2e9 s)`},
		{"time going backwards", map[string]string{"machine-0.csv": ok3, "machine-1.csv": "internal,1678246661.5,0,1\ninternal,1678246661.6,0,2\ninternal,1678246661.4999999,0,3\n", "machine-2.csv": ok3}, nil,
			`D/machine-1.csv:3: time 1678246661.499999900 s is before the previous line's 1678246661.600000000 s`},
		{"empty file", map[string]string{"machine-0.csv": ok3, "machine-1.csv": "", "machine-2.csv": ok3}, nil,
			`D/machine-1.csv:1: empty file: no log lines`},
		{"line too long", map[string]string{"machine-0.csv": "internal,0." + long + ",0,1\n", "machine-1.csv": ok3}, nil,
			fmt.Sprintf("D/machine-0.csv:1: line is longer than %d bytes", MaxLineLen)},
		{"a file list", map[string]string{"a.csv": ok3, "b.csv": "receive ,0.5,0\n"}, []string{"a.csv", "b.csv"},
			`D/b.csv:1: wrong number of fields: 3, want 4 (event,time,queue_length,logical_clock)`},
		{"a directory in a file list", map[string]string{"a.csv": ok3}, []string{"a.csv", "."},
			`D: is a directory: give the log files; experiment.ReadRun reads run directories`},
		{"a run directory", map[string]string{"machine-0.csv": ok3, "machine-1.csv": ok3, "machine-2.csv": ok3}, []string{"."},
			`D: is a directory: give the log files; experiment.ReadRun reads run directories`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			var args []string
			if tt.args == nil {
				args = machineFiles(t, dir)
			} else {
				for _, a := range tt.args {
					args = append(args, filepath.Join(dir, a))
				}
			}
			l, err := ReadRun(args...)
			if err == nil {
				t.Fatalf("ReadRun read %d machines, want an error", len(l.Machines))
			}
			var le *LogError
			if !errors.As(err, &le) {
				t.Fatalf("error %v (%T) is not a *LogError", err, err)
			}
			want := dir + strings.TrimPrefix(tt.want, "D")
			if got := err.Error(); !strings.HasPrefix(got, want) {
				t.Errorf("error:\n  got  %s\n  want %s", got, want)
			}
			// StreamRun reports the same error.
			if _, serr := StreamRun(nil, args...); serr == nil || serr.Error() != err.Error() || !errors.As(serr, &le) {
				t.Errorf("StreamRun: %v, want ReadRun's error %v", serr, err)
			}
		})
	}
}

func TestReadRunMissingPath(t *testing.T) {
	dir := t.TempDir()
	// A single path is stat'ed first; a list's files are opened in order
	// (desim analyze's messages say "stat D/nothing" and "open D/b.csv").
	var pe *os.PathError
	if _, err := ReadRun(filepath.Join(dir, "nope")); !errors.Is(err, os.ErrNotExist) || !errors.As(err, &pe) || pe.Op != "stat" {
		t.Errorf("missing file: %v, want a not-exist error from stat", err)
	}
	if _, err := ReadRun(filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")); !errors.Is(err, os.ErrNotExist) || !errors.As(err, &pe) || pe.Op != "open" {
		t.Errorf("missing files: %v, want a not-exist error from open", err)
	}
	if _, err := ReadRun(); err == nil {
		t.Error("no arguments: no error")
	}
	// StreamRun, the same.
	if _, err := StreamRun(nil, filepath.Join(dir, "nope")); !errors.Is(err, os.ErrNotExist) || !errors.As(err, &pe) || pe.Op != "stat" {
		t.Errorf("StreamRun, missing file: %v, want a not-exist error from stat", err)
	}
	if _, err := StreamRun(nil, filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")); !errors.Is(err, os.ErrNotExist) || !errors.As(err, &pe) || pe.Op != "open" {
		t.Errorf("StreamRun, missing files: %v, want a not-exist error from open", err)
	}
	if _, err := StreamRun(nil); err == nil {
		t.Error("StreamRun, no arguments: no error")
	}
}

// TestReadRunLineEndings checks that CRLF and a missing final newline are
// accepted and read the same as LF.
func TestReadRunLineEndings(t *testing.T) {
	lf := "internal,0.5,0,1\nsend 0+1,1.5,0,2\nreceive ,2.5,1,9\n"
	want, err := ReadLog(strings.NewReader(lf), "lf", 3)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{
		"crlf":          strings.ReplaceAll(lf, "\n", "\r\n"),
		"no final LF":   strings.TrimSuffix(lf, "\n"),
		"no final CRLF": strings.TrimSuffix(strings.ReplaceAll(lf, "\n", "\r\n"), "\r\n"),
	} {
		got, err := ReadLog(strings.NewReader(text), name, 3)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}

// TestReadRunFileList checks that an explicit list of files gives the
// machine ids in the order given, whatever the names.
func TestReadRunFileList(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"z.log": "send 0  ,2.0,0,5\n",
		"a.log": "send 1  ,3.0,0,7\nsend 0+1,4.0,0,8\n",
		"m.log": "receive ,1.0,2,6\n",
	})
	paths := []string{filepath.Join(dir, "z.log"), filepath.Join(dir, "a.log"), filepath.Join(dir, "m.log")}
	l, err := ReadRun(paths...)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(l.Files, paths) {
		t.Errorf("Files = %v, want %v", l.Files, paths)
	}
	want := [][]sim.Record{
		{{At: 1e9, Clock: 5, Event: sim.SendTo(0)}},
		{{At: 2e9, Clock: 7, Event: sim.SendTo(1)}, {At: 3e9, Clock: 8, Event: sim.Broadcast}},
		{{At: 0, Clock: 6, Queue: 2, Event: sim.Receive}},
	}
	if !reflect.DeepEqual(l.Machines, want) || l.Offset != 1e9 {
		t.Errorf("read %v, offset %d; want %v, offset 1e9", l.Machines, l.Offset, want)
	}
	if d := l.Duration(); d != 3e9 {
		t.Errorf("Duration = %d, want 3e9", d)
	}
}

// TestReadOriginalFixture reads testdata/original, a run in the original
// Python implementation's format (see its README).
func TestReadOriginalFixture(t *testing.T) {
	l, err := ReadRun(machineFiles(t, "../testdata/original")...)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Machines) != 3 {
		t.Fatalf("N = %d, want 3", len(l.Machines))
	}
	for i, want := range []int{72, 25, 13} {
		if got := len(l.Machines[i]); got != want {
			t.Errorf("machine %d: %d ticks, want %d", i, got, want)
		}
	}
	// The earliest line is machine 2's first, 1678246660.0712464 s.
	if l.Offset != 1678246660071246400 {
		t.Errorf("Offset = %d, want 1678246660071246400", l.Offset)
	}
	firsts := []sim.Record{
		{At: 46762900, Clock: 1, Event: sim.Internal},            // internal,1678246660.1180093,0,1
		{At: 23485600, Clock: 1, Event: sim.Internal},            // internal,1678246660.094732,0,1
		{At: 0, Clock: 1, Event: sim.Internal},                   // internal,1678246660.0712464,0,1
		{At: 381034600, Clock: 3, Event: sim.SendTo(1)},          // machine 0 line 3: send 1  ,1678246660.452281,0,3
		{At: 1000819600, Clock: 3, Queue: 2, Event: sim.Receive}, // machine 2 line 2: receive ,1678246661.072066,2,3
	}
	got := []sim.Record{l.Machines[0][0], l.Machines[1][0], l.Machines[2][0], l.Machines[0][2], l.Machines[2][1]}
	if !reflect.DeepEqual(got, firsts) {
		t.Errorf("decoded\n  %v\nwant\n  %v", got, firsts)
	}
	// Last line: receive ,1678246672.0782728,4,40.
	if last := l.Machines[2][12]; last != (sim.Record{At: 12007026400, Clock: 40, Queue: 4, Event: sim.Receive}) {
		t.Errorf("machine 2's last record = %v", last)
	}
	// Every event kind of a 3-machine run occurs, and the counts add up.
	ms := l.Metrics(nil)
	var kinds [5]int
	for _, recs := range l.Machines {
		for _, r := range recs {
			kinds[r.Event]++
		}
	}
	for e, k := range kinds {
		if k == 0 {
			t.Errorf("no %q event in the fixture", sim.Event(e).Name(3))
		}
	}
	for i, m := range ms {
		if m.Ticks != m.Receives+m.Sends+m.Internals || m.Ticks != int64(len(l.Machines[i])) {
			t.Errorf("machine %d: counts %+v do not add up", i, m)
		}
	}
	rates := l.EstimatedRates()
	for i, want := range []float64{6, 2, 1} {
		if math.Abs(rates[i]-want) > 0.01*want {
			t.Errorf("machine %d: estimated rate %g, want about %g", i, rates[i], want)
		}
	}
}

// TestSyntheticLogMetrics writes logs with known answers as CSV text,
// reads them and checks the metrics.
func TestSyntheticLogMetrics(t *testing.T) {
	// Machine 0: one tick per second at 1010, 1011, ..., 1019 s (an
	// epoch-like origin that is rebased away), clock 1, 3, 5, ...: slope 2;
	// queue 0, 1, 2, ...: slope 1. Events cycle through the four kinds.
	var m0, m1 strings.Builder
	for k := 0; k < 10; k++ {
		ev := []string{"internal", "send 0  ", "receive ", "send all"}[k%4]
		fmt.Fprintf(&m0, "%s,%d.0,%d,%d\n", ev, 1010+k, k, 2*k+1)
	}
	// Machine 1: clock jumps 1, 3, 1, 3, ... at 4 ticks per second
	// (Python-style times), queue constant 2; starts before machine 0.
	clock := 0
	for k := 0; k < 9; k++ {
		clock += 1 + 2*(k%2)
		fmt.Fprintf(&m1, "receive ,%s,2,%d\n", pyTime(1005+float64(k)*0.25), clock)
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"machine-0.csv": m0.String(), "machine-1.csv": m1.String()})
	l, err := ReadRun(filepath.Join(dir, "machine-0.csv"), filepath.Join(dir, "machine-1.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if l.Offset != 1005e9 {
		t.Errorf("Offset = %d, want 1005 s", l.Offset)
	}
	if l.Machines[0][0].At != 5e9 || l.Machines[1][0].At != 0 {
		t.Errorf("first times %d, %d; want 5e9, 0", l.Machines[0][0].At, l.Machines[1][0].At)
	}
	if d := l.Duration(); d != 14e9 {
		t.Errorf("Duration = %d ns, want 14 s", d)
	}
	ms := l.Metrics([]float64{1, 4})
	want := []MachineMetrics{
		{ID: 0, Rate: 1, Ticks: 10, Receives: 2, Sends: 5, Internals: 3, MessagesSent: 5, FinalClock: 19, FinalQueue: 9, MaxQueue: 9,
			ClockSlope: 2, QueueSlope: 1, Drift: -2, MeanJump: 2, MaxJump: 2},
		{ID: 1, Rate: 4, Ticks: 9, Receives: 9, FinalClock: 17, FinalQueue: 2, MaxQueue: 2,
			ClockSlope: 4 * 2, QueueSlope: 0, Drift: 0, MeanJump: 2, MaxJump: 3},
	}
	// Machine 1's clock is 1, 4, 5, 8, ..., 17: 2 per tick on average with
	// a ±1 zigzag whose fitted slope is exactly 8 per second only in the
	// limit; compute its OLS slope directly.
	want[1].ClockSlope = olsSlope(t, l.Machines[1])
	// Drift is against the largest rate, 4, not the largest clock slope.
	want[0].Drift = want[0].ClockSlope - 4
	want[1].Drift = want[1].ClockSlope - 4
	for i := range want {
		got := ms[i]
		if !metricsClose(got, want[i]) {
			t.Errorf("machine %d:\n  got  %+v\n  want %+v", i, got, want[i])
		}
	}
	rates := l.EstimatedRates()
	if rates[0] != 1 || rates[1] != 4 {
		t.Errorf("estimated rates %v, want [1 4]", rates)
	}
}

// pyTime formats seconds as Python's repr of a float does for these
// values (shortest round-trip digits, at least one decimal).
func pyTime(s float64) string {
	str := fmt.Sprint(s)
	if !strings.Contains(str, ".") {
		str += ".0"
	}
	return str
}

// olsSlope is the least-squares slope of clock against time in s, by the
// textbook two-pass formula.
func olsSlope(t *testing.T, recs []sim.Record) float64 {
	t.Helper()
	var mx, my float64
	for _, r := range recs {
		mx += float64(r.At) / 1e9
		my += float64(r.Clock)
	}
	mx /= float64(len(recs))
	my /= float64(len(recs))
	var sxy, sxx float64
	for _, r := range recs {
		dx := float64(r.At)/1e9 - mx
		sxy += dx * (float64(r.Clock) - my)
		sxx += dx * dx
	}
	return sxy / sxx
}

func metricsClose(a, b MachineMetrics) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) <= 1e-9*math.Max(1, math.Abs(y)) }
	fa, fb := a, b
	fa.ClockSlope, fa.QueueSlope, fa.Drift, fa.MeanJump = 0, 0, 0, 0
	fb.ClockSlope, fb.QueueSlope, fb.Drift, fb.MeanJump = 0, 0, 0, 0
	return fa == fb && near(a.ClockSlope, b.ClockSlope) && near(a.QueueSlope, b.QueueSlope) &&
		near(a.Drift, b.Drift) && near(a.MeanJump, b.MeanJump)
}

// logRecorder keeps a copy of every record of a run, per machine.
type logRecorder [][]sim.Record

func (r logRecorder) Records(machine int, b []sim.Record) error {
	r[machine] = append(r[machine], b...)
	return nil
}

// engineLogs runs cfg and returns every machine's records and CSV log.
func engineLogs(tb testing.TB, cfg sim.Config) ([][]sim.Record, [][]byte) {
	tb.Helper()
	eng, err := sim.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	n := len(cfg.Machines)
	bufs := make([]*bytes.Buffer, n)
	ws := make([]io.Writer, n)
	for i := range bufs {
		bufs[i] = new(bytes.Buffer)
		ws[i] = bufs[i]
	}
	lw := sim.NewLogWriter(ws)
	rec := make(logRecorder, n)
	if err := eng.Run(sim.Sinks{rec, lw}); err != nil {
		tb.Fatal(err)
	}
	if err := lw.Flush(); err != nil {
		tb.Fatal(err)
	}
	logs := make([][]byte, n)
	for i, b := range bufs {
		logs[i] = b.Bytes()
	}
	return rec, logs
}

func logConfig(rates []string, starts []int64, die int, seconds int64) sim.Config {
	cfg := sim.Config{Seed: 3, Duration: seconds * 1e9, Die: die, Latency: 100_000}
	for i, r := range rates {
		m := sim.MachineConfig{Rate: sim.MustRate(r)}
		if starts != nil {
			m.Start = starts[i]
		}
		cfg.Machines = append(cfg.Machines, m)
	}
	return cfg
}

// TestReadRunRoundTrip writes engine runs' logs with sim.LogWriter, reads
// them back, and checks that the records and the metrics are exactly those
// of the run (shifted by Offset when every machine starts late).
func TestReadRunRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		cfg    sim.Config
		offset int64
	}{
		{"A2-like", logConfig([]string{"6", "1", "1"}, nil, 10, 120), 0},
		{"B4-like", logConfig([]string{"6", "5", "4"}, nil, 4, 120), 0},
		{"5 machines, late starts", logConfig([]string{"7", "1/3", "2.5", "6", "3"}, []int64{700_000_000, 250_000_001, 900_000_000, 333_333_333, 400_000_000}, 7, 60), 250_000_001},
		{"2 machines", logConfig([]string{"6", "1"}, nil, 2, 60), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, logs := engineLogs(t, tt.cfg)
			dir := t.TempDir()
			paths := make([]string, len(logs))
			for i, b := range logs {
				paths[i] = filepath.Join(dir, fmt.Sprintf("machine-%d.csv", i))
				if err := os.WriteFile(paths[i], b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			l, err := ReadRun(paths...)
			if err != nil {
				t.Fatal(err)
			}
			if l.Offset != tt.offset {
				t.Errorf("Offset = %d, want %d", l.Offset, tt.offset)
			}
			for i := range recs {
				for k := range recs[i] {
					recs[i][k].At -= tt.offset
				}
			}
			if !reflect.DeepEqual(l.Machines, [][]sim.Record(recs)) {
				t.Fatal("records read back differ from the run's")
			}
			acc := NewAccumulator(len(recs))
			for i := range recs {
				acc.Records(i, recs[i])
			}
			if got, want := l.Metrics(nil), acc.Metrics(nil); !reflect.DeepEqual(got, want) {
				t.Errorf("metrics differ:\n  got  %+v\n  want %+v", got, want)
			}
		})
	}
}

// BenchmarkReadLog reads the logs of a 3600 s A1 run (three 6 c/s
// machines, die 10: about 65,000 lines) from memory and reports lines per
// second. Target: at least 5 M lines/s on one core.
func BenchmarkReadLog(b *testing.B) {
	recs, logs := engineLogs(b, logConfig([]string{"6", "6", "6"}, nil, 10, 3600))
	lines := 0
	for _, r := range recs {
		lines += len(r)
	}
	names := newEventTable(len(logs))
	dst := make([][]sim.Record, len(logs))
	var bytesIn int
	for _, lg := range logs {
		bytesIn += len(lg)
	}
	b.SetBytes(int64(bytesIn))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		l := &Log{Machines: dst}
		for i, lg := range logs {
			var err error
			if dst[i], err = readLog(bytes.NewReader(lg), "machine.csv", names, dst[i][:0]); err != nil {
				b.Fatal(err)
			}
		}
		l.rebase()
		n++
	}
	b.ReportMetric(float64(lines*n)/b.Elapsed().Seconds(), "lines/s")
}
