package experiment

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"desim/analysis"
	"desim/analysis/figure"
)

// streamTestRun runs the scenario file or built-in name for d into a fresh
// run directory and returns it.
func streamTestRun(t *testing.T, name string, d time.Duration) Dir {
	t.Helper()
	s, err := Load(name, Overrides{Duration: d})
	if err != nil {
		t.Fatal(err)
	}
	out := Dir(filepath.Join(t.TempDir(), "run"))
	if _, err := SimulateToDir(context.Background(), s, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStreamRunIsReadRun: for run directories with and without a
// scenario.yaml, machines that all start late, the original
// implementation's logs as a directory and as files, StreamRun gives
// ReadRun's summary (byte for byte as JSON), name, heading numbers and
// figure (byte for byte in every format).
func TestStreamRunIsReadRun(t *testing.T) {
	late := filepath.Join(t.TempDir(), "late.yaml")
	if err := os.WriteFile(late, []byte("name: late\ndescription: every machine starts late\nduration: 40s\ndie: 5\nmachines:\n  - rate: 6\n    start: 10s\n  - rate: 1/3\n    start: 2.5s\n  - rate: 4\n    start: 3s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lateDir := streamTestRun(t, late, 40*time.Second)
	bare := filepath.Join(t.TempDir(), "bare")
	if err := os.Mkdir(bare, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		data, err := os.ReadFile(lateDir.Log(i))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bare, LogName(i)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	orig := filepath.Join("..", "testdata", "original")
	runs := map[string][]string{
		"A1 1800s":                     {string(streamTestRun(t, "A1", 1800*time.Second))},
		"B3-captioned 120s":            {string(streamTestRun(t, "B3-captioned", 120*time.Second))},
		"late starts":                  {string(lateDir)},
		"late starts, no yaml":         {bare},
		"original directory":           {orig},
		"original files":               {filepath.Join(orig, "machine-0.csv"), filepath.Join(orig, "machine-1.csv"), filepath.Join(orig, "machine-2.csv")},
		"original files, out of order": {filepath.Join(orig, "machine-2.csv"), filepath.Join(orig, "machine-0.csv"), filepath.Join(orig, "machine-1.csv")},
	}
	for name, paths := range runs {
		t.Run(name, func(t *testing.T) {
			want, err := ReadRun(paths...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := StreamRun(paths...)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := got.Summary().Marshal(), want.Summary().Marshal(); !bytes.Equal(g, w) {
				t.Errorf("summary:\n%s\nReadRun's:\n%s", g, w)
			}
			if got.Name != want.Name || got.Scenario != nil != (want.Scenario != nil) || got.Machines() != len(want.Log.Machines) ||
				got.Offset() != want.Log.Offset || got.Duration() != want.Log.Duration() {
				t.Errorf("name %q, scenario %v, %d machines, offset %d, duration %d; ReadRun's %q, %v, %d, %d, %d",
					got.Name, got.Scenario != nil, got.Machines(), got.Offset(), got.Duration(),
					want.Name, want.Scenario != nil, len(want.Log.Machines), want.Log.Offset, want.Log.Duration())
			}
			if w := got.Warnings(); w != nil || got.ClockError() != nil {
				t.Errorf("warnings %q, clock error %v; want none", w, got.ClockError())
			}
			for _, format := range figure.FigureFormats {
				w, err := RenderFigure(want.Figure(), format)
				if err != nil {
					t.Fatal(err)
				}
				g, err := RenderFigure(got.Figure(), format)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(g, w) {
					t.Errorf("%s: the streamed figure differs from ReadRun's (%d bytes, want %d)", format, len(g), len(w))
				}
			}
		})
	}
}

// TestStreamRunErrors: StreamRun fails as ReadRun does, with the same
// message and bad input where ReadRun's is.
func TestStreamRunErrors(t *testing.T) {
	three := "machines:\n  - rate: 6\n  - rate: 1\n  - rate: 1\ndie: 10\nduration: 1s\n"
	tests := []struct {
		name  string
		files map[string]string
		args  []string // "D" stands for the directory
	}{
		{"no arguments", nil, nil},
		{"directory in a list", map[string]string{"a.csv": dirTestLine}, []string{"D/a.csv", "D"}},
		{"missing directory", nil, []string{"D/nothing"}},
		{"missing file in a list", map[string]string{"a.csv": dirTestLine}, []string{"D/a.csv", "D/b.csv"}},
		{"no logs", map[string]string{"notes.txt": "x"}, []string{"D"}},
		{"malformed log", map[string]string{"machine-0.csv": dirTestLine, "machine-1.csv": dirTestLine + "internal,0.5,0\n"}, []string{"D"}},
		{"malformed log and bad yaml", map[string]string{"machine-0.csv": dirTestLine + "x\n", "machine-1.csv": dirTestLine, "scenario.yaml": "bogus: 1\n"}, []string{"D"}},
		{"bad yaml", map[string]string{"machine-0.csv": dirTestLine, "machine-1.csv": dirTestLine, "scenario.yaml": "bogus: 1\n"}, []string{"D"}},
		{"machine count", map[string]string{"machine-0.csv": dirTestLine, "machine-1.csv": dirTestLine, "scenario.yaml": three}, []string{"D"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			dirTestWrite(t, dir, tt.files)
			var args []string
			for _, a := range tt.args {
				args = append(args, strings.Replace(a, "D", dir, 1))
			}
			_, want := ReadRun(args...)
			_, err := StreamRun(args...)
			if want == nil || err == nil || err.Error() != want.Error() || errors.Is(err, ErrInput) != errors.Is(want, ErrInput) {
				t.Errorf("StreamRun: %v (bad input %v); ReadRun: %v (bad input %v)", err, errors.Is(err, ErrInput), want, errors.Is(want, ErrInput))
			}
		})
	}
}

// TestStreamRunClocks: a logical clock that goes down is a warning naming
// its file and line, and ClockError's bad input.
func TestStreamRunClocks(t *testing.T) {
	dir := t.TempDir()
	var m1 strings.Builder
	for k := range 30 {
		m1.WriteString("internal,1.0,0,")
		m1.WriteString([]string{"5", "4"}[k%2])
		m1.WriteString("\n")
	}
	dirTestWrite(t, dir, map[string]string{"machine-0.csv": dirTestLine + "internal,0.5,0,2\n", "machine-1.csv": m1.String()})
	r, err := StreamRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	ws := r.Warnings()
	m1path := filepath.Join(dir, "machine-1.csv")
	if len(ws) != analysis.MaxClockDecreases+1 || !strings.HasPrefix(ws[0], m1path+":2: logical clock 4 is below the previous line's 5") ||
		!strings.HasPrefix(ws[1], m1path+":4: ") || ws[len(ws)-1] != "and 5 more lines whose logical clock is below the previous line's (15 in all)" {
		t.Errorf("warnings:\n%s", strings.Join(ws, "\n"))
	}
	err = r.ClockError()
	var le *analysis.LogError
	if !errors.Is(err, ErrInput) || !errors.As(err, &le) || err.Error() != ws[0] {
		t.Errorf("ClockError = %v, want bad input, an *analysis.LogError: %s", err, ws[0])
	}
}

// TestStreamRunFigureLogsChanged: drawing reads the logs a second time,
// and fails when they are not what the first pass read.
func TestStreamRunFigureLogsChanged(t *testing.T) {
	d := streamTestRun(t, "A2", 20*time.Second)
	r, err := StreamRun(string(d))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(d.Log(1), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("internal,25.000000000,0,100000\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := RenderFigure(r.Figure(), "png"); err == nil || !strings.Contains(err.Error(), d.Log(1)+": the log changed while it was read") {
		t.Errorf("RenderFigure = %v, want an error naming %s", err, d.Log(1))
	}
	if err := os.WriteFile(d.Log(2), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := RenderFigure(r.Figure(), "png"); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), d.Log(2)+":1: ") {
		t.Errorf("RenderFigure = %v, want bad input at %s:1", err, d.Log(2))
	}
}
