package experiment

// The real-socket coordinator's helpers, tested here since they moved from
// cmd/desim (real_test.go) to this package.

import (
	"strings"
	"sync"
	"testing"
)

// syncBuilder is a strings.Builder safe for concurrent writes.
type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// prefixWriter writes whole lines, each with its prefix (once: a line that
// already names its machine keeps its own), and flush ends a last partial
// line.
func TestPrefixWriter(t *testing.T) {
	var out syncBuilder
	var mu sync.Mutex
	p := &prefixWriter{w: &out, mu: &mu, prefix: "machine 2: "}
	for _, s := range []string{"one\ntw", "o\n", "", "three", "\nfour"} {
		if n, err := p.Write([]byte(s)); n != len(s) || err != nil {
			t.Errorf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if want := "machine 2: one\nmachine 2: two\nmachine 2: three\n"; out.String() != want {
		t.Errorf("before flush: got %q, want %q (whole lines only)", out.String(), want)
	}
	p.flush()
	p.flush() // nothing left: writes nothing
	if want := "machine 2: one\nmachine 2: two\nmachine 2: three\nmachine 2: four\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	var own syncBuilder
	q := &prefixWriter{w: &own, mu: &mu, prefix: "machine 1: "}
	q.Write([]byte("machine 1: listening\nready\n"))
	if want := "machine 1: listening\nmachine 1: ready\n"; own.String() != want {
		t.Errorf("got %q, want %q", own.String(), want)
	}
}
