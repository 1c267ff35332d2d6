package realtime_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"desim/sim"
	"desim/sim/realtime"
)

// Tests of a node under connection floods and of links that break: what
// the peers' diallers and the node's accept loop do, asserted on outcomes
// (connected or not, completed or not, what was logged), never on timing.

// liveness bounds how long a test waits for something that must happen;
// reaching it is a failure, not a measurement.
const liveness = 20 * time.Second

// nodeWith starts machine id of cfg with the given timeouts (0: defaults).
func nodeWith(t *testing.T, cfg sim.Config, id int, speed float64, connect, hello time.Duration, l *logs) *realtime.Node {
	t.Helper()
	ln, err := realtime.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nd, err := realtime.NewNode(realtime.Config{
		ID: id, Run: cfg, Speed: speed, Token: tok,
		ConnectTimeout: connect, HelloTimeout: hello, Logf: l.logf,
	}, ln)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nd.Close() })
	return nd
}

// idle opens k connections to addr from the local address from ("" for
// any) that never send a byte; the test's end closes them.
func idle(t *testing.T, addr, from string, k int) []net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: liveness}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	var cs []net.Conn
	for range k {
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("idle connection %d from %q: %v", len(cs)+1, from, err)
		}
		cs = append(cs, c)
	}
	t.Cleanup(func() {
		for _, c := range cs {
			c.Close()
		}
	})
	return cs
}

// flood opens k connections to addr that never send a byte, as fast as
// it can; those the node resets at once, even before the dial returns,
// are part of the flood too.
func flood(t *testing.T, addr string, k int) {
	t.Helper()
	var cs []net.Conn
	for range k {
		c, err := net.DialTimeout("tcp", addr, liveness)
		if err != nil {
			if errors.Is(err, syscall.ECONNRESET) {
				continue
			}
			t.Fatalf("flood: %v", err)
		}
		cs = append(cs, c)
	}
	t.Cleanup(func() {
		for _, c := range cs {
			c.Close()
		}
	})
}

// refused opens one connection to addr from the local address from and
// reports whether the node closed it at once: reset before the dial
// returned, or closed after.
func refused(t *testing.T, addr, from string) bool {
	t.Helper()
	d := net.Dialer{Timeout: liveness, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	c, err := d.Dial("tcp", addr)
	if errors.Is(err, syscall.ECONNRESET) {
		return true
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return closedByPeer(t, c)
}

// closedByPeer reads c until the other end closes it (or resets it): true
// then, false if it is still open when the liveness bound passes.
func closedByPeer(t *testing.T, c net.Conn) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(liveness)) // timing-ok: a liveness bound
	_, err := io.Copy(io.Discard, c)
	return !errors.Is(err, os.ErrDeadlineExceeded)
}

// A connection that says nothing is closed after the hello timeout, long
// before the connect timeout, and logged as such; its slot is free again.
func TestHelloDeadline(t *testing.T) {
	var l logs
	cfg := runConfig(10, 10, "1", "1")
	nd := nodeWith(t, cfg, 0, 1, time.Hour, 100*time.Millisecond, &l)
	c := idle(t, nd.Addr(), "", 1)[0]
	if !closedByPeer(t, c) {
		t.Fatalf("a silent connection is still open %s later (the hello timeout is 100ms)", liveness)
	}
	l.waitFor(t, "machine 0: rejected a connection from 127.0.0.1:", "no hello within 100ms")
	// A peer's connection, hello at once, is acknowledged.
	p, err := net.Dial("tcp", nd.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Write(hello(1, 0, tok))
	p.SetReadDeadline(time.Now().Add(liveness)) // timing-ok: a liveness bound
	if err := realtime.ReadAck(p); err != nil {
		t.Fatalf("a peer's hello after the silent connection: %v", err)
	}
}

// Connections awaiting their hello are bounded per source address: one
// address that fills its slots does not keep a peer from another address
// out; and in all.
func TestSlotsPerSource(t *testing.T) {
	var l logs
	cfg := runConfig(10, 10, "1", "1", "1")                // 3 machines: 8 slots per address, 64 in all
	nd := nodeWith(t, cfg, 0, 1, time.Hour, time.Hour, &l) // nothing times out
	idle(t, nd.Addr(), "127.0.0.1", 8)
	if !refused(t, nd.Addr(), "127.0.0.1") {
		t.Fatal("a 9th connection from 127.0.0.1 is held open")
	}
	l.waitFor(t, "8 connections from 127.0.0.1 are already waiting for their hello, the most from one address")

	// Another source address: Linux routes all of 127/8 to the loopback.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
	p, err := d.Dial("tcp", nd.Addr())
	if err != nil {
		t.Skipf("no second loopback address to connect from (%v)", err)
	}
	defer p.Close()
	p.Write(hello(1, 0, tok))
	p.SetReadDeadline(time.Now().Add(liveness)) // timing-ok: a liveness bound
	if err := realtime.ReadAck(p); err != nil {
		t.Fatalf("machine 1 from 127.0.0.2, while 127.0.0.1 holds its 8 slots: %v", err)
	}
	// Fill the 64 slots from 8 addresses: the next address is refused.
	for i := 2; i <= 8; i++ {
		idle(t, nd.Addr(), "127.0.0."+strconv.Itoa(i), 8)
	}
	if !refused(t, nd.Addr(), "127.0.0.9") {
		t.Fatal("a 65th connection is held open")
	}
	l.waitFor(t, "64 connections are already waiting for their hello, the most in all")
}

// rejectingPeer plays machine 1 for node 0: it closes the first k
// connections right after the handshake (as a node whose slots are full
// does), acknowledges the next one's hello and records its values.
type rejectingPeer struct {
	ln       net.Listener
	mu       sync.Mutex
	accepted int
	got      []int64
	done     chan struct{}
}

func newRejectingPeer(t *testing.T, k int) *rejectingPeer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &rejectingPeer{ln: ln, done: make(chan struct{})}
	t.Cleanup(func() { ln.Close() })
	go func() {
		defer close(p.done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.accepted++
			n := p.accepted
			p.mu.Unlock()
			if n <= k {
				c.Close()
				continue
			}
			defer c.Close()
			if _, err := realtime.ReadHello(c); err != nil {
				return
			}
			ack := realtime.EncodeAck()
			c.Write(ack[:])
			fr := realtime.NewFrameReader(c)
			for {
				v, err := fr.Next()
				if err != nil {
					return
				}
				p.mu.Lock()
				p.got = append(p.got, v)
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// A dialler whose connection is closed right after the handshake, its
// hello unacknowledged, tries again until the hello is acknowledged, and
// the messages go over that connection.
func TestDialRetriesUntilAcknowledged(t *testing.T) {
	var l logs
	cfg := runConfig(2, 10, "6", "1") // die 2: machine 0 sends to machine 1 on every roll of 1
	nd := nodeWith(t, cfg, 0, 40, liveness, 0, &l)
	p := newRejectingPeer(t, 3)
	back := newFakePeer(t) // machine 1's connection to the node
	back.dial(t, nd.Addr(), 1, 0, nil)
	if err := nd.Connect(context.Background(), []string{nd.Addr(), p.ln.Addr().String()}); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	accepted := p.accepted
	p.mu.Unlock()
	if accepted != 4 {
		t.Errorf("the peer accepted %d connections, want 3 closed and the 4th acknowledged", accepted)
	}
	back.finish(t)
	rec := &recorder{}
	st, err := nd.Run(context.Background(), time.Now(), rec) // timing-ok
	if err != nil {
		t.Fatal(err)
	}
	nd.Close()
	<-p.done
	p.mu.Lock()
	got := int64(len(p.got))
	p.mu.Unlock()
	if st.Sent == 0 || got != st.Sent || st.Lost != 0 || st.BrokenLinks != 0 {
		t.Errorf("sent %d, lost %d, broken links %d; the peer got %d: want every message over the acknowledged connection", st.Sent, st.Lost, st.BrokenLinks, got)
	}
}

// countRejected adds up the connections the rejection lines of a log
// count, and returns the number of those lines.
func countRejected(text string) (conns, lines int) {
	many := regexp.MustCompile(`rejected (\d+) connections`)
	for _, line := range strings.Split(text, "\n") {
		if m := many.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			conns += n
			lines++
		} else if strings.Contains(line, "rejected a connection from") {
			conns++
			lines++
		}
	}
	return conns, lines
}

// The flood: 200 idle connections to machine 0's port before its
// peers connect. The idle ones take the slots of their address and lose
// them after the hello timeout; the peers, refused meanwhile, dial again
// and get in; the run completes whole. Rejections are logged with counts,
// not one line each.
func TestFloodBeforePeers(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the hello timeout on the wall clock")
	}
	cfg := runConfig(10, 10, "6", "6", "1")
	var l logs
	nodes := make([]*realtime.Node, 3)
	peers := make([]string, 3)
	for i := range nodes {
		nodes[i] = nodeWith(t, cfg, i, 40, 10*time.Second, 0, &l)
		peers[i] = nodes[i].Addr()
	}
	flood(t, peers[0], 200)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i, nd := range nodes {
		wg.Go(func() { errs[i] = nd.Connect(context.Background(), peers) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("machine %d: Connect: %v\nlog:\n%s", i, err, l.text())
		}
	}
	sinks := recorders(3)
	stats := runAll(context.Background(), t, nodes, sinks)
	for i := range nodes {
		checkLog(t, cfg, i, sinks[i].recs, stats[i])
		if stats[i].BrokenLinks != 0 || stats[i].Lost != 0 {
			t.Errorf("machine %d: %d broken links, %d lost messages", i, stats[i].BrokenLinks, stats[i].Lost)
		}
	}
	nodes[0].Close() // writes what its rate-limited log holds
	conns, lines := countRejected(l.text())
	if conns < 200 || lines*10 > conns {
		t.Errorf("the log counts %d rejected connections in %d lines; want all 200 idle ones at least, in few lines:\n%s", conns, lines, l.text())
	}
}

// A flood that outlasts the connect timeout: machine 0 never hears from
// its peers, and they never get their hello to it acknowledged, so every
// machine's Connect fails — none runs a run with a link missing.
func TestFloodOutlastsConnect(t *testing.T) {
	cfg := runConfig(10, 10, "6", "6", "1")
	var l logs
	nodes := make([]*realtime.Node, 3)
	peers := make([]string, 3)
	for i := range nodes {
		// The idle connections keep their slots for a minute.
		nodes[i] = nodeWith(t, cfg, i, 40, time.Second, time.Minute, &l)
		peers[i] = nodes[i].Addr()
	}
	flood(t, peers[0], 200)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i, nd := range nodes {
		wg.Go(func() { errs[i] = nd.Connect(context.Background(), peers) })
	}
	wg.Wait()
	refused := "machine 0 at " + peers[0] + ": no connection (the peer closed the connection without acknowledging the hello"
	wants := []string{"machines 1, 2 never connected to this one", refused, refused}
	for i, err := range errs {
		var ce *realtime.ConnectError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), wants[i]) {
			t.Errorf("machine %d: Connect: %v, want a ConnectError containing %q", i, err, wants[i])
		}
	}
}

// A peer stopped in the middle of the run closes its connections without
// the end frame: the machines that ran to the end count the broken link
// and say which, so that the run is not taken for whole.
func TestPeerStopsMidRun(t *testing.T) {
	cfg := runConfig(10, 10, "6", "6", "1")
	var l logs
	nodes := cluster(t, cfg, 40, &l)
	sinks := recorders(3)
	ctx2, stop2 := context.WithCancel(context.Background())
	defer stop2()
	sinks[2].onRecord = func(k int) {
		if k == 2 {
			stop2()
		}
	}
	start := time.Now().Add(20 * time.Millisecond) // timing-ok
	stats := make([]realtime.Stats, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i, nd := range nodes {
		ctx := context.Background()
		if i == 2 {
			ctx = ctx2
		}
		wg.Go(func() { stats[i], errs[i] = nd.Run(ctx, start, sinks[i]) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("machine %d: %v", i, err)
		}
	}
	if stats[2].Completed {
		t.Error("machine 2 completed a run it was stopped in")
	}
	for i := range 2 {
		if !stats[i].Completed || stats[i].BrokenLinks != 1 {
			t.Errorf("machine %d: completed %v with %d broken links, want the end with 1 (from machine 2)", i, stats[i].Completed, stats[i].BrokenLinks)
		}
	}
	l.waitFor(t, "machine 0: the link from machine 2 broke: the connection closed before its sender finished its run",
		"machine 1: the link from machine 2 broke")
	if strings.Contains(l.text(), "from machine 0 broke") || strings.Contains(l.text(), "from machine 1 broke") {
		t.Errorf("a link between the machines that finished is reported broken:\n%s", l.text())
	}
}

// A sender whose acknowledgement went astray dials again: while the node
// is connecting, the new connection replaces the old one, which has
// carried nothing, and the run uses it.
func TestRedialReplacesUnusedLink(t *testing.T) {
	var l logs
	cfg := runConfig(2, 10, "6", "1")
	nd := nodeWith(t, cfg, 0, 40, liveness, 0, &l)
	p := newFakePeer(t)
	first, err := net.Dial("tcp", nd.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	first.Write(hello(1, 0, tok))
	first.SetReadDeadline(time.Now().Add(liveness)) // timing-ok: a liveness bound
	if err := realtime.ReadAck(first); err != nil {
		t.Fatal(err)
	}
	p.dial(t, nd.Addr(), 1, 0, ended(7)) // the sender dials again, and finishes at once
	if err := nd.Connect(context.Background(), []string{nd.Addr(), p.ln.Addr().String()}); err != nil {
		t.Fatal(err)
	}
	if !closedByPeer(t, first) {
		t.Error("the replaced connection is still open")
	}
	st, err := nd.Run(context.Background(), time.Now(), &recorder{}) // timing-ok
	if err != nil {
		t.Fatal(err)
	}
	if st.Received != 1 || st.BrokenLinks != 0 {
		t.Errorf("received %d messages with %d broken links, want the 1 of the new connection and none broken\n%s", st.Received, st.BrokenLinks, l.text())
	}
}
