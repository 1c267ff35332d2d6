package realtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"desim/sim"
)

// Limits and defaults.
const (
	// MaxSpeed is the highest speed accepted (scenario seconds per wall
	// second).
	MaxSpeed = 10000
	// MaxWallRate is the highest tick rate accepted for one machine in
	// wall-clock terms, rate × speed, in ticks per second: a tick every
	// 50 µs is about what a sleeping process can keep.
	MaxWallRate = 20000
	// DefaultConnectTimeout is how long Connect waits for every link.
	DefaultConnectTimeout = 10 * time.Second
	// MaxMachines is the most machines of a real run.
	MaxMachines = 200
	// minPending is the least number of connections accepted but not yet
	// through their hello (2(N−1) when larger); further ones are closed at
	// once.
	minPending = 64
	// writeTimeout bounds one message write: a peer that has stopped
	// reading for that long is treated as gone.
	writeTimeout = 2 * time.Second
	// dialRetry is the pause between attempts to reach a peer that is not
	// listening yet.
	dialRetry = 50 * time.Millisecond
	// drainGrace is how long a machine that has finished keeps reading
	// after the scenario's end, waiting for its peers to finish.
	drainGrace = time.Second
)

// Config is one machine of a real-time run.
type Config struct {
	// ID is this machine's index in Run.Machines.
	ID int
	// Run is the run: seed, duration (scenario ns), die faces and every
	// machine's rate and start offset. Latency and Jitter are ignored: the
	// network provides the delay.
	Run sim.Config
	// Speed is scenario seconds per wall-clock second (> 0, ≤ MaxSpeed):
	// at speed 10 a 6 ticks/s machine ticks 60 times a wall second.
	Speed float64
	// Token is the run's secret, presented and checked on every link.
	Token Token
	// ConnectTimeout bounds Connect; 0 means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// Logf receives diagnostics (rejected connections, bad frames, broken
	// links), one line each without a newline; nil discards them.
	Logf func(format string, args ...any)
}

// CheckRun reports whether a run can go in real mode at speed: at most
// MaxMachines machines (one process and 2(N−1) connections each), a speed
// in (0, MaxSpeed], and no machine ticking more than MaxWallRate times a
// wall second.
func CheckRun(run *sim.Config, speed float64) error {
	if n := len(run.Machines); n > MaxMachines {
		return fmt.Errorf("%d machines; real mode runs at most %d (one process and %d connections per machine)", n, MaxMachines, 2*(MaxMachines-1))
	}
	if math.IsNaN(speed) || speed <= 0 || speed > MaxSpeed {
		return fmt.Errorf("speed %g is not in (0, %d]", speed, MaxSpeed)
	}
	for i, m := range run.Machines {
		if w := m.Rate.Float64() * speed; w > MaxWallRate {
			return fmt.Errorf("machine %d would tick %.0f times a wall second at speed %g; the limit is %d (lower --speed)", i, w, speed, MaxWallRate)
		}
	}
	return nil
}

// Stats counts what one machine did in a run.
type Stats struct {
	Ticks     int64 // ticks performed (= records)
	Overruns  int64 // ticks that started when a later tick was already due
	Skipped   int64 // ticks skipped by overruns
	Sent      int64 // message copies written to a connection
	Lost      int64 // message copies not written: the link to the receiver was broken
	Received  int64 // messages read from the network (delivered to the queue or not)
	Completed bool  // the run reached its end rather than being stopped
}

// Node is one machine of a real-time run: a sim.Machine and its sim.Die,
// driven by the wall clock, with a TCP listener for the messages of its
// peers and one connection to each peer. Use it from one goroutine as
//
//	n, _ := NewNode(cfg, ln)   // accepts connections from now on
//	n.Connect(ctx, peers)       // every link to and from n is up
//	n.Run(ctx, start, sink)     // ticks until the end of the run
//	n.Close()
//
// # Timing
//
// Tick k of machine i is due at the wall-clock instant
//
//	start + (start_i + floor(k·1e9/rate_i)) / speed    (ns)
//
// computed from k each time (sim.Rate.TickTime), never by adding up
// periods, so errors do not accumulate. Run sleeps until a tick is due,
// delivers into the queue every message received so far, in arrival order,
// performs the tick exactly as the simulator does (NeedsRoll, the die of
// sim.NewDie(seed, i, R), Tick), writes the sends, and hands the record to
// the sink with At = (wall time of the tick − start) × speed in ns: scenario
// time, like the simulator's. As in the simulator, tick k happens exactly
// when start_i + floor(k·1e9/rate_i) < duration, so a run that keeps up has
// exactly the simulator's number of ticks.
//
// # Overruns
//
// A tick that starts when m ≥ 1 later ticks are already due (it is late by
// at least one whole period: the process was stalled) does what the
// original implementation did after a step that overran: the clock
// advances by 1 + m instead of 1 (sim.Machine.TickBy), the m missed ticks
// are skipped — no record, no die roll, no delivery of their own — and the
// next tick is the first one not yet due. Stats counts such ticks
// (Overruns) and the ticks they skipped (Skipped).
type Node struct {
	cfg   Config
	id, n int
	speed float64
	ln    net.Listener
	logf  func(string, ...any)

	pending chan struct{} // semaphore of connections in their hello

	mu       sync.Mutex
	inbox    []int64 // received, not yet delivered, in arrival order
	received int64
	in       []*inLink // by sender id, nil until its hello arrives
	inChange chan struct{}
	conns    map[net.Conn]struct{} // every open inbound connection
	closed   bool

	out       []net.Conn // by receiver id, after Connect
	connected bool       // Connect succeeded
	wg        sync.WaitGroup
}

type inLink struct {
	conn net.Conn
	done chan struct{} // closed when its reader returns
}

// Listen opens a TCP listener on addr (host:port; port 0 lets the system
// choose). An address already in use is reported as such (see
// IsAddrInUse).
func Listen(addr string) (net.Listener, error) {
	return net.Listen("tcp", addr)
}

// IsAddrInUse reports whether err says that a listening address is taken.
func IsAddrInUse(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }

// NewNode returns machine cfg.ID of cfg.Run, accepting connections on ln
// from now on (messages that arrive before the run starts wait for its
// first tick). The node owns ln and closes it in Close.
func NewNode(cfg Config, ln net.Listener) (*Node, error) {
	if err := cfg.Run.Validate(); err != nil {
		return nil, err
	}
	n := len(cfg.Run.Machines)
	if cfg.ID < 0 || cfg.ID >= n {
		return nil, fmt.Errorf("machine id %d is not in 0..%d", cfg.ID, n-1)
	}
	if err := CheckRun(&cfg.Run, cfg.Speed); err != nil {
		return nil, err
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	cfg.Run.Machines = slices.Clone(cfg.Run.Machines)
	nd := &Node{
		cfg: cfg, id: cfg.ID, n: n, speed: cfg.Speed, ln: ln,
		logf:     cfg.Logf,
		pending:  make(chan struct{}, max(minPending, 2*(n-1))),
		in:       make([]*inLink, n),
		inChange: make(chan struct{}, 1),
		conns:    map[net.Conn]struct{}{},
		out:      make([]net.Conn, n),
	}
	if nd.logf == nil {
		nd.logf = func(string, ...any) {}
	}
	nd.wg.Add(1)
	go nd.accept()
	return nd, nil
}

// Addr returns the listener's address.
func (nd *Node) Addr() string { return nd.ln.Addr().String() }

func (nd *Node) isClosed() bool {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	return nd.closed
}

// accept accepts connections until the listener is closed.
func (nd *Node) accept() {
	defer nd.wg.Done()
	for {
		c, err := nd.ln.Accept()
		if err != nil {
			if !nd.isClosed() && !errors.Is(err, net.ErrClosed) {
				nd.logf("machine %d: accept: %v", nd.id, err)
			}
			return
		}
		select {
		case nd.pending <- struct{}{}:
		default:
			nd.logf("machine %d: closed a connection from %s: more than %d connections are waiting for their hello", nd.id, c.RemoteAddr(), cap(nd.pending))
			c.Close()
			continue
		}
		if !nd.track(c) {
			<-nd.pending
			c.Close()
			return
		}
		nd.wg.Add(1)
		go nd.serve(c)
	}
}

// track records an open inbound connection; false if the node is closed.
func (nd *Node) track(c net.Conn) bool {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	if nd.closed {
		return false
	}
	nd.conns[c] = struct{}{}
	return true
}

func (nd *Node) untrack(c net.Conn) {
	nd.mu.Lock()
	delete(nd.conns, c)
	nd.mu.Unlock()
	c.Close()
}

// serve reads one inbound connection: its hello, then its frames into the
// inbox. A bad hello, a duplicate sender, garbage or a half frame closes
// the connection (and is logged); nothing it sent after its last valid
// frame reaches the queue.
func (nd *Node) serve(c net.Conn) {
	defer nd.wg.Done()
	defer nd.untrack(c)
	c.SetReadDeadline(time.Now().Add(nd.cfg.ConnectTimeout))
	h, err := ReadHello(c)
	if err == nil {
		err = h.Verify(nd.id, nd.n, nd.cfg.Token)
	}
	<-nd.pending
	if err != nil {
		if !nd.isClosed() {
			nd.logf("machine %d: rejected a connection from %s: %v", nd.id, c.RemoteAddr(), err)
		}
		return
	}
	from := int(h.From)
	link := &inLink{conn: c, done: make(chan struct{})}
	defer close(link.done)
	if !nd.register(from, link) {
		nd.logf("machine %d: rejected a second connection claiming to be machine %d, from %s", nd.id, from, c.RemoteAddr())
		return
	}
	c.SetReadDeadline(time.Time{})
	fr := NewFrameReader(c)
	for {
		v, err := fr.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) && !nd.isClosed() {
				nd.logf("machine %d: closed the connection from machine %d: %v", nd.id, from, err)
			}
			return
		}
		nd.mu.Lock()
		nd.inbox = append(nd.inbox, v)
		nd.received++
		nd.mu.Unlock()
	}
}

func (nd *Node) register(from int, l *inLink) bool {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	if nd.in[from] != nil {
		return false
	}
	nd.in[from] = l
	select {
	case nd.inChange <- struct{}{}:
	default:
	}
	return true
}

// ConnectError is a Connect that did not complete: the links still missing
// when it gave up.
type ConnectError struct {
	Timeout time.Duration
	// NoAccept lists the peers we could not connect to, with the last
	// error; NoDial the peers that never connected to us.
	NoAccept []string
	NoDial   []int
	Canceled bool
}

func (e *ConnectError) Error() string {
	var parts []string
	parts = append(parts, e.NoAccept...)
	if len(e.NoDial) > 0 {
		ids := make([]string, len(e.NoDial))
		for i, j := range e.NoDial {
			ids[i] = fmt.Sprint(j)
		}
		who := "machine " + ids[0]
		if len(ids) > 1 {
			who = "machines " + strings.Join(ids, ", ")
		}
		parts = append(parts, who+" never connected to this one")
	}
	if e.Canceled {
		return "stopped while connecting: " + strings.Join(parts, "; ")
	}
	return fmt.Sprintf("not every peer connected within %s: %s", e.Timeout, strings.Join(parts, "; "))
}

// Connect dials every other machine at peers[j] (peers lists every
// machine's address by id; this machine's own entry is not used), retrying
// while a peer is not listening yet, opens each connection with a hello,
// and waits until every other machine has connected to this one with a
// valid hello. It gives up after the configured timeout with a
// *ConnectError.
func (nd *Node) Connect(ctx context.Context, peers []string) error {
	if len(peers) != nd.n {
		return fmt.Errorf("%d peer addresses for %d machines", len(peers), nd.n)
	}
	timeout := nd.cfg.ConnectTimeout
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs = make([]error, nd.n)
	)
	for j := range peers {
		if j == nd.id {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := nd.dial(ctx, j, peers[j])
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[j] = err
				return
			}
			nd.out[j] = c
		}()
	}
	wg.Wait()
	var ce ConnectError
	for j, err := range errs {
		if err != nil {
			ce.NoAccept = append(ce.NoAccept, fmt.Sprintf("machine %d at %s: %v", j, peers[j], err))
		}
	}
	// Wait for every inbound link.
	for len(nd.missingIn()) > 0 && ctx.Err() == nil {
		select {
		case <-nd.inChange:
		case <-ctx.Done():
		}
	}
	ce.NoDial = nd.missingIn()
	ce.Timeout = timeout
	ce.Canceled = ctx.Err() == context.Canceled
	if len(ce.NoAccept) == 0 && len(ce.NoDial) == 0 {
		nd.connected = true
		return nil
	}
	return &ce
}

func (nd *Node) missingIn() []int {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	var m []int
	for j, l := range nd.in {
		if j != nd.id && l == nil {
			m = append(m, j)
		}
	}
	return m
}

// dial connects to machine j at addr, retrying until ctx ends, and sends
// the hello.
func (nd *Node) dial(ctx context.Context, j int, addr string) (net.Conn, error) {
	var d net.Dialer
	var last error
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			hello := Hello{From: uint32(nd.id), To: uint32(j), Token: nd.cfg.Token}.Encode()
			c.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, err := c.Write(hello[:]); err != nil {
				c.Close()
				return nil, fmt.Errorf("sending the hello: %w", err)
			}
			return c, nil
		}
		if ctx.Err() == nil || last == nil {
			last = err
		}
		select {
		case <-ctx.Done():
			var op *net.OpError
			if errors.As(last, &op) && op.Err != nil {
				last = op.Err
			}
			return nil, fmt.Errorf("no connection (%w)", last)
		case <-time.After(dialRetry):
		}
	}
}

// Flusher is implemented by sinks that buffer: Run calls Flush before it
// sleeps, so that every completed tick's record is out of the process
// whenever it waits.
type Flusher interface{ Flush() error }

// wall converts scenario ns to a wall-clock duration at the node's speed.
func (nd *Node) wall(scen int64) time.Duration {
	return time.Duration(float64(scen) / nd.speed)
}

// Run runs the machine from the wall-clock instant start (see Node for the
// timing rules) until the end of the run or until ctx is cancelled, handing
// each tick's record to sink as a batch of one. At the end it closes its
// connections to the peers and, unless stopped, keeps reading theirs until
// they have finished too (at most until the scenario's end plus a second),
// so that no peer writes to a closed connection. It returns the sink's
// first error, or sim.ErrQueueLimit.
func (nd *Node) Run(ctx context.Context, start time.Time, sink sim.Sink) (Stats, error) {
	var st Stats
	if !nd.connected {
		return st, errors.New("realtime: Run before a successful Connect")
	}
	nd.connected = false // one Run per Connect
	// A monotonic reading for start, whatever its origin.
	now := time.Now()
	t0 := now.Add(start.Sub(now))
	mc := nd.cfg.Run.Machines[nd.id]
	rate, offset, end := mc.Rate, mc.Start, nd.cfg.Run.Duration
	m := sim.NewMachine(nd.id, nd.n)
	die := sim.NewDie(nd.cfg.Run.Seed, nd.id, nd.cfg.Run.Die)
	flusher, _ := sink.(Flusher)
	var (
		batch  []int64
		rec    [1]sim.Record
		broken = make([]bool, nd.n)
		timer  = time.NewTimer(time.Hour)
		err    error
	)
	defer timer.Stop()
	due := func(k int64) (time.Time, bool) {
		at := offset + rate.TickTime(k)
		return t0.Add(nd.wall(at)), at < end
	}
	k := int64(0)
	for {
		next, ok := due(k)
		if !ok {
			st.Completed = true
			break
		}
		if time.Until(next) > 0 && flusher != nil {
			if err = flusher.Flush(); err != nil {
				break
			}
		}
		if !waitUntil(ctx, timer, next) {
			break
		}
		now := time.Now()
		skip := lateTicks(due, k, now)
		// Deliver what the network brought, in arrival order.
		nd.mu.Lock()
		batch, nd.inbox = nd.inbox, batch[:0]
		nd.mu.Unlock()
		for _, v := range batch {
			m.Deliver(v)
		}
		if m.QueueLen() > sim.MaxQueue {
			err = sim.ErrQueueLimit
			break
		}
		face := 0
		if m.NeedsRoll() {
			face = die.Roll()
		}
		s := m.TickBy(face, 1+skip)
		for k := range s.To.Len() {
			nd.send(&st, broken, s.To.At(k), s.Value)
		}
		at := int64(math.Round(float64(now.Sub(t0)) * nd.speed))
		rec[0] = sim.Record{At: max(at, 0), Clock: m.Clock(), Queue: int64(m.QueueLen()), Event: s.Event}
		st.Ticks++
		if skip > 0 {
			st.Overruns++
			st.Skipped += skip
		}
		if err = sink.Records(nd.id, rec[:]); err != nil {
			break
		}
		k += 1 + skip
	}
	if flusher != nil {
		if ferr := flusher.Flush(); err == nil {
			err = ferr
		}
	}
	// Tell the peers we are done, then wait for them to be done too.
	for j, c := range nd.out {
		if c != nil {
			c.Close()
			nd.out[j] = nil
		}
	}
	if st.Completed && err == nil {
		nd.drain(ctx, t0.Add(nd.wall(end)+drainGrace))
	}
	nd.mu.Lock()
	st.Received = nd.received
	nd.mu.Unlock()
	return st, err
}

// lateTicks returns how many ticks after tick k are already due at now
// (the overrun's skip), by a galloping search: O(log skip) evaluations of
// due, which reports a tick's wall time and whether it is in the run.
func lateTicks(due func(int64) (time.Time, bool), k int64, now time.Time) int64 {
	isDue := func(j int64) bool {
		t, ok := due(k + j)
		return ok && !t.After(now)
	}
	if !isDue(1) {
		return 0
	}
	lo, hi := int64(1), int64(2) // isDue(lo), and hi is to be tested
	for isDue(hi) {
		lo, hi = hi, 2*hi
	}
	for hi-lo > 1 {
		if mid := lo + (hi-lo)/2; isDue(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// coarseMargin is how long before a tick's time waitUntil stops waiting on
// a Go timer, which can wake a millisecond late, and sleeps precisely.
const coarseMargin = 2 * time.Millisecond

// waitUntil waits until the instant t: on a Go timer, so that ctx can stop
// it, until coarseMargin before t, then with preciseSleep. It returns false
// if ctx is done first.
func waitUntil(ctx context.Context, timer *time.Timer, t time.Time) bool {
	for {
		if ctx.Err() != nil {
			return false
		}
		d := time.Until(t)
		switch {
		case d <= 0:
			return true
		case d > coarseMargin:
			timer.Reset(d - coarseMargin)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return false
			}
		default:
			preciseSleep(d)
		}
	}
}

// send writes value v to machine j, unless its link broke before.
func (nd *Node) send(st *Stats, broken []bool, j int, v int64) {
	if broken[j] {
		st.Lost++
		return
	}
	c := nd.out[j]
	f := EncodeFrame(v)
	c.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := c.Write(f[:]); err != nil {
		broken[j] = true
		st.Lost++
		nd.logf("machine %d: the link to machine %d broke (%v); messages to it are dropped from now on", nd.id, j, err)
		return
	}
	st.Sent++
}

// drain waits until every inbound connection has ended, ctx is done or the
// deadline passes.
func (nd *Node) drain(ctx context.Context, deadline time.Time) {
	nd.mu.Lock()
	links := slices.Clone(nd.in)
	nd.mu.Unlock()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for _, l := range links {
		if l == nil {
			continue
		}
		select {
		case <-l.done:
		case <-ctx.Done():
			return
		case <-timer.C:
			return
		}
	}
}

// Close closes the listener and every connection and waits for the
// node's goroutines to return.
func (nd *Node) Close() error {
	nd.mu.Lock()
	nd.closed = true
	conns := make([]net.Conn, 0, len(nd.conns))
	for c := range nd.conns {
		conns = append(conns, c)
	}
	nd.mu.Unlock()
	err := nd.ln.Close()
	for _, c := range conns {
		c.Close()
	}
	for j, c := range nd.out {
		if c != nil {
			c.Close()
			nd.out[j] = nil
		}
	}
	nd.wg.Wait()
	return err
}
