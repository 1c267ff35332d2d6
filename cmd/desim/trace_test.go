package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tracedDir runs a built-in with --trace for 60 s (seed 1) into a fresh
// directory and returns it.
func tracedDir(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	mustRun(t, "run", name, "--seed", "1", "--duration", "60s", "--out", dir, "--trace", "--quiet")
	return dir
}

// desim run --trace writes the golden messages.csv beside the usual
// files; a run without --trace into the same directory removes it.
func TestRunTrace(t *testing.T) {
	dir := tracedDir(t, "A2")
	files := readOutDir(t, dir)
	want, err := os.ReadFile(filepath.Join(goldenDir, "A2", "messages.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(files["messages.csv"], want) {
		t.Error("messages.csv differs from testdata/golden/A2/messages.csv")
	}
	for _, f := range []string{"machine-0.csv", "summary.json"} {
		g, _ := os.ReadFile(filepath.Join(goldenDir, "A2", f))
		if !bytes.Equal(files[f], g) {
			t.Errorf("%s of a traced run differs from the golden untraced run's", f)
		}
	}
	mustRun(t, "run", "A2", "--seed", "1", "--duration", "60s", "--out", dir, "--quiet")
	if _, ok := readOutDir(t, dir)["messages.csv"]; ok {
		t.Error("an untraced run kept the earlier trace")
	}
}

func TestSpacetimeCommand(t *testing.T) {
	dir := tracedDir(t, "A3")
	out := t.TempDir()
	png1 := filepath.Join(out, "st.png")
	r := mustRun(t, "spacetime", dir, "-o", png1)
	if r.stderr != "wrote "+png1+"\n" || r.stdout != "" {
		t.Errorf("stdout %q, stderr %q", r.stdout, r.stderr)
	}
	f, err := os.Open(png1)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil || img.Bounds().Dx() != 1200 {
		t.Fatalf("st.png: %v, bounds %v", err, img.Bounds())
	}
	for _, args := range [][]string{
		{"--from", "20", "--to", "30s", "-o", filepath.Join(out, "w.svg")},
		{"--machines", "2,1", "-o", filepath.Join(out, "m.pdf")},
	} {
		mustRun(t, append([]string{"spacetime", dir}, args...)...)
	}
	plain := filepath.Join(t.TempDir(), "plain")
	mustRun(t, "run", "A3", "--duration", "10s", "--out", plain, "--quiet")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"spacetime", plain, "-o", filepath.Join(out, "x.png")}, "has no messages.csv"},
		{[]string{"spacetime", dir, "--from", "soon", "-o", filepath.Join(out, "x.png")}, "--from"},
		{[]string{"spacetime", dir, "--machines", "0,7", "-o", filepath.Join(out, "x.png")}, "machine 7"},
		{[]string{"spacetime", dir, "--from", "90s", "-o", filepath.Join(out, "x.png")}, "after the run's end"},
		{[]string{"spacetime", dir, "-o", filepath.Join(out, "x.gif")}, "unsupported diagram format"},
		{[]string{"spacetime"}, "need a RUN"},
		{[]string{"spacetime", filepath.Join(out, "nope")}, "nope"},
	} {
		r := desim(c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "x.png")); err == nil {
		t.Error("a refused diagram was written")
	}
}

func TestExportCommand(t *testing.T) {
	dir := tracedDir(t, "B2")
	out := t.TempDir()
	r := mustRun(t, "export", "perfetto", dir, "-o", filepath.Join(out, "b2.json"))
	if !strings.Contains(r.stderr, "wrote ") {
		t.Errorf("stderr %q", r.stderr)
	}
	r = mustRun(t, "export", "shiviz", dir, "-o", filepath.Join(out, "b2.log"))
	if !strings.Contains(r.stderr, `(?<event>.*)\n(?<host>\S*) (?<clock>{.*})`) {
		t.Errorf("no ShiViz regular expression on stderr: %q", r.stderr)
	}
	r = mustRun(t, "export", "shiviz", dir, "-o", "-")
	log, _ := os.ReadFile(filepath.Join(out, "b2.log"))
	if r.stdout != string(log) || len(log) < 1000 {
		t.Error("-o - does not write the log to stdout")
	}
	if json, _ := os.ReadFile(filepath.Join(out, "b2.json")); !bytes.HasPrefix(json, []byte(`{"displayTimeUnit":"ns"`)) {
		t.Errorf("b2.json starts %q", json[:min(len(json), 40)])
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "jaeger", dir}, `unknown format "jaeger"`},
		{[]string{"export", "perfetto"}, "need a FORMAT"},
		{[]string{"export", "perfetto", filepath.Join(out, "b2.json")}, "not a run directory"},
	} {
		r := desim(c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
	// A trace that does not match the logs is bad input, and writes nothing.
	if err := os.WriteFile(filepath.Join(dir, "messages.csv"), []byte("seq,from,to,send_time,value,queue_time,state,receive_time,receive_clock\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = desim("export", "perfetto", dir, "-o", filepath.Join(out, "bad.json"))
	if r.code != 2 || !strings.Contains(r.stderr, "messages.csv") {
		t.Errorf("mismatched trace: exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "bad.json")); err == nil {
		t.Error("a refused export was written")
	}
}
