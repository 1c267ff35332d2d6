// Package golden compares test output with golden files under testdata/.
//
// Every test package of desim imports it (at least for its side effect),
// so that "go test ./... -update" is accepted by every test binary and
// rewrites the golden files of those that have them.
//
// It is a test helper: it imports testing, and only test files import it.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Update is set by "go test ./... -update": rewrite golden files instead of
// comparing with them.
var Update = flag.Bool("update", false, "rewrite golden files under testdata/ instead of comparing with them")

// Check compares got with the golden file at path, or rewrites the file
// when -update is set. On a mismatch it reports the first differing line.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run \"go test ./... -update\" to create the golden files)", err)
	}
	if diff := FirstDiff(want, got); diff != "" {
		t.Errorf("%s differs from the golden file (rerun with -update if the change is intended):\n%s", path, diff)
	}
}

// FirstDiff describes the first line where want and got differ, or returns
// "" when they are equal.
func FirstDiff(want, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	wl := bytes.Split(want, []byte("\n"))
	gl := bytes.Split(got, []byte("\n"))
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g []byte
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if !bytes.Equal(w, g) || i >= len(wl) || i >= len(gl) {
			return fmt.Sprintf("line %d:\n  want %q\n  got  %q", i+1, w, g)
		}
	}
	return "files differ"
}
