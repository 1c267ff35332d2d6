package experiment

import (
	"errors"
	"strings"
	"testing"

	"desim/sim"
)

// TestParseRates reads comma-separated rates, blanks ignored; a bad one is
// bad input naming --rates and the whole value.
func TestParseRates(t *testing.T) {
	if r, err := ParseRates(""); r != nil || err != nil {
		t.Errorf(`ParseRates("") = %v, %v; want none`, r, err)
	}
	r, err := ParseRates("8, 10,12")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"8", "10", "12"}
	if len(r) != len(want) {
		t.Fatalf("ParseRates = %v, want %v", r, want)
	}
	for i, w := range want {
		if x, _ := sim.ParseRate(w); r[i] != x {
			t.Errorf("rate %d = %v, want %v", i, r[i], x)
		}
	}
	for _, bad := range []string{"8,x", ",", "8,,10"} {
		_, err := ParseRates(bad)
		if !errors.Is(err, ErrInput) || !strings.HasPrefix(err.Error(), `--rates "`+bad+`": `) {
			t.Errorf("ParseRates(%q): %v, want bad input naming --rates", bad, err)
		}
	}
}
