package experiment

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"desim/analysis"
	"desim/scenarios"
	"desim/sim"
	"desim/sim/realtime"
)

// ErrAddrInUse is returned, wrapped, when a machine cannot listen because
// its address is taken.
var ErrAddrInUse = errors.New("the address is already in use")

// listenNode listens on addr and returns the machine's node; every failure
// is bad input.
func listenNode(cfg realtime.Config, addr string) (*realtime.Node, error) {
	ln, err := realtime.Listen(addr)
	if err != nil {
		if realtime.IsAddrInUse(err) {
			return nil, Inputf("cannot listen on %s: %w (another program, or another machine of this run, listens there)", addr, ErrAddrInUse)
		}
		return nil, Inputf("cannot listen on %s: %w", addr, err)
	}
	nd, err := realtime.NewNode(cfg, ln)
	if err != nil {
		ln.Close()
		return nil, Input(err)
	}
	return nd, nil
}

// ServeMachine runs one machine of a real-socket run under the control
// protocol of package realtime: it listens on addr, says so on out, reads
// the peers' addresses from in, connects, says so, waits for the start
// instant, runs, streaming one tick line per record to out, and ends with
// a done line carrying its counts. The end of in, or a stop line, stops
// it; a stop before the start returns an error wrapping context.Canceled,
// and a run that reached its end with a broken link one wrapping
// ErrIncomplete (after the done line, which says so too).
// Both launchers run the machines through it: the process launcher as
// "desim machine --control", the in-process one in a goroutine.
func ServeMachine(ctx context.Context, cfg realtime.Config, addr string, in io.Reader, out io.Writer) error {
	nd, err := listenNode(cfg, addr)
	if err != nil {
		return err
	}
	defer nd.Close()
	w := bufio.NewWriter(out)
	send := func(m realtime.Msg) error {
		w.Write(realtime.AppendMsg(nil, m))
		return w.Flush()
	}
	if err := send(realtime.Msg{Kind: realtime.Listening, Addr: nd.Addr()}); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := len(cfg.Run.Machines)
	msgs := make(chan realtime.Msg, 1)
	readErr := make(chan error, 1) // a malformed control line, if any
	go func() {
		defer cancel()
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			m, err := realtime.ParseMsg(sc.Text(), n)
			if err != nil {
				readErr <- err
				return
			}
			if m.Kind == realtime.Stop {
				return
			}
			select {
			case msgs <- m:
			case <-ctx.Done():
				return
			}
		}
	}()
	next := func(want realtime.Kind) (realtime.Msg, error) {
		select {
		case m := <-msgs:
			if m.Kind != want {
				return m, Inputf("unexpected control message %q", realtime.AppendMsg(nil, m))
			}
			return m, nil
		case <-ctx.Done():
			// A message read just before the input ended is still
			// handled: it may be the one that was wrong.
			select {
			case m := <-msgs:
				if m.Kind != want {
					return m, Inputf("unexpected control message %q", realtime.AppendMsg(nil, m))
				}
				return m, nil
			default:
			}
			select {
			case err := <-readErr:
				return realtime.Msg{}, Input(err)
			default:
			}
			return realtime.Msg{}, fmt.Errorf("stopped before the run started: %w", context.Canceled)
		}
	}
	m, err := next(realtime.Peers)
	if err != nil {
		return err
	}
	if err := nd.Connect(ctx, m.Peers); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("stopped while connecting: %w", context.Canceled)
		}
		return Input(err)
	}
	if err := send(realtime.Msg{Kind: realtime.Connected}); err != nil {
		return err
	}
	if m, err = next(realtime.Start); err != nil {
		return err
	}
	st, err := nd.Run(ctx, time.Unix(0, m.Start), &controlSink{w: w})
	if err != nil {
		return err
	}
	if err := send(realtime.Msg{Kind: realtime.Done, Stats: st}); err != nil {
		return err
	}
	if st.Completed && st.BrokenLinks > 0 {
		return fmt.Errorf("%w: %d of machine %d's links broke", ErrIncomplete, st.BrokenLinks, cfg.ID)
	}
	return nil
}

// controlSink writes each record as a tick line of the control protocol.
type controlSink struct {
	w   *bufio.Writer
	buf []byte
}

func (c *controlSink) Records(_ int, b []sim.Record) error {
	for i := range b {
		c.buf = realtime.AppendTick(c.buf[:0], &b[i])
		if _, err := c.w.Write(c.buf); err != nil {
			return err
		}
	}
	return nil
}

func (c *controlSink) Flush() error { return c.w.Flush() }

// StandaloneOptions are the settings of one machine run by hand.
type StandaloneOptions struct {
	// Listen is the address to listen on; Peers every machine's address in
	// id order, this one's included.
	Listen string
	Peers  []string
	// Start is the common start instant; zero means as soon as every link
	// is up.
	Start time.Time
	// Dir receives the machine's log, Dir.Log(ID).
	Dir Dir
	// Listening and Connected, if set, are told the progress.
	Listening func(addr string)
	Connected func()
}

// ParseStandalone returns the options of machine id (already checked to
// be one of the n machines) run by hand, from its command line's values:
// peers, every machine's address in id order (required, see
// realtime.ParsePeers); listen, the address to listen on ("": its own
// entry of peers); and startAt, the start instant in Unix nanoseconds (0:
// as soon as every link is up), which must not be past. Every problem is
// bad input naming the flag. Dir, Listening and Connected are left unset.
func ParseStandalone(id, n int, peers, listen string, startAt int64) (StandaloneOptions, error) {
	var o StandaloneOptions
	if peers == "" {
		return o, Inputf("--peers is required: every machine's address host:port in id order")
	}
	addrs, err := realtime.ParsePeers(peers, n)
	if err != nil {
		return o, Inputf("--peers: %w", err)
	}
	o.Listen, o.Peers = listen, addrs
	if o.Listen == "" {
		o.Listen = addrs[id]
	}
	if startAt != 0 {
		o.Start = time.Unix(0, startAt)
		if time.Until(o.Start) < 0 {
			return o, Inputf("--start-at %d is %s in the past", startAt, (-time.Until(o.Start)).Round(time.Millisecond))
		}
	}
	return o, nil
}

// StandaloneResult is what one machine run by hand did.
type StandaloneResult struct {
	// Metrics are the machine's metrics (drift is 0: it needs the other
	// machines' logs).
	Metrics analysis.MachineMetrics
	Stats   realtime.Stats
	// LogPath is where its log was written.
	LogPath string
}

// RunStandalone runs machine cfg.ID of s by hand, as "desim machine"
// without --control: it listens, connects to the peers, runs from the
// start instant and writes its log atomically to o.Dir. An interrupted run
// keeps its log up to the last completed tick and returns the result with
// Stats.Completed false. A run that reached its end with a broken link (a
// peer that died, was stopped or stopped listening) keeps its log too, and
// returns the result with an error wrapping ErrIncomplete: a machine by
// hand cannot see the others' outcome, so each one that took part reports
// what its own links saw.
func RunStandalone(ctx context.Context, s *scenarios.Scenario, cfg realtime.Config, o StandaloneOptions) (*StandaloneResult, error) {
	nd, err := listenNode(cfg, o.Listen)
	if err != nil {
		return nil, err
	}
	defer nd.Close()
	if o.Listening != nil {
		o.Listening(nd.Addr())
	}
	if err := nd.Connect(ctx, o.Peers); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("interrupted while connecting; nothing was written: %w", context.Canceled)
		}
		return nil, Input(err)
	}
	start := o.Start
	if start.IsZero() {
		start = time.Now()
	} else if time.Until(start) < 0 {
		return nil, Inputf("the start instant passed while the machines were connecting; give a later one")
	}
	if err := os.MkdirAll(string(o.Dir), 0o755); err != nil {
		return nil, err
	}
	path := o.Dir.Log(cfg.ID)
	f, err := CreateAtomic(path)
	if err != nil {
		return nil, err
	}
	ws := make([]io.Writer, len(s.Machines))
	for i := range ws {
		ws[i] = io.Discard
	}
	ws[cfg.ID] = f
	lw := sim.NewLogWriter(ws)
	acc := analysis.NewAccumulator(len(s.Machines))
	if o.Connected != nil {
		o.Connected()
	}
	st, err := nd.Run(ctx, start, flushSinks{sim.Sinks{acc, lw}, lw})
	if err != nil {
		f.Abort()
		return nil, err
	}
	if err := f.Commit(); err != nil {
		return nil, err
	}
	m := acc.Metrics(s.EffectiveRates())[cfg.ID]
	m.Drift = 0 // meaningless without the other machines' logs
	res := &StandaloneResult{Metrics: m, Stats: st, LogPath: path}
	if st.Completed && st.BrokenLinks > 0 {
		return res, fmt.Errorf("%w: %d of machine %d's links broke (see the messages above), so messages were lost; %s holds its log", ErrIncomplete, st.BrokenLinks, cfg.ID, path)
	}
	return res, nil
}

// flushSinks is a sink that also flushes a LogWriter, so that the log is
// written out whenever the machine sleeps.
type flushSinks struct {
	sim.Sinks
	lw *sim.LogWriter
}

func (f flushSinks) Flush() error { return f.lw.Flush() }

// MachineConfig returns the configuration of machine id of s for a
// real-socket run at speed, checking every value: id among the machines,
// the run's token (token, or else the environment variable TokenEnv; 32
// hexadecimal digits), the speed (RealOptions.Check) and a positive
// connect timeout. Every problem is bad input. Logf is left nil.
func MachineConfig(s *scenarios.Scenario, id int, token string, speed float64, connectTimeout time.Duration) (realtime.Config, error) {
	var cfg realtime.Config
	if n := len(s.Machines); id < 0 || id >= n {
		return cfg, Inputf("--id %d is not a machine of %s (0..%d)", id, s.Name, n-1)
	}
	if token == "" {
		token = os.Getenv(TokenEnv)
	}
	if token == "" {
		return cfg, Inputf("no token: give --token or set %s (32 hex digits, e.g. from \"openssl rand -hex 16\")", TokenEnv)
	}
	tok, err := realtime.ParseToken(token)
	if err != nil {
		return cfg, Input(err)
	}
	opt := RealOptions{Speed: speed, ConnectTimeout: connectTimeout}
	if err := opt.Check(s); err != nil {
		return cfg, err
	}
	if connectTimeout <= 0 {
		return cfg, Inputf("--connect-timeout must be positive")
	}
	return realtime.Config{ID: id, Run: s.Config(s.Seed), Speed: speed, Token: tok, ConnectTimeout: connectTimeout}, nil
}
