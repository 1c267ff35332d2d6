package analysis

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"desim/sim"
)

// writeLogs writes logs as machine-<i>.csv under a fresh directory and
// returns their paths.
func writeLogs(t *testing.T, logs [][]byte) []string {
	t.Helper()
	dir := t.TempDir()
	paths := make([]string, len(logs))
	for i, b := range logs {
		paths[i] = filepath.Join(dir, fmt.Sprintf("machine-%d.csv", i))
		if err := os.WriteFile(paths[i], b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return paths
}

// withProcs runs f with GOMAXPROCS 1 (StreamRun reads one file after
// another), 2 and 8 (it reads them concurrently).
func withProcs(t *testing.T, f func(t *testing.T)) {
	for _, procs := range []int{1, 2, 8} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			f(t)
		})
	}
}

// TestStreamRunIsReadRun: StreamRun streams exactly the records ReadRun
// reads (before rebasing), in order, and its Scan agrees with the Log:
// offset, duration, estimated rates, extents, and the metrics of an
// Accumulator fed on the way. The runs are long enough for several
// batches.
func TestStreamRunIsReadRun(t *testing.T) { withProcs(t, testStreamRunIsReadRun) }

func testStreamRunIsReadRun(t *testing.T) {
	runs := map[string][]string{"original": machineFiles(t, "../testdata/original")}
	for name, cfg := range map[string]sim.Config{
		"A2-like":                 logConfig([]string{"6", "1", "1"}, nil, 10, 2000),
		"5 machines, late starts": logConfig([]string{"7", "1/3", "2.5", "6", "3"}, []int64{700_000_000, 250_000_001, 900_000_000, 333_333_333, 400_000_000}, 7, 1000),
		"2 machines":              logConfig([]string{"5", "1/7"}, nil, 2, 60),
	} {
		_, logs := engineLogs(t, cfg)
		runs[name] = writeLogs(t, logs)
	}
	for name, paths := range runs {
		t.Run(name, func(t *testing.T) {
			l, err := ReadRun(paths...)
			if err != nil {
				t.Fatal(err)
			}
			got := make(logRecorder, len(paths))
			acc := NewAccumulator(len(paths))
			sc, err := StreamRun(sim.Sinks{got, acc}, paths...)
			if err != nil {
				t.Fatal(err)
			}
			for _, recs := range got {
				for k := range recs {
					recs[k].At -= sc.Offset
				}
			}
			if !reflect.DeepEqual([][]sim.Record(got), l.Machines) {
				t.Fatal("records streamed differ from ReadRun's")
			}
			if !slices.Equal(sc.Files, l.Files) || sc.Offset != l.Offset || sc.Duration() != l.Duration() {
				t.Errorf("files %v, offset %d, duration %d; ReadRun's %v, %d, %d", sc.Files, sc.Offset, sc.Duration(), l.Files, l.Offset, l.Duration())
			}
			if rs, want := sc.EstimatedRates(), l.EstimatedRates(); !slices.Equal(rs, want) {
				t.Errorf("estimated rates %v, ReadRun's %v", rs, want)
			}
			if ms, want := acc.Metrics(nil), l.Metrics(nil); !reflect.DeepEqual(ms, want) {
				t.Errorf("metrics differ:\n  got  %+v\n  want %+v", ms, want)
			}
			for i, recs := range l.Machines {
				want := MachineScan{Ticks: int64(len(recs)), First: recs[0].At + l.Offset, Last: recs[len(recs)-1].At + l.Offset}
				for _, r := range recs {
					want.MaxClock, want.MaxQueue = max(want.MaxClock, r.Clock), max(want.MaxQueue, r.Queue)
				}
				if sc.Machines[i] != want {
					t.Errorf("machine %d: %+v, want %+v", i, sc.Machines[i], want)
				}
			}
			if len(sc.ClockDecreases) != 0 {
				t.Errorf("clock decreases in a run of the model: %v", sc.ClockDecreases)
			}
		})
	}
}

// TestStreamRunClockDecreases: a logical clock below the previous line's
// in the same file is found with its file and line, in a later batch too,
// counted in full, listed up to MaxClockDecreases; equal clocks and a
// lower clock in another file are not decreases.
func TestStreamRunClockDecreases(t *testing.T) { withProcs(t, testStreamRunClockDecreases) }

func testStreamRunClockDecreases(t *testing.T) {
	var m0, m1, m2 strings.Builder
	m0.WriteString("internal,0.0,0,5\ninternal,1.0,0,4\ninternal,2.0,0,4\ninternal,3.0,0,9\n") // line 2: 4 < 5
	for k := range 5000 {
		c := k + 1
		if k == 4200 {
			c = 3 // line 4201, in the second batch
		}
		fmt.Fprintf(&m1, "internal,%d.0,0,%d\n", k, c)
	}
	m2.WriteString("internal,0.0,0,1\n")
	for k := range 20 { // lines 2 to 21: 10, 9, ..., 0, then 0 again: 10 decreases, then equal clocks
		fmt.Fprintf(&m2, "internal,%d.0,0,%d\n", k+1, max(10-k, 0))
	}
	paths := writeLogs(t, [][]byte{[]byte(m0.String()), []byte(m1.String()), []byte(m2.String())})
	sc, err := StreamRun(nil, paths...)
	if err != nil {
		t.Fatal(err)
	}
	counts := []int64{sc.Machines[0].ClockDecreases, sc.Machines[1].ClockDecreases, sc.Machines[2].ClockDecreases}
	if !slices.Equal(counts, []int64{1, 1, 10}) {
		t.Errorf("decreases per machine %v, want [1 1 10]", counts)
	}
	want := []string{
		paths[0] + ":2: logical clock 4 is below the previous line's 5: a Lamport clock never decreases (a model violation)",
		paths[1] + ":4201: logical clock 3 is below the previous line's 4200",
	}
	for k := range 8 { // m2: line 3 (9 < 10) ... line 10 (2 < 3)
		want = append(want, fmt.Sprintf("%s:%d: logical clock %d is below the previous line's %d", paths[2], k+3, 9-k, 10-k))
	}
	if len(sc.ClockDecreases) != MaxClockDecreases {
		t.Fatalf("%d decreases listed, want MaxClockDecreases = %d", len(sc.ClockDecreases), MaxClockDecreases)
	}
	for k, e := range sc.ClockDecreases {
		if !strings.HasPrefix(e.Error(), want[k]) {
			t.Errorf("decrease %d:\n  got  %s\n  want %s...", k, e, want[k])
		}
	}
	// ReadRun accepts such logs.
	if _, err := ReadRun(paths...); err != nil {
		t.Errorf("ReadRun: %v", err)
	}
}

// failingSink fails on its n-th batch.
type failingSink struct{ n int }

var errSink = errors.New("sink failed")

func (s *failingSink) Records(int, []sim.Record) error {
	if s.n--; s.n == 0 {
		return errSink
	}
	return nil
}

// TestStreamRunSinkError: the sink's error stops the read and is returned
// as is.
func TestStreamRunSinkError(t *testing.T) {
	_, logs := engineLogs(t, logConfig([]string{"6", "6", "6"}, nil, 10, 2000))
	paths := writeLogs(t, logs)
	withProcs(t, func(t *testing.T) {
		for _, n := range []int{1, 5, 8} {
			if _, err := StreamRun(&failingSink{n: n}, paths...); err != errSink {
				t.Errorf("sink failing on batch %d: StreamRun = %v, want the sink's error as is", n, err)
			}
		}
	})
}

// TestStreamRunFirstError: of several malformed files, read concurrently,
// StreamRun reports the first in machine order, as ReadRun does, however
// far into it the error is.
func TestStreamRunFirstError(t *testing.T) {
	_, logs := engineLogs(t, logConfig([]string{"6", "6", "6", "6"}, nil, 10, 3000))
	logs[1] = append(logs[1], "internal,1.0\n"...) // at its end, line 18001
	logs[2] = append([]byte("x\n"), logs[2]...)
	logs[3] = nil // empty
	paths := writeLogs(t, logs)
	_, want := ReadRun(paths...)
	if want == nil || !strings.HasPrefix(want.Error(), paths[1]+":18001: ") {
		t.Fatalf("ReadRun: %v, want an error at %s:18001", want, paths[1])
	}
	withProcs(t, func(t *testing.T) {
		for range 20 {
			if _, err := StreamRun(nil, paths...); err == nil || err.Error() != want.Error() {
				t.Fatalf("StreamRun: %v, want %v", err, want)
			}
		}
	})
}
