package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"desim/experiment"
	"desim/sim"
)

// The end-to-end tests of the real-socket mode run the desim binary, built
// into a temporary directory, as separate processes: "desim real" and its
// machines. They assert on signs, orders of magnitude and exit statuses,
// never on timing, and are skipped by "go test -short".

// buildDesim builds the desim binary into dir, with the race detector if
// this test binary has it.
func buildDesim(t *testing.T, dir string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build the desim binary")
	}
	bin := filepath.Join(dir, "desim")
	args := []string{"build", "-o", bin}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" && s.Value == "true" {
				args = append(args, "-race")
			}
		}
	}
	out, err := exec.Command(goTool, append(args, ".")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// proc is a desim process started by a test.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr *lockedBuffer
	started        chan []int // the machines' pids, from desim real's "started" line
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var startedLine = regexp.MustCompile(`^started \d+ machines \(pids ([0-9, ]+)\)`)

// startDesim starts the binary; a context bounds its life so that a hung
// process fails the test instead of hanging it.
func startDesim(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	return startDesimEnv(t, bin, nil, args...)
}

// startDesimEnv is startDesim with extra environment variables.
func startDesimEnv(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	p := &proc{cmd: exec.CommandContext(ctx, bin, args...), stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, started: make(chan []int, 1)}
	if env != nil {
		p.cmd.Env = append(os.Environ(), env...)
	}
	p.cmd.Stdout = p.stdout
	out, err := p.cmd.StderrPipe() // status lines, "started ..." among them
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			p.stderr.Write([]byte(line + "\n"))
			if m := startedLine.FindStringSubmatch(line); m != nil {
				var pids []int
				for _, f := range strings.Split(m[1], ", ") {
					pid, _ := strconv.Atoi(f)
					pids = append(pids, pid)
				}
				p.started <- pids
			}
		}
		close(p.started)
	}()
	return p
}

// wait waits for the process and returns its exit status.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	err := p.cmd.Wait()
	if p.cmd.ProcessState == nil {
		t.Fatalf("%v", err)
	}
	return p.cmd.ProcessState.ExitCode()
}

// experiment.RealSummaryFile reads a real run's summary.json.
func readRealSummary(t *testing.T, dir string) experiment.RealSummary {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s experiment.RealSummary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// checkLogs checks that every machine's log is complete lines of SPEC's
// format, in time order, and returns the line counts.
func checkLogs(t *testing.T, dir string, n int) []int {
	t.Helper()
	counts := make([]int, n)
	for i := range n {
		data, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("machine-%d.csv", i)))
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		if text != "" && !strings.HasSuffix(text, "\n") {
			t.Errorf("machine-%d.csv ends in a partial line", i)
		}
		prev := -1.0
		for k, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
			if line == "" {
				continue
			}
			f := strings.Split(line, ",")
			if len(f) != 4 {
				t.Fatalf("machine-%d.csv:%d: %q is not 4 fields", i, k+1, line)
			}
			if _, err := sim.ParseEvent(f[0], n); err != nil {
				t.Fatalf("machine-%d.csv:%d: %v", i, k+1, err)
			}
			at, err := strconv.ParseFloat(f[1], 64)
			if err != nil || at < prev {
				t.Fatalf("machine-%d.csv:%d: time %q after %v", i, k+1, f[1], prev)
			}
			prev = at
			counts[i]++
		}
	}
	return counts
}

func signalPid(t *testing.T, pid int, sig os.Signal) {
	t.Helper()
	p, err := os.FindProcess(pid)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Signal(sig); err != nil {
		t.Fatalf("signal %v to %d: %v", sig, pid, err)
	}
}

// TestRealProcesses runs the real-socket mode end to end with processes.
func TestRealProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end tests with processes are skipped with -short")
	}
	bin := buildDesim(t, t.TempDir())

	// A3 at speed 20 for 60 scenario-seconds (3 s of wall time): the slow
	// machine's queue grows, the fast machines' stay near zero. B2 at the
	// same speed: no queue grows.
	t.Run("queues", func(t *testing.T) {
		cases := []struct {
			scenario string
			check    func(t *testing.T, m experiment.RealMachine)
		}{
			{"A3", func(t *testing.T, m experiment.RealMachine) {
				if m.ID == 2 {
					if m.QueueSlope < 0.5 || m.MaxQueue < 20 {
						t.Errorf("A3 machine 2 (1 c/s): queue slope %.3f/s, max queue %d; want a clearly growing queue (≥ 0.5/s, ≥ 20)", m.QueueSlope, m.MaxQueue)
					}
					if m.Drift > -1 {
						t.Errorf("A3 machine 2: drift %.3f, want clearly negative", m.Drift)
					}
					return
				}
				if m.MaxQueue > 5 || m.QueueSlope > 0.05 || m.QueueSlope < -0.05 {
					t.Errorf("A3 machine %d (6 c/s): queue slope %.4f/s, max queue %d; want near zero", m.ID, m.QueueSlope, m.MaxQueue)
				}
			}},
			{"B2", func(t *testing.T, m experiment.RealMachine) {
				if m.MaxQueue > 15 || m.QueueSlope > 0.1 || m.QueueSlope < -0.1 {
					t.Errorf("B2 machine %d: queue slope %.4f/s, max queue %d; want no growth", m.ID, m.QueueSlope, m.MaxQueue)
				}
			}},
		}
		for _, c := range cases {
			t.Run(c.scenario, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				p := startDesim(t, bin, "real", c.scenario, "--speed", "20", "--duration", "60s", "--out", dir)
				if code := p.wait(t); code != 0 {
					t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, p.stdout, p.stderr)
				}
				if !strings.Contains(p.stderr.String(), " real "+filepath.Join(dir, "scenario.yaml")+" --speed 20\n") || !strings.Contains(p.stderr.String(), "replay: ") {
					t.Errorf("no replay command in:\n%s", p.stderr)
				}
				s := readRealSummary(t, dir)
				if !s.Completed || s.Mode != "real" || s.Speed != 20 || s.DurationS != 60 || len(s.Machines) != 3 {
					t.Errorf("summary: completed %v, mode %q, speed %v, duration %v, %d machines", s.Completed, s.Mode, s.Speed, s.DurationS, len(s.Machines))
				}
				counts := checkLogs(t, dir, 3)
				for i, m := range s.Machines {
					c.check(t, m)
					// Ticks are scheduled as in the simulator: 60 s × rate, less any
					// skipped by overruns on a loaded machine.
					want := int64(60 * m.Rate)
					if m.Ticks+m.SkippedTicks != want || int64(counts[i]) != m.Ticks {
						t.Errorf("machine %d: %d ticks (%d log lines) + %d skipped, want %d", i, m.Ticks, counts[i], m.SkippedTicks, want)
					}
				}
				if _, err := os.Stat(filepath.Join(dir, "scenario.yaml")); err != nil {
					t.Error(err)
				}
				noTempFiles(t, dir)
			})
		}
	})

	// Faults during a run: a machine killed, the parent interrupted.
	t.Run("faults", func(t *testing.T) {
		cases := []struct {
			name     string
			act      func(t *testing.T, p *proc, pids []int)
			wantCode int
			wantErr  string
		}{
			{"machine 1 killed", func(t *testing.T, p *proc, pids []int) {
				signalPid(t, pids[1], os.Kill)
			}, 1, "machine 1 (pid %d) died during the run"},
			{"SIGINT", func(t *testing.T, p *proc, pids []int) {
				signalPid(t, p.cmd.Process.Pid, os.Interrupt)
			}, 130, "interrupted; every machine was stopped"},
			{"SIGTERM", func(t *testing.T, p *proc, pids []int) {
				signalPid(t, p.cmd.Process.Pid, syscall.SIGTERM)
			}, 130, "interrupted; every machine was stopped"},
			{"a machine ignores SIGINT, the parent's stops the run", func(t *testing.T, p *proc, pids []int) {
				// A terminal's Ctrl-C reaches every process of the group: the
				// machines leave it to the parent.
				signalPid(t, pids[0], os.Interrupt)
				signalPid(t, p.cmd.Process.Pid, os.Interrupt)
			}, 130, "interrupted; every machine was stopped"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				// 600 scenario-seconds at speed 20: 30 s, far longer than the
				// test waits before it acts.
				p := startDesim(t, bin, "real", "A3", "--speed", "20", "--duration", "600s", "--out", dir)
				pids, ok := <-p.started
				if !ok {
					p.wait(t)
					t.Fatalf("no started line\nstdout:\n%s\nstderr:\n%s", p.stdout, p.stderr)
				}
				time.Sleep(500 * time.Millisecond) // let some ticks happen // timing-ok
				c.act(t, p, pids)
				code := p.wait(t)
				want := c.wantErr
				if strings.Contains(want, "%d") {
					want = fmt.Sprintf(want, pids[1])
				}
				if code != c.wantCode || !strings.Contains(p.stderr.String(), want) {
					t.Errorf("exit %d, want %d with %q\nstderr:\n%s", code, c.wantCode, want, p.stderr)
				}
				noPanic(t, "stderr", p.stderr.String())
				s := readRealSummary(t, dir)
				if s.Completed {
					t.Error("summary says completed")
				}
				if s.DurationS >= 600 {
					t.Errorf("duration_s %v: the run was not cut short", s.DurationS)
				}
				counts := checkLogs(t, dir, 3)
				for i, m := range s.Machines {
					if int64(counts[i]) != m.Ticks {
						t.Errorf("machine %d: %d log lines, summary %d ticks", i, counts[i], m.Ticks)
					}
				}
				noTempFiles(t, dir)
			})
		}
	})

	// desim validate: one short real run against 40 seeds. Whether it passes
	// is a statistical outcome; the test checks the report and that the
	// exit status agrees with it.
	t.Run("validate", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		p := startDesim(t, bin, "validate", "A3", "--speed", "20", "--duration", "20s", "--seeds", "40", "--out", dir)
		code := p.wait(t)
		out := p.stdout.String()
		if code != 0 && code != 1 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, p.stderr)
		}
		rows := 0
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) > 3 && (f[0] == "0" || f[0] == "1" || f[0] == "2") {
				rows++
			}
		}
		if rows != 3*13 {
			t.Errorf("%d table rows, want 39 (3 machines × 13 metrics):\n%s", rows, out)
		}
		for _, want := range []string{"1 real run(s) at speed 20 against 40 simulated seeds, 20s", "simulated seeds 2..41", "rule: a real value passes", "±1: a message landing"} {
			if !strings.Contains(out, want) {
				t.Errorf("report lacks %q:\n%s", want, out)
			}
		}
		if pass := strings.Contains(out, "\nPASS: all 39 real values"); pass != (code == 0) || !pass && !strings.Contains(out, "\nFAIL: ") {
			t.Errorf("exit %d does not match the verdict:\n%s", code, out)
		}
		if s := readRealSummary(t, filepath.Join(dir, "real-0")); !s.Completed || s.Seed != 1 {
			t.Errorf("--out: real run's summary %+v", s)
		}
	})

	// Three "desim machine" processes by hand, as across hosts.
	t.Run("machines by hand", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		peers := freeAddrs(t, 3)
		tok := "00112233445566778899aabbccddeeff"
		start := time.Now().Add(2 * time.Second).UnixNano() // timing-ok
		var ps []*proc
		for i := range 3 {
			args := []string{"machine", "--id", fmt.Sprint(i), "--scenario", "A3", "--duration", "20s", "--speed", "20",
				"--peers", strings.Join(peers, ","), "--start-at", fmt.Sprint(start), "--out", dir}
			// The token on the command line, or in the environment.
			var env []string
			if i == 0 {
				args = append(args, "--token", tok)
			} else {
				env = []string{experiment.TokenEnv + "=" + tok}
			}
			ps = append(ps, startDesimEnv(t, bin, env, args...))
		}
		for i, p := range ps {
			if code := p.wait(t); code != 0 {
				t.Errorf("machine %d: exit %d\nstdout:\n%s\nstderr:\n%s", i, code, p.stdout, p.stderr)
			}
		}
		counts := checkLogs(t, dir, 3)
		for i, want := range []int{120, 120, 20} {
			if counts[i] > want || counts[i] < want*9/10 {
				t.Errorf("machine %d logged %d ticks, want %d (less a few if it overran)", i, counts[i], want)
			}
		}
	})
}

// noTempFiles fails the test if dir holds a temporary file (a dot file)
// or anything but regular files.
func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			t.Errorf("%s: unexpected entry %q (a temporary file left behind?)", dir, e.Name())
		}
	}
}

// freeAddrs returns n loopback addresses whose ports were free a moment
// ago.
func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	var lns []net.Listener
	var addrs []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		addrs = append(addrs, ln.Addr().String())
	}
	for _, ln := range lns {
		ln.Close()
	}
	return addrs
}

// Bad usage of desim real is exit status 2 with a message, before any
// process starts.
func TestRealBadInput(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"real"}, "need exactly one SCENARIO"},
		{[]string{"real", "A3", "B2"}, "need exactly one SCENARIO"},
		{[]string{"real", "nosuch"}, "no built-in scenario or file"},
		{[]string{"real", "A3", "--speed", "0"}, "speed 0 is not in (0, 10000]"},
		{[]string{"real", "A3", "--speed", "-3"}, "is not in (0, 10000]"},
		{[]string{"real", "A3", "--speed", "NaN"}, "is not in (0, 10000]"},
		{[]string{"real", "A3", "--speed", "5000"}, "the limit is 20000"},
		{[]string{"real", "A3", "--speed", "fast"}, `invalid argument "fast" for "--speed" flag`},
		{[]string{"real", "A3", "--duration", "-1s"}, "duration"},
		{[]string{"real", "A3", "--connect-timeout", "0s"}, "--connect-timeout must be positive"},
		{[]string{"real", "A3", "--seed", "x"}, "--seed"},
		{[]string{"real", "A3", "--ticker", "relative"}, `invalid argument "relative" for "--ticker" flag: ticker "relative" is not one of absolute, sleep`},
		{[]string{"real", "A3", "--ticker", ""}, `for "--ticker" flag`},
	}
	for _, c := range cases {
		r := desim(append(c.args, "--out", dir)...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("desim %s: exit %d, stderr %q; want 2 and %q", strings.Join(c.args, " "), r.code, r.stderr, c.want)
		}
		noPanic(t, "stderr", r.stderr)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("bad usage wrote %d files", len(entries))
	}
}
