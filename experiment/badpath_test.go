package experiment

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A scenario path that cannot be read as a file is bad input (exit status
// 2 on the command line), whatever the reason, and the message names the
// path: a symbolic link to itself (the "desim run loop.yaml"
// exited 1), links in a cycle, a dangling link, a directory, a path
// through a file, a missing file.
func TestLoadBadPath(t *testing.T) {
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	symlink := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, path(name)); err != nil {
			t.Skipf("cannot make symbolic links here: %v", err)
		}
	}
	symlink("loop.yaml", "loop.yaml")
	symlink("b.yaml", "a.yaml")
	symlink("a.yaml", "b.yaml")
	symlink("nowhere.yaml", "dangling.yaml")
	if err := os.WriteFile(path("file"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path("dir.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, arg, want string
	}{
		{"link to itself", path("loop.yaml"), "loop.yaml"},
		{"links in a cycle", path("a.yaml"), "a.yaml"},
		{"through a link to itself", path("loop.yaml/x.yaml"), "loop.yaml"},
		{"dangling link", path("dangling.yaml"), "dangling.yaml"},
		{"directory", path("dir.yaml"), "is a directory"},
		{"through a file", path("file/x.yaml"), "file/x.yaml"},
		{"missing", path("missing.yaml"), "missing.yaml"},
	}
	for _, c := range cases {
		_, err := Load(c.arg, Overrides{})
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Load(%s): %v, want bad input naming %q", c.name, c.arg, err, c.want)
		}
	}
}
