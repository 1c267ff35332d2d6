package scenarios

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// within runs f and fails the test if it has not returned after d: the
// loader must never wait for input that cannot come.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s still running after %s", what, d)
	}
}

// padTo returns loadYAML followed by a comment that brings it to n bytes.
func padTo(t *testing.T, n int) []byte {
	t.Helper()
	pad := n - len(loadYAML) - len("#\n")
	if pad < 0 {
		t.Fatalf("cannot pad %d bytes to %d", len(loadYAML), n)
	}
	return []byte(loadYAML + "#" + strings.Repeat("x", pad) + "\n")
}

// checkTooLarge checks that err is the *Error of a file past MaxFileSize.
func checkTooLarge(t *testing.T, err error, file string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.File != file || e.Msg != "file is larger than 1048576 bytes" {
		t.Errorf("error %v, want %s: file is larger than 1048576 bytes", err, file)
	}
}

// TestLoadSizeLimit: a file of exactly MaxFileSize bytes loads, one byte
// more is an error, from a file and from standard input alike.
func TestLoadSizeLimit(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		size int
		ok   bool
	}{
		{"at the limit", MaxFileSize, true},
		{"one byte over", MaxFileSize + 1, false},
		{"far over", 3 * MaxFileSize, false},
	} {
		data := padTo(t, c.size)
		if len(data) != c.size {
			t.Fatalf("padded to %d bytes, want %d", len(data), c.size)
		}
		t.Run(c.name+", file", func(t *testing.T) {
			path := filepath.Join(dir, "mine.yaml")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := Load(path)
			if c.ok {
				if err != nil || s.Name != "mine" {
					t.Errorf("Load = %+v, %v", s, err)
				}
				return
			}
			checkTooLarge(t, err, path)
		})
		t.Run(c.name+", stdin", func(t *testing.T) {
			s, err := LoadWith("-", Options{Stdin: strings.NewReader(string(data))})
			if c.ok {
				if err != nil || s.Name != "mine" {
					t.Errorf("LoadWith(-) = %+v, %v", s, err)
				}
				return
			}
			checkTooLarge(t, err, StdinName)
		})
	}
}

// endless is a reader that never ends: Read always fills p.
type endless struct{ read int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	e.read += int64(len(p))
	return len(p), nil
}

// errReader fails after its text.
type errReader struct{ r io.Reader }

func (e errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, errors.New("the pipe broke")
	}
	return n, err
}

// TestLoadStdin: "-" reads the scenario from standard input (here the
// injected Options.Stdin), under the name stdin.
func TestLoadStdin(t *testing.T) {
	t.Run("named scenario", func(t *testing.T) {
		s, err := LoadWith("-", Options{Stdin: strings.NewReader(loadYAML)})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := Parse("x.yaml", []byte(loadYAML))
		if s.Name != "mine" || s.Duration != want.Duration || len(s.Machines) != 2 {
			t.Errorf("LoadWith(-) = %+v, want %+v", s, want)
		}
	})
	t.Run("default name", func(t *testing.T) {
		s, err := LoadWith("-", Options{Stdin: strings.NewReader(head + twoMachines)})
		if err != nil || s.Name != StdinName {
			t.Errorf("LoadWith(-) = %+v, %v; want the name %s", s, err, StdinName)
		}
	})
	t.Run("default duration", func(t *testing.T) {
		s, err := LoadWith("-", Options{Stdin: strings.NewReader(noDuration), DefaultDuration: time.Minute})
		if err != nil || s.Duration != time.Minute {
			t.Errorf("LoadWith(-) = %+v, %v; want a duration of 1m", s, err)
		}
	})
	t.Run("errors name stdin", func(t *testing.T) {
		_, err := LoadWith("-", Options{Stdin: strings.NewReader(head + "  - rate: 6\n  - rate: 0\n")})
		if err == nil || err.Error() != "stdin:5: machine 1: rate 0 must be positive" {
			t.Errorf("LoadWith(-) = %v, want stdin:5: machine 1: rate 0 must be positive", err)
		}
	})
	t.Run("empty", func(t *testing.T) {
		_, err := LoadWith("-", Options{Stdin: strings.NewReader("")})
		if err == nil || !strings.HasPrefix(err.Error(), "stdin:1: the file is empty") {
			t.Errorf("LoadWith(-) = %v, want an empty-file error", err)
		}
	})
	t.Run("endless", func(t *testing.T) {
		r := &endless{}
		var err error
		within(t, 10*time.Second, "reading an endless stdin", func() {
			_, err = LoadWith("-", Options{Stdin: r})
		})
		checkTooLarge(t, err, StdinName)
		if r.read > 2*MaxFileSize {
			t.Errorf("read %d bytes of an endless input, want about %d", r.read, MaxFileSize)
		}
	})
	t.Run("read error", func(t *testing.T) {
		_, err := LoadWith("-", Options{Stdin: errReader{strings.NewReader(loadYAML)}})
		if err == nil || err.Error() != "stdin: the pipe broke" {
			t.Errorf("LoadWith(-) = %v, want stdin: the pipe broke", err)
		}
	})
	t.Run("a built-in is not read from stdin", func(t *testing.T) {
		s, err := LoadWith("A2", Options{Stdin: strings.NewReader(loadYAML)})
		if err != nil || s.Name != "A2" {
			t.Errorf("LoadWith(A2) = %+v, %v", s, err)
		}
	})
}
