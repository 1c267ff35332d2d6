package calibrate_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"desim/analysis"
	"desim/analysis/calibrate"
	"desim/scenarios"
)

// FuzzFit feeds Fit runs of arbitrary logs: the input is 2 to 4 machines'
// logs separated by an empty line, each read with analysis.ReadLog (Fit
// adds no parser of its own; ReadRun's is fuzzed in package analysis), and
// an overshoot window in µs. Fit must not panic; its errors must name one
// of the files; an estimate must be coherent (R̂ inside its interval, a
// duration after every tick, finite overshoots) and its YAML must be a
// scenario that scenarios.Parse reads back to the estimates.
//
// Its seeds are a few KB, so the fuzzer's minimisation of each new input
// (60 s by default, with no progress shown meanwhile) dominates: run it as
// go test -fuzz FuzzFit -fuzzminimizetime 2s.
func FuzzFit(f *testing.F) {
	for _, name := range []string{"A5", "C1"} {
		var parts [][]byte
		for i := range 3 {
			b, err := os.ReadFile(filepath.Join("testdata", "original", name, fmt.Sprintf("machine-%d.csv", i)))
			if err != nil {
				f.Fatal(err)
			}
			lines := bytes.SplitAfter(b, []byte("\n"))
			parts = append(parts, bytes.Join(lines[:min(len(lines), 40)], nil))
		}
		f.Add(bytes.Join(parts, []byte("\n")), uint16(2000))
	}
	f.Add([]byte("internal,0,0,1\nsend 0  ,0.5,0,2\ninternal,1,0,3\n\nreceive ,0.1,0,1\ninternal,0.6,0,2\nsend 0  ,1.1,0,3\n"), uint16(0))
	f.Add([]byte("internal,0,0,1\ninternal,0,0,2\ninternal,0,0,3\n\ninternal,0,0,1\n"), uint16(1))
	f.Fuzz(func(t *testing.T, data []byte, windowUs uint16) {
		pieces := bytes.Split(data, []byte("\n\n"))
		if len(pieces) < 2 || len(pieces) > 4 {
			return
		}
		l := &analysis.Log{}
		for i, p := range pieces {
			name := fmt.Sprintf("m%d.csv", i)
			recs, err := analysis.ReadLog(bytes.NewReader(p), name, len(pieces))
			if err != nil {
				return
			}
			l.Files = append(l.Files, name)
			l.Machines = append(l.Machines, recs)
		}
		e, err := calibrate.Fit([]*analysis.Log{l}, calibrate.Options{MaxOvershoot: time.Duration(windowUs) * time.Microsecond})
		if err != nil {
			var le *analysis.LogError
			if errors.As(err, &le) && !slices.Contains(l.Files, le.File) {
				t.Fatalf("error names %q, not a file of the run: %v", le.File, err)
			}
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if d := e.Die; d.R < d.Lo || d.R > d.Hi || d.Lo < len(pieces) {
			t.Fatalf("die %+v", d)
		}
		if e.Duration <= time.Duration(e.Runs[0].Span*1e9)-time.Microsecond || e.Duration <= 0 {
			t.Fatalf("duration %s for a span of %g s", e.Duration, e.Runs[0].Span)
		}
		y := e.YAML("fuzz")
		if bytes.Contains(y, []byte("NaN")) || bytes.Contains(y, []byte("Inf")) {
			t.Fatalf("YAML with NaN or Inf:\n%s", y)
		}
		s, err := scenarios.Parse("fuzz.yaml", y)
		if err != nil {
			t.Fatalf("YAML does not parse: %v\n%s", err, y)
		}
		checkScenario(t, e, s)
	})
}
