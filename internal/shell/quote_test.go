package shell

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	_ "desim/internal/golden" // registers -update for "go test ./... -update"
)

var awkward = []string{
	"plain", "", "two words", "semi;colon", "r;date>P.json", "$HOME", "${x}", "`id`", "$(id)",
	"it's", `"dq"`, `back\slash`, "new\nline", "tab\there", "*?[", "~user", "#hash", "a'b'c", "'", "''", "!bang", "&&", "|", "<>",
	"ünïcödé", "-o", "--resume=x",
}

// TestQuoteRoundTrip runs the quoted words through sh and checks that it
// sees exactly the original words.
func TestQuoteRoundTrip(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	// printf '%s\0' prints each argument NUL-terminated.
	out, err := exec.Command(sh, "-c", "printf '%s\\0' "+Join(awkward)).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if !slices.Equal(got, awkward) {
		t.Errorf("sh saw\n%q\nwant\n%q", got, awkward)
	}
}

func TestQuoteLeavesSafeWords(t *testing.T) {
	for _, w := range []string{"desim", "sweep", "A3", "--seeds", "1-2000", "out/A3-seed1/scenario.yaml", "-o"} {
		if Quote(w) != w {
			t.Errorf("Quote(%q) = %q, want it unchanged", w, Quote(w))
		}
	}
}

// FuzzQuote checks that any word without a NUL byte round-trips through sh.
func FuzzQuote(f *testing.F) {
	for _, w := range awkward {
		f.Add(w)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		f.Skip("no sh")
	}
	f.Fuzz(func(t *testing.T, w string) {
		if strings.ContainsRune(w, 0) {
			return // no argument can hold a NUL byte
		}
		out, err := exec.Command(sh, "-c", "printf '%s' "+Quote(w)).Output()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != w {
			t.Errorf("sh saw %q, want %q", out, w)
		}
	})
}
