package suggest

import (
	"testing"

	_ "desim/internal/golden" // registers -update for "go test ./... -update"
)

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"run", "run", 0}, {"rn", "run", 1},
		{"sed", "seed", 1}, {"kitten", "sitting", 3}, {"flaw", "lawn", 2},
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Distance(c.b, c.a); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetry)", c.b, c.a, got, c.want)
		}
	}
}

func TestNearest(t *testing.T) {
	flags := []string{"seed", "duration", "out", "quiet", "plot"}
	for _, c := range []struct{ name, want string }{
		{"sed", "seed"}, {"seeds", "seed"}, {"dur", "duration"}, {"durtion", "duration"},
		{"qiet", "quiet"}, {"xyzzy", ""}, {"o", "out"}, {"SEED", "seed"}, {"", ""},
	} {
		if got := Nearest(c.name, flags); got != c.want {
			t.Errorf("Nearest(%q) = %q, want %q", c.name, got, c.want)
		}
	}
	if got := Nearest("a3", []string{"A1", "A3", "B3"}); got != "A3" {
		t.Errorf("case-insensitive: %q", got)
	}
}
