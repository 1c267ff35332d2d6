package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"desim/analysis"
	"desim/scenarios"
	"desim/sim"
	"desim/sim/realtime"
)

var realCmd = &command{
	name:    "real",
	summary: "run a scenario for real: one process per machine, TCP and the wall clock",
	usage:   "real SCENARIO [--duration D] [--speed X] [--seed N] [--out DIR] [--connect-timeout D] [--quiet]",
	help: `
Runs SCENARIO the way the original experiment did: every machine is its own
OS process ("desim machine"), listening on 127.0.0.1 on a port the system
chooses, with one TCP connection per ordered pair of machines, ticking on
the wall clock. When every pair is connected, all machines start at one
common instant (the scenario's start offsets respected). It drives the
simulator's own machine code with the same die streams, so for a given
seed the runs differ only in what the network and the scheduler do.

--speed X runs X times faster than the scenario's rates (at --speed 10 a
6 c/s machine ticks 60 times a wall second) and logs time in scenario
seconds (wall elapsed × X), so the logs of "real" and "run" compare
directly. The scenario's latency and jitter do not apply: the network
provides them. A tick that starts a whole period or more late (a stalled
process) advances the clock by the periods elapsed and skips the missed
ticks, as the original did; summary.json counts them per machine
("overruns", "skipped_ticks").

It writes into DIR (default out/<name>-real-seed<N>) what "desim run"
writes: machine-<i>.csv, summary.json (plus overruns, skipped_ticks,
lost_messages, speed and completed) and scenario.yaml.

If a machine process dies, the others are stopped within a second, every log
keeps the ticks up to its last completed one, and the exit status is 1 with
the machine named. Ctrl-C (SIGINT) or SIGTERM stops every machine, writes the
logs and the summary of what ran, and exits 130.

Examples:
  desim real A3 --speed 10 --duration 60s     six wall seconds
  desim real B2 --speed 20
  desim run out/A3-real-seed1/scenario.yaml   the simulator on the same scenario and seed`,
	setup: func(fs *flag.FlagSet) func(e *env, args []string) error {
		seed := fs.String("seed", "", "random seed, an unsigned 64-bit integer (default: the scenario's seed)")
		dur := fs.String("duration", "", "scenario time to run, e.g. 60s (default: the scenario's)")
		speed := fs.Float64("speed", 1, "scenario seconds per wall-clock second")
		out := fs.String("out", "", "output directory (default: out/<name>-real-seed<N>)")
		timeout := fs.Duration("connect-timeout", realtime.DefaultConnectTimeout, "how long the machines may take to connect to each other")
		quiet := fs.Bool("quiet", false, "print only the replay command")
		return func(e *env, args []string) error {
			if len(args) != 1 {
				return usagef("need exactly one SCENARIO, got %d arguments (see \"desim real -h\")", len(args))
			}
			s, err := loadScenario(args[0], *seed, *dur)
			if err != nil {
				return err
			}
			opt := realOptions{speed: *speed, connectTimeout: *timeout, stderr: e.stderr}
			if err := opt.check(s); err != nil {
				return err
			}
			dir := *out
			if dir == "" {
				dir = filepath.Join("out", fmt.Sprintf("%s-real-seed%d", s.Name, s.Seed))
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			opt.started = func(pids []int) {
				if !*quiet {
					fmt.Fprintf(e.stdout, "started %d machines (pids %s) at speed %s: %s of scenario time in %s of wall time\n",
						len(pids), joinInts(pids), formatSpeed(*speed), scenarios.FormatDuration(s.Duration), wallTime(s.Duration, *speed))
				}
			}
			res, err := realToDir(ctx, s, opt, dir)
			if err != nil {
				return err
			}
			if !*quiet {
				if res.summary.Completed {
					fmt.Fprintf(e.stdout, "%s, seed %d, %s of scenario time, real mode at speed %s\n", s.Name, s.Seed, scenarios.FormatDuration(s.Duration), formatSpeed(*speed))
				} else {
					fmt.Fprintf(e.stdout, "%s, seed %d, real mode at speed %s, stopped after %.1fs of the %s of scenario time\n", s.Name, s.Seed, formatSpeed(*speed), res.summary.DurationS, scenarios.FormatDuration(s.Duration))
				}
				res.writeTable(e.stdout)
				fmt.Fprintf(e.stdout, "wrote %s\n", filepath.Join(dir, "{machine-*.csv,summary.json,scenario.yaml}"))
				fmt.Fprintf(e.stdout, "simulate the same scenario and seed: desim run %s\n", filepath.Join(dir, "scenario.yaml"))
			}
			fmt.Fprintf(e.stdout, "replay: desim real %s --speed %s\n", filepath.Join(dir, "scenario.yaml"), formatSpeed(*speed))
			switch {
			case res.dead != nil:
				return failure{code: exitFailure, err: fmt.Errorf("%v; the other machines were stopped; %s holds every machine's log up to its last completed tick and the summary of what ran", res.dead, dir)}
			case res.interrupted:
				return failure{code: 130, err: fmt.Errorf("interrupted; every machine was stopped; %s holds the logs up to each machine's last completed tick and the summary of what ran", dir)}
			}
			return nil
		}
	},
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}

// wallTime is the wall-clock time that d of scenario time takes at speed.
func wallTime(d time.Duration, speed float64) string {
	w := time.Duration(float64(d) / speed)
	if w >= time.Second {
		w = w.Round(100 * time.Millisecond)
	} else {
		w = w.Round(time.Millisecond)
	}
	return w.String()
}

// realOptions are the settings of a real-mode run.
type realOptions struct {
	speed          float64
	connectTimeout time.Duration
	// stderr receives the machines' diagnostics, each line prefixed with
	// "machine <i>: ".
	stderr io.Writer
	// started, if set, is called with the machines' process ids when they
	// have been told to start.
	started func(pids []int)
}

func (o *realOptions) check(s *scenarios.Scenario) error {
	run := s.Config(s.Seed)
	if err := realtime.CheckRun(&run, o.speed); err != nil {
		return usagef("%s: %v", s.Name, err)
	}
	if o.connectTimeout <= 0 {
		return usagef("--connect-timeout must be positive")
	}
	return nil
}

// realMachine is one machine's entry in a real run's summary.json: the
// simulator's metrics and what only a real run has.
type realMachine struct {
	analysis.MachineMetrics
	Overruns     int64 `json:"overruns"`      // ticks started a whole period or more late
	SkippedTicks int64 `json:"skipped_ticks"` // ticks skipped by those overruns
	LostMessages int64 `json:"lost_messages"` // copies not sent: the link to the receiver was broken
}

// realSummary is a real run's summary.json: analysis.Summary's fields
// (scenario, seed, duration_s, machines) and the run's mode, speed and
// whether it completed. duration_s is the scenario time the run covered:
// the scenario's duration, or for a run that did not complete the time of
// its latest tick.
type realSummary struct {
	Scenario  string        `json:"scenario"`
	Seed      uint64        `json:"seed"`
	DurationS float64       `json:"duration_s"`
	Mode      string        `json:"mode"`
	Speed     float64       `json:"speed"`
	Completed bool          `json:"completed"`
	Machines  []realMachine `json:"machines"`
}

func (s *realSummary) marshal() []byte {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic(err) // plain numbers and strings always marshal
	}
	return append(b, '\n')
}

// realResult is what a real run did.
type realResult struct {
	summary     *realSummary
	dead        *machineDeath // the first machine that died, if any
	interrupted bool
}

// machineDeath is a machine process that exited before its run ended.
type machineDeath struct {
	id, pid int
	err     error // from Wait, nil for exit status 0
	started bool  // after the common start
}

func (d *machineDeath) Error() string {
	how := "exited"
	if d.err != nil {
		how = d.err.Error()
	}
	when := "during set-up"
	if d.started {
		when = "during the run"
	}
	return fmt.Sprintf("machine %d (pid %d) died %s (%s)", d.id, d.pid, when, how)
}

func (r *realResult) writeTable(w io.Writer) {
	ms := make([]analysis.MachineMetrics, len(r.summary.Machines))
	for i, m := range r.summary.Machines {
		ms[i] = m.MachineMetrics
	}
	analysis.WriteTable(w, ms)
	fmt.Fprintf(w, "%7s %8s %13s %13s\n", "machine", "overruns", "skipped_ticks", "lost_messages")
	for _, m := range r.summary.Machines {
		fmt.Fprintf(w, "%7d %8d %13d %13d\n", m.ID, m.Overruns, m.SkippedTicks, m.LostMessages)
	}
}

// realToDir runs s in real mode and writes its logs, summary.json and
// scenario.yaml into dir as one set (all files or none, replacing those of
// an earlier run there). A run that started is written
// even if a machine died or it was interrupted (the logs hold what ran); a
// failure before the start writes nothing.
func realToDir(ctx context.Context, s *scenarios.Scenario, opt realOptions, dir string) (res *realResult, err error) {
	err = writeRunDir(dir, s, func(logs []io.Writer) ([]byte, error) {
		var err error
		if res, err = runReal(ctx, s, opt, logs); err != nil {
			return nil, err
		}
		return res.summary.marshal(), nil
	})
	return res, err
}

// Timeouts of the parent.
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

// child is one machine process.
type child struct {
	id     int
	cmd    *exec.Cmd
	stdin  io.WriteCloser
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
	id   int
	line string
	exit bool
	err  error
}

// runReal runs s in real mode: it starts one "desim machine --control"
// process per machine, gives them each other's addresses, waits until
// every pair is connected, starts them at one instant, and collects their
// records into the accumulator and, if logs is not nil, the machines' logs.
// An error means the run did not start (nothing useful was recorded); a
// run that started returns a result, possibly with a dead machine or
// interrupted.
func runReal(ctx context.Context, s *scenarios.Scenario, opt realOptions, logs []io.Writer) (*realResult, error) {
	n := len(s.Machines)
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find the desim executable to start the machines: %v", err)
	}
	if testing.Testing() {
		// The executable is a test binary, which would run its tests
		// instead of "desim machine".
		return nil, errors.New("the real-socket mode needs the desim binary; it cannot start machines from a test binary (build desim and run it as a process)")
	}
	tok, err := realtime.NewToken()
	if err != nil {
		return nil, fmt.Errorf("making the run's token: %v", err)
	}
	// The children read the resolved scenario (seed and duration included)
	// from a private temporary file.
	tmp, err := os.CreateTemp("", "desim-real-*.yaml")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(scenarios.Marshal(s)); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}

	acc := analysis.NewAccumulator(n)
	sinks := sim.Sinks{acc}
	var lw *sim.LogWriter
	if logs != nil {
		lw = sim.NewLogWriter(logs)
		sinks = append(sinks, lw)
	}

	var stderrMu sync.Mutex
	events := make(chan childEvent, 64)
	children := make([]*child, n)
	alive := 0
	for i := range children {
		cmd := exec.Command(exe, "machine", "--control", "--id", fmt.Sprint(i), "--scenario", tmp.Name(),
			"--speed", formatSpeed(opt.speed), "--connect-timeout", opt.connectTimeout.String())
		cmd.Env = append(os.Environ(), tokenEnv+"="+tok.String())
		c := &child{id: i, cmd: cmd, stderr: &prefixWriter{w: opt.stderr, mu: &stderrMu, prefix: fmt.Sprintf("machine %d: ", i)}}
		cmd.Stderr = c.stderr
		stdin, err1 := cmd.StdinPipe()
		stdout, err2 := cmd.StdoutPipe()
		if err = errors.Join(err1, err2); err == nil {
			err = cmd.Start()
		}
		if err != nil {
			for _, c := range children[:i] {
				c.stdin.Close()
				c.cmd.Process.Kill()
			}
			for alive > 0 {
				if ev := <-events; ev.exit {
					alive--
				}
			}
			return nil, fmt.Errorf("starting machine %d: %v", i, err)
		}
		c.stdin = stdin
		children[i] = c
		alive++
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				events <- childEvent{id: c.id, line: sc.Text()}
			}
			io.Copy(io.Discard, stdout)
			err := cmd.Wait()
			events <- childEvent{id: c.id, exit: true, err: err}
		}()
	}

	const (
		phaseListen = iota
		phaseConnect
		phaseRun
	)
	var (
		phase       = phaseListen
		setupErr    error
		dead        *machineDeath
		interrupted bool
		stopping    bool
		nListening  int
		nReady      int
		rec         [1]sim.Record
		latest      int64
		sinkErr     error
	)
	setupTimer := time.NewTimer(listenTimeout)
	defer setupTimer.Stop()
	killTimer := time.NewTimer(time.Hour)
	killTimer.Stop()
	defer killTimer.Stop()
	ctxDone := ctx.Done()

	send := func(c *child, m realtime.Msg) {
		if !c.exited {
			c.stdin.Write(realtime.AppendMsg(nil, m))
		}
	}
	// stopAll tells every machine to stop (the end of its input) and
	// arms the timer that kills those that do not.
	stopAll := func() {
		if stopping {
			return
		}
		stopping = true
		for _, c := range children {
			if !c.exited {
				send(c, realtime.Msg{Kind: realtime.Stop})
				c.stdin.Close()
			}
		}
		killTimer.Reset(stopGrace)
	}
	fail := func(err error) {
		if setupErr == nil && dead == nil {
			setupErr = err
		}
		stopAll()
	}
	// bad handles a machine that broke the control protocol: before the
	// start the run fails; during it the machine counts as dead.
	bad := func(c *child, err error) {
		c.failed = true
		c.cmd.Process.Kill()
		if phase != phaseRun {
			fail(fmt.Errorf("machine %d: %v", c.id, err))
			return
		}
		if dead == nil {
			dead = &machineDeath{id: c.id, pid: c.cmd.Process.Pid, err: err, started: true}
		}
		stopAll()
	}

	for alive > 0 {
		select {
		case ev := <-events:
			c := children[ev.id]
			if ev.exit {
				alive--
				c.exited = true
				c.stderr.flush()
				if c.done || stopping {
					continue
				}
				d := &machineDeath{id: c.id, pid: c.cmd.Process.Pid, err: ev.err, started: phase == phaseRun}
				if phase == phaseRun {
					if dead == nil {
						dead = d
					}
					stopAll()
				} else {
					fail(fmt.Errorf("%v; see its message above", d))
				}
				continue
			}
			if c.done || c.failed {
				continue
			}
			m, err := realtime.ParseMsg(ev.line, n)
			if err != nil {
				bad(c, err)
				continue
			}
			switch {
			case m.Kind == realtime.Tick && phase == phaseRun:
				rec[0] = m.Record
				latest = max(latest, m.Record.At)
				if sinkErr == nil {
					if sinkErr = sinks.Records(c.id, rec[:]); sinkErr != nil {
						stopAll()
					}
				}
			case m.Kind == realtime.Done && phase == phaseRun:
				c.done, c.stats = true, m.Stats
			case m.Kind == realtime.Listening && phase == phaseListen && c.addr == "":
				c.addr = m.Addr
				if nListening++; nListening == n {
					addrs := make([]string, n)
					for i, c := range children {
						addrs[i] = c.addr
					}
					for _, c := range children {
						send(c, realtime.Msg{Kind: realtime.Peers, Peers: addrs})
					}
					phase = phaseConnect
					// The machines give up after the connect timeout and say
					// why; this bound is only a backstop.
					setupTimer.Reset(opt.connectTimeout + listenTimeout)
				}
			case m.Kind == realtime.Connected && phase == phaseConnect && !c.ready:
				c.ready = true
				if nReady++; nReady == n {
					start := time.Now().Add(startDelay)
					for _, c := range children {
						send(c, realtime.Msg{Kind: realtime.Start, Start: start.UnixNano()})
					}
					phase = phaseRun
					setupTimer.Stop()
					if opt.started != nil {
						pids := make([]int, n)
						for i, c := range children {
							pids[i] = c.cmd.Process.Pid
						}
						opt.started(pids)
					}
				}
			default:
				bad(c, fmt.Errorf("unexpected control line %q", ev.line))
			}
		case <-setupTimer.C:
			if phase == phaseListen {
				fail(fmt.Errorf("the machines did not all report their addresses within %s", listenTimeout))
			} else if phase == phaseConnect {
				fail(fmt.Errorf("the machines did not all connect to each other within %s", opt.connectTimeout+listenTimeout))
			}
		case <-ctxDone:
			ctxDone = nil
			interrupted = true
			if phase != phaseRun {
				fail(errors.New("interrupted before the run started; nothing was written"))
			}
			stopAll()
		case <-killTimer.C:
			for _, c := range children {
				if !c.exited {
					c.cmd.Process.Kill()
				}
			}
		}
	}
	if setupErr != nil {
		if interrupted {
			return nil, failure{code: 130, err: setupErr}
		}
		return nil, setupErr
	}
	if sinkErr != nil {
		return nil, sinkErr
	}
	if lw != nil {
		if err := lw.Flush(); err != nil {
			return nil, err
		}
	}
	completed := dead == nil && !interrupted
	for _, c := range children {
		completed = completed && c.done && c.stats.Completed
	}
	sum := &realSummary{
		Scenario: s.Name, Seed: s.Seed, DurationS: s.Duration.Seconds(),
		Mode: "real", Speed: opt.speed, Completed: completed,
	}
	if !completed {
		sum.DurationS = float64(latest) / 1e9
	}
	for i, m := range acc.Metrics(s.Rates()) {
		st := children[i].stats
		sum.Machines = append(sum.Machines, realMachine{MachineMetrics: m, Overruns: st.Overruns, SkippedTicks: st.Skipped, LostMessages: st.Lost})
	}
	return &realResult{summary: sum, dead: dead, interrupted: interrupted && dead == nil}, nil
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
