package exact_test

import (
	"strings"
	"testing"

	"desim/analysis/exact"
)

// TestUnmarshalTextErrorIsShort: a sum of 100 KB in a tampered state file
// gives an error that shows its first bytes and counts the rest, not one
// that repeats it whole.
func TestUnmarshalTextErrorIsShort(t *testing.T) {
	for _, c := range []struct {
		name, text, want string
	}{
		{"not hexadecimal", strings.Repeat("z", 100_000), `exact: "` + strings.Repeat("z", 80) + `"… (and 99,920 more bytes) is not a hexadecimal integer`},
		{"out of range", "1" + strings.Repeat("0", 99_999), `exact: sum "1` + strings.Repeat("0", 79) + `"… (and 99,920 more bytes) is out of range`},
		{"short", "12.5", `exact: "12.5" is not a hexadecimal integer`},
	} {
		var s exact.Sum
		err := s.UnmarshalText([]byte(c.text))
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: error\n  %v\nwant\n  %s", c.name, err, c.want)
		}
	}
}
