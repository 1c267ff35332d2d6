package experiment

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"desim/analysis"
	"desim/scenarios"
	"desim/sim"
	"desim/sim/realtime"
)

// RealOptions are the settings of a real-socket run.
type RealOptions struct {
	// Speed is scenario seconds per wall second (at speed 10 a 6 c/s
	// machine ticks 60 times a wall second).
	Speed float64
	// ConnectTimeout bounds how long the machines may take to connect to
	// each other; 0 means realtime.DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// Ticker is how every machine schedules its ticks:
	// realtime.TickerAbsolute (the zero value) on the nominal schedule, or
	// realtime.TickerSleep a period after each tick's work, as the original
	// implementation did (see realtime.Ticker).
	Ticker realtime.Ticker
	// Launcher starts the machines; nil means InProcessLauncher.
	Launcher Launcher
	// Stderr receives the machines' diagnostics, each line prefixed with
	// "machine <i>: "; nil discards them.
	Stderr io.Writer
	// Started, if set, is called with the machines' process ids (0 for
	// in-process machines) when they have been told to start.
	Started func(pids []int)
	// Write are the run directory's options (RealToDir only).
	Write WriteOptions
}

// Check reports whether s can run in real mode with these options (bad
// input otherwise).
func (o *RealOptions) Check(s *scenarios.Scenario) error {
	run := s.Config(s.Seed)
	if err := realtime.CheckRun(&run, o.Speed); err != nil {
		return Inputf("%s: %w", s.Name, err)
	}
	if o.ConnectTimeout < 0 {
		return Inputf("the connect timeout %s is negative", o.ConnectTimeout)
	}
	if _, err := realtime.ParseTicker(o.Ticker.String()); err != nil {
		return Input(err)
	}
	return nil
}

// RealMachine is one machine's entry in a real run's summary.json: the
// simulator's metrics and what only a real run has.
type RealMachine struct {
	analysis.MachineMetrics
	Overruns     int64 `json:"overruns"`      // ticks started a whole period or more late
	SkippedTicks int64 `json:"skipped_ticks"` // ticks skipped by those overruns
	LostMessages int64 `json:"lost_messages"` // copies not sent: the link to the receiver was broken
	BrokenLinks  int64 `json:"broken_links"`  // links to or from it that broke (realtime.Stats.BrokenLinks)
}

// RealSummary is a real run's summary.json: analysis.Summary's fields
// (scenario, seed, duration_s, machines) and the run's mode, speed, ticker
// and whether it completed: every machine reached the end of the run and
// no link between two machines broke. duration_s is the scenario time the
// run covered: the scenario's duration, or for a run stopped early the
// time of its latest tick. ticker is written only for a run that did not
// use the default, absolute, ticker ("sleep"), so that the summaries of
// absolute runs stay as they were.
type RealSummary struct {
	Scenario  string        `json:"scenario"`
	Seed      uint64        `json:"seed"`
	DurationS float64       `json:"duration_s"`
	Mode      string        `json:"mode"`
	Speed     float64       `json:"speed"`
	Ticker    string        `json:"ticker,omitempty"`
	Completed bool          `json:"completed"`
	Machines  []RealMachine `json:"machines"`
}

// Marshal returns the summary as indented JSON ending in a newline.
func (s *RealSummary) Marshal() []byte {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic(err) // plain numbers and strings always marshal
	}
	return append(b, '\n')
}

// Metrics returns the machines' simulator metrics.
func (s *RealSummary) Metrics() []analysis.MachineMetrics {
	ms := make([]analysis.MachineMetrics, len(s.Machines))
	for i, m := range s.Machines {
		ms[i] = m.MachineMetrics
	}
	return ms
}

// RealResult is what a real run did. A run that started has a result even
// when a machine died (Dead) or it was interrupted (Interrupted): the logs
// hold what ran.
type RealResult struct {
	Summary     *RealSummary
	Dead        *MachineDeath // the first machine that died, if any
	Interrupted bool
}

// ErrIncomplete is matched by the error of a real run that was neither
// stopped nor lost a machine but is not whole all the same: a link
// between two machines broke (a peer's connection closed before it
// finished, or a write to it failed), so messages were lost.
var ErrIncomplete = errors.New("the run is incomplete")

// Err returns nil for a run that completed, the *MachineDeath of a run
// whose machine died, an error wrapping context.Canceled for an
// interrupted one, and one wrapping ErrIncomplete for any other run that
// did not complete (never nil unless Summary.Completed).
func (r *RealResult) Err() error {
	switch {
	case r.Dead != nil:
		return r.Dead
	case r.Interrupted:
		return fmt.Errorf("interrupted; every machine was stopped: %w", context.Canceled)
	case r.Summary == nil:
		return fmt.Errorf("%w: no summary", ErrIncomplete)
	case !r.Summary.Completed:
		var who []string
		for _, m := range r.Summary.Machines {
			if m.BrokenLinks > 0 {
				who = append(who, fmt.Sprintf("machine %d: %d", m.ID, m.BrokenLinks))
			}
		}
		if len(who) == 0 {
			return fmt.Errorf("%w: not every machine reached the end of the run", ErrIncomplete)
		}
		return fmt.Errorf("%w: links between the machines broke (%s; see the machines' messages)", ErrIncomplete, strings.Join(who, ", "))
	}
	return nil
}

// MachineDeath is a machine that exited before its run ended.
type MachineDeath struct {
	ID, Pid int
	Err     error // why it exited; nil for exit status 0
	Started bool  // after the common start
}

func (d *MachineDeath) Error() string {
	how := "exited"
	if d.Err != nil {
		how = d.Err.Error()
	}
	when := "during set-up"
	if d.Started {
		when = "during the run"
	}
	who := fmt.Sprintf("machine %d", d.ID)
	if d.Pid != 0 {
		who += fmt.Sprintf(" (pid %d)", d.Pid)
	}
	return fmt.Sprintf("%s died %s (%s)", who, when, how)
}

func (d *MachineDeath) Unwrap() error { return d.Err }

// RealToDir runs s in real mode and writes its logs, summary.json and
// scenario.yaml into dir as one set (all files or none, replacing those of
// an earlier run there). The machines read the scenario from the run
// directory. A run that started is written even if a machine died or it
// was interrupted; a failure before the start writes nothing.
func RealToDir(ctx context.Context, s *scenarios.Scenario, opt RealOptions, dir Dir) (res *RealResult, err error) {
	err = dir.WriteWith(s, opt.Write, func(w *RunWriter) ([]byte, error) {
		var err error
		if res, err = runReal(ctx, s, opt, w.Logs, w.ScenarioPath); err != nil {
			return nil, err
		}
		return res.Summary.Marshal(), nil
	})
	return res, err
}

// Real runs s in real mode without keeping its logs (the machines of a
// process launcher read the scenario from a temporary directory that is
// removed afterwards).
func Real(ctx context.Context, s *scenarios.Scenario, opt RealOptions) (*RealResult, error) {
	path := ""
	if _, inProcess := opt.launcher().(InProcessLauncher); !inProcess {
		removeDeadRealTemps()
		tmp, err := os.MkdirTemp("", fmt.Sprintf("desim-real-%d-", os.Getpid()))
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		path = filepath.Join(tmp, ScenarioFile)
		if err := os.WriteFile(path, scenarios.Marshal(s), 0o600); err != nil {
			return nil, err
		}
	}
	return runReal(ctx, s, opt, nil, path)
}

// removeDeadRealTemps removes the temporary directories that Real made in
// processes no longer alive (desim-real-<pid>-*: a killed validation
// leaves one behind).
func removeDeadRealTemps() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "desim-real-*-*"))
	for _, d := range dirs {
		var pid int
		if _, err := fmt.Sscanf(filepath.Base(d), "desim-real-%d-", &pid); err == nil && pid > 0 && !processAlive(pid) {
			os.RemoveAll(d)
		}
	}
}

func (o *RealOptions) launcher() Launcher {
	if o.Launcher == nil {
		return InProcessLauncher{}
	}
	return o.Launcher
}

// Timeouts of the coordinator.
const (
	// startDelay is how far ahead of "now" the common start is set, so that
	// the start message reaches every machine before it.
	startDelay = 250 * time.Millisecond
	// listenTimeout bounds how long a machine may take to report its
	// listening address.
	listenTimeout = 10 * time.Second
	// stopGrace is how long stopped machines may take to flush and exit
	// before they are killed.
	stopGrace = 5 * time.Second
)

// child is one machine as the coordinator sees it.
type child struct {
	id     int
	p      Process
	stderr *prefixWriter
	addr   string
	ready  bool // reported connected
	done   bool // reported done
	failed bool // broke the control protocol and was killed
	exited bool
	stats  realtime.Stats
}

// childEvent is a line a child wrote on stdout or, with exit set, its
// exit (after its stdout closed).
type childEvent struct {
	id     int
	line   string
	exit   bool
	err    error
	broken error // its output could not be read
}

// coordinator runs one real run: its phases, children and results.
type coordinator struct {
	s        *scenarios.Scenario
	opt      RealOptions
	n        int
	children []*child
	events   chan childEvent
	alive    int

	phase       int
	setupErr    error
	dead        *MachineDeath
	interrupted bool
	stopping    bool
	nListening  int
	nReady      int
	latest      int64
	sinks       sim.Sinks
	sinkErr     error
	setupTimer  *time.Timer
	killTimer   *time.Timer
}

const (
	phaseListen = iota
	phaseConnect
	phaseRun
)

// runReal runs s in real mode: it launches one machine per scenario machine,
// gives them each other's addresses, waits until every pair is connected,
// starts them at one instant, and collects their records into the metrics
// and, if logs is not nil, the machines' logs. An error means the run did
// not start (nothing useful was recorded).
func runReal(ctx context.Context, s *scenarios.Scenario, opt RealOptions, logs []io.Writer, scenarioPath string) (*RealResult, error) {
	if err := opt.Check(s); err != nil {
		return nil, err
	}
	if opt.ConnectTimeout == 0 {
		opt.ConnectTimeout = realtime.DefaultConnectTimeout
	}
	stderr := opt.Stderr
	if stderr == nil {
		stderr = io.Discard
	}
	n := len(s.Machines)
	tok, err := realtime.NewToken()
	if err != nil {
		return nil, fmt.Errorf("making the run's token: %w", err)
	}
	acc := analysis.NewAccumulator(n)
	c := &coordinator{s: s, opt: opt, n: n, children: make([]*child, n), events: make(chan childEvent, 64), sinks: sim.Sinks{acc}}
	var lw *sim.LogWriter
	if logs != nil {
		lw = sim.NewLogWriter(logs)
		c.sinks = append(c.sinks, lw)
	}
	var stderrMu sync.Mutex
	launcher := opt.launcher()
	for i := range c.children {
		pw := &prefixWriter{w: stderr, mu: &stderrMu, prefix: fmt.Sprintf("machine %d: ", i)}
		p, err := launcher.Launch(MachineSpec{
			ID: i, Scenario: s, ScenarioPath: scenarioPath, Speed: opt.Speed,
			Ticker: opt.Ticker, ConnectTimeout: opt.ConnectTimeout, Token: tok, Stderr: pw,
		})
		if err != nil {
			for _, ch := range c.children[:i] {
				ch.p.Stdin().Close()
				ch.p.Kill()
			}
			for c.alive > 0 {
				if ev := <-c.events; ev.exit {
					c.alive--
				}
			}
			return nil, fmt.Errorf("starting machine %d: %w", i, err)
		}
		ch := &child{id: i, p: p, stderr: pw}
		c.children[i] = ch
		c.alive++
		go func() {
			sc := bufio.NewScanner(p.Stdout())
			for sc.Scan() {
				c.events <- childEvent{id: ch.id, line: sc.Text()}
			}
			if err := sc.Err(); err != nil { // a line too long: the protocol is broken
				c.events <- childEvent{id: ch.id, broken: fmt.Errorf("reading its output: %w", err)}
			}
			io.Copy(io.Discard, p.Stdout())
			err := p.Wait()
			c.events <- childEvent{id: ch.id, exit: true, err: err}
		}()
	}
	c.loop(ctx)
	if c.setupErr != nil {
		return nil, c.setupErr
	}
	if c.sinkErr != nil {
		return nil, c.sinkErr
	}
	if lw != nil {
		if err := lw.Flush(); err != nil {
			return nil, err
		}
	}
	reachedEnd := c.dead == nil && !c.interrupted
	whole := true
	for _, ch := range c.children {
		reachedEnd = reachedEnd && ch.done && ch.stats.Completed
		whole = whole && ch.stats.BrokenLinks == 0
	}
	sum := &RealSummary{
		Scenario: s.Name, Seed: s.Seed, DurationS: s.Duration.Seconds(),
		Mode: "real", Speed: opt.Speed, Completed: reachedEnd && whole,
	}
	if opt.Ticker != realtime.TickerAbsolute {
		sum.Ticker = opt.Ticker.String()
	}
	if !reachedEnd {
		sum.DurationS = float64(c.latest) / 1e9
	}
	for i, m := range acc.Metrics(s.EffectiveRates()) {
		st := c.children[i].stats
		sum.Machines = append(sum.Machines, RealMachine{MachineMetrics: m, Overruns: st.Overruns, SkippedTicks: st.Skipped, LostMessages: st.Lost, BrokenLinks: st.BrokenLinks})
	}
	return &RealResult{Summary: sum, Dead: c.dead, Interrupted: c.interrupted && c.dead == nil}, nil
}

func (c *coordinator) send(ch *child, m realtime.Msg) {
	if !ch.exited {
		ch.p.Stdin().Write(realtime.AppendMsg(nil, m))
	}
}

// stopAll tells every machine to stop (the end of its input) and arms the
// timer that kills those that do not.
func (c *coordinator) stopAll() {
	if c.stopping {
		return
	}
	c.stopping = true
	for _, ch := range c.children {
		if !ch.exited {
			c.send(ch, realtime.Msg{Kind: realtime.Stop})
			ch.p.Stdin().Close()
		}
	}
	c.killTimer.Reset(stopGrace)
}

// fail ends a run that has not started with err.
func (c *coordinator) fail(err error) {
	if c.setupErr == nil && c.dead == nil {
		c.setupErr = err
	}
	c.stopAll()
}

// bad handles a machine that broke the control protocol: before the start
// the run fails; during it the machine counts as dead.
func (c *coordinator) bad(ch *child, err error) {
	ch.failed = true
	ch.p.Kill()
	if c.phase != phaseRun {
		c.fail(fmt.Errorf("machine %d: %w", ch.id, err))
		return
	}
	if c.dead == nil {
		c.dead = &MachineDeath{ID: ch.id, Pid: ch.p.Pid(), Err: err, Started: true}
	}
	c.stopAll()
}

// loop handles the children's lines and exits, the timers and ctx until
// every child has exited.
func (c *coordinator) loop(ctx context.Context) {
	c.setupTimer = time.NewTimer(listenTimeout)
	defer c.setupTimer.Stop()
	c.killTimer = time.NewTimer(time.Hour)
	c.killTimer.Stop()
	defer c.killTimer.Stop()
	ctxDone := ctx.Done()
	for c.alive > 0 {
		select {
		case ev := <-c.events:
			c.handle(ev)
		case <-c.setupTimer.C:
			if c.phase == phaseListen {
				c.fail(fmt.Errorf("the machines did not all report their addresses within %s", listenTimeout))
			} else if c.phase == phaseConnect {
				c.fail(fmt.Errorf("the machines did not all connect to each other within %s", c.opt.ConnectTimeout+listenTimeout))
			}
		case <-ctxDone:
			ctxDone = nil
			c.interrupted = true
			if c.phase != phaseRun {
				c.fail(fmt.Errorf("interrupted before the run started; nothing was written: %w", context.Canceled))
			}
			c.stopAll()
		case <-c.killTimer.C:
			for _, ch := range c.children {
				if !ch.exited {
					ch.p.Kill()
				}
			}
		}
	}
}

// handle handles one line or exit of a child.
func (c *coordinator) handle(ev childEvent) {
	ch := c.children[ev.id]
	if ev.broken != nil && !ch.done && !ch.failed {
		c.bad(ch, ev.broken)
		return
	}
	if ev.exit {
		c.alive--
		ch.exited = true
		ch.stderr.flush()
		if ch.done || c.stopping {
			return
		}
		d := &MachineDeath{ID: ch.id, Pid: ch.p.Pid(), Err: ev.err, Started: c.phase == phaseRun}
		if c.phase == phaseRun {
			if c.dead == nil {
				c.dead = d
			}
			c.stopAll()
		} else {
			c.fail(fmt.Errorf("%w; see its message above", d))
		}
		return
	}
	if ch.done || ch.failed {
		return
	}
	m, err := realtime.ParseMsg(ev.line, c.n)
	if err != nil {
		c.bad(ch, err)
		return
	}
	switch {
	case m.Kind == realtime.Tick && c.phase == phaseRun:
		rec := [1]sim.Record{m.Record}
		c.latest = max(c.latest, m.Record.At)
		if c.sinkErr == nil {
			if c.sinkErr = c.sinks.Records(ch.id, rec[:]); c.sinkErr != nil {
				c.stopAll()
			}
		}
	case m.Kind == realtime.Done && c.phase == phaseRun:
		ch.done, ch.stats = true, m.Stats
	case m.Kind == realtime.Listening && c.phase == phaseListen && ch.addr == "":
		ch.addr = m.Addr
		if c.nListening++; c.nListening == c.n {
			addrs := make([]string, c.n)
			for i, ch := range c.children {
				addrs[i] = ch.addr
			}
			for _, ch := range c.children {
				c.send(ch, realtime.Msg{Kind: realtime.Peers, Peers: addrs})
			}
			c.phase = phaseConnect
			// The machines give up after the connect timeout and say why;
			// this bound is only a backstop.
			c.setupTimer.Reset(c.opt.ConnectTimeout + listenTimeout)
		}
	case m.Kind == realtime.Connected && c.phase == phaseConnect && !ch.ready:
		ch.ready = true
		if c.nReady++; c.nReady == c.n {
			start := time.Now().Add(startDelay)
			for _, ch := range c.children {
				c.send(ch, realtime.Msg{Kind: realtime.Start, Start: start.UnixNano()})
			}
			c.phase = phaseRun
			c.setupTimer.Stop()
			if c.opt.Started != nil {
				pids := make([]int, c.n)
				for i, ch := range c.children {
					pids[i] = ch.p.Pid()
				}
				c.opt.Started(pids)
			}
		}
	default:
		c.bad(ch, fmt.Errorf("unexpected control line %q", ev.line))
	}
}

// prefixWriter writes each complete line it is given to w, prefixed, under
// a mutex shared by the writers of one run so that lines never interleave.
type prefixWriter struct {
	w      io.Writer
	mu     *sync.Mutex
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		p.w.Write(p.prefixed(p.buf[:i+1]))
		p.buf = p.buf[i+1:]
	}
	return len(b), nil
}

// prefixed returns line with the prefix, unless it already starts with it
// (the machines' own messages name their machine).
func (p *prefixWriter) prefixed(line []byte) []byte {
	if bytes.HasPrefix(line, []byte(p.prefix)) {
		return append([]byte(nil), line...)
	}
	return append([]byte(p.prefix), line...)
}

// flush writes a last unterminated line.
func (p *prefixWriter) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) > 0 {
		p.w.Write(append(p.prefixed(p.buf), '\n'))
		p.buf = nil
	}
}

// WallTime is the wall-clock time that d of scenario time takes at speed,
// rounded for display. It saturates instead of overflowing: a time beyond
// time.Duration's range (about 292 years), or a speed that is zero,
// negative or NaN, gives the longest Duration; d ≤ 0 gives 0. (A speed
// realtime.CheckRun accepts keeps it within realtime.MaxWallTime.)
func WallTime(d time.Duration, speed float64) time.Duration {
	switch {
	case d <= 0:
		return 0
	case !(speed > 0): // zero, negative or NaN: it never ends
		return math.MaxInt64
	}
	w := float64(d) / speed
	if !(w < math.MaxInt64) { // 2⁶³ ns or more
		return math.MaxInt64
	}
	t := time.Duration(w)
	if t >= time.Second {
		return t.Round(100 * time.Millisecond)
	}
	return t.Round(time.Millisecond)
}

// WriteTable prints the machines' metrics as analysis.WriteTable does,
// then their overruns, skipped ticks, lost messages and broken links.
func (s *RealSummary) WriteTable(w io.Writer) {
	analysis.WriteTable(w, s.Metrics())
	fmt.Fprintf(w, "%7s %8s %13s %13s %12s\n", "machine", "overruns", "skipped_ticks", "lost_messages", "broken_links")
	for _, m := range s.Machines {
		fmt.Fprintf(w, "%7d %8d %13d %13d %12d\n", m.ID, m.Overruns, m.SkippedTicks, m.LostMessages, m.BrokenLinks)
	}
}
