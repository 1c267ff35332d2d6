package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	// Imported for its side effect: it registers the -update flag.
	_ "desim/internal/golden"
)

// plotRunDir runs A2 for 30 s into a temporary directory and returns it.
func plotRunDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	mustRun(t, "run", "A2", "--duration", "30s", "--out", dir, "--quiet")
	return dir
}

// checkPNG fails the test unless data is a PNG of the figure's size.
func checkPNG(t *testing.T, what string, data []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 450 {
		t.Errorf("%s: %dx%d pixels, want 1200x450", what, b.Dx(), b.Dy())
	}
}

func TestPlotRunDirectory(t *testing.T) {
	dir := plotRunDir(t)
	r := mustRun(t, "plot", dir)
	path := filepath.Join(dir, "figure.png")
	if r.stderr != "wrote "+path+"\n" || r.stdout != "" {
		t.Errorf("stderr %q, stdout %q; want stderr %q and no stdout", r.stderr, r.stdout, "wrote "+path+"\n")
	}
	files := readOutDir(t, dir) // also: no temporary file left behind
	checkPNG(t, path, files["figure.png"])
}

// TestRunPlotFlag: "desim run --plot" writes the figure that "desim plot"
// draws of the same directory, byte for byte, and leaves the other files
// as a run without --plot does.
func TestRunPlotFlag(t *testing.T) {
	plain := readOutDir(t, plotRunDir(t))
	dir := filepath.Join(t.TempDir(), "run")
	r := mustRun(t, "run", "A2", "--duration", "30s", "--out", dir, "--plot")
	if !strings.Contains(r.stderr, "wrote "+filepath.Join(dir, "figure.png")+"\n") {
		t.Errorf("desim run --plot does not say it wrote the figure:\n%s", r.stderr)
	}
	withPlot := readOutDir(t, dir)
	fig, ok := withPlot["figure.png"]
	if !ok {
		t.Fatalf("desim run --plot wrote no figure.png: %v", keys(withPlot))
	}
	checkPNG(t, "figure.png", fig)
	delete(withPlot, "figure.png")
	if d := sameFiles(plain, withPlot); d != "" {
		t.Errorf("--plot changed the other outputs: %s", d)
	}
	mustRun(t, "plot", dir, "-o", filepath.Join(dir, "again.png"))
	again, err := os.ReadFile(filepath.Join(dir, "again.png"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fig, again) {
		t.Errorf("desim run --plot and desim plot drew different bytes")
	}
}

func keys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// TestPlotFormats: -o chooses the format (PNG is the default, tested
// above).
func TestPlotFormats(t *testing.T) {
	dir := plotRunDir(t)
	for _, tc := range []struct{ file, magic string }{
		{"f.svg", "<?xml"},
		{"f.pdf", "%PDF-"},
	} {
		out := filepath.Join(t.TempDir(), tc.file)
		r := mustRun(t, "plot", dir, "-o", out)
		if r.stderr != "wrote "+out+"\n" {
			t.Errorf("%s: stderr %q", tc.file, r.stderr)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte(tc.magic)) {
			t.Errorf("%s starts with %q, want %q", tc.file, data[:min(len(data), 16)], tc.magic)
		}
	}
}

// TestPlotOriginalLogs plots the original implementation's logs, as a
// directory and as a list of files, which draw the same figure; a list of
// files is drawn to ./figure.png by default.
func TestPlotOriginalLogs(t *testing.T) {
	orig, err := filepath.Abs(filepath.Join("..", "..", "testdata", "original"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range []string{"machine-0.csv", "machine-1.csv", "machine-2.csv"} {
		files = append(files, filepath.Join(orig, f))
	}
	t.Chdir(t.TempDir())
	mustRun(t, "plot", orig, "-o", "dir.svg")
	mustRun(t, append([]string{"plot", "-o", "files.svg"}, files...)...)
	fromDir, err := os.ReadFile("dir.svg")
	if err != nil {
		t.Fatal(err)
	}
	fromFiles, err := os.ReadFile("files.svg")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fromDir, fromFiles) {
		t.Errorf("the figure of the directory and of its files differ")
	}

	r := mustRun(t, append([]string{"plot"}, files...)...)
	if r.stderr != "wrote figure.png\n" {
		t.Errorf("stderr %q, want %q", r.stderr, "wrote figure.png\n")
	}
	fig, err := os.ReadFile("figure.png")
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, "figure.png", fig)
}

// TestPlotBadInput: bad usage and bad input exit with status 2, say what is
// wrong (with file:line for a log), write nothing and never panic.
func TestPlotBadInput(t *testing.T) {
	dir := plotRunDir(t)
	bad := t.TempDir()
	writeTestFile(t, filepath.Join(bad, "machine-0.csv"), "internal,0.000000000,0,1\nreceive ,0.5,x,2\n")
	writeTestFile(t, filepath.Join(bad, "machine-1.csv"), "internal,0.000000000,0,1\n")
	mismatch := t.TempDir()
	for _, f := range []string{"machine-0.csv", "machine-1.csv"} {
		writeTestFile(t, filepath.Join(mismatch, f), "internal,0.000000000,0,1\n")
	}
	yaml, err := os.ReadFile(filepath.Join(dir, "scenario.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, filepath.Join(mismatch, "scenario.yaml"), string(yaml))
	badYAML := t.TempDir()
	writeTestFile(t, filepath.Join(badYAML, "machine-0.csv"), "internal,0.000000000,0,1\n")
	writeTestFile(t, filepath.Join(badYAML, "machine-1.csv"), "internal,0.000000000,0,1\n")
	writeTestFile(t, filepath.Join(badYAML, "scenario.yaml"), "name: x\nbogus: 1\n")
	out := t.TempDir()

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no run", []string{"plot"}, "need a RUN"},
		{"unknown format", []string{"plot", dir, "-o", filepath.Join(out, "f.jpg")}, `unsupported figure format ".jpg"`},
		{"no extension", []string{"plot", dir, "-o", filepath.Join(out, "figure")}, "no file extension"},
		{"missing run", []string{"plot", filepath.Join(out, "nothing"), "-o", filepath.Join(out, "f.png")}, "no such file"},
		{"malformed log", []string{"plot", bad, "-o", filepath.Join(out, "f.png")}, filepath.Join(bad, "machine-0.csv") + ":2: "},
		{"not a log", []string{"plot", filepath.Join(dir, "summary.json"), "-o", filepath.Join(out, "f.png")}, "summary.json:1: "},
		{"machine count", []string{"plot", mismatch, "-o", filepath.Join(out, "f.png")}, "the scenario has 3 machines but"},
		{"bad scenario.yaml", []string{"plot", badYAML, "-o", filepath.Join(out, "f.png")}, "scenario.yaml:2: "},
		{"bad flag", []string{"plot", dir, "--width", "3"}, "unknown flag: --width"},
		{"unknown panel", []string{"plot", dir, "--panels", "clock,foo", "-o", filepath.Join(out, "f.png")}, `"foo" is not a panel`},
		{"panel twice", []string{"plot", dir, "--panels", "lag,lag", "-o", filepath.Join(out, "f.png")}, "lag is listed twice"},
		{"empty panel", []string{"plot", dir, "--panels", "clock,,queue", "-o", filepath.Join(out, "f.png")}, `"" is not a panel`},
		{"bad time", []string{"plot", dir, "--from", "soon", "-o", filepath.Join(out, "f.png")}, `--from "soon" is not a time`},
		{"window after the run", []string{"plot", dir, "--from", "40", "-o", filepath.Join(out, "f.png")}, "after the run's end"},
		{"empty window", []string{"plot", dir, "--from", "10", "--to", "5", "-o", filepath.Join(out, "f.png")}, "not after its start"},
		{"theory without scenario", []string{"plot", filepath.Join(dir, "machine-0.csv"), filepath.Join(dir, "machine-1.csv"), filepath.Join(dir, "machine-2.csv"), "--theory", "-o", filepath.Join(out, "f.png")}, "--theory needs the run's scenario.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := desim(tc.args...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%s", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, r.stderr)
			}
			noPanic(t, "stderr", r.stderr)
		})
	}
	if files := readOutDir(t, out); len(files) != 0 {
		t.Errorf("bad input left files behind: %v", keys(files))
	}
	if _, err := os.Stat(filepath.Join(dir, "figure.png")); err == nil {
		t.Errorf("a failed plot wrote %s", filepath.Join(dir, "figure.png"))
	}
}

func TestPlotHelp(t *testing.T) {
	r := mustRun(t, "plot", "-h")
	for _, want := range []string{"Usage:\n  desim plot RUN...", "-o, --output FILE", ".svg", ".pdf", "Examples:", "desim plot out/A2"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("desim plot -h lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := mustRun(t, "run", "-h"); !strings.Contains(r.stdout, "--plot") {
		t.Errorf("desim run -h does not mention --plot:\n%s", r.stdout)
	}
}

// TestPlotPanelsWindowTheory: the three panels, a window and the
// predicted lines together draw a figure of the usual size, different
// from the default one.
func TestPlotPanelsWindowTheory(t *testing.T) {
	dir := plotRunDir(t)
	out := t.TempDir()
	plain, all := filepath.Join(out, "plain.png"), filepath.Join(out, "all.png")
	mustRun(t, "plot", dir, "-o", plain)
	mustRun(t, "plot", dir, "--panels", "clock,queue,lag", "--from", "5", "--to", "20s", "--theory", "-o", all)
	a, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(all)
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, all, b)
	if bytes.Equal(a, b) {
		t.Errorf("--panels, --from, --to and --theory changed nothing")
	}
}
