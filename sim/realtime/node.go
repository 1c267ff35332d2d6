package realtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
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
	// MinSpeed is the lowest speed accepted: a scenario second per 1000
	// wall seconds. Slower still is a mistyped speed, not an experiment.
	MinSpeed = 0.001
	// MaxWallTime is the longest wall-clock time a run may take, its
	// duration divided by its speed: a week. A run that would take longer
	// is refused (desim real and desim machine exit 2), so that a speed
	// typed wrong fails at once instead of holding the machines for
	// months, and wall-clock instants stay far inside time.Duration's
	// range.
	MaxWallTime = 7 * 24 * time.Hour
	// MaxWallRate is the highest tick rate accepted for one machine in
	// wall-clock terms, rate × speed, in ticks per second: a tick every
	// 50 µs is about what a sleeping process can keep.
	MaxWallRate = 20000
	// DefaultConnectTimeout is how long Connect waits for every link.
	DefaultConnectTimeout = 10 * time.Second
	// DefaultHelloTimeout is how long an accepted connection may take to
	// present its hello before it is closed: a peer sends its hello as
	// soon as it has connected, so only a stranger holds a connection
	// silent.
	DefaultHelloTimeout = 2 * time.Second
	// AckTimeout is how long a dialler waits for the acknowledgement of
	// its hello before it closes the connection and tries again.
	AckTimeout = 2 * time.Second
	// MaxMachines is the most machines of a real run.
	MaxMachines = 200
	// minPending is the least number of connections accepted but not yet
	// through their hello (2(N−1) when larger), and minPendingPerSource
	// the least number from one source address (N when larger, since the
	// machines of a run on one host all connect from one address); further
	// ones are closed at once.
	minPending          = 64
	minPendingPerSource = 8
	// writeTimeout bounds one message write: a peer that has stopped
	// reading for that long is treated as gone.
	writeTimeout = 2 * time.Second
	// dialRetry is the first pause between attempts to reach a peer that
	// is not listening yet or did not acknowledge the hello; it doubles
	// after each attempt up to maxDialRetry.
	dialRetry    = 50 * time.Millisecond
	maxDialRetry = 500 * time.Millisecond
	// drainGrace is how long a machine that has finished keeps reading
	// after the scenario's end, waiting for its peers to finish, beyond
	// the connect timeout (see Node.drainWait). A peer that has not
	// finished by then counts as a broken link.
	drainGrace = 2 * time.Second
	// maxAcceptPause is the longest pause after a failed accept (out of
	// file descriptors, say) before the next.
	maxAcceptPause = time.Second
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
	// Ticker is how the node schedules its ticks: TickerAbsolute (the
	// zero value) or TickerSleep. See Node.
	Ticker Ticker
	// ConnectTimeout bounds Connect; 0 means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// HelloTimeout bounds how long an accepted connection may take to
	// present its hello; 0 means DefaultHelloTimeout.
	HelloTimeout time.Duration
	// Logf receives diagnostics (rejected connections, bad frames, broken
	// links), one line each without a newline; nil discards them. Rejected
	// connections are summed up at most once a second, with a count.
	Logf func(format string, args ...any)
}

// CheckRun reports whether a run can go in real mode at speed: at most
// MaxMachines machines (one process and 2(N−1) connections each), a speed
// in [MinSpeed, MaxSpeed] (0.001 to 10000 scenario seconds per wall
// second), a wall-clock time, duration / speed, of at most MaxWallTime (a
// week), and no machine ticking more than MaxWallRate times a wall second.
// NaN, infinite, zero and negative speeds are refused.
func CheckRun(run *sim.Config, speed float64) error {
	if n := len(run.Machines); n > MaxMachines {
		return fmt.Errorf("%d machines; real mode runs at most %d (one process and %d connections per machine)", n, MaxMachines, 2*(MaxMachines-1))
	}
	if math.IsNaN(speed) || speed <= 0 || speed > MaxSpeed {
		return fmt.Errorf("speed %g is not in (0, %d]: give a speed from %g to %d scenario seconds per wall second", speed, MaxSpeed, MinSpeed, MaxSpeed)
	}
	if speed < MinSpeed {
		return fmt.Errorf("speed %g is below the least speed, %g: give a speed from %g to %d scenario seconds per wall second", speed, MinSpeed, MinSpeed, MaxSpeed)
	}
	if wall := float64(run.Duration) / speed; wall > float64(MaxWallTime) {
		return fmt.Errorf("at speed %g the run's %s of scenario time would take %.3g days of wall time; the limit is %g days (raise --speed or shorten --duration)",
			speed, time.Duration(run.Duration), wall/float64(24*time.Hour), MaxWallTime.Hours()/24)
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
	Ticks    int64 // ticks performed (= records)
	Overruns int64 // ticks that started when a later tick was already due (always 0 with TickerSleep)
	Skipped  int64 // ticks skipped by overruns (always 0 with TickerSleep)
	Sent     int64 // message copies written to a connection
	Lost     int64 // message copies not written: the link to the receiver was broken
	Received int64 // messages read from the network (delivered to the queue or not)
	// BrokenLinks counts the links to or from this machine that broke: a
	// write that failed (Lost counts the copies it cost), and, in a run
	// that reached its end, a peer's connection that closed without the
	// end-of-run frame (the peer died or was stopped) or that had not
	// ended long after the scenario's end (see Run). A run with a broken link
	// is incomplete, even if it reached its end.
	BrokenLinks int64
	Completed   bool // the run reached its end rather than being stopped
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
// With the default ticker, TickerAbsolute, tick k of machine i is due at
// the wall-clock instant
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
// With TickerSleep, the first tick is due as above (k = 0) and every later
// one one period, 1e9/rate_i / speed ns of wall time, after the end of the
// previous tick's work (its delivery, die roll, tick and sends; handing the
// record to the sink and flushing it happen during the wait): each tick
// starts late by the previous one's work and the wait's overshoot, and
// the lateness accumulates, as in an implementation that sleeps a period
// after each tick. A tick is performed exactly when it starts before the
// end, its At < duration, so such a run has at most the simulator's number
// of ticks, usually a few fewer. The tick itself, and its record, are the
// same as with the absolute ticker.
//
// # Overruns
//
// With the absolute ticker, a tick that starts when m ≥ 1 later ticks are already due (it is late by
// at least one whole period: the process was stalled) does what the
// original implementation did after a step that overran: the clock
// advances by 1 + m instead of 1 (sim.Machine.TickBy), the m missed ticks
// are skipped — no record, no die roll, no delivery of their own — and the
// next tick is the first one not yet due. Stats counts such ticks
// (Overruns) and the ticks they skipped (Skipped). The sleep ticker has no
// schedule to fall behind, hence no overruns: however late a tick starts,
// the clock advances by 1 and the next tick comes a period after it.
//
// # Connections
//
// A node accepts at most max(64, 2(N−1)) connections at once that have not
// yet presented their hello, at most max(8, N) of them from one source
// address; further ones are closed at once, and one that has not
// presented its hello within Config.HelloTimeout is closed then. Rejected
// connections are logged at most once a second, with their count. A
// dialler retries, with a pause doubling from 50 ms to 500 ms, until the
// receiver has acknowledged its hello or the connect timeout passes.
type Node struct {
	cfg   Config
	id, n int
	speed float64
	ln    net.Listener
	logf  func(string, ...any)

	slots      *slots   // connections in their hello
	rejects    *rateLog // rejected connections
	acceptErrs *rateLog // failed accepts

	mu            sync.Mutex
	inbox         []int64 // received, not yet delivered, in arrival order
	received      int64
	in            []*inLink // by sender id, nil until a hello from it is accepted
	inChange      chan struct{}
	conns         map[net.Conn]struct{} // every open inbound connection
	connectedOnce bool                  // Connect has succeeded: a live link is never replaced
	closed        bool

	out       []net.Conn // by receiver id, after Connect
	connected bool       // Connect succeeded
	wg        sync.WaitGroup
}

// inLink is the accepted connection from one sender; its fields after
// done are guarded by Node.mu.
type inLink struct {
	conn     net.Conn
	done     chan struct{} // closed when its reader returns
	frames   int64         // messages read
	ended    bool          // its reader returned
	finished bool          // it ended with EndFrame: the sender finished its run
	err      error         // why it ended, if not finished
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
	if !cfg.Ticker.valid() {
		return nil, fmt.Errorf("unknown ticker %s", cfg.Ticker)
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.HelloTimeout <= 0 {
		cfg.HelloTimeout = DefaultHelloTimeout
	}
	cfg.Run.Machines = slices.Clone(cfg.Run.Machines)
	nd := &Node{
		cfg: cfg, id: cfg.ID, n: n, speed: cfg.Speed, ln: ln,
		logf:     cfg.Logf,
		slots:    newSlots(max(minPending, 2*(n-1)), max(minPendingPerSource, n)),
		in:       make([]*inLink, n),
		inChange: make(chan struct{}, 1),
		conns:    map[net.Conn]struct{}{},
		out:      make([]net.Conn, n),
	}
	if nd.logf == nil {
		nd.logf = func(string, ...any) {}
	}
	nd.rejects = newRateLog(nd.logf, fmt.Sprintf("machine %d: rejected a connection", nd.id), fmt.Sprintf("machine %d: rejected %%d connections", nd.id))
	nd.acceptErrs = newRateLog(nd.logf, fmt.Sprintf("machine %d: accepting a connection failed", nd.id), fmt.Sprintf("machine %d: accepting a connection failed %%d times", nd.id))
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
	pause := time.Duration(0)
	for {
		c, err := nd.ln.Accept()
		if err != nil {
			if nd.isClosed() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors, say, in a flood of connections:
			// pause, and accept again once it has passed.
			nd.acceptErrs.note("", err.Error())
			pause = min(max(2*pause, 5*time.Millisecond), maxAcceptPause)
			time.Sleep(pause)
			continue
		}
		pause = 0
		src := sourceOf(c.RemoteAddr())
		if err := nd.slots.acquire(src); err != nil {
			nd.rejects.note(c.RemoteAddr().String(), err.Error())
			abort(c)
			continue
		}
		if !nd.track(c) {
			nd.slots.release(src)
			c.Close()
			return
		}
		nd.wg.Add(1)
		go nd.serve(c, src)
	}
}

// abort closes a rejected connection at once, with a reset rather than
// the orderly close that would keep its port in TIME_WAIT here.
func abort(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
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

// serve reads one inbound connection: its hello, within the hello
// timeout, then, once the hello is accepted and acknowledged, its frames
// into the inbox until its end frame. A bad or late hello, a duplicate
// sender, garbage or a half frame closes the connection (and is logged);
// nothing it sent after its last valid frame reaches the queue.
func (nd *Node) serve(c net.Conn, src string) {
	defer nd.wg.Done()
	defer nd.untrack(c)
	c.SetReadDeadline(time.Now().Add(nd.cfg.HelloTimeout))
	h, err := ReadHello(c)
	if err == nil {
		err = h.Verify(nd.id, nd.n, nd.cfg.Token)
	}
	nd.slots.release(src)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = fmt.Errorf("no hello within %s", nd.cfg.HelloTimeout)
		}
		if !nd.isClosed() {
			nd.rejects.note(c.RemoteAddr().String(), err.Error())
		}
		abort(c)
		return
	}
	from := int(h.From)
	link := &inLink{conn: c, done: make(chan struct{})}
	defer close(link.done)
	if !nd.register(from, link) {
		nd.logf("machine %d: rejected a second connection claiming to be machine %d, from %s: its first one is up", nd.id, from, c.RemoteAddr())
		return
	}
	ack := EncodeAck()
	c.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := c.Write(ack[:]); err != nil {
		nd.end(link, fmt.Errorf("acknowledging its hello: %w", err))
		return
	}
	c.SetDeadline(time.Time{})
	fr := NewFrameReader(c)
	for {
		v, err := fr.Next()
		if err != nil {
			if errors.Is(err, ErrBadFrame) && !nd.isClosed() {
				nd.logf("machine %d: closed the connection from machine %d: %v", nd.id, from, err)
			}
			nd.end(link, err)
			return
		}
		nd.mu.Lock()
		nd.inbox = append(nd.inbox, v)
		nd.received++
		link.frames++
		nd.mu.Unlock()
	}
}

// register makes l the link from machine from, unless another is up. A
// sender dials again when the acknowledgement of its hello did not reach
// it in time, so a link that has carried no message may be replaced by a
// newer one from the same sender while this node is connecting, or at any
// time once it has broken.
func (nd *Node) register(from int, l *inLink) bool {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	if old := nd.in[from]; old != nil {
		broken := old.ended && !old.finished
		if old.frames > 0 || old.finished || nd.connectedOnce && !broken {
			return false
		}
		old.conn.Close()
	}
	nd.in[from] = l
	nd.changedLocked()
	return true
}

// end records that link l's reader returned with err: io.EOF after the end
// frame, otherwise why it broke.
func (nd *Node) end(l *inLink, err error) {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	l.ended = true
	if errors.Is(err, io.EOF) {
		l.finished = true
	} else {
		l.err = err
	}
	nd.changedLocked()
}

// changedLocked wakes Connect to look at the inbound links again.
func (nd *Node) changedLocked() {
	select {
	case nd.inChange <- struct{}{}:
	default:
	}
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
// machine's address by id; this machine's own entry is not used), opens
// each connection with a hello and waits for its acknowledgement, retrying
// with backoff while a peer is not listening yet, closes the connection
// or does not acknowledge, and waits until every other machine has
// connected to this one with a valid hello. It gives up after the
// configured timeout with a *ConnectError.
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
		nd.mu.Lock()
		nd.connectedOnce = true
		nd.mu.Unlock()
		nd.connected = true
		return nil
	}
	return &ce
}

// missingIn returns the peers with no inbound link: none accepted yet, or
// only one that ended before it carried anything (its sender will dial
// again if it did not get the acknowledgement, or has given up). A link
// that carried messages, or finished, was up: if it broke, Run reports it.
func (nd *Node) missingIn() []int {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	var m []int
	for j, l := range nd.in {
		if j != nd.id && (l == nil || l.ended && !l.finished && l.frames == 0) {
			m = append(m, j)
		}
	}
	return m
}

// dial connects to machine j at addr and has its hello acknowledged,
// retrying with backoff until ctx ends.
func (nd *Node) dial(ctx context.Context, j int, addr string) (net.Conn, error) {
	var d net.Dialer
	var last error
	pause := dialRetry
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		switch {
		case errors.Is(err, syscall.ECONNRESET):
			err = errRefused // accepted and closed before the dial returned
		case err == nil:
			if err = nd.greet(ctx, c, j); err == nil {
				return c, nil
			}
			c.Close()
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
		case <-time.After(pause):
		}
		pause = min(2*pause, maxDialRetry)
	}
}

// greet sends the hello on c, a new connection to machine j, and waits
// for its acknowledgement, at most AckTimeout and not beyond ctx.
func (nd *Node) greet(ctx context.Context, c net.Conn, j int) error {
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	deadline := time.Now().Add(AckTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	c.SetDeadline(deadline)
	hello := Hello{From: uint32(nd.id), To: uint32(j), Token: nd.cfg.Token}.Encode()
	_, err := c.Write(hello[:])
	switch {
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE):
		err = errRefused // closed even before the hello was out
	case err != nil:
		err = fmt.Errorf("sending the hello: %w", err)
	default:
		err = ReadAck(c)
	}
	if !stop() && err == nil {
		// ctx ended meanwhile: the connection's deadline is being set.
		err = ctx.Err()
	}
	if err == nil {
		c.SetDeadline(time.Time{})
	}
	return err
}

// Flusher is implemented by sinks that buffer: Run calls Flush before it
// sleeps, so that every completed tick's record is out of the process
// whenever it waits.
type Flusher interface{ Flush() error }

// wall converts scenario ns to a wall-clock duration at the node's speed.
func (nd *Node) wall(scen int64) time.Duration {
	return time.Duration(float64(scen) / nd.speed)
}

// scen converts a wall-clock duration since the start to scenario ns at
// the node's speed, rounded: the time a tick at that instant is logged at.
func (nd *Node) scen(wall time.Duration) int64 {
	return int64(math.Round(float64(wall) * nd.speed))
}

// Run runs the machine from the wall-clock instant start (see Node for the
// timing rules) until the end of the run or until ctx is cancelled, handing
// each tick's record to sink as a batch of one. At the end of a run that
// reached it, it sends each peer the end frame and closes its connections,
// and keeps reading the peers' until they have sent theirs (at most until
// the scenario's end plus the connect timeout plus two seconds: see
// drainWait), so that no peer writes to a closed connection; a stopped run
// just closes them. Stats tells
// whether the run reached its end (Completed) and how many of its links
// broke (BrokenLinks, each logged): the run is whole only with both. It
// returns the sink's first error, or sim.ErrQueueLimit.
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
	sleep := nd.cfg.Ticker == TickerSleep
	// The sleep ticker's period in wall time: 1e9/rate scenario ns, exact
	// to well under a nanosecond in float64.
	period := time.Duration(math.Round(1e9 / rate.Float64() / nd.speed))
	k := int64(0) // the next tick's index on the absolute schedule
	next, ok := due(0)
	for {
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
		at := nd.scen(now.Sub(t0))
		var skip int64
		if !sleep {
			skip = lateTicks(due, k, now)
		} else if at >= end {
			// The wait overshot the end: the tick would start after it.
			st.Completed = true
			break
		}
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
		if sleep {
			// A period from the end of the tick's work.
			next = time.Now().Add(period)
			ok = nd.scen(next.Sub(t0)) < end
		}
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
		if !sleep {
			next, ok = due(k)
		}
	}
	if flusher != nil {
		if ferr := flusher.Flush(); err == nil {
			err = ferr
		}
	}
	// Tell the peers we are done, then wait for them to be done too.
	finished := st.Completed && err == nil
	for j, c := range nd.out {
		if c == nil {
			continue
		}
		if finished && !broken[j] {
			c.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, werr := c.Write(EndFrame[:]); werr != nil {
				broken[j] = true
				nd.logf("machine %d: the link to machine %d broke at the end of the run (%v)", nd.id, j, werr)
			}
		}
		c.Close()
		nd.out[j] = nil
	}
	for _, b := range broken {
		if b {
			st.BrokenLinks++
		}
	}
	if finished {
		stopped := nd.drain(ctx, t0.Add(nd.wall(end)+nd.drainWait()))
		st.BrokenLinks += nd.brokenIn(!stopped)
	}
	nd.mu.Lock()
	st.Received = nd.received
	nd.mu.Unlock()
	return st, err
}

// drainWait is how long after the scenario's end a machine waits for its
// peers to finish. Machines that share a start instant finish together,
// but without one (desim machine without --start-at) each starts when its
// own links are up, which may be up to the connect timeout apart: every
// machine's Connect ends between the moment the last one to start
// listens and the connect timeout after.
func (nd *Node) drainWait() time.Duration { return nd.cfg.ConnectTimeout + drainGrace }

// brokenIn counts and logs the inbound links that broke: those that ended
// without the end frame and, if waited, those that have not ended.
func (nd *Node) brokenIn(waited bool) int64 {
	var msgs []string
	nd.mu.Lock()
	for j, l := range nd.in {
		switch {
		case j == nd.id:
		case l == nil:
			msgs = append(msgs, fmt.Sprintf("machine %d: machine %d never connected", nd.id, j))
		case l.finished:
		case l.ended:
			msgs = append(msgs, fmt.Sprintf("machine %d: the link from machine %d broke: %v", nd.id, j, l.err))
		case waited:
			msgs = append(msgs, fmt.Sprintf("machine %d: machine %d had not finished its run %s after the scenario's end; stopped waiting for it", nd.id, j, nd.drainWait()))
		}
	}
	nd.mu.Unlock()
	for _, m := range msgs {
		nd.logf("%s", m)
	}
	return int64(len(msgs))
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
// deadline passes; it reports whether ctx stopped it.
func (nd *Node) drain(ctx context.Context, deadline time.Time) (stopped bool) {
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
			return true
		case <-timer.C:
			return false
		}
	}
	return false
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
	nd.rejects.flush()
	nd.acceptErrs.flush()
	return err
}
