//go:build unix

package scenarios

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoadDevices: a device is read up to the limit like any file, never
// whole (/dev/zero never ends).
func TestLoadDevices(t *testing.T) {
	for _, c := range []struct {
		path string
		msg  string
	}{
		{"/dev/zero", "file is larger than 1048576 bytes"},
		{"/dev/urandom", "file is larger than 1048576 bytes"},
		{"/dev/null", "the file is empty"},
	} {
		t.Run(c.path, func(t *testing.T) {
			if _, err := os.Stat(c.path); err != nil {
				t.Skipf("no %s: %v", c.path, err)
			}
			var err error
			within(t, 20*time.Second, "Load("+c.path+")", func() { _, err = Load(c.path) })
			var e *Error
			if !errors.As(err, &e) || e.File != c.path || !strings.Contains(e.Msg, c.msg) {
				t.Errorf("Load(%s) = %v, want a *Error saying %q", c.path, err, c.msg)
			}
		})
	}
}

// TestLoadFIFO: a named pipe with one writer is read once: a second open
// would wait for a writer that has gone.
func TestLoadFIFO(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		data string
		want string // the scenario's name, or a piece of the error
		ok   bool
	}{
		{"scenario", loadYAML, "mine", true},
		{"bad scenario", head + "  - rate: 6\n  - rate: 0\n", ":5: machine 1: rate 0 must be positive", false},
		{"too large", string(padTo(t, MaxFileSize+1)), "file is larger than 1048576 bytes", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".yaml")
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			// The writer, as in "cat base.yaml > f.yaml &": it opens the
			// pipe (waiting for the reader), writes and closes. The reader
			// may stop early (too large); it then gets EPIPE, ignored.
			wrote := make(chan error, 1)
			go func() {
				f, err := os.OpenFile(path, os.O_WRONLY, 0)
				if err != nil {
					wrote <- err
					return
				}
				_, _ = f.WriteString(c.data)
				wrote <- f.Close()
			}()
			var s *Scenario
			var err error
			within(t, 20*time.Second, "Load of a named pipe", func() { s, err = Load(path) })
			switch {
			case c.ok && (err != nil || s.Name != c.want):
				t.Errorf("Load(fifo) = %+v, %v; want the scenario %s", s, err, c.want)
			case !c.ok && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("Load(fifo) = %v, want an error containing %q", err, c.want)
			}
			select {
			case <-wrote:
			case <-time.After(20 * time.Second):
				t.Errorf("the writer still waits")
			}
		})
	}
}

// TestLoadSymlinks: a symbolic link to a scenario loads it; a loop of links
// is a clear error, and a dangling link names no file.
func TestLoadSymlinks(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target.yaml")
	if err := os.WriteFile(target, []byte(loadYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	link := func(from, to string) string {
		p := filepath.Join(dir, from)
		if err := os.Symlink(to, p); err != nil {
			t.Skipf("symlink: %v", err)
		}
		return p
	}
	good := link("good.yaml", "target.yaml")
	a := link("a.yaml", "b.yaml")
	link("b.yaml", "a.yaml")
	self := link("self.yaml", "self.yaml")
	dangling := link("dangling.yaml", "nowhere.yaml")

	if s, err := Load(good); err != nil || s.Name != "mine" {
		t.Errorf("Load(link to a scenario) = %+v, %v", s, err)
	}
	for _, p := range []string{a, self} {
		_, err := Load(p)
		var e *Error
		if !errors.As(err, &e) || err.Error() != p+": a loop of symbolic links: following them never reaches a file" {
			t.Errorf("Load(%s) = %v, want a *Error about a loop of symbolic links", p, err)
		}
	}
	if _, err := Load(dangling); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "no built-in scenario or file") {
		t.Errorf("Load(dangling link) = %v, want no such scenario", err)
	}
}

// TestLoadDevStdin: /dev/stdin is a path like any other, and reads the
// process's standard input, here a pipe fed by the parent test.
func TestLoadDevStdin(t *testing.T) {
	if os.Getenv("DESIM_TEST_DEV_STDIN") == "1" {
		s, err := Load("/dev/stdin")
		if err != nil {
			os.Stdout.WriteString("error: " + err.Error() + "\n")
			os.Exit(3)
		}
		os.Stdout.WriteString("name: " + s.Name + "\n")
		os.Exit(0)
	}
	if _, err := os.Stat("/dev/stdin"); err != nil {
		t.Skipf("no /dev/stdin: %v", err)
	}
	for _, c := range []struct {
		name, in, want string
	}{
		{"scenario", loadYAML, "name: mine\n"},
		{"too large", string(padTo(t, MaxFileSize+1)), "error: /dev/stdin: file is larger than 1048576 bytes\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestLoadDevStdin$")
			cmd.Env = append(os.Environ(), "DESIM_TEST_DEV_STDIN=1")
			cmd.Stdin = strings.NewReader(c.in)
			var out []byte
			within(t, 30*time.Second, "a child loading /dev/stdin", func() { out, _ = cmd.Output() })
			if string(out) != c.want {
				t.Errorf("child printed %q, want %q", out, c.want)
			}
		})
	}
}
