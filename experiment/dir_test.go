package experiment

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"desim/analysis"
	"desim/scenarios"
	"desim/sim"
)

// dirTestWrite writes name → content files under dir.
func dirTestWrite(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// dirTestNames returns the names of dir's entries, sorted.
func dirTestNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// dirTestLine is a valid log line of a run of up to 3 machines.
const dirTestLine = "internal,0.000000000,0,1\n"

// TestDirLogsErrors checks that a directory whose machine-<i>.csv files are
// missing or not numbered 0..N-1 is an *analysis.LogError naming the
// directory, from Dir.Logs and, as bad input, from ReadRun.
func TestDirLogsErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // in a fresh directory
		want  string            // the message, "D" standing for the directory
	}{
		{"directory without logs", map[string]string{"summary.json": "{}", "machine-a.csv": dirTestLine, "machine-01.csv": dirTestLine},
			`D: no machine-<i>.csv log files in the directory`},
		{"empty directory", nil,
			`D: no machine-<i>.csv log files in the directory`},
		{"gap in the numbering", map[string]string{"machine-0.csv": dirTestLine, "machine-2.csv": dirTestLine},
			`D: machine-1.csv is missing (the logs are numbered from 0 without gaps; found machine-0.csv and then machine-2.csv)`},
		{"no machine-0", map[string]string{"machine-1.csv": dirTestLine, "machine-2.csv": dirTestLine},
			`D: machine-0.csv is missing (the logs are numbered from 0 without gaps; the first is machine-1.csv)`},
		{"huge machine number", map[string]string{"machine-0.csv": dirTestLine, "machine-99999999999999999999999.csv": dirTestLine},
			`D: machine-1.csv is missing (the logs are numbered from 0 without gaps; found machine-0.csv and then machine-99999999999999999999999.csv)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			dirTestWrite(t, dir, tt.files)
			want := dir + strings.TrimPrefix(tt.want, "D")

			files, err := Dir(dir).Logs()
			if err == nil {
				t.Fatalf("Logs = %v, want an error", files)
			}
			var le *analysis.LogError
			if !errors.As(err, &le) {
				t.Fatalf("Logs: error %v (%T) is not an *analysis.LogError", err, err)
			}
			if le.File != dir || le.Line != 0 {
				t.Errorf("Logs: error names %s:%d, want %s", le.File, le.Line, dir)
			}
			if got := err.Error(); got != want {
				t.Errorf("Logs: error:\n  got  %s\n  want %s", got, want)
			}

			r, err := ReadRun(dir)
			if err == nil {
				t.Fatalf("ReadRun read %d machines, want an error", len(r.Log.Machines))
			}
			if !errors.Is(err, ErrInput) {
				t.Errorf("ReadRun: error %v is not ErrInput", err)
			}
			if !errors.As(err, &le) {
				t.Fatalf("ReadRun: error %v (%T) is not an *analysis.LogError", err, err)
			}
			if got := err.Error(); got != want {
				t.Errorf("ReadRun: error:\n  got  %s\n  want %s", got, want)
			}
		})
	}
}

// TestDirLogsNumericOrder checks that a directory's logs are ordered by
// machine number, machine-10 after machine-9, that other files are
// ignored, and that ReadRun reads them in that order.
func TestDirLogsNumericOrder(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"summary.json": "{}", "scenario.yaml": "x", ".machine-3.csv.tmp123": "junk", "machine-x.csv": "junk",
		"figure.png": "junk", "machine-01.csv": "junk", "machine-1.csv.tmp": "junk"}
	var want []string
	for i := 0; i < 12; i++ {
		// Machine i's only line has clock i+1, so the order shows.
		name := fmt.Sprintf("machine-%d.csv", i)
		files[name] = fmt.Sprintf("internal,%d.25,0,%d\n", 100+i, i+1)
		want = append(want, filepath.Join(dir, name))
	}
	dirTestWrite(t, dir, files)
	got, err := Dir(dir).Logs()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Logs:\n  got  %v\n  want %v", got, want)
	}

	// The junk scenario.yaml would be read (and rejected) as the run's
	// scenario: without it, the directory is a run of logs alone.
	if err := os.Remove(filepath.Join(dir, ScenarioFile)); err != nil {
		t.Fatal(err)
	}
	r, err := ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	l := r.Log
	if len(l.Files) != 12 || len(l.Machines) != 12 {
		t.Fatalf("read %d files, %d machines; want 12", len(l.Files), len(l.Machines))
	}
	for i, recs := range l.Machines {
		if l.Files[i] != want[i] {
			t.Errorf("Files[%d] = %s, want %s", i, l.Files[i], want[i])
		}
		want := sim.Record{At: int64(i) * 1e9, Clock: int64(i + 1), Event: sim.Internal}
		if len(recs) != 1 || recs[0] != want {
			t.Errorf("machine %d: %v, want [%v]", i, recs, want)
		}
	}
	if l.Offset != 100_250_000_000 {
		t.Errorf("Offset = %d, want 100.25 s", l.Offset)
	}
	if r.Scenario != nil || r.Name != filepath.Base(dir) {
		t.Errorf("scenario %v, name %q; want none, %q", r.Scenario, r.Name, filepath.Base(dir))
	}
}

// TestReadRunArgs checks ReadRun's arguments other than one directory:
// none, and a directory in a list of files.
func TestReadRunArgs(t *testing.T) {
	dir := t.TempDir()
	dirTestWrite(t, dir, map[string]string{"a.csv": dirTestLine, "b.csv": dirTestLine})
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")

	_, err := ReadRun(a, dir)
	var le *analysis.LogError
	if !errors.Is(err, ErrInput) || !errors.As(err, &le) {
		t.Errorf("a directory in a file list: %v (%T), want bad input, an *analysis.LogError", err, err)
	}
	if want := dir + ": is a directory: give one run directory, or a list of log files"; err == nil || err.Error() != want {
		t.Errorf("a directory in a file list: %v, want %s", err, want)
	}

	if _, err := ReadRun(); !errors.Is(err, ErrInput) || err.Error() != "no run directory or log files given" {
		t.Errorf("no arguments: %v, want bad input: no run directory or log files given", err)
	}

	r, err := ReadRun(b, a)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Log.Files, []string{b, a}) || r.Name != filepath.Base(dir) {
		t.Errorf("files %v, name %q; want [%s %s], %q", r.Log.Files, r.Name, b, a, filepath.Base(dir))
	}
}

// TestLogNameRoundTrip checks that parseLogName inverts LogName and
// rejects every other name.
func TestLogNameRoundTrip(t *testing.T) {
	d := Dir(filepath.Join("some", "run"))
	for i := 0; i <= 1000; i++ {
		name := LogName(i)
		if want := fmt.Sprintf("machine-%d.csv", i); name != want {
			t.Fatalf("LogName(%d) = %q, want %q", i, name, want)
		}
		if got, ok := parseLogName(name); !ok || got != uint64(i) {
			t.Fatalf("parseLogName(%q) = %d, %v; want %d, true", name, got, ok, i)
		}
		if got, want := d.Log(i), filepath.Join("some", "run", name); got != want {
			t.Fatalf("Log(%d) = %q, want %q", i, got, want)
		}
	}
	for _, name := range []string{"machine-01.csv", "machine--1.csv", "machine-1.CSV", "machine-1.csv.tmp",
		"machine-00.csv", "machine-.csv", "machine-+1.csv", "machine-1a.csv", "machine- 1.csv", "machine-1.csv ",
		"Machine-1.csv", "machine-1", "machine1.csv", "machine-x.csv", ".machine-3.csv.tmp123", "machine-١.csv", ""} {
		if got, ok := parseLogName(name); ok {
			t.Errorf("parseLogName(%q) = %d, true; want false", name, got)
		}
	}
	for name, want := range map[string]uint64{
		"machine-18446744073709551615.csv":    1<<64 - 1,
		"machine-18446744073709551616.csv":    1<<64 - 1, // overflows
		"machine-99999999999999999999999.csv": 1<<64 - 1,
	} {
		if got, ok := parseLogName(name); !ok || got != want {
			t.Errorf("parseLogName(%q) = %d, %v; want %d, true", name, got, ok, want)
		}
	}
}

// dirTestScenario returns a scenario of n machines.
func dirTestScenario(t *testing.T, n int) *scenarios.Scenario {
	t.Helper()
	src := fmt.Sprintf("name: dirtest\nseed: 7\ndie: 10\nduration: 1s\nmachines:\n%s", strings.Repeat("  - rate: 6\n", n))
	s, err := scenarios.Parse("dirtest.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDirWriteFails checks that a run whose fill fails leaves nothing: no
// file of it under its final name while it is being written, no file at
// all afterwards, and no directory made for it; an earlier run in the
// directory is left as it was.
func TestDirWriteFails(t *testing.T) {
	errFill := errors.New("fill failed")
	s := dirTestScenario(t, 2)
	// fill writes every log, checks that nothing is in place yet and fails.
	fill := func(t *testing.T, d Dir) func(w *RunWriter) ([]byte, error) {
		return func(w *RunWriter) ([]byte, error) {
			if len(w.Logs) != 2 {
				t.Errorf("%d log writers, want 2", len(w.Logs))
			}
			for _, lw := range w.Logs {
				if _, err := lw.Write([]byte(dirTestLine)); err != nil {
					t.Error(err)
				}
			}
			if b, err := os.ReadFile(w.ScenarioPath); err != nil || string(b) != string(scenarios.Marshal(s)) {
				t.Errorf("ScenarioPath %s: %q, %v; want the scenario", w.ScenarioPath, b, err)
			}
			if filepath.Dir(w.ScenarioPath) != string(d) || w.ScenarioPath == d.Scenario() {
				t.Errorf("ScenarioPath %s: want a temporary name in %s", w.ScenarioPath, d)
			}
			return []byte("{}"), errFill
		}
	}

	t.Run("new directory", func(t *testing.T) {
		d := Dir(filepath.Join(t.TempDir(), "run"))
		f := fill(t, d)
		err := d.Write(s, func(w *RunWriter) ([]byte, error) {
			for _, p := range []string{d.Log(0), d.Log(1), d.Summary(), d.Scenario()} {
				if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("during fill: %s: %v, want it not to exist yet", p, err)
				}
			}
			return f(w)
		})
		if !errors.Is(err, errFill) {
			t.Fatalf("Write: %v, want the fill's error", err)
		}
		if _, err := os.Stat(string(d)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the directory made for the run: %v, want it removed (holds %v)", err, dirTestNames(t, string(d)))
		}
	})

	t.Run("earlier run", func(t *testing.T) {
		d := Dir(t.TempDir())
		old := map[string]string{"machine-0.csv": "old 0", "machine-1.csv": "old 1", "machine-2.csv": "old 2",
			"summary.json": "old summary", "scenario.yaml": "old scenario", "figure.png": "old figure"}
		dirTestWrite(t, string(d), old)
		err := d.Write(s, fill(t, d))
		if !errors.Is(err, errFill) {
			t.Fatalf("Write: %v, want the fill's error", err)
		}
		names := dirTestNames(t, string(d))
		if want := []string{"figure.png", "machine-0.csv", "machine-1.csv", "machine-2.csv", "scenario.yaml", "summary.json"}; !slices.Equal(names, want) {
			t.Errorf("directory holds %v, want %v", names, want)
		}
		for name, content := range old {
			if b, err := os.ReadFile(filepath.Join(string(d), name)); err != nil || string(b) != content {
				t.Errorf("%s: %q, %v; want %q", name, b, err, content)
			}
		}
	})
}

// TestDirWrite checks that a successful write of a 2-machine run over a
// 3-machine one replaces its files, removes the stale machine-2.csv and
// figure.png, leaves other files alone and reads back as a run.
func TestDirWrite(t *testing.T) {
	d := Dir(t.TempDir())
	dirTestWrite(t, string(d), map[string]string{"machine-0.csv": "old 0", "machine-1.csv": "old 1", "machine-2.csv": "old 2",
		"summary.json": "old summary", "scenario.yaml": "old scenario", "figure.png": "old figure", "notes.txt": "mine"})
	s := dirTestScenario(t, 2)
	logs := []string{"internal,0.000000000,0,1\nsend all,0.166666666,0,2\n", "receive ,0.500000000,0,3\n"}
	err := d.Write(s, func(w *RunWriter) ([]byte, error) {
		for i, lw := range w.Logs {
			if _, err := lw.Write([]byte(logs[i])); err != nil {
				return nil, err
			}
		}
		if b, err := os.ReadFile(d.Log(0)); err != nil || string(b) != "old 0" {
			t.Errorf("during fill: machine-0.csv is %q, %v; want the old run's", b, err)
		}
		return []byte("new summary"), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if names, want := dirTestNames(t, string(d)), []string{"machine-0.csv", "machine-1.csv", "notes.txt", "scenario.yaml", "summary.json"}; !slices.Equal(names, want) {
		t.Errorf("directory holds %v, want %v", names, want)
	}
	for path, want := range map[string]string{d.Log(0): logs[0], d.Log(1): logs[1], d.Summary(): "new summary",
		d.Scenario(): string(scenarios.Marshal(s)), filepath.Join(string(d), "notes.txt"): "mine"} {
		if b, err := os.ReadFile(path); err != nil || string(b) != want {
			t.Errorf("%s: %q, %v; want %q", path, b, err, want)
		}
	}
	for _, p := range []string{d.Log(0), d.Summary(), d.Scenario()} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, want 0644", p, st.Mode())
		}
	}
	if files, err := d.Logs(); err != nil || !slices.Equal(files, []string{d.Log(0), d.Log(1)}) {
		t.Errorf("Logs = %v, %v; want machine-0.csv, machine-1.csv", files, err)
	}
	r, err := ReadRun(string(d))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Scenario, s) || len(r.Log.Machines) != 2 || len(r.Log.Machines[0]) != 2 || r.Log.Machines[1][0].At != 5e8 {
		t.Errorf("read back scenario %+v, machines %v", r.Scenario, r.Log.Machines)
	}
}
