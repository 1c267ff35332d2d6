package experiment

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"desim/analysis/stats"
)

// TestWriteResultSweep: a sweep's result in each format is what package
// stats writes, to stdout or to o.Out; the table's replay commands run
// o.Command; a sweep draws no figure.
func TestWriteResultSweep(t *testing.T) {
	st := smallState(t, nil)
	want := render(t, st)
	for _, c := range []struct {
		f    stats.Format
		want string
	}{{stats.FormatJSON, want.json}, {stats.FormatCSV, want.csv}} {
		var b bytes.Buffer
		if err := WriteResult(&b, st, ResultOptions{Format: c.f, Plot: "ignored.png"}); err != nil {
			t.Fatal(err)
		}
		if b.String() != c.want {
			t.Errorf("format %v: %s", c.f, firstDiff(b.String(), c.want))
		}
	}
	out := filepath.Join(t.TempDir(), "sub", "table.txt")
	var stdout bytes.Buffer
	if err := WriteResult(&stdout, st, ResultOptions{Out: out, Format: stats.FormatTable, Wide: true, Command: "/opt/my desim"}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if stdout.Len() != 0 || !strings.Contains(string(got), "/opt/my desim run A2 --seed ") {
		t.Errorf("stdout %q; the file's replay commands:\n%s", stdout.String(), got)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(out), "ignored.png")); err == nil {
		t.Errorf("a sweep drew a figure")
	}
}

// TestWriteResultGrid: a grid's result is WriteGrid's, and its figure is
// drawn when asked.
func TestWriteResultGrid(t *testing.T) {
	g := mustGrid(t, tinyGrid)
	g.Base.Duration = 2 * time.Second
	st := runGridState(t, g, nil, 2)
	var b bytes.Buffer
	plot := filepath.Join(t.TempDir(), "grid.svg")
	if err := WriteResult(&b, st, ResultOptions{Format: stats.FormatJSON, Plot: plot, Wide: true}); err != nil {
		t.Fatal(err)
	}
	if want := gridResultJSON(t, st); !bytes.Equal(b.Bytes(), want) {
		t.Errorf("grid JSON: %s", firstDiff(b.String(), string(want)))
	}
	if fi, err := os.Stat(plot); err != nil || fi.Size() == 0 {
		t.Errorf("figure: %v", err)
	}
}
