package trace_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"desim/analysis/trace"
	_ "desim/internal/golden" // registers -update for "go test ./... -update"
	"desim/scenarios"
	"desim/sim"
)

// tracedRun writes a traced run of cfg into a fresh directory, as desim
// run --trace lays it out, and returns its files.
func tracedRun(tb testing.TB, cfg sim.Config) trace.Files {
	tb.Helper()
	dir := tb.TempDir()
	n := len(cfg.Machines)
	files := trace.Files{Messages: filepath.Join(dir, "messages.csv")}
	logs := make([]io.Writer, n)
	bufs := make([]*bytes.Buffer, n)
	for i := range logs {
		bufs[i] = new(bytes.Buffer)
		logs[i] = bufs[i]
		files.Logs = append(files.Logs, filepath.Join(dir, "machine-"+strconv.Itoa(i)+".csv"))
	}
	e, err := sim.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	var msgs bytes.Buffer
	lw, mw := sim.NewLogWriter(logs), sim.NewMessageWriter(&msgs)
	if err := e.RunTraced(lw, mw); err != nil {
		tb.Fatal(err)
	}
	if err := lw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := mw.Flush(); err != nil {
		tb.Fatal(err)
	}
	for i, b := range bufs {
		write(tb, files.Logs[i], b.Bytes())
	}
	write(tb, files.Messages, msgs.Bytes())
	return files
}

func write(tb testing.TB, path string, data []byte) {
	tb.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.Fatal(err)
	}
}

func read(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// builtin returns the configuration of a built-in scenario with seed 1
// for d of virtual time.
func builtin(tb testing.TB, name string, d time.Duration) sim.Config {
	tb.Helper()
	s, err := scenarios.Builtin(name)
	if err != nil {
		tb.Fatal(err)
	}
	s.Duration = d
	return s.Config(1)
}

// mc is a machine of the given rate and start in ns.
func mc(rate string, start int64) sim.MachineConfig {
	return sim.MachineConfig{Rate: sim.MustRate(rate), Start: start}
}

const (
	ms = int64(1e6)
	s  = int64(1e9)
)

// variants are configurations beyond the built-ins: latency, jitter,
// latency 0 (messages received at the instant they are sent), start
// offsets, a machine that never ticks, more machines.
func variants() map[string]sim.Config {
	return map[string]sim.Config{
		"latency": {Seed: 3, Duration: 60 * s, Die: 10, Latency: 700 * ms,
			Machines: []sim.MachineConfig{mc("6", 0), mc("1", 0), mc("2", 0)}},
		"jitter": {Seed: 4, Duration: 60 * s, Die: 4, Latency: 100_000, Jitter: 900 * ms,
			Machines: []sim.MachineConfig{mc("6", 0), mc("5", 0), mc("4", 0)}},
		"tiny-jitter": {Seed: 5, Duration: 30 * s, Die: 3, Latency: 1, Jitter: 2,
			Machines: []sim.MachineConfig{mc("10", 0), mc("10", 0), mc("10", 0)}},
		"latency0": {Seed: 6, Duration: 30 * s, Die: 3, Latency: 0,
			Machines: []sim.MachineConfig{mc("4", 0), mc("2", 0), mc("4", 0)}},
		"offsets": {Seed: 7, Duration: 60 * s, Die: 10, Latency: 100_000, Jitter: 30 * ms,
			Machines: []sim.MachineConfig{mc("6", 1500*ms), mc("1", 0), mc("2.5", 333*ms)}},
		"silent": {Seed: 8, Duration: 20 * s, Die: 5, Latency: 100_000,
			Machines: []sim.MachineConfig{mc("6", 0), mc("1/3", 0), mc("1", 30*s)}},
		"five": {Seed: 9, Duration: 40 * s, Die: 8, Latency: 50 * ms, Jitter: 200 * ms,
			Machines: []sim.MachineConfig{mc("6", 0), mc("1", 0), mc("3", 0), mc("7.5", 0), mc("1/2", 0)}},
		"in-flight": {Seed: 10, Duration: 20 * s, Die: 2, Latency: 3 * s,
			Machines: []sim.MachineConfig{mc("1", 0), mc("2", 0)}},
	}
}

// allConfigs are every built-in for 60 s with seed 1 and the variants.
func allConfigs(tb testing.TB) map[string]sim.Config {
	cs := variants()
	for _, name := range scenarios.Names() {
		cs[name] = builtin(tb, name, 60*time.Second)
	}
	return cs
}
