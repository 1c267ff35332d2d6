package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRunReplacesEarlierRun: a run into a directory that holds an earlier
// run with more machines (and a figure) leaves only its own files, so that
// analyze and plot read the new run.
func TestRunReplacesEarlierRun(t *testing.T) {
	dir := t.TempDir()
	four := filepath.Join(dir, "four.yaml")
	writeTestFile(t, four, "duration: 10s\ndie: 10\nmachines:\n  - rate: 6\n  - rate: 5\n  - rate: 4\n  - rate: 3\n")
	out := filepath.Join(dir, "run")
	mustRun(t, "run", four, "--out", out, "--quiet", "--plot")
	mustRun(t, "run", "A2", "--duration", "10s", "--out", out, "--quiet")
	for _, gone := range []string{"machine-3.csv", "figure.png"} {
		if _, err := os.Stat(filepath.Join(out, gone)); !os.IsNotExist(err) {
			t.Errorf("%s of the earlier run is still there (%v)", gone, err)
		}
	}
	r := mustRun(t, "analyze", out, "--json")
	want, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil || r.stdout != string(want) {
		t.Errorf("analyze after a rerun does not match summary.json (%v)", err)
	}
	mustRun(t, "run", "A2", "--duration", "10s", "--out", out, "--quiet", "--plot")
}

// TestOpenRunKeepsRunTime: a desim run whose machines all start late keeps
// its own time base when read back for a figure (the reader rebases to the
// earliest line, which would move the whole run to 0).
func TestOpenRunKeepsRunTime(t *testing.T) {
	dir := t.TempDir()
	sc := filepath.Join(dir, "late.yaml")
	writeTestFile(t, sc, "duration: 20s\ndie: 4\nmachines:\n  - rate: 6\n    start: 10s\n  - rate: 1\n    start: 10s\n")
	out := filepath.Join(dir, "run")
	mustRun(t, "run", sc, "--out", out, "--quiet")
	l, s, err := openRun([]string{out})
	if err != nil || s == nil {
		t.Fatalf("openRun: %v (scenario %v)", err, s)
	}
	if first := l.Machines[0][0].At; first != 10e9 {
		t.Errorf("first tick at %d ns, want 10 s as in the log", first)
	}
	fig, err := runFigure([]string{out})
	if err != nil {
		t.Fatal(err)
	}
	if first := fig.Series[1].Records[0].At; first != 10e9 {
		t.Errorf("the figure draws the first tick at %d ns, want 10 s", first)
	}
}
