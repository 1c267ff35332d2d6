package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// mainResult is what one in-process invocation of desim did.
type mainResult struct {
	code           int
	stdout, stderr string
}

// desim calls Main in-process with the arguments.
func desim(args ...string) mainResult {
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return mainResult{code: code, stdout: out.String(), stderr: errb.String()}
}

// mustRun runs desim and fails the test unless it exits 0.
func mustRun(t testing.TB, args ...string) mainResult {
	t.Helper()
	r := desim(args...)
	if r.code != 0 {
		t.Fatalf("desim %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// readOutDir returns every file of dir by name. It fails the test when dir
// holds anything else than regular files (a subdirectory, or a temporary
// file that was left behind).
func readOutDir(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			t.Errorf("%s: unexpected entry %q (a temporary file left behind?)", dir, e.Name())
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = data
	}
	return files
}

// sameFiles reports the first difference between two directories' files,
// or "".
func sameFiles(a, b map[string][]byte) string {
	var names []string
	for n := range a {
		names = append(names, n)
	}
	for n := range b {
		if _, ok := a[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		x, okx := a[n]
		y, oky := b[n]
		switch {
		case !okx || !oky:
			return n + ": present in only one directory"
		case !bytes.Equal(x, y):
			return n + ": contents differ"
		}
	}
	return ""
}

// noPanic fails the test when s holds the text of a Go panic or a stack
// trace.
func noPanic(t testing.TB, what, s string) {
	t.Helper()
	for _, bad := range []string{"panic", "goroutine ", "internal error", ".go:"} {
		if strings.Contains(s, bad) {
			t.Errorf("%s: output contains %q (a panic or stack trace):\n%s", what, bad, s)
		}
	}
}

// writeTestFile writes a file or fails the test.
func writeTestFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
