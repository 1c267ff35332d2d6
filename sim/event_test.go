package sim_test

import (
	"fmt"
	"strconv"
	"sync"
	"testing"

	"desim/sim"
)

// runEvents returns every event of a run of n machines, in Event order.
func runEvents(n int) []sim.Event {
	evs := []sim.Event{sim.Internal, sim.Receive, sim.Broadcast}
	for p := range max(n-1, 0) {
		evs = append(evs, sim.SendTo(p))
	}
	return evs
}

// The codec's names: SPEC's strings for 3 machines, "send <p>" padded to 8
// and "send all" for the others; every name of n = 2..6 (and of some large
// n) parses back to its event, Append writes it, Event.Name and
// ParseEvent agree with the codec.
func TestEventCodecRoundTrip(t *testing.T) {
	spec := map[int][]string{
		2: {"internal", "receive ", "send all", "send 0  "},
		3: {"internal", "receive ", "send 0+1", "send 0  ", "send 1  "},
		4: {"internal", "receive ", "send all", "send 0  ", "send 1  ", "send 2  "},
		5: {"internal", "receive ", "send all", "send 0  ", "send 1  ", "send 2  ", "send 3  "},
		6: {"internal", "receive ", "send all", "send 0  ", "send 1  ", "send 2  ", "send 3  ", "send 4  "},
	}
	for _, n := range []int{2, 3, 4, 5, 6, 9, 10, 11, 12, 101, 1001, 1002, 1003, 1200} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			c := sim.NewEventCodec(n)
			if c.Machines() != n || c.Events() != n+2 {
				t.Fatalf("Machines %d, Events %d; want %d, %d", c.Machines(), c.Events(), n, n+2)
			}
			seen := map[string]sim.Event{}
			for _, ev := range runEvents(n) {
				name := c.Name(ev)
				if want := spec[n]; want != nil && name != want[ev] {
					t.Errorf("Name(%d) = %q, want %q", ev, name, want[ev])
				}
				if ev.IsSend() && ev.Peer() >= 1000 {
					if want := "send " + strconv.Itoa(ev.Peer()); name != want {
						t.Errorf("Name(%d) = %q, want %q", ev, name, want)
					}
				} else if len(name) != 8 {
					t.Errorf("Name(%d) = %q is not 8 bytes", ev, name)
				}
				if prev, dup := seen[name]; dup {
					t.Errorf("events %d and %d are both %q", prev, ev, name)
				}
				seen[name] = ev
				if got, ok := c.Parse([]byte(name)); !ok || got != ev {
					t.Errorf("Parse(%q) = %d, %v; want %d", name, got, ok, ev)
				}
				if got := string(c.Append([]byte("x,"), ev)); got != "x,"+name {
					t.Errorf("Append = %q, want %q", got, "x,"+name)
				}
				if got := ev.Name(n); got != name {
					t.Errorf("Event.Name = %q, codec %q", got, name)
				}
				if got, err := sim.ParseEvent(name, n); err != nil || got != ev {
					t.Errorf("ParseEvent(%q) = %d, %v", name, got, err)
				}
			}
		})
	}
}

// nearMisses returns strings close to the names of n machines: each with
// one byte changed, one byte dropped or added, the case changed, and the
// names of other machine counts.
func nearMisses(n int) []string {
	var out []string
	bytes := []byte{' ', '0', '1', '2', '9', '+', 'a', 'l', 'A', 'S', '\t', 0, 0xff, ','}
	for _, ev := range runEvents(n + 2) { // including sends beyond the run
		name := ev.Name(n + 2)
		if ev == sim.Broadcast {
			name = "send 0+1"
		}
		for i := range len(name) {
			for _, b := range bytes {
				m := []byte(name)
				m[i] = b
				out = append(out, string(m))
			}
			out = append(out, name[:i]+name[i+1:])
			out = append(out, name[:i]+" "+name[i:])
		}
		out = append(out, name+" ", " "+name, name+"\n", name+",")
	}
	return append(out, "", "send", "send ", "send all", "send 0+1", "INTERNAL", "Internal", "receive", "send -1 ",
		"send 00 ", "send +1 ", "send 1e0", "send 0x1", "send 1 ", "send 1   ", "send  1 ", "send\t1  ", "event(9)")
}

// Parse accepts exactly the run's names: every near miss that is not one
// of them is rejected, and so is every name of an event outside the run.
func TestEventCodecRejectsNearMisses(t *testing.T) {
	for n := 2; n <= 6; n++ {
		c := sim.NewEventCodec(n)
		valid := map[string]sim.Event{}
		for _, ev := range runEvents(n) {
			valid[c.Name(ev)] = ev
		}
		for _, s := range nearMisses(n) {
			got, ok := c.Parse([]byte(s))
			want, isName := valid[s]
			if ok != isName || ok && got != want {
				t.Errorf("n %d: Parse(%q) = %d, %v; want %d, %v", n, s, got, ok, want, isName)
			}
			if _, err := sim.ParseEvent(s, n); (err == nil) != isName {
				t.Errorf("n %d: ParseEvent(%q) error %v", n, s, err)
			}
		}
		for _, ev := range []sim.Event{sim.SendTo(n - 1), sim.SendTo(n), sim.SendTo(1 << 20), ^sim.Event(0)} {
			name := c.Name(ev)
			if want := "event(" + strconv.FormatUint(uint64(ev), 10) + ")"; name != want {
				t.Errorf("n %d: Name(%d) = %q, want %q", n, ev, name, want)
			}
			if got, ok := c.Parse([]byte(name)); ok {
				t.Errorf("n %d: Parse(%q) = %d for an event outside the run", n, name, got)
			}
		}
	}
}

// Every event's control token round-trips for n = 1..6, and ParseToken
// rejects near misses, peers beyond the run, and non-canonical numbers.
func TestEventTokens(t *testing.T) {
	want := map[sim.Event]string{sim.Internal: "i", sim.Receive: "r", sim.Broadcast: "b",
		sim.SendTo(0): "s0", sim.SendTo(1): "s1", sim.SendTo(10): "s10", sim.SendTo(1 << 20): "s1048576"}
	for ev, tok := range want {
		if got := string(ev.AppendToken([]byte("tick "))); got != "tick "+tok {
			t.Errorf("AppendToken(%d) = %q, want %q", ev, got, "tick "+tok)
		}
	}
	for n := 1; n <= 6; n++ {
		c := sim.NewEventCodec(n)
		valid := map[string]bool{}
		for _, ev := range runEvents(n) {
			tok := ev.AppendToken(nil)
			valid[string(tok)] = true
			if got, ok := c.ParseToken(tok); !ok || got != ev {
				t.Errorf("n %d: ParseToken(%q) = %d, %v; want %d", n, tok, got, ok, ev)
			}
		}
		bad := []string{"", "s", "i ", " i", "I", "x", "ii", "rb", "s-1", "s+1", "s00", "s01", "s 1", "s1 ",
			"s" + strconv.Itoa(n-1), "s" + strconv.Itoa(n), "s4294967296", "s18446744073709551617", "s99999999999",
			"internal", "receive ", "send 0  "}
		for _, s := range bad {
			if valid[s] {
				continue
			}
			if got, ok := c.ParseToken([]byte(s)); ok {
				t.Errorf("n %d: ParseToken(%q) = %d, want a rejection", n, s, got)
			}
		}
	}
	if _, ok := sim.NewEventCodec(0).ParseToken([]byte("s0")); ok {
		t.Error("ParseToken accepts a send among 0 machines")
	}
}

// NewEventCodec shares one codec per machine count, also when asked
// concurrently, and keeps the latest one of a larger count.
func TestEventCodecShared(t *testing.T) {
	var wg sync.WaitGroup
	got := make([]*sim.EventCodec, 8)
	for i := range got {
		wg.Go(func() { got[i] = sim.NewEventCodec(7) })
	}
	wg.Wait()
	for _, c := range got {
		if c != got[0] || c.Machines() != 7 {
			t.Fatalf("NewEventCodec(7) returned different codecs: %p, %p", c, got[0])
		}
	}
	if sim.NewEventCodec(3) != sim.NewEventCodec(3) {
		t.Error("NewEventCodec(3) is built twice")
	}
	if a, b := sim.NewEventCodec(5000), sim.NewEventCodec(5000); a.Name(sim.SendTo(4998)) != "send 4998" || a != b {
		t.Error("NewEventCodec(5000) twice in a row gives different codecs")
	}
	if c := sim.NewEventCodec(5001); c.Machines() != 5001 || c.Events() != 5003 {
		t.Errorf("NewEventCodec(5001): %d machines, %d events", c.Machines(), c.Events())
	}
}

// Parse does not allocate.
func TestEventCodecParseAllocs(t *testing.T) {
	for _, n := range []int{3, 12, 2000} {
		c := sim.NewEventCodec(n)
		names := [][]byte{[]byte("receive "), []byte("send 0  "), []byte("bogus   "), []byte("send 1500"), []byte("x")}
		if a := testing.AllocsPerRun(100, func() {
			for _, b := range names {
				c.Parse(b)
			}
		}); a != 0 {
			t.Errorf("n %d: Parse allocates %v times", n, a)
		}
	}
}

// FuzzEventCodec: Parse and ParseToken never panic, and what they accept
// is exactly a name or token of the run's events, which encodes back to
// the same bytes.
func FuzzEventCodec(f *testing.F) {
	f.Add([]byte("send 0+1"), 3)
	f.Add([]byte("send all"), 4)
	f.Add([]byte("send 10 "), 12)
	f.Add([]byte("send 1000"), 1002)
	f.Add([]byte("s1"), 3)
	f.Add([]byte("receive"), 3)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		if n < 0 || n > 3000 {
			return
		}
		c := sim.NewEventCodec(n)
		if ev, ok := c.Parse(b); ok {
			if int(ev) >= c.Events() || c.Name(ev) != string(b) {
				t.Fatalf("n %d: Parse(%q) = %d, named %q", n, b, ev, c.Name(ev))
			}
		}
		if ev, ok := c.ParseToken(b); ok {
			if int(ev) >= c.Events() || string(ev.AppendToken(nil)) != string(b) {
				t.Fatalf("n %d: ParseToken(%q) = %d, written %q", n, b, ev, ev.AppendToken(nil))
			}
		}
	})
}

// BenchmarkEventCodecParse parses the names of an A1 log (three machines)
// in the proportions a die of 10 gives.
func BenchmarkEventCodecParse(b *testing.B) {
	c := sim.NewEventCodec(3)
	var names [][]byte
	for _, ev := range []sim.Event{sim.Internal, sim.Internal, sim.Internal, sim.Internal, sim.Receive,
		sim.Receive, sim.Receive, sim.SendTo(0), sim.SendTo(1), sim.Broadcast} {
		names = append(names, []byte(c.Name(ev)))
	}
	var sum sim.Event
	for b.Loop() {
		for _, nm := range names {
			ev, _ := c.Parse(nm)
			sum += ev
		}
	}
	_ = sum
}
