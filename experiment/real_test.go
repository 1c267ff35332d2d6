package experiment

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"desim/sim/realtime"
)

// The coordinator's tests run every machine in-process (InProcessLauncher),
// on loopback sockets and the wall clock, under -race. They assert on
// outcomes (completion, who died, what was written), never on timing, and
// are skipped by "go test -short".

func realScenario(t *testing.T, name string, d time.Duration) *Overrides {
	t.Helper()
	if testing.Short() {
		t.Skip("runs on the wall clock")
	}
	return &Overrides{Duration: d}
}

func TestRealInProcess(t *testing.T) {
	s, err := Load("A3", *realScenario(t, "A3", 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	dir := Dir(t.TempDir())
	res, err := RealToDir(context.Background(), s, RealOptions{Speed: 20}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if !res.Summary.Completed {
		t.Fatal("not completed")
	}
	r, err := ReadRun(string(dir))
	if err != nil {
		t.Fatal(err)
	}
	if r.Scenario == nil || r.Scenario.Name != "A3" {
		t.Fatalf("the run directory's scenario.yaml is missing or wrong: %+v", r.Scenario)
	}
	sum := r.Summary()
	for i, want := range []int64{60, 60, 10} {
		if got := sum.Machines[i].Ticks; got != want-res.Summary.Machines[i].SkippedTicks {
			t.Errorf("machine %d: %d ticks logged, want %d less %d skipped", i, got, want, res.Summary.Machines[i].SkippedTicks)
		}
	}
}

// spyLauncher launches in-process machines and keeps their processes and
// listening addresses.
type spyLauncher struct {
	mu    sync.Mutex
	procs map[int]Process
	addrs map[int]string
}

func (l *spyLauncher) Launch(spec MachineSpec) (Process, error) {
	p, err := InProcessLauncher{}.Launch(spec)
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	sp := &spyProcess{Process: p, out: pr}
	go func() {
		sc := bufio.NewScanner(p.Stdout())
		for sc.Scan() {
			line := sc.Text()
			if addr, ok := strings.CutPrefix(line, "listening "); ok {
				l.mu.Lock()
				l.addrs[spec.ID] = addr
				l.mu.Unlock()
			}
			if _, err := io.WriteString(pw, line+"\n"); err != nil {
				break
			}
		}
		io.Copy(io.Discard, p.Stdout())
		pw.Close()
	}()
	l.mu.Lock()
	l.procs[spec.ID] = sp
	l.mu.Unlock()
	return sp, nil
}

func (l *spyLauncher) proc(id int) Process {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.procs[id]
}

func (l *spyLauncher) addr(id int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.addrs[id]
}

type spyProcess struct {
	Process
	out io.Reader
}

func (p *spyProcess) Stdout() io.Reader { return p.out }

func newSpy() *spyLauncher {
	return &spyLauncher{procs: map[int]Process{}, addrs: map[int]string{}}
}

// TestRealMachineDies kills one machine during the run: the others are
// stopped, the run is written with what ran, and the result names the
// dead machine.
func TestRealMachineDies(t *testing.T) {
	s, err := Load("A3", *realScenario(t, "A3", 600*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	spy := newSpy()
	opt := RealOptions{Speed: 20, Launcher: spy}
	opt.Started = func([]int) {
		time.AfterFunc(300*time.Millisecond, func() { spy.proc(1).Kill() })
	}
	dir := Dir(t.TempDir())
	done := make(chan struct{})
	var res *RealResult
	go func() {
		defer close(done)
		res, err = RealToDir(context.Background(), s, opt, dir)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second): // the run itself would take 30 s
		t.Fatal("the other machines were not stopped after machine 1 died")
	}
	if err != nil {
		t.Fatal(err)
	}
	var death *MachineDeath
	if !errors.As(res.Err(), &death) || death.ID != 1 || !death.Started {
		t.Fatalf("result error %v, want machine 1 dead during the run", res.Err())
	}
	if res.Summary.Completed {
		t.Error("a run with a dead machine is marked completed")
	}
	r, err := ReadRun(string(dir))
	if err != nil {
		t.Fatalf("the logs of what ran were not written: %v", err)
	}
	if got := r.Summary().Machines[0].Ticks; got == 0 || got >= 3600 {
		t.Errorf("machine 0 logged %d ticks, want some but not the whole run", got)
	}
}

// TestRealInterrupted cancels the context during the run (as SIGINT does):
// every machine stops, the logs up to then are written, and the result is
// interrupted.
func TestRealInterrupted(t *testing.T) {
	s, err := Load("B2", *realScenario(t, "B2", 600*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opt := RealOptions{Speed: 20, Started: func([]int) { time.AfterFunc(300*time.Millisecond, cancel) }}
	dir := Dir(t.TempDir())
	res, err := RealToDir(ctx, s, opt, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || !errors.Is(res.Err(), context.Canceled) {
		t.Fatalf("result %+v, error %v: want interrupted", res, res.Err())
	}
	sum, err := dir.ReadSummary()
	if err != nil {
		t.Fatal(err)
	}
	if sum.DurationS <= 0 || sum.DurationS >= 600 {
		t.Errorf("summary covers %g s, want the part that ran", sum.DurationS)
	}
}

// TestRealInterruptedBeforeStart cancels before the machines connect:
// nothing is written and the error matches context.Canceled.
func TestRealInterruptedBeforeStart(t *testing.T) {
	s, err := Load("A3", *realScenario(t, "A3", 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := Dir(t.TempDir() + "/run")
	_, err = RealToDir(ctx, s, RealOptions{Speed: 20}, dir)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if _, err := ReadRun(string(dir)); err == nil {
		t.Error("an interrupted set-up wrote a run")
	}
}

// TestRealStrayClient connects to a machine with garbage and with an idle
// connection before the run: the run still completes.
func TestRealStrayClient(t *testing.T) {
	s, err := Load("A3", *realScenario(t, "A3", 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	spy := newSpy()
	var strays []net.Conn
	defer func() {
		for _, c := range strays {
			c.Close()
		}
	}()
	// The first machine to report its address gets the strays, before
	// any peer connects to it.
	var once sync.Once
	launcher := launcherFunc(func(spec MachineSpec) (Process, error) {
		p, err := spy.Launch(spec)
		if spec.ID == len(s.Machines)-1 {
			once.Do(func() {
				for i := 0; i < 5000 && spy.addr(0) == ""; i++ {
					time.Sleep(time.Millisecond) // at most about 5 s
				}
				for _, junk := range []string{"GET / HTTP/1.0\r\n\r\n", "", strings.Repeat("x", 100)} {
					c, err := net.Dial("tcp", spy.addr(0))
					if err != nil {
						t.Errorf("stray connection: %v", err)
						return
					}
					c.Write([]byte(junk))
					strays = append(strays, c)
				}
			})
		}
		return p, err
	})
	res, err := Real(context.Background(), s, RealOptions{Speed: 20, Launcher: launcher})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Err(); err != nil || !res.Summary.Completed {
		t.Fatalf("run with stray clients: %v, completed %v", err, res.Summary.Completed)
	}
}

type launcherFunc func(MachineSpec) (Process, error)

func (f launcherFunc) Launch(spec MachineSpec) (Process, error) { return f(spec) }

// TestServeMachineBadControl checks that a machine refuses a control line
// out of order as bad input.
func TestServeMachineBadControl(t *testing.T) {
	s, err := Load("A3", Overrides{Duration: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := realtime.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	cfg := realtime.Config{ID: 0, Run: s.Config(1), Speed: 10, Token: tok}
	in := strings.NewReader("start 1\n")
	err = ServeMachine(context.Background(), cfg, "127.0.0.1:0", in, io.Discard)
	if !errors.Is(err, ErrInput) {
		t.Fatalf("error %v, want bad input", err)
	}
}

// TestRemoveDeadRealTemps: the temporary directory of a dead process goes,
// a live process's stays.
func TestRemoveDeadRealTemps(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	dead, live := os.TempDir()+"/desim-real-2147483646-x", fmt.Sprintf("%s/desim-real-%d-y", os.TempDir(), os.Getpid())
	for _, d := range []string{dead, live} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	removeDeadRealTemps()
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the dead process's directory stays: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("this process's directory went: %v", err)
	}
}
