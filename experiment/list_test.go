package experiment

import (
	"bytes"
	"strings"
	"testing"

	"desim/scenarios"
)

// TestWriteScenarioList: a header, then one row per built-in scenario in
// order, with its description cut after the first sentence.
func TestWriteScenarioList(t *testing.T) {
	var b bytes.Buffer
	if err := WriteScenarioList(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	names := scenarios.Names()
	if len(lines) != len(names)+1 || !strings.HasPrefix(lines[0], "NAME ") || !strings.Contains(lines[0], "RATES (c/s)") {
		t.Fatalf("%d lines for %d scenarios:\n%s", len(lines), len(names), b.String())
	}
	for i, n := range names {
		if f := strings.Fields(lines[i+1]); f[0] != n {
			t.Errorf("row %d is %q, want scenario %s", i+1, lines[i+1], n)
		}
	}
}

func TestFirstSentence(t *testing.T) {
	for in, want := range map[string]string{
		"One. Two. Three.": "One.",
		"No stop":          "No stop",
		"Rate 1.5 c/s.":    "Rate 1.5 c/s.",
		"":                 "",
	} {
		if got := firstSentence(in); got != want {
			t.Errorf("firstSentence(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWriteGridList: a header, then one row per built-in grid in order,
// its axes joined by " × " with their sizes.
func TestWriteGridList(t *testing.T) {
	var b bytes.Buffer
	if err := WriteGridList(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	names := GridNames()
	if len(lines) != len(names)+1 || !strings.HasPrefix(lines[0], "NAME ") || !strings.Contains(lines[0], "AXES") {
		t.Fatalf("%d lines for %d grids:\n%s", len(lines), len(names), b.String())
	}
	for i, n := range names {
		g, err := LoadGrid(n, GridOverrides{})
		if err != nil {
			t.Fatal(err)
		}
		row := lines[i+1]
		if strings.Fields(row)[0] != n || !strings.Contains(row, g.Axes[0].Field+" (") || len(g.Axes) > 1 && !strings.Contains(row, " × ") {
			t.Errorf("row %d is %q for grid %s", i+1, row, n)
		}
	}
}
