package realtime_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"desim/sim"
	"desim/sim/realtime"
)

// The tickers' names read back, the zero value is the absolute ticker,
// and any other name is refused, naming the valid ones.
func TestParseTicker(t *testing.T) {
	var zero realtime.Ticker
	if zero != realtime.TickerAbsolute || zero.String() != "absolute" {
		t.Errorf("the zero Ticker is %s, want absolute", zero)
	}
	for _, tk := range []realtime.Ticker{realtime.TickerAbsolute, realtime.TickerSleep} {
		got, err := realtime.ParseTicker(tk.String())
		if err != nil || got != tk {
			t.Errorf("ParseTicker(%q) = %v, %v", tk.String(), got, err)
		}
		var set realtime.Ticker = 7
		if err := set.Set(tk.String()); err != nil || set != tk {
			t.Errorf("Set(%q) = %v, gave %v", tk.String(), err, set)
		}
	}
	for _, bad := range []string{"", "Sleep", "absolute ", "relative", "0"} {
		tk := realtime.TickerSleep
		err := tk.Set(bad)
		if err == nil || !strings.Contains(err.Error(), "is not one of absolute, sleep") {
			t.Errorf("Set(%q): error %v, want one naming absolute and sleep", bad, err)
		}
		if tk != realtime.TickerSleep {
			t.Errorf("a failed Set(%q) changed the ticker to %s", bad, tk)
		}
	}
	if s := realtime.Ticker(7).String(); s != "Ticker(7)" {
		t.Errorf("Ticker(7).String() = %q", s)
	}
	if typ := zero.Type(); typ != "absolute|sleep" {
		t.Errorf("Type() = %q", typ)
	}
	ln, err := realtime.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = realtime.NewNode(realtime.Config{Run: runConfig(2, 1, "1", "1"), Speed: 1, Token: tok, Ticker: 7}, ln)
	if err == nil || !strings.Contains(err.Error(), "unknown ticker Ticker(7)") {
		t.Errorf("NewNode with ticker 7: %v", err)
	}
}

// checkSleepLog checks the rules of a log of the sleep ticker that hold
// whatever the timing: no overruns; at most the schedule's number of
// ticks, all starting before the end; each tick at least one period
// (less tol, in scenario ns) after the previous one, since a sleep never
// returns early; the clock rising by at least 1 a tick, by exactly 1
// without receives; and the faces of the machine's own die stream in
// order. It returns the mean interval between ticks in scenario ns.
func checkSleepLog(t *testing.T, cfg sim.Config, i int, recs []sim.Record, st realtime.Stats, tol int64) float64 {
	t.Helper()
	m := cfg.Machines[i]
	if st.Overruns != 0 || st.Skipped != 0 {
		t.Errorf("machine %d: %d overruns, %d skipped ticks with the sleep ticker", i, st.Overruns, st.Skipped)
	}
	if !st.Completed {
		t.Errorf("machine %d did not complete", i)
	}
	if st.Ticks != int64(len(recs)) || st.Ticks > scheduled(cfg, i) || st.Ticks < 2 {
		t.Fatalf("machine %d: %d records (stats %d), want 2 to the %d the absolute schedule has", i, len(recs), st.Ticks, scheduled(cfg, i))
	}
	if recs[0].At < m.Start || recs[len(recs)-1].At >= cfg.Duration {
		t.Errorf("machine %d: ticks from %d to %d ns, want within [%d, %d)", i, recs[0].At, recs[len(recs)-1].At, m.Start, cfg.Duration)
	}
	period := m.Rate.TickTime(1)
	die := sim.NewDie(cfg.Seed, i, cfg.Die)
	var prev sim.Record
	for k, r := range recs {
		if r.Event != sim.Receive {
			if want := faceEvent(die.Roll(), len(cfg.Machines)); r.Event != want {
				t.Fatalf("machine %d record %d: event %q, but its die's next face gives %q", i, k, r.Event.Name(len(cfg.Machines)), want.Name(len(cfg.Machines)))
			}
		}
		if k > 0 {
			if r.At-prev.At < period-tol {
				t.Errorf("machine %d record %d: %d ns after the previous tick, less than the period %d ns (tolerance %d)", i, k, r.At-prev.At, period, tol)
			}
			if r.Clock <= prev.Clock || r.Event != sim.Receive && r.Clock != prev.Clock+1 {
				t.Errorf("machine %d record %d: clock %d after %d (%s)", i, k, r.Clock, prev.Clock, r.Event.Name(len(cfg.Machines)))
			}
		}
		prev = r
	}
	return float64(recs[len(recs)-1].At-recs[0].At) / float64(len(recs)-1)
}

// Two machines at 20 c/s for 3 s of wall time with the sleep ticker: every
// tick at least a period (50 ms, less 0.2 ms) after the previous one, so
// the mean interval is at least the period and there are at most the 60
// ticks of the absolute schedule; the messages all arrive. Nothing is
// asserted about how late the ticks are; the test logs it.
func TestSleepTicker(t *testing.T) {
	if testing.Short() {
		t.Skip("3 s of wall time")
	}
	cfg := runConfig(4, 3, "20", "20")
	var l logs
	nodes := tickerCluster(t, cfg, 1, realtime.TickerSleep, &l)
	sinks := recorders(len(nodes))
	stats := runAll(context.Background(), t, nodes, sinks)
	for i := range nodes {
		mean := checkSleepLog(t, cfg, i, sinks[i].recs, stats[i], 200_000)
		period := float64(cfg.Machines[i].Rate.TickTime(1))
		if mean < period {
			t.Errorf("machine %d: mean interval %.0f ns, below the period %.0f ns", i, mean, period)
		}
		t.Logf("machine %d: %d ticks of %d scheduled, mean interval %.3f ms (+%.1f µs), effective rate %.4f/s",
			i, stats[i].Ticks, scheduled(cfg, i), mean/1e6, (mean-period)/1e3, 1e9/mean)
		if want := sentTo(sinks[1-i].recs, 1-i, i, 2); stats[i].Received != want {
			t.Errorf("machine %d received %d messages, its peer's log sent it %d", i, stats[i].Received, want)
		}
		if stats[i].Lost != 0 || stats[i].BrokenLinks != 0 {
			t.Errorf("machine %d lost %d messages, %d broken links", i, stats[i].Lost, stats[i].BrokenLinks)
		}
	}
	if text := l.text(); text != "" {
		t.Errorf("a clean run logged:\n%s", text)
	}
}

// A stalled process does not overrun with the sleep ticker: the tick after
// a stall of 5 periods comes when the stall ends, at least 5 periods after
// the one before, its clock rises by 1 as every tick's does, and the ticks
// the stall cost are not made up for.
func TestSleepTickerStall(t *testing.T) {
	cfg := runConfig(10, 2, "100", "1")
	var l logs
	nd := newTickerNode(t, cfg, 0, 10, realtime.TickerSleep, &l) // a period of 1 ms of wall time
	p := newFakePeer(t)
	p.dial(t, nd.Addr(), 1, 0, nil)
	if err := nd.Connect(context.Background(), []string{nd.Addr(), p.ln.Addr().String()}); err != nil {
		t.Fatal(err)
	}
	p.finish(t)
	rec := &recorder{}
	const stall = 5 * time.Millisecond // wall time: 50 ms of scenario time
	rec.onRecord = func(k int) {
		if k == 10 {
			time.Sleep(stall) // timing-ok: the stall a sleep ticker does not make up for
		}
	}
	st, err := nd.Run(context.Background(), time.Now(), rec) // timing-ok
	if err != nil {
		t.Fatal(err)
	}
	checkSleepLog(t, cfg, 0, rec.recs, st, 2_000_000) // 0.2 ms of wall time
	if gap := rec.recs[10].At - rec.recs[9].At; gap < 10*int64(stall) {
		t.Errorf("the tick after the stall came %d ns after the one before, want at least %d", gap, 10*int64(stall))
	}
	if n := scheduled(cfg, 0); st.Ticks > n-4 {
		t.Errorf("%d ticks of %d scheduled: the stall's 4 lost periods were made up for", st.Ticks, n)
	}
}
