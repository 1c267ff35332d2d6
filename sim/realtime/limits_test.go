package realtime

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The slots for connections in their hello are bounded per source address
// and in all, and a released slot can be taken again.
func TestSlots(t *testing.T) {
	s := newSlots(5, 2)
	for _, src := range []string{"10.0.0.1", "10.0.0.1", "10.0.0.2"} {
		if err := s.acquire(src); err != nil {
			t.Fatalf("acquire(%s): %v", src, err)
		}
	}
	err := s.acquire("10.0.0.1")
	if err == nil || !strings.Contains(err.Error(), "2 connections from 10.0.0.1 are already waiting for their hello, the most from one address") {
		t.Fatalf("a third slot for one address: %v", err)
	}
	// Other addresses still get theirs, up to the total.
	for _, src := range []string{"10.0.0.2", "10.0.0.3"} {
		if err := s.acquire(src); err != nil {
			t.Fatalf("acquire(%s): %v", src, err)
		}
	}
	if err := s.acquire("10.0.0.4"); err == nil || !strings.Contains(err.Error(), "5 connections are already waiting for their hello, the most in all") {
		t.Fatalf("a slot beyond the total: %v", err)
	}
	s.release("10.0.0.1")
	if err := s.acquire("10.0.0.4"); err != nil {
		t.Fatalf("a slot after one was released: %v", err)
	}
	if err := s.acquire("10.0.0.1"); err == nil {
		t.Fatal("the total is exceeded")
	}
	s.release("10.0.0.2")
	if err := s.acquire("10.0.0.1"); err != nil {
		t.Fatalf("10.0.0.1 has one slot of two: %v", err)
	}
	for _, src := range []string{"10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"} {
		s.release(src)
	}
	if s.used != 0 || len(s.bySource) != 0 {
		t.Errorf("after releasing every slot: %d used, by source %v", s.used, s.bySource)
	}
}

func TestSourceOf(t *testing.T) {
	for _, c := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5000}, "127.0.0.1"},
		{&net.TCPAddr{IP: net.ParseIP("::1"), Port: 5000}, "::1"},
		{&net.UnixAddr{Name: "/tmp/x", Net: "unix"}, "/tmp/x"},
	} {
		if got := sourceOf(c.addr); got != c.want {
			t.Errorf("sourceOf(%v) = %q, want %q", c.addr, got, c.want)
		}
	}
}

// fakeClock drives a rateLog without the wall clock: now is set by the
// test, and the functions scheduled by after run when the test advances
// the clock past their time.
type fakeClock struct {
	t     time.Time
	timed []timed
}

type timed struct {
	at      time.Time
	f       func()
	stopped *bool
}

func (c *fakeClock) now() time.Time { return c.t }

func (c *fakeClock) after(d time.Duration, f func()) func() {
	stopped := new(bool)
	c.timed = append(c.timed, timed{c.t.Add(d), f, stopped})
	return func() { *stopped = true }
}

// advance moves the clock by d and runs what has come due.
func (c *fakeClock) advance(d time.Duration) {
	c.t = c.t.Add(d)
	var due []timed
	rest := c.timed[:0]
	for _, x := range c.timed {
		if !x.at.After(c.t) {
			due = append(due, x)
		} else {
			rest = append(rest, x)
		}
	}
	c.timed = rest
	for _, x := range due {
		if !*x.stopped {
			x.f()
		}
	}
}

func newTestRateLog() (*rateLog, *fakeClock, *[]string) {
	var lines []string
	clk := &fakeClock{t: time.Unix(1000, 0)}
	r := newRateLog(func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) },
		"machine 0: rejected a connection", "machine 0: rejected %d connections")
	r.now, r.after = clk.now, clk.after
	return r, clk, &lines
}

// The rate-limited log: the first event at once, those within the next
// second as one line with their count and reasons when it has passed, and
// what is pending at the end on flush; nothing after.
func TestRateLog(t *testing.T) {
	r, clk, lines := newTestRateLog()
	r.note("10.0.0.1:1", "wrong token")
	want := []string{"machine 0: rejected a connection from 10.0.0.1:1: wrong token"}
	check := func(step string) {
		t.Helper()
		if strings.Join(*lines, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%s: log\n%s\nwant\n%s", step, strings.Join(*lines, "\n"), strings.Join(want, "\n"))
		}
	}
	check("first event")
	clk.advance(100 * time.Millisecond)
	r.note("10.0.0.2:2", "no hello within 2s")
	clk.advance(100 * time.Millisecond)
	r.note("10.0.0.3:3", "wrong token")
	clk.advance(100 * time.Millisecond)
	r.note("10.0.0.3:4", "no hello within 2s")
	check("within the second") // nothing more yet
	clk.advance(699 * time.Millisecond)
	check("1 ns before the second is over")
	clk.advance(time.Millisecond)
	want = append(want, "machine 0: rejected 3 connections in the last 1s (the latest from 10.0.0.3:4): 2× no hello within 2s; 1× wrong token")
	check("the second is over")
	// A quiet spell, then one event: written at once.
	clk.advance(5 * time.Second)
	r.note("10.0.0.4:5", "not a desim connection")
	want = append(want, "machine 0: rejected a connection from 10.0.0.4:5: not a desim connection")
	check("after a quiet spell")
	// One more within the second, then the end: flush writes it at once.
	clk.advance(10 * time.Millisecond)
	r.note("10.0.0.5:6", "wrong token")
	r.flush()
	want = append(want, "machine 0: rejected a connection from 10.0.0.5:6: wrong token")
	check("flush")
	r.note("10.0.0.6:7", "wrong token")
	clk.advance(time.Hour)
	r.flush()
	check("after flush")
}

// A flood: however many events, at most one line per second, and the
// counts of the lines add up to the events; a line names at most
// maxReasons reasons and counts the others.
func TestRateLogFlood(t *testing.T) {
	r, clk, lines := newTestRateLog()
	const events, seconds = 10000, 10
	for i := range events {
		r.note(fmt.Sprintf("10.0.%d.%d:%d", i%7, i%5, i), fmt.Sprintf("reason %d", i%6))
		clk.advance(seconds * time.Second / events)
	}
	r.flush()
	if len(*lines) > seconds+1 {
		t.Errorf("%d lines for %d events over %d s: more than one a second", len(*lines), events, seconds)
	}
	count := regexp.MustCompile(`rejected (\d+) connections`)
	others := regexp.MustCompile(`(\d+)× other reasons`)
	total := 0
	for _, line := range *lines {
		if m := count.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			total += n
			if strings.Count(line, "× reason") != maxReasons || !others.MatchString(line) {
				t.Errorf("line %q: want %d reasons named and the others counted", line, maxReasons)
			}
		} else if strings.Contains(line, "rejected a connection") {
			total++
		}
	}
	if total != events {
		t.Errorf("the lines count %d events, want %d:\n%s", total, events, strings.Join(*lines, "\n"))
	}
}
