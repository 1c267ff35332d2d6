package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"desim/analysis"
	"desim/scenarios"
	"desim/sim"
	"desim/sim/realtime"
)

// tokenEnv is the environment variable that may carry the run's token, so
// that it does not show in the process list as a --token argument would.
const tokenEnv = "DESIM_TOKEN"

var machineCmd = &command{
	name:    "machine",
	summary: "run one machine of a real-socket run (by hand, across hosts)",
	usage:   "machine --id I --scenario FILE --peers ADDR0,ADDR1,... [--token T] [--listen ADDR] [--seed N] [--duration D] [--speed X] [--start-at UNIXNANO] [--out DIR]",
	help: `
Runs machine I of a scenario on the wall clock, talking to the other
machines over TCP: the real-socket mode of "desim real", one machine at a
time, so that the machines of a run can be spread across hosts. Start one
"desim machine" per machine of the scenario, each with its own --id and the
same --scenario, --seed, --duration, --speed, --peers and token.

--peers lists every machine's address host:port in machine-id order, this
machine's own entry included (the same list for every machine). The machine
listens on its own entry unless --listen says otherwise (e.g. 0.0.0.0:7000
to accept from other hosts while the others dial its public address). It
dials every other machine, retrying until they listen, and waits until every
other machine has connected to it; --connect-timeout bounds the wait.

The token is the run's shared secret, 32 hexadecimal digits: every
connection must present it or is refused. Give it with --token, or in the
environment variable DESIM_TOKEN to keep it out of the process list; make
one with "openssl rand -hex 16" or "head -c16 /dev/urandom | xxd -p".

The run starts at --start-at (Unix time in ns; every machine should get the
same instant and the hosts' clocks should be synchronised, e.g. by NTP), or
else the moment this machine's links are all up. It writes its log to
DIR/machine-<I>.csv (default DIR out/<name>-real-seed<N>) in SPEC's format,
time in scenario seconds. Gather the machines' logs in one directory and run
"desim analyze DIR" for the run's metrics. The scenario's latency and jitter
do not apply: the network provides both.

Exit status 2 for bad input: a bad --peers list, a --listen address already
in use, a peer that does not connect within the timeout. Ctrl-C stops the
machine, keeps its log up to the last completed tick, and exits 130.

Example, three machines of A3 on one host, in three terminals:
  export DESIM_TOKEN=$(openssl rand -hex 16)   # the same in every terminal
  P=127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002
  S=$(( $(date +%s) + 5 ))000000000             # five seconds from now
  desim machine --id 0 --scenario A3 --peers $P --speed 10 --duration 60s --start-at $S
  desim machine --id 1 --scenario A3 --peers $P --speed 10 --duration 60s --start-at $S
  desim machine --id 2 --scenario A3 --peers $P --speed 10 --duration 60s --start-at $S`,
	setup: func(fs *flag.FlagSet) func(e *env, args []string) error {
		id := fs.Int("id", -1, "this machine's index in the scenario, 0..N-1 (required)")
		scen := fs.String("scenario", "", "the scenario: a built-in name or a YAML file (required)")
		peers := fs.String("peers", "", "every machine's address host:port, comma separated, in id order, this one's included (required)")
		token := fs.String("token", "", "the run's token, 32 hex digits (default: $"+tokenEnv+")")
		listen := fs.String("listen", "", "address to listen on (default: this machine's entry of --peers)")
		seed := fs.String("seed", "", "random seed (default: the scenario's)")
		dur := fs.String("duration", "", "scenario time to run, e.g. 60s (default: the scenario's)")
		speed := fs.Float64("speed", 1, "scenario seconds per wall-clock second")
		startAt := fs.Int64("start-at", 0, "start instant, Unix time in ns (default: as soon as every link is up)")
		out := fs.String("out", "", "output directory (default: out/<name>-real-seed<N>)")
		timeout := fs.Duration("connect-timeout", realtime.DefaultConnectTimeout, "how long to wait for every peer to connect")
		control := fs.Bool("control", false, "driven by \"desim real\" over standard input and output (peers and start come on stdin, records go to stdout)")
		return func(e *env, args []string) error {
			if len(args) != 0 {
				return usagef("unexpected argument %q (see \"desim machine -h\")", args[0])
			}
			if *scen == "" {
				return usagef("--scenario is required")
			}
			s, err := loadScenario(*scen, *seed, *dur)
			if err != nil {
				return err
			}
			n := len(s.Machines)
			if *id < 0 || *id >= n {
				return usagef("--id %d is not a machine of %s (0..%d)", *id, s.Name, n-1)
			}
			tokText := *token
			if tokText == "" {
				tokText = os.Getenv(tokenEnv)
			}
			if tokText == "" {
				return usagef("no token: give --token or set %s (32 hex digits, e.g. from \"openssl rand -hex 16\")", tokenEnv)
			}
			tok, err := realtime.ParseToken(tokText)
			if err != nil {
				return usagef("%v", err)
			}
			run := s.Config(s.Seed)
			if err := realtime.CheckRun(&run, *speed); err != nil {
				return usagef("%s: %v", s.Name, err)
			}
			if *timeout <= 0 {
				return usagef("--connect-timeout must be positive")
			}
			cfg := realtime.Config{
				ID: *id, Run: run, Speed: *speed, Token: tok, ConnectTimeout: *timeout,
				Logf: func(format string, args ...any) { fmt.Fprintf(e.stderr, format+"\n", args...) },
			}
			if *control {
				addr := *listen
				if addr == "" {
					addr = "127.0.0.1:0"
				}
				return machineControl(e, cfg, addr)
			}
			if *peers == "" {
				return usagef("--peers is required: every machine's address host:port in id order")
			}
			addrs, err := realtime.ParsePeers(*peers, n)
			if err != nil {
				return usagef("--peers: %v", err)
			}
			addr := *listen
			if addr == "" {
				addr = addrs[*id]
			}
			var start time.Time
			if *startAt != 0 {
				start = time.Unix(0, *startAt)
				if time.Until(start) < 0 {
					return usagef("--start-at %d is %s in the past", *startAt, (-time.Until(start)).Round(time.Millisecond))
				}
			}
			dir := *out
			if dir == "" {
				dir = filepath.Join("out", fmt.Sprintf("%s-real-seed%d", s.Name, s.Seed))
			}
			return machineStandalone(e, s, cfg, addr, addrs, start, dir)
		}
	},
}

// listenErr turns a listening failure into a usage error.
func listenErr(addr string, err error) error {
	if realtime.IsAddrInUse(err) {
		return usagef("cannot listen on %s: the address is already in use (another program, or another machine of this run, listens there)", addr)
	}
	return usagef("cannot listen on %s: %v", addr, err)
}

// listenNode listens on addr and returns the machine's node; every
// failure is a usage error (exit 2).
func listenNode(cfg realtime.Config, addr string) (*realtime.Node, error) {
	ln, err := realtime.Listen(addr)
	if err != nil {
		return nil, listenErr(addr, err)
	}
	nd, err := realtime.NewNode(cfg, ln)
	if err != nil {
		ln.Close()
		return nil, usageError{err}
	}
	return nd, nil
}

// machineStandalone runs one machine by hand and writes its log.
func machineStandalone(e *env, s *scenarios.Scenario, cfg realtime.Config, addr string, peers []string, start time.Time, dir string) error {
	nd, err := listenNode(cfg, addr)
	if err != nil {
		return err
	}
	defer nd.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(e.stdout, "machine %d of %s listening on %s; connecting to its %d peers\n", cfg.ID, s.Name, nd.Addr(), len(peers)-1)
	if err := nd.Connect(ctx, peers); err != nil {
		if ctx.Err() != nil {
			return failure{code: 130, err: errors.New("interrupted while connecting; nothing was written")}
		}
		return usageError{err}
	}
	if start.IsZero() {
		start = time.Now()
	} else if time.Until(start) < 0 {
		return usagef("the --start-at instant passed while the machines were connecting; give a later one")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, fmt.Sprintf("machine-%d.csv", cfg.ID))
	f, err := createAtomic(path)
	if err != nil {
		return err
	}
	ws := make([]io.Writer, len(s.Machines))
	for i := range ws {
		ws[i] = io.Discard
	}
	ws[cfg.ID] = f
	lw := sim.NewLogWriter(ws)
	acc := analysis.NewAccumulator(len(s.Machines))
	fmt.Fprintf(e.stdout, "connected; running %s of scenario time at speed %g\n", scenarios.FormatDuration(s.Duration), cfg.Speed)
	st, err := nd.Run(ctx, start, flushSinks{sim.Sinks{acc, lw}, lw})
	if err != nil {
		f.Abort()
		return err
	}
	if err := f.Commit(); err != nil {
		return err
	}
	m := acc.Metrics(s.Rates())[cfg.ID : cfg.ID+1]
	m[0].Drift = 0 // meaningless without the other machines' logs
	analysis.WriteTable(e.stdout, m)
	fmt.Fprintf(e.stdout, "overruns %d (skipped ticks %d), messages sent %d, lost %d, received %d\n", st.Overruns, st.Skipped, st.Sent, st.Lost, st.Received)
	fmt.Fprintf(e.stdout, "wrote %s (drift needs every machine's log: gather them in one directory and run \"desim analyze DIR\")\n", path)
	if !st.Completed {
		return failure{code: 130, err: errors.New("interrupted; the log holds every tick up to the last completed one")}
	}
	return nil
}

// flushSinks is a sink that also flushes a LogWriter, so that the log is
// written out whenever the machine sleeps.
type flushSinks struct {
	sim.Sinks
	lw *sim.LogWriter
}

func (f flushSinks) Flush() error { return f.lw.Flush() }

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

// machineControl runs one machine for "desim real": the control protocol
// of package realtime on stdin and stdout. Interrupts are left to the
// parent (a terminal's Ctrl-C reaches the whole process group); the end of
// stdin, or "stop", stops the machine.
func machineControl(e *env, cfg realtime.Config, addr string) error {
	signal.Ignore(os.Interrupt)
	nd, err := listenNode(cfg, addr)
	if err != nil {
		return err
	}
	defer nd.Close()
	out := bufio.NewWriter(e.stdout)
	send := func(m realtime.Msg) error {
		out.Write(realtime.AppendMsg(nil, m))
		return out.Flush()
	}
	if err := send(realtime.Msg{Kind: realtime.Listening, Addr: nd.Addr()}); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := len(cfg.Run.Machines)
	msgs := make(chan realtime.Msg, 1)
	go func() {
		defer cancel()
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			m, err := realtime.ParseMsg(sc.Text(), n)
			if err != nil {
				fmt.Fprintf(e.stderr, "desim machine: %v\n", err)
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
				return m, usagef("unexpected control message %q", realtime.AppendMsg(nil, m))
			}
			return m, nil
		case <-ctx.Done():
			return realtime.Msg{}, failure{code: 130, err: errors.New("stopped before the run started")}
		}
	}
	m, err := next(realtime.Peers)
	if err != nil {
		return err
	}
	if err := nd.Connect(ctx, m.Peers); err != nil {
		if ctx.Err() != nil {
			return failure{code: 130, err: errors.New("stopped while connecting")}
		}
		return usageError{err}
	}
	if err := send(realtime.Msg{Kind: realtime.Connected}); err != nil {
		return err
	}
	if m, err = next(realtime.Start); err != nil {
		return err
	}
	st, err := nd.Run(ctx, time.Unix(0, m.Start), &controlSink{w: out})
	if err != nil {
		return err
	}
	return send(realtime.Msg{Kind: realtime.Done, Stats: st})
}

// formatSpeed writes a speed so that strconv.ParseFloat reads it back
// exactly.
func formatSpeed(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
