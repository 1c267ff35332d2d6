package experiment

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"desim/sim/realtime"
)

// Real runs whose links are attacked or break: a connection flood at a
// machine's port before its peers connect, a machine stopped in the
// middle. The run completes whole, or every machine that took part says
// it did not: never a success for an incomplete run. Outcomes only, never
// timing; skipped by "go test -short".

// flood opens k connections to addr that never send a byte; the test's end
// closes them. Those the machine resets at once, even before the dial
// returns, are part of the flood too.
func flood(t *testing.T, addr string, k int) {
	t.Helper()
	var cs []net.Conn
	for range k {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			if errors.Is(err, syscall.ECONNRESET) {
				continue
			}
			t.Errorf("flood: %v", err)
			return
		}
		cs = append(cs, c)
	}
	t.Cleanup(func() {
		for _, c := range cs {
			c.Close()
		}
	})
}

// lockedLog collects diagnostics from several goroutines.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) logf(format string, args ...any) { fmt.Fprintf(l, format+"\n", args...) }

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The flood under the coordinator: 200 idle connections to
// machine 0's port before its peers connect. The run completes whole.
func TestRealFlood(t *testing.T) {
	s, err := Load("A3", *realScenario(t, "A3", 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	spy := newSpy()
	var once sync.Once
	launcher := launcherFunc(func(spec MachineSpec) (Process, error) {
		p, err := spy.Launch(spec)
		// The last machine is launched before the coordinator hands out
		// the peers' addresses: flood machine 0 now.
		if spec.ID == len(s.Machines)-1 {
			once.Do(func() {
				for i := 0; i < 5000 && spy.addr(0) == ""; i++ {
					time.Sleep(time.Millisecond) // at most about 5 s
				}
				flood(t, spy.addr(0), 200)
			})
		}
		return p, err
	})
	var stderr lockedLog
	res, err := Real(context.Background(), s, RealOptions{Speed: 20, Launcher: launcher, Stderr: &stderr})
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, stderr.String())
	}
	if err := res.Err(); err != nil || !res.Summary.Completed {
		t.Fatalf("run after a flood: %v, completed %v\nstderr:\n%s", err, res.Summary.Completed, stderr.String())
	}
	if !strings.Contains(stderr.String(), "machine 0: rejected") {
		t.Errorf("the rejected connections were not logged:\n%s", stderr.String())
	}
}

// freeAddrs returns n loopback addresses whose ports were free a moment
// ago.
func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	var addrs []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, ln.Addr().String())
		defer ln.Close()
	}
	return addrs
}

// standalone runs the machines of A3 (dur of scenario time at speed 20)
// by hand, as three "desim machine" would, machine 0 first: before the
// others start, before(addr of machine 0) runs; ctxs[i], if set, is
// machine i's context, and connected[i], if set, is called when it has
// connected.
type standalone struct {
	dur            time.Duration
	connect, hello time.Duration
	before         func(addr string)
	ctxs           [3]context.Context
	connected      [3]func()
}

func (o standalone) run(t *testing.T) ([3]*StandaloneResult, [3]error, *lockedLog) {
	t.Helper()
	s, err := Load("A3", *realScenario(t, "A3", o.dur))
	if err != nil {
		t.Fatal(err)
	}
	peers := freeAddrs(t, 3)
	tok, err := realtime.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	dir := Dir(t.TempDir())
	var (
		logs lockedLog
		res  [3]*StandaloneResult
		errs [3]error
		wg   sync.WaitGroup
	)
	listening := make(chan struct{})
	for i := range 3 {
		if i == 1 {
			<-listening
			if o.before != nil {
				o.before(peers[0])
			}
		}
		cfg := realtime.Config{ID: i, Run: s.Config(s.Seed), Speed: 20, Token: tok,
			ConnectTimeout: o.connect, HelloTimeout: o.hello, Logf: logs.logf}
		opt := StandaloneOptions{Listen: peers[i], Peers: peers, Dir: dir, Connected: o.connected[i]}
		if i == 0 {
			opt.Listening = func(string) { close(listening) }
		}
		ctx := o.ctxs[i]
		if ctx == nil {
			ctx = context.Background()
		}
		wg.Go(func() { res[i], errs[i] = RunStandalone(ctx, s, cfg, opt) })
	}
	wg.Wait()
	return res, errs, &logs
}

// The flood with machines by hand: it used to leave machine 0
// unconnected (exit 2) while machines 1 and 2 ran the whole scenario into
// a dead link and exited 0. Now the peers dial again until machine 0 has
// room for them, and every machine completes.
func TestStandaloneFlood(t *testing.T) {
	o := standalone{dur: 10 * time.Second, before: func(addr string) { flood(t, addr, 200) }}
	res, errs, logs := o.run(t)
	for i, err := range errs {
		if err != nil {
			t.Errorf("machine %d: %v", i, err)
			continue
		}
		if st := res[i].Stats; !st.Completed || st.BrokenLinks != 0 {
			t.Errorf("machine %d: completed %v, %d broken links", i, st.Completed, st.BrokenLinks)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", logs.String())
	}
}

// A flood that outlasts the connect timeout: every machine fails to
// connect and says so as bad input (exit status 2), none runs.
func TestStandaloneFloodOutlastsConnect(t *testing.T) {
	o := standalone{dur: 10 * time.Second, connect: 1500 * time.Millisecond, hello: time.Minute,
		before: func(addr string) { flood(t, addr, 200) }}
	res, errs, logs := o.run(t)
	for i, err := range errs {
		var ce *realtime.ConnectError
		if !errors.Is(err, ErrInput) || !errors.As(err, &ce) || res[i] != nil {
			t.Errorf("machine %d: result %v, error %v; want no run and a connect error", i, res[i], err)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", logs.String())
	}
}

// A machine stopped in the middle of the run: the two that ran to the end
// keep their logs but report the run incomplete (an error, exit status 1
// on the command line) with both their links with it broken — its
// connection to them closed without the end frame, and theirs to it
// failed once it had exited — and the stopped one reports its
// interruption.
func TestStandalonePeerStops(t *testing.T) {
	ctx2, stop2 := context.WithCancel(context.Background())
	defer stop2()
	o := standalone{dur: 60 * time.Second} // 3 s of wall time
	o.ctxs[2] = ctx2
	o.connected[2] = func() { time.AfterFunc(300*time.Millisecond, stop2) }
	res, errs, logs := o.run(t)
	for i := range 2 {
		if !errors.Is(errs[i], ErrIncomplete) || errors.Is(errs[i], ErrInput) || res[i] == nil || !res[i].Stats.Completed || res[i].Stats.BrokenLinks != 2 {
			t.Errorf("machine %d: result %+v, error %v; want its log and an incomplete run with 2 broken links", i, res[i], errs[i])
		} else if !strings.Contains(errs[i].Error(), "2 of machine "+fmt.Sprint(i)+"'s links broke") || !strings.Contains(errs[i].Error(), res[i].LogPath) {
			t.Errorf("machine %d: error %q does not say what broke and where the log is", i, errs[i])
		}
	}
	if errs[2] != nil || res[2] == nil || res[2].Stats.Completed {
		t.Errorf("machine 2: result %+v, error %v; want an interrupted run", res[2], errs[2])
	}
	for i := range 2 {
		for _, want := range []string{fmt.Sprintf("machine %d: the link from machine 2 broke", i), fmt.Sprintf("machine %d: the link to machine 2 broke", i)} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, logs.String())
			}
		}
	}
}

// doctoredLauncher runs the machines in-process, rewriting what machine id
// says on its done line through edit.
type doctoredLauncher struct {
	id   int
	edit func(realtime.Stats) realtime.Stats
	n    int
}

func (l doctoredLauncher) Launch(spec MachineSpec) (Process, error) {
	p, err := InProcessLauncher{}.Launch(spec)
	if err != nil || spec.ID != l.id {
		return p, err
	}
	pr, pw := io.Pipe()
	go func() {
		sc := bufio.NewScanner(p.Stdout())
		for sc.Scan() {
			line := sc.Text()
			if m, err := realtime.ParseMsg(line, l.n); err == nil && m.Kind == realtime.Done {
				m.Stats = l.edit(m.Stats)
				line = strings.TrimSuffix(string(realtime.AppendMsg(nil, m)), "\n")
			}
			if _, err := io.WriteString(pw, line+"\n"); err != nil {
				break
			}
		}
		io.Copy(io.Discard, p.Stdout())
		pw.Close()
	}()
	return &spyProcess{Process: p, out: pr}, nil
}

// A machine that reaches the end with a broken link makes the run
// incomplete in the coordinator's result and summary, with the machine
// named.
func TestRealBrokenLink(t *testing.T) {
	s, err := Load("A3", *realScenario(t, "A3", 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	l := doctoredLauncher{id: 1, n: len(s.Machines), edit: func(st realtime.Stats) realtime.Stats {
		st.BrokenLinks = 2
		return st
	}}
	res, err := Real(context.Background(), s, RealOptions{Speed: 20, Launcher: l})
	if err != nil {
		t.Fatal(err)
	}
	err = res.Err()
	if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "machine 1: 2") || res.Summary.Completed {
		t.Fatalf("result error %v, completed %v; want an incomplete run naming machine 1", err, res.Summary.Completed)
	}
	if m := res.Summary.Machines[1]; m.BrokenLinks != 2 || !strings.Contains(string(res.Summary.Marshal()), `"broken_links": 2`) {
		t.Errorf("summary of machine 1: %+v", m)
	}
	if res.Summary.DurationS != 10 {
		t.Errorf("duration_s %v: the run reached its end, it covered 10 s", res.Summary.DurationS)
	}
}

// RealResult.Err is nil only for a run marked completed.
func TestRealResultErr(t *testing.T) {
	whole := &RealSummary{Completed: true, Machines: []RealMachine{{}, {}}}
	broken := &RealSummary{Machines: []RealMachine{{}, {BrokenLinks: 1}}}
	broken.Machines[1].ID = 1
	short := &RealSummary{Machines: []RealMachine{{}, {}}}
	cases := []struct {
		name string
		r    RealResult
		want error
		text string
	}{
		{"completed", RealResult{Summary: whole}, nil, ""},
		{"dead", RealResult{Summary: short, Dead: &MachineDeath{ID: 1}}, nil, "machine 1 died"},
		{"interrupted", RealResult{Summary: short, Interrupted: true}, context.Canceled, "interrupted"},
		{"broken link", RealResult{Summary: broken}, ErrIncomplete, "links between the machines broke (machine 1: 1"},
		{"not every machine at the end", RealResult{Summary: short}, ErrIncomplete, "not every machine reached the end"},
		{"no summary", RealResult{}, ErrIncomplete, "no summary"},
	}
	for _, c := range cases {
		err := c.r.Err()
		switch {
		case c.text == "" && err != nil:
			t.Errorf("%s: %v, want nil", c.name, err)
		case c.text != "" && (err == nil || !strings.Contains(err.Error(), c.text)):
			t.Errorf("%s: %v, want an error containing %q", c.name, err, c.text)
		case c.want != nil && !errors.Is(err, c.want):
			t.Errorf("%s: %v, want one matching %v", c.name, err, c.want)
		}
	}
}
