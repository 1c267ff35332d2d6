package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/spf13/cobra"

	"desim/experiment"
	"desim/scenarios"
	"desim/sim/realtime"
)

func newMachineCmd(e *env) *cobra.Command {
	var (
		id                               int
		scen, peers, token, listen, seed string
		dur, out                         string
		speed                            float64
		startAt                          int64
		timeout                          time.Duration
		control                          bool
		ticker                           realtime.Ticker
	)
	c := e.command("machine --id I --scenario FILE --peers ADDR0,ADDR1,...", "run one machine of a real-socket run (by hand, across hosts)",
		args(0, 0, "takes no arguments, only flags"),
		func(c *cobra.Command, a []string) error {
			if scen == "" {
				return usagef("--scenario is required")
			}
			s, err := loadScenario(scen, seed, dur)
			if err != nil {
				return err
			}
			n := len(s.Machines)
			cfg, err := experiment.MachineConfig(s, id, token, speed, timeout)
			if err != nil {
				return err
			}
			cfg.Logf = func(format string, args ...any) { fmt.Fprintf(e.stderr, format+"\n", args...) }
			cfg.Ticker = ticker
			if control {
				// Interrupts are left to the coordinator (a terminal's
				// Ctrl-C reaches the whole process group); the end of
				// stdin, or "stop", stops the machine.
				signal.Ignore(os.Interrupt)
				addr := listen
				if addr == "" {
					addr = "127.0.0.1:0"
				}
				return experiment.ServeMachine(context.Background(), cfg, addr, os.Stdin, e.stdout)
			}
			o, err := experiment.ParseStandalone(id, n, peers, listen, startAt)
			if err != nil {
				return err
			}
			o.Dir = experiment.Dir(out)
			if out == "" {
				o.Dir = experiment.DefaultRealDir(s)
			}
			o.Listening = func(addr string) {
				fmt.Fprintf(e.stdout, "machine %d of %s listening on %s; connecting to its %d peers\n", id, s.Name, addr, n-1)
			}
			o.Connected = func() {
				fmt.Fprintf(e.stdout, "connected; running %s of scenario time at speed %g\n", scenarios.FormatDuration(s.Duration), speed)
			}
			ctx, stop := signalContext()
			defer stop()
			res, err := experiment.RunStandalone(ctx, s, cfg, o)
			if err != nil {
				return err
			}
			res.WriteText(e.stdout)
			if !res.Stats.Completed {
				return exitError{exitInterrupted, errors.New("interrupted; the log holds every tick up to the last completed one")}
			}
			return nil
		})
	f := c.Flags()
	f.IntVar(&id, "id", -1, "this machine's index in the scenario, 0..N-1 (required)")
	f.StringVar(&scen, "scenario", "", "the scenario: a built-in name or a YAML file (required)")
	f.StringVar(&peers, "peers", "", "every machine's address host:port, comma separated, in id order, this one's included (required)")
	f.StringVar(&token, "token", "", "the run's token, 32 hex digits (default: $"+experiment.TokenEnv+")")
	f.StringVar(&listen, "listen", "", "address to listen on (default: this machine's entry of --peers)")
	f.StringVar(&seed, "seed", "", "random seed (default: the scenario's)")
	f.StringVar(&dur, "duration", "", "scenario time to run, e.g. 60s (default: the scenario's)")
	f.Float64Var(&speed, "speed", 1, "scenario seconds per wall-clock second")
	f.Int64Var(&startAt, "start-at", 0, "start instant, Unix time in ns (default: as soon as every link is up)")
	f.StringVar(&out, "out", "", "output directory (default: out/<name>-real-seed<N>)")
	f.DurationVar(&timeout, "connect-timeout", realtime.DefaultConnectTimeout, "how long to wait for every peer to connect")
	f.Var(&ticker, "ticker", "tick scheduling: absolute (on the nominal schedule) or sleep (a period after each tick's work, as the original)")
	f.BoolVar(&control, "control", false, "driven by \"desim real\" over standard input and output (peers and start come on stdin, records go to stdout)")
	return c
}
