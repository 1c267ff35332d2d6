package experiment

import (
	"errors"
	"path/filepath"
	"testing"
)

// TestFigurePath: -o as given; else the figure of one run directory, or
// figure.png for log files or several directories; an unknown extension
// is bad input.
func TestFigurePath(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		out  string
		run  []string
		want string
	}{
		{"x.svg", []string{dir}, "x.svg"},
		{"", []string{dir}, filepath.Join(dir, "figure.png")},
		{"", []string{filepath.Join(dir, "machine-0.csv")}, "figure.png"},
		{"", []string{dir, dir}, "figure.png"},
	} {
		got, err := FigurePath(c.out, c.run)
		if err != nil || got != c.want {
			t.Errorf("FigurePath(%q, %q) = %q, %v; want %q", c.out, c.run, got, err, c.want)
		}
	}
	if _, err := FigurePath("x.gif", []string{dir}); !errors.Is(err, ErrInput) {
		t.Errorf("FigurePath(x.gif): %v, want bad input", err)
	}
}
