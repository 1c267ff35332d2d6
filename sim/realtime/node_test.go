package realtime_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"desim/sim"
	"desim/sim/realtime"
)

// These tests run machines over real loopback TCP, each Node in its own
// goroutine, at high speed for a fraction of a wall second. They assert on
// counts, orders and values, never on timing: a loaded machine may make a
// tick late (an overrun, which the checks account for) but never changes
// what a tick does.

// logs collects a node's diagnostics.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logs) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// waitFor waits until the log holds every string of want, or fails the
// test after a generous deadline (a liveness bound, not a timing check).
func (l *logs) waitFor(t *testing.T, want ...string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second) // timing-ok
	for {
		text := l.text()
		var missing []string
		for _, w := range want {
			if !strings.Contains(text, w) {
				missing = append(missing, w)
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) { // timing-ok
			t.Fatalf("log lacks %q; it holds:\n%s", missing, text)
		}
		time.Sleep(5 * time.Millisecond) // timing-ok: polling interval
	}
}

// recorder is a Sink keeping one machine's records; onRecord, if set, is
// called after each.
type recorder struct {
	recs     []sim.Record
	onRecord func(k int)
}

func (r *recorder) Records(_ int, b []sim.Record) error {
	r.recs = append(r.recs, b...)
	if r.onRecord != nil {
		r.onRecord(len(r.recs))
	}
	return nil
}

func runConfig(die int, seconds int64, rates ...string) sim.Config {
	cfg := sim.Config{Seed: 7, Duration: seconds * 1e9, Die: die}
	for _, r := range rates {
		cfg.Machines = append(cfg.Machines, sim.MachineConfig{Rate: sim.MustRate(r)})
	}
	return cfg
}

// scheduled is the number of ticks machine i has in the run: the k with
// start_i + TickTime(k) < duration, as in the simulator.
func scheduled(cfg sim.Config, i int) int64 {
	m := cfg.Machines[i]
	k := int64(0)
	for m.Start+m.Rate.TickTime(k) < cfg.Duration {
		k++
	}
	return k
}

// connectTimeout is the nodes' connect timeout, which also bounds how long
// a connection may stay silent before its hello.
const connectTimeout = time.Second

func newNode(t *testing.T, cfg sim.Config, id int, speed float64, l *logs) *realtime.Node {
	t.Helper()
	return newTickerNode(t, cfg, id, speed, realtime.TickerAbsolute, l)
}

// newTickerNode is newNode with the given ticker.
func newTickerNode(t *testing.T, cfg sim.Config, id int, speed float64, ticker realtime.Ticker, l *logs) *realtime.Node {
	t.Helper()
	ln, err := realtime.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nd, err := realtime.NewNode(realtime.Config{
		ID: id, Run: cfg, Speed: speed, Token: tok, Ticker: ticker,
		ConnectTimeout: connectTimeout, Logf: l.logf,
	}, ln)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nd.Close() })
	return nd
}

// cluster starts every machine of cfg as a Node and connects them.
func cluster(t *testing.T, cfg sim.Config, speed float64, l *logs) []*realtime.Node {
	t.Helper()
	return tickerCluster(t, cfg, speed, realtime.TickerAbsolute, l)
}

// tickerCluster is cluster with the given ticker on every machine.
func tickerCluster(t *testing.T, cfg sim.Config, speed float64, ticker realtime.Ticker, l *logs) []*realtime.Node {
	t.Helper()
	nodes := make([]*realtime.Node, len(cfg.Machines))
	peers := make([]string, len(nodes))
	for i := range nodes {
		nodes[i] = newTickerNode(t, cfg, i, speed, ticker, l)
		peers[i] = nodes[i].Addr()
	}
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, nd := range nodes {
		wg.Go(func() { errs[i] = nd.Connect(context.Background(), peers) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("machine %d: Connect: %v", i, err)
		}
	}
	return nodes
}

// runAll runs every node from a common start shortly after now.
func runAll(ctx context.Context, t *testing.T, nodes []*realtime.Node, sinks []*recorder) []realtime.Stats {
	t.Helper()
	start := time.Now().Add(20 * time.Millisecond) // timing-ok
	stats := make([]realtime.Stats, len(nodes))
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, nd := range nodes {
		wg.Go(func() { stats[i], errs[i] = nd.Run(ctx, start, sinks[i]) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("machine %d: Run: %v", i, err)
		}
	}
	return stats
}

func recorders(n int) []*recorder {
	r := make([]*recorder, n)
	for i := range r {
		r[i] = &recorder{}
	}
	return r
}

// faceEvent is the event of a tick that rolled face f among n machines
// (SPEC: faces 1..n-1 send to that peer, face n to all, others internal).
func faceEvent(f, n int) sim.Event {
	switch {
	case f < n:
		return sim.SendTo(f - 1)
	case f == n:
		return sim.Broadcast
	}
	return sim.Internal
}

// checkLog checks the rules every machine's log obeys whatever the
// timing: ticks logged plus ticks skipped is the schedule's count; times
// never decrease; the clock rises by at least 1 + the overrun's skip per
// tick; every tick that rolled used the next face of the machine's own die
// stream (sim.NewDie(seed, i, R)), in order.
func checkLog(t *testing.T, cfg sim.Config, i int, recs []sim.Record, st realtime.Stats) {
	t.Helper()
	n := len(cfg.Machines)
	if want := scheduled(cfg, i); int64(len(recs))+st.Skipped != want || st.Ticks != int64(len(recs)) {
		t.Errorf("machine %d: %d records (stats %d) + %d skipped, want %d scheduled ticks", i, len(recs), st.Ticks, st.Skipped, want)
	}
	if !st.Completed {
		t.Errorf("machine %d did not complete", i)
	}
	die := sim.NewDie(cfg.Seed, i, cfg.Die)
	var prev sim.Record
	for k, r := range recs {
		if k > 0 && (r.At < prev.At || r.Clock <= prev.Clock) {
			t.Fatalf("machine %d record %d: %+v after %+v (time or clock went back)", i, k, r, prev)
		}
		if r.Event != sim.Receive {
			if want := faceEvent(die.Roll(), n); r.Event != want {
				t.Fatalf("machine %d record %d: event %q, but its die's next face gives %q", i, k, r.Event.Name(n), want.Name(n))
			}
		}
		prev = r
	}
}

// sentTo counts the copies machine j's log sent to machine i.
func sentTo(recs []sim.Record, j, i, n int) int64 {
	m := sim.NewMachine(j, n)
	c := int64(0)
	for _, r := range recs {
		if r.Event == sim.Broadcast || r.Event.IsSend() && m.PeerID(r.Event.Peer()) == i {
			c++
		}
	}
	return c
}

// Three machines over loopback: complete logs, the die streams of the
// simulator, and every message sent is received exactly once.
func TestRunLoopback(t *testing.T) {
	cases := []struct {
		name  string
		cfg   sim.Config
		speed float64
	}{
		{"A3-like", runConfig(10, 10, "6", "6", "1"), 40},
		{"B2-like", runConfig(4, 10, "6", "5", "5"), 40},
		{"two machines with offsets", func() sim.Config {
			c := runConfig(2, 5, "10", "3")
			c.Machines[1].Start = 1500e6
			return c
		}(), 25},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var l logs
			nodes := cluster(t, c.cfg, c.speed, &l)
			sinks := recorders(len(nodes))
			stats := runAll(context.Background(), t, nodes, sinks)
			n := len(nodes)
			for i := range nodes {
				checkLog(t, c.cfg, i, sinks[i].recs, stats[i])
				var want, receives int64
				for j := range nodes {
					if j != i {
						want += sentTo(sinks[j].recs, j, i, n)
					}
				}
				for _, r := range sinks[i].recs {
					if r.Event == sim.Receive {
						receives++
					}
				}
				if stats[i].Received != want {
					t.Errorf("machine %d received %d messages, its peers' logs sent it %d", i, stats[i].Received, want)
				}
				if receives > stats[i].Received {
					t.Errorf("machine %d logged %d receives of %d messages", i, receives, stats[i].Received)
				}
				if stats[i].Lost != 0 || stats[i].BrokenLinks != 0 {
					t.Errorf("machine %d lost %d messages, %d broken links", i, stats[i].Lost, stats[i].BrokenLinks)
				}
				if first := c.cfg.Machines[i].Start; sinks[i].recs[0].At < first {
					t.Errorf("machine %d: first tick at %d ns, before its start %d", i, sinks[i].recs[0].At, first)
				}
			}
			if text := l.text(); text != "" {
				t.Errorf("a clean run logged:\n%s", text)
			}
		})
	}
}

// fakePeer plays machine id of a run for the node under test: it accepts
// the node's connection, acknowledges its hello and records the values it
// sends and how the stream ended, and it dials the node with a hello (and
// whatever the test writes after it).
type fakePeer struct {
	ln   net.Listener
	mu   sync.Mutex
	got  []int64
	end  error // the frame reader's last error: io.EOF after the end frame
	done chan struct{}
	out  net.Conn
}

func newFakePeer(t *testing.T) *fakePeer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &fakePeer{ln: ln, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if _, err := realtime.ReadHello(c); err != nil {
			return
		}
		ack := realtime.EncodeAck()
		if _, err := c.Write(ack[:]); err != nil {
			return
		}
		fr := realtime.NewFrameReader(c)
		for {
			v, err := fr.Next()
			if err != nil {
				p.mu.Lock()
				p.end = err
				p.mu.Unlock()
				return
			}
			p.mu.Lock()
			p.got = append(p.got, v)
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		if p.out != nil {
			p.out.Close()
		}
	})
	return p
}

// dial connects to the node as machine id and sends the hello and extra.
func (p *fakePeer) dial(t *testing.T, addr string, from, to uint32, extra []byte) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p.out = c
	if _, err := c.Write(append(hello(from, to, tok), extra...)); err != nil {
		t.Fatal(err)
	}
}

// finish ends the fake's connection to the node as a peer that finished
// its run does: the end frame, then close.
func (p *fakePeer) finish(t *testing.T) {
	t.Helper()
	if _, err := p.out.Write(realtime.EndFrame[:]); err != nil {
		t.Fatal(err)
	}
	p.out.Close()
}

// The node drives the same machine and die as the simulator: with
// messages only from fake peers, its log is a reference sim.Machine fed
// the same messages and the faces of sim.NewDie(seed, 0, R), and every
// value it sends is the clock before its tick, on the right connection.
func TestSameMachineAndDie(t *testing.T) {
	cfg := runConfig(5, 20, "6", "1", "1")
	var l logs
	nd := newNode(t, cfg, 0, 40, &l)
	p1, p2 := newFakePeer(t), newFakePeer(t)
	// Two messages from machine 1 before the start: the first two ticks
	// are their receives.
	p1.dial(t, nd.Addr(), 1, 0, frames(100, 200))
	p2.dial(t, nd.Addr(), 2, 0, nil)
	if err := nd.Connect(context.Background(), []string{nd.Addr(), p1.ln.Addr().String(), p2.ln.Addr().String()}); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	// The peers finish at once; the node must not wait for them.
	p1.finish(t)
	p2.finish(t)
	st, err := nd.Run(context.Background(), time.Now(), rec) // timing-ok
	if err != nil {
		t.Fatal(err)
	}
	<-p1.done
	<-p2.done
	checkLog(t, cfg, 0, rec.recs, st)
	if st.Received != 2 {
		t.Errorf("received %d messages, want 2", st.Received)
	}
	if st.BrokenLinks != 0 {
		t.Errorf("%d broken links, want none:\n%s", st.BrokenLinks, l.text())
	}
	for j, p := range []*fakePeer{p1, p2} {
		p.mu.Lock()
		end := p.end
		p.mu.Unlock()
		if !errors.Is(end, io.EOF) {
			t.Errorf("machine %d's connection from the node ended with %v, want the end frame", j+1, end)
		}
	}

	ref := sim.NewMachine(0, 3)
	ref.Deliver(100)
	ref.Deliver(200)
	die := sim.NewDie(cfg.Seed, 0, cfg.Die)
	var want [3][]int64 // values sent, by receiver
	for k, r := range rec.recs {
		before := ref.Clock()
		face := 0
		if ref.NeedsRoll() {
			face = die.Roll()
		}
		// An overrun adds its skipped ticks to the increment.
		inc := int64(1)
		if r.Event != sim.Receive {
			inc = r.Clock - before
		} else {
			inc = r.Clock - max(before, []int64{100, 200}[k])
		}
		s := ref.TickBy(face, inc)
		ev, v := s.Event, s.Value
		if ev != r.Event || ref.Clock() != r.Clock || int64(ref.QueueLen()) != r.Queue || inc < 1 {
			t.Fatalf("tick %d: node logged (%q, clock %d, queue %d), the reference machine (%q, clock %d, queue %d, increment %d)",
				k, r.Event.Name(3), r.Clock, r.Queue, ev.Name(3), ref.Clock(), ref.QueueLen(), inc)
		}
		if k < 2 && (ev != sim.Receive || v != []int64{100, 200}[k]) {
			t.Errorf("tick %d: %q of %d, want the receive of the message sent before the start", k, ev.Name(3), v)
		}
		for p := range 2 {
			if ev == sim.Broadcast || ev.IsSend() && ev.Peer() == p {
				want[ref.PeerID(p)] = append(want[ref.PeerID(p)], v)
			}
		}
	}
	for j, p := range []*fakePeer{p1, p2} {
		p.mu.Lock()
		got := p.got
		p.mu.Unlock()
		if !slicesEqual(got, want[j+1]) {
			t.Errorf("machine %d received %v, the log sent it %v", j+1, got, want[j+1])
		}
	}
}

// A peer that sends garbage or half a frame loses its connection at once
// (and it is logged); what it sent before reaches the queue, nothing after,
// and the machine runs to the end, but with a broken link. So does a peer
// whose connection ends without the end frame, which is logged at the end
// of the run.
func TestInboundFaults(t *testing.T) {
	cases := []struct {
		name      string
		stream    []byte
		want      []int64 // values delivered
		wantLog   string  // logged before the run
		endLog    string  // logged by the end of the run
		brokenLen int64
	}{
		{"5 bytes then hang up", append(frames(5, 9), 1, 2, 3, 4, 5), []int64{5, 9}, "half frame: 5 of 8 bytes", "the link from machine 1 broke: half frame", 1},
		{"negative clock", frames(5, -2, 20), []int64{5}, "never negative", "the link from machine 1 broke: garbage frame", 1},
		{"clock out of order", frames(5, 3, 20), []int64{5}, "clock 3 after 5", "the link from machine 1 broke: garbage frame", 1},
		{"no end frame", frames(5, 6), []int64{5, 6}, "", "the link from machine 1 broke: the connection closed before its sender finished its run", 1},
		{"clean", ended(5, 6), []int64{5, 6}, "", "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := runConfig(10, 10, "6", "6")
			var l logs
			nd := newNode(t, cfg, 0, 40, &l)
			p := newFakePeer(t)
			p.dial(t, nd.Addr(), 1, 0, c.stream)
			if err := nd.Connect(context.Background(), []string{nd.Addr(), p.ln.Addr().String()}); err != nil {
				t.Fatal(err)
			}
			p.out.(*net.TCPConn).CloseWrite()
			if c.wantLog != "" {
				l.waitFor(t, c.wantLog)
			}
			rec := &recorder{}
			st, err := nd.Run(context.Background(), time.Now(), rec) // timing-ok
			if err != nil {
				t.Fatal(err)
			}
			checkLog(t, cfg, 0, rec.recs, st)
			if st.Received != int64(len(c.want)) {
				t.Errorf("received %d messages, want %d", st.Received, len(c.want))
			}
			var got []int64
			ref := int64(0)
			for _, r := range rec.recs[:len(c.want)] {
				if r.Event != sim.Receive {
					t.Fatalf("ticks %+v: want %d receives first", rec.recs[:len(c.want)], len(c.want))
				}
				// The clock after a receive of m from clock c is max(c, m) + inc.
				got = append(got, r.Clock-1)
				ref = r.Clock
			}
			_ = ref
			for k, v := range c.want {
				if got[k] < v {
					t.Errorf("receive %d: clock %d, below the message %d + 1", k, got[k]+1, v)
				}
			}
			if st.BrokenLinks != c.brokenLen {
				t.Errorf("%d broken links, want %d", st.BrokenLinks, c.brokenLen)
			}
			switch text := l.text(); {
			case c.endLog == "" && text != "":
				t.Errorf("a clean peer caused log lines:\n%s", text)
			case !strings.Contains(text, c.endLog):
				t.Errorf("log lacks %q:\n%s", c.endLog, text)
			}
		})
	}
}

// Strangers connecting during a run are rejected and logged; none of
// their bytes reaches a queue, and the run still produces complete logs
// with every message of the real peers received exactly once.
func TestStrayClients(t *testing.T) {
	cfg := runConfig(10, 10, "6", "6", "1")
	var l logs
	nodes := cluster(t, cfg, 40, &l)
	wrong := tok
	wrong[0] ^= 0xff
	target := nodes[0].Addr()
	strays := []struct {
		name    string
		data    []byte
		hangUp  bool
		wantLog string
	}{
		{"wrong token", append(hello(1, 0, wrong), frames(1, 2, 3)...), true, "wrong token"},
		{"5 bytes then hang up", hello(1, 0, tok)[:5], true, "after 5 of the hello's 32 bytes"},
		{"http request", []byte("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"), true, "not a desim connection"},
		{"duplicate of machine 1", append(hello(1, 0, tok), frames(1000, 2000)...), true, "second connection claiming to be machine 1"},
		{"addressed to machine 2", append(hello(1, 2, tok), frames(1000)...), true, "addressed to machine 2"},
		{"silent", nil, false, "no hello within 2s"},
	}
	var conns []net.Conn
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, s := range strays {
		wg.Go(func() {
			c, err := net.Dial("tcp", target)
			if err != nil {
				t.Error(err)
				return
			}
			c.Write(s.data)
			if s.hangUp {
				c.Close()
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		})
	}
	sinks := recorders(len(nodes))
	stats := runAll(context.Background(), t, nodes, sinks)
	wg.Wait()
	var wants []string
	for _, s := range strays {
		wants = append(wants, s.wantLog)
	}
	l.waitFor(t, wants...)
	for _, c := range conns {
		c.Close()
	}
	for i := range nodes {
		checkLog(t, cfg, i, sinks[i].recs, stats[i])
		var want int64
		for j := range nodes {
			if j != i {
				want += sentTo(sinks[j].recs, j, i, len(nodes))
			}
		}
		if stats[i].Received != want {
			t.Errorf("machine %d received %d messages, its peers sent %d (a stray's frames got in?)", i, stats[i].Received, want)
		}
		if stats[i].BrokenLinks != 0 {
			t.Errorf("machine %d: %d broken links: a stray broke a real link", i, stats[i].BrokenLinks)
		}
	}
	for _, r := range sinks[0].recs {
		if r.Clock >= 1000 {
			t.Fatalf("machine 0 reached clock %d: a stray's value got into its queue", r.Clock)
		}
	}
}

// Connect gives up after its timeout naming what is missing.
func TestConnectFailures(t *testing.T) {
	closedAddr := func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		a := ln.Addr().String()
		ln.Close()
		return a
	}
	cases := []struct {
		name   string
		setup  func(t *testing.T) string // returns machine 1's address
		cancel bool
		want   string
	}{
		{"peer not listening", closedAddr, false, "machine 1 at 127.0.0.1:"},
		{"peer never dials back", func(t *testing.T) string { return newFakePeer(t).ln.Addr().String() }, false, "machine 1 never connected to this one"},
		// A version 1 peer, or one too busy to read the hello: the link is
		// not up until the hello is acknowledged.
		{"peer never acknowledges", func(t *testing.T) string { return silentListener(t, false) }, false, "machine 1 at 127.0.0.1:"},
		{"peer closes after the handshake", func(t *testing.T) string { return silentListener(t, true) }, false, "without acknowledging the hello"},
		{"stopped", closedAddr, true, "stopped while connecting"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ln, err := realtime.Listen("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			nd, err := realtime.NewNode(realtime.Config{ID: 0, Run: runConfig(2, 10, "1", "1"), Speed: 1, Token: tok, ConnectTimeout: 300 * time.Millisecond}, ln)
			if err != nil {
				t.Fatal(err)
			}
			defer nd.Close()
			ctx, cancel := context.WithCancel(context.Background())
			if c.cancel {
				cancel()
			}
			defer cancel()
			err = nd.Connect(ctx, []string{nd.Addr(), c.setup(t)})
			var ce *realtime.ConnectError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Connect: %v, want a ConnectError containing %q", err, c.want)
			}
			if _, err := nd.Run(context.Background(), time.Now(), &recorder{}); err == nil { // timing-ok
				t.Error("Run after a failed Connect did not fail")
			}
		})
	}
}

// silentListener accepts connections and never answers them: it keeps
// them open, or closes each at once.
func silentListener(t *testing.T, closeAtOnce bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if closeAtOnce {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// A listening address already taken is reported as such.
func TestListenInUse(t *testing.T) {
	ln, err := realtime.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = realtime.Listen(ln.Addr().String())
	if err == nil || !realtime.IsAddrInUse(err) {
		t.Errorf("second Listen on %s: %v, want an address-in-use error", ln.Addr(), err)
	}
}

// A run stopped midway stops every machine, each with the records of the
// ticks it completed, marked incomplete.
func TestStop(t *testing.T) {
	cfg := runConfig(10, 1000, "6", "6", "1")
	var l logs
	nodes := cluster(t, cfg, 10, &l)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sinks := recorders(len(nodes))
	sinks[0].onRecord = func(k int) {
		if k == 5 {
			cancel()
		}
	}
	stats := runAll(ctx, t, nodes, sinks)
	for i, st := range stats {
		if st.Completed {
			t.Errorf("machine %d completed a run that was stopped", i)
		}
		if st.Ticks != int64(len(sinks[i].recs)) || st.Ticks >= scheduled(cfg, i) {
			t.Errorf("machine %d: %d ticks, %d records, of %d scheduled", i, st.Ticks, len(sinks[i].recs), scheduled(cfg, i))
		}
	}
	if len(sinks[0].recs) != 5 {
		t.Errorf("machine 0 logged %d ticks after being stopped at its 5th", len(sinks[0].recs))
	}
}

// A stalled process overruns: the next tick finds later ticks already due,
// skips them, and adds them to its clock increment, as the original did.
func TestOverrun(t *testing.T) {
	cfg := runConfig(10, 2, "100", "1")
	var l logs
	nd := newNode(t, cfg, 0, 10, &l) // a tick every 1 ms of wall time
	p := newFakePeer(t)
	p.dial(t, nd.Addr(), 1, 0, nil)
	if err := nd.Connect(context.Background(), []string{nd.Addr(), p.ln.Addr().String()}); err != nil {
		t.Fatal(err)
	}
	p.finish(t)
	rec := &recorder{}
	// The sink stalls the machine for 5 periods after its 10th tick, so the
	// 11th starts when at least 4 later ticks are due.
	rec.onRecord = func(k int) {
		if k == 10 {
			time.Sleep(5 * time.Millisecond) // timing-ok: the stall that causes the overrun
		}
	}
	st, err := nd.Run(context.Background(), time.Now(), rec) // timing-ok
	if err != nil {
		t.Fatal(err)
	}
	checkLog(t, cfg, 0, rec.recs, st)
	if st.Overruns < 1 || st.Skipped < 3 {
		t.Errorf("overruns %d, skipped %d; want at least 1 and 3 after a stall of 5 periods", st.Overruns, st.Skipped)
	}
	// No messages arrive, so every tick's increment is 1 + its skip.
	var extra int64
	prev := int64(0)
	for _, r := range rec.recs {
		extra += r.Clock - prev - 1
		prev = r.Clock
	}
	if extra != st.Skipped {
		t.Errorf("clock increments add %d beyond one per tick, want the %d skipped ticks", extra, st.Skipped)
	}
	if jump := rec.recs[10].Clock - rec.recs[9].Clock; jump < 4 {
		t.Errorf("the tick after the stall raised the clock by %d, want at least 4", jump)
	}
}

// CheckRun: a speed in [MinSpeed, MaxSpeed], a wall time (duration /
// speed) of at most MaxWallTime, no machine beyond MaxWallRate, at most
// MaxMachines; each refusal says what to change.
func TestCheckRun(t *testing.T) {
	cfg := runConfig(10, 10, "6", "6", "1") // 10 s of scenario time, 6 ticks/s at most
	week := runConfig(10, 0, "1", "1")
	week.Duration = int64(realtime.MaxWallTime) // a week of scenario time
	long := runConfig(10, 0, "1")
	long.Duration = math.MaxInt64 // about 292 years
	many := runConfig(10, 1)
	for range realtime.MaxMachines + 1 {
		many.Machines = append(many.Machines, sim.MachineConfig{Rate: sim.MustRate("1")})
	}
	most := many
	most.Machines = many.Machines[:realtime.MaxMachines]
	below := math.Nextafter(realtime.MinSpeed, 0)
	above := math.Nextafter(realtime.MaxSpeed, math.Inf(1))
	cases := []struct {
		name  string
		cfg   sim.Config
		speed float64
		want  string // "" for accepted
	}{
		{"speed 1", cfg, 1, ""},
		{"speed 20", cfg, 20, ""},
		{"speed 0.5", cfg, 0.5, ""},
		{"speed 3000", cfg, 3000, ""},
		{"fastest machine at the wall-rate limit", cfg, realtime.MaxWallRate / 6, ""},
		{"fastest machine beyond the wall-rate limit", cfg, math.Nextafter(realtime.MaxWallRate/6.0, 1e9), "the limit is 20000 (lower --speed)"},
		{"speed 4000", cfg, 4000, "would tick 24000 times a wall second"},
		{"MaxSpeed", runConfig(10, 10, "1"), realtime.MaxSpeed, ""},
		{"just above MaxSpeed", runConfig(10, 10, "1"), above, "is not in (0, 10000]"},
		{"speed 20000", cfg, 20000, "is not in (0, 10000]"},
		{"+Inf", cfg, math.Inf(1), "speed +Inf is not in (0, 10000]"},
		{"-Inf", cfg, math.Inf(-1), "speed -Inf is not in (0, 10000]"},
		{"NaN", cfg, math.NaN(), "speed NaN is not in (0, 10000]"},
		{"0", cfg, 0, "speed 0 is not in (0, 10000]: give a speed from 0.001 to 10000"},
		{"-0", cfg, math.Copysign(0, -1), "is not in (0, 10000]"},
		{"-1", cfg, -1, "speed -1 is not in (0, 10000]"},
		{"MinSpeed", cfg, realtime.MinSpeed, ""},
		{"just below MinSpeed", cfg, below, "is below the least speed, 0.001"},
		{"1e-12, the issue's", cfg, 1e-12, "is below the least speed"},
		{"smallest float", cfg, math.SmallestNonzeroFloat64, "is below the least speed"},
		{"a week of wall time", week, 1, ""},
		{"a week and 1 ns of wall time", func() sim.Config { c := week; c.Duration++; return c }(), 1, "would take 7 days of wall time; the limit is 7 days (raise --speed or shorten --duration)"},
		{"a week at speed 0.5", week, 0.5, "would take 14 days"},
		{"10 s at MinSpeed: 10000 s", cfg, realtime.MinSpeed, ""},
		{"10 min at MinSpeed: 6.9 days", runConfig(10, 600, "1"), realtime.MinSpeed, ""},
		{"11 min at MinSpeed: 7.6 days", runConfig(10, 660, "1"), realtime.MinSpeed, "would take 7.64 days"},
		{"292 years at MaxSpeed", long, realtime.MaxSpeed, "2562047h47m16.854775807s of scenario time would take 10.7 days of wall time"},
		{"MaxMachines", most, 1, ""},
		{"MaxMachines + 1", many, 1, "201 machines; real mode runs at most 200"},
	}
	for _, c := range cases {
		err := realtime.CheckRun(&c.cfg, c.speed)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v, want accepted", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}
