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
