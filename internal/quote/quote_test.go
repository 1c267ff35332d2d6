package quote

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	_ "desim/internal/golden" // registers -update for "go test ./... -update"
)

// TestQuoteShort: up to Max bytes, Quote is strconv.Quote (the text of %q).
func TestQuoteShort(t *testing.T) {
	for _, s := range []string{"", "desim-summary", "12.5", "a\"b\\c\n", "\xff\x00", "ünïcödé", strings.Repeat("x", Max)} {
		if got, want := Quote(s), strconv.Quote(s); got != want {
			t.Errorf("Quote(%q) = %s, want %s", s, got, want)
		}
		if got, want := Quote([]byte(s)), strconv.Quote(s); got != want {
			t.Errorf("Quote([]byte(%q)) = %s, want %s", s, got, want)
		}
	}
}

// TestQuoteLong: a 100,000-byte value shows its first 80 bytes and the
// count of the rest.
func TestQuoteLong(t *testing.T) {
	s := "3." + strings.Repeat("0", 100_000-2)
	want := strconv.Quote(s[:80]) + "… (and 99,920 more bytes)"
	if got := Quote(s); got != want {
		t.Errorf("Quote of 100,000 bytes = %s, want %s", got, want)
	}
	if got := Quote(s[:81]); got != strconv.Quote(s[:80])+"… (and 1 more bytes)" {
		t.Errorf("Quote of 81 bytes = %s", got)
	}
	// A cut inside a UTF-8 sequence moves back to its start.
	u := strings.Repeat("a", 79) + "é" + strings.Repeat("b", 10) // é is 2 bytes at 79..80
	if got, want := Quote(u), strconv.Quote(u[:79])+"… (and 12 more bytes)"; got != want {
		t.Errorf("Quote cutting é = %s, want %s", got, want)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[uint64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 99920: "99,920",
		1_048_576: "1,048,576", 1<<64 - 1: "18,446,744,073,709,551,615"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// FuzzQuote: whatever the input, Quote's result is short, unquotes to a
// prefix of the input, and counts exactly the bytes it leaves out.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "plain", "\xff\xfe", strings.Repeat("é", 60), strings.Repeat("0", 81), strings.Repeat("\x00", 200)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		q := Quote(s)
		// Every shown byte takes at most 4 characters (\xNN), a rune of
		// up to 4 bytes at most 10 (\UNNNNNNNN): 4 per byte bounds both.
		if len(q) > 2+4*Max+len("… (and 18,446,744,073,709,551,615 more bytes)") {
			t.Fatalf("Quote of %d bytes is %d bytes long: %s", len(s), len(q), q)
		}
		lit, rest, cut := strings.Cut(q, "… (and ")
		shown, err := strconv.Unquote(lit)
		if err != nil {
			t.Fatalf("%s: the literal does not unquote: %v", q, err)
		}
		if !strings.HasPrefix(string(s), shown) {
			t.Fatalf("%s shows %q, not a prefix of the input", q, shown)
		}
		if !cut {
			if len(s) > Max || shown != string(s) {
				t.Fatalf("%d bytes quoted whole as %s", len(s), q)
			}
			return
		}
		if len(s) <= Max || len(shown) > Max || len(shown) <= Max-utf8.UTFMax {
			t.Fatalf("%d bytes cut after %d: %s", len(s), len(shown), q)
		}
		if want := Thousands(uint64(len(s)-len(shown))) + " more bytes)"; rest != want {
			t.Fatalf("%s: counts %q, want %q", q, rest, want)
		}
	})
}

func TestCut(t *testing.T) {
	if got := Cut("6/1"); got != "6/1" {
		t.Errorf("Cut(short) = %q", got)
	}
	long := strings.Repeat("7", 100000)
	got := Cut(long)
	if want := strings.Repeat("7", Max) + "… (and 99,920 more bytes)"; got != want {
		t.Errorf("Cut(long) = %q, want %q", got, want)
	}
}
