package experiment

// The atomic output files, tested here since they moved from cmd/desim
// (outfile_test.go) to this package.

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestWriteFileAtomicSpecialFile: a FIFO (like /dev/null or a pipe given
// as -o) is written into, never replaced by a rename.
func TestWriteFileAtomicSpecialFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	got := make(chan []byte)
	go func() {
		data, _ := os.ReadFile(fifo)
		got <- data
	}()
	if err := WriteFile(fifo, []byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	if data := <-got; string(data) != "hello\n" {
		t.Errorf("read %q from the FIFO", data)
	}
	st, err := os.Lstat(fifo)
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", st.Mode(), err)
	}
}

// dirNames returns the names in dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// TestWriteFileReplaces: WriteFile replaces a regular file and leaves no
// temporary file; a directory in the way is an error that leaves nothing
// behind either.
func TestWriteFileReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	for _, content := range []string{"first\n", "second, longer\n", ""} {
		if err := WriteFile(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if data, err := os.ReadFile(path); err != nil || string(data) != content {
			t.Errorf("read %q (%v), want %q", data, err, content)
		}
		if names := dirNames(t, dir); !slices.Equal(names, []string{"out.txt"}) {
			t.Errorf("the directory holds %v, want only out.txt", names)
		}
	}
	blocked := filepath.Join(dir, "blocked")
	if err := os.Mkdir(blocked, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(blocked, []byte("x")); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("WriteFile over a directory: %v, want an error saying it is a directory", err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"blocked", "out.txt"}) {
		t.Errorf("after a failed write the directory holds %v", names)
	}
}

// TestAtomicFileCommitAbort: the final name appears only on Commit, with
// the whole content; Abort leaves nothing.
func TestAtomicFileCommitAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "result.json")
	f, err := CreateAtomic(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("{}\n")
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the final name exists before Commit (%v)", err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "{}\n" {
		t.Errorf("committed %q", data)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("committed file mode %v (%v), want 0644", st.Mode(), err)
	}
	g, err := CreateAtomic(path)
	if err != nil {
		t.Fatal(err)
	}
	g.WriteString("half")
	g.Abort()
	if data, _ := os.ReadFile(path); string(data) != "{}\n" {
		t.Errorf("Abort changed the file: %q", data)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"result.json"}) {
		t.Errorf("after Abort the directory holds %v", names)
	}
}

// TestOutputSetAllOrNothing: a set whose one file cannot be committed (a
// directory in the way) leaves the directory as it was; a set that commits
// writes every file and removes the stale ones.
func TestOutputSetAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "machine-3.csv")
	if err := os.WriteFile(old, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "b.txt", "keep"), 0o755); err != nil {
		t.Fatal(err)
	}
	var s OutputSet
	for _, n := range []string{"a.txt", "b.txt", "c.txt"} {
		if err := s.Write(filepath.Join(dir, n), []byte(n)); err != nil {
			t.Fatal(err)
		}
	}
	s.RemoveOnCommit(old)
	if err := s.Commit(); err == nil {
		t.Error("Commit with a directory in the way succeeded")
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"b.txt", "machine-3.csv"}) {
		t.Errorf("after a failed Commit the directory holds %v, want it as it was", names)
	}

	var ok OutputSet
	for _, n := range []string{"a.txt", "c.txt"} {
		if err := ok.Write(filepath.Join(dir, n), []byte(n)); err != nil {
			t.Fatal(err)
		}
	}
	ok.RemoveOnCommit(old, filepath.Join(dir, "never-there"))
	if err := ok.Commit(); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"a.txt", "b.txt", "c.txt"}) {
		t.Errorf("after Commit the directory holds %v", names)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "c.txt")); string(data) != "c.txt" {
		t.Errorf("c.txt holds %q", data)
	}

	var aborted OutputSet
	if err := aborted.Write(filepath.Join(dir, "d.txt"), []byte("d")); err != nil {
		t.Fatal(err)
	}
	aborted.Abort()
	if names := dirNames(t, dir); !slices.Equal(names, []string{"a.txt", "b.txt", "c.txt"}) {
		t.Errorf("after Abort the directory holds %v", names)
	}
}
