package sim_test

import (
	"bytes"
	"cmp"
	"container/heap"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"desim/sim"
)

// msgCollector is a MessageSink that keeps every message in order.
type msgCollector struct{ msgs []sim.Message }

func (c *msgCollector) Messages(b []sim.Message) error {
	c.msgs = append(c.msgs, b...)
	return nil
}

// refTrace is the message trace of the reference simulator of
// reference_test.go, written out again with a message in every queue
// entry instead of a bare value: a message is stamped Queued when its
// delivery event happens, and Received when a tick pops it; the trace
// lists the received messages in the order of the ticks that received
// them, then the rest by sequence number.
func refTrace(cfg sim.Config) (recs [][]sim.Record, msgs []sim.Message) {
	n := len(cfg.Machines)
	end := cfg.Duration
	clocks := make([]int64, n)
	queues := make([][]sim.Message, n)
	dice := make([]sim.Die, n)
	links := make([][]*rand.PCG, n)
	last := make([][]int64, n)
	recs = make([][]sim.Record, n)
	inflight := map[int64]sim.Message{}
	q := &refQueue{}
	ticks := make([]func(k int64) int64, n)
	for i := range cfg.Machines {
		dice[i] = sim.NewDie(cfg.Seed, i, cfg.Die)
		links[i] = make([]*rand.PCG, n)
		last[i] = make([]int64, n)
		for j := range n {
			links[i][j] = rand.NewPCG(sim.StreamSeed(cfg.Seed, sim.PurposeJitter, i, j))
		}
		ticks[i] = refTickTimes(cfg, i)
		heap.Push(q, refEvent{at: ticks[i](0), tick: true, key: int64(i)})
	}
	var seq int64
	for q.Len() > 0 {
		ev := heap.Pop(q).(refEvent)
		if ev.at >= end {
			break
		}
		if !ev.tick {
			m := inflight[ev.key]
			delete(inflight, ev.key)
			m.Queued = ev.at
			queues[ev.to] = append(queues[ev.to], m)
			continue
		}
		i := int(ev.key)
		var e sim.Event
		var dests []int
		if len(queues[i]) > 0 {
			m := queues[i][0]
			queues[i] = queues[i][1:]
			clocks[i] = max(clocks[i], m.Value)
			m.State, m.Received, m.Clock = sim.MessageReceived, ev.at, clocks[i]+1
			msgs = append(msgs, m)
			e = sim.Receive
		} else {
			f := dice[i].Roll()
			var peers []int
			for j := range n {
				if j != i {
					peers = append(peers, j)
				}
			}
			switch {
			case f >= 1 && f <= n-1:
				e, dests = sim.SendTo(f-1), []int{peers[f-1]}
			case f == n:
				e, dests = sim.Broadcast, peers
			default:
				e = sim.Internal
			}
		}
		for _, j := range dests {
			at := ev.at + cfg.Latency
			if cfg.Jitter > 0 {
				at += int64(lemire64(links[i][j], uint64(cfg.Jitter)+1))
				at = max(at, last[i][j])
				last[i][j] = at
			}
			inflight[seq] = sim.Message{Seq: seq, From: i, To: j, Sent: ev.at, Value: clocks[i], Queued: at}
			heap.Push(q, refEvent{at: at, key: seq, to: j, value: clocks[i]})
			seq++
		}
		clocks[i]++
		recs[i] = append(recs[i], sim.Record{At: ev.at, Clock: clocks[i], Queue: int64(len(queues[i])), Event: e})
		heap.Push(q, refEvent{at: ticks[i](ev.k + 1), tick: true, key: int64(i), k: ev.k + 1})
	}
	var left []sim.Message
	for _, qu := range queues {
		for _, m := range qu {
			m.State = sim.MessageQueued
			left = append(left, m)
		}
	}
	for _, m := range inflight {
		m.State = sim.MessageInFlight
		left = append(left, m)
	}
	slices.SortFunc(left, func(a, b sim.Message) int { return cmp.Compare(a.Seq, b.Seq) })
	return recs, append(msgs, left...)
}

// traceConfigs are the paper's experiments and random configurations as
// in TestEngineMatchesReference: latency 0, latencies that tie with
// ticks, large and small jitter, start offsets, 2 to 8 machines; and the
// timing models of TestEngineMatchesReferenceTiming.
func traceConfigs() map[string]sim.Config {
	cases := map[string]sim.Config{}
	paper := map[string][]string{
		"A1": {"6", "6", "6"}, "A2": {"6", "1", "1"}, "A3": {"6", "6", "1"}, "A4": {"6", "2", "1"},
		"A5": {"6", "4", "2"}, "B1": {"6", "6", "6"}, "B2": {"6", "5", "5"}, "B3": {"6", "6", "5"},
		"B4": {"6", "5", "4"},
	}
	for name, rates := range paper {
		die := 10
		if name[0] == 'B' {
			die = 4
		}
		cases[name] = paperConfig(rates, die, 300)
	}
	rng := rand.New(rand.NewPCG(14, 14))
	rates := []string{"1", "2", "3", "4", "5", "6", "10", "2.5", "7.77", "1/3", "0.5", "12.5", "40", "100", "6.000001"}
	for k := range 200 {
		n := 2 + rng.IntN(7)
		cfg := sim.Config{Seed: rng.Uint64(), Duration: 1 + rng.Int64N(40*s), Die: n + rng.IntN(8)}
		for range n {
			start := int64(0)
			if rng.IntN(2) == 0 {
				start = rng.Int64N(2*s) / ms * ms
			}
			cfg.Machines = append(cfg.Machines, mc(rates[rng.IntN(len(rates))], start))
		}
		switch k % 4 {
		case 1:
			cfg.Latency = []int64{100 * ms, 250 * ms, 500 * ms, s}[rng.IntN(4)]
		case 2:
			cfg.Latency, cfg.Jitter = ms, 1+rng.Int64N(800*ms)
		case 3:
			cfg.Latency, cfg.Jitter = rng.Int64N(3), 1+rng.Int64N(3)
		}
		cases[fmt.Sprintf("random%d", k)] = cfg
	}
	for name, cfg := range timingConfigs() {
		cases[name] = cfg
	}
	return cases
}

// The engine's trace equals the reference's, message for message and in
// the same order, and tracing leaves the records as they are.
func TestRunTracedMatchesReference(t *testing.T) {
	for name, cfg := range traceConfigs() {
		t.Run(name, func(t *testing.T) {
			wantRecs, want := refTrace(cfg)
			e, err := sim.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			col := newCollector(len(cfg.Machines))
			var got msgCollector
			if err := e.RunTraced(col, &got); err != nil {
				t.Fatal(err)
			}
			if !equalRecs(col.recs, wantRecs) {
				t.Fatalf("traced records differ from the reference's")
			}
			if !equalRecs(col.recs, run(t, cfg)) {
				t.Fatalf("traced records differ from Run's")
			}
			for k := range min(len(got.msgs), len(want)) {
				if got.msgs[k] != want[k] {
					t.Fatalf("config %+v\nmessage %d: got %+v, want %+v", cfg, k, got.msgs[k], want[k])
				}
			}
			if len(got.msgs) != len(want) {
				t.Fatalf("%d messages, want %d", len(got.msgs), len(want))
			}
			if st := e.Stats(); st.Sent != int64(len(got.msgs)) {
				t.Errorf("%d messages traced, %d sent", len(got.msgs), st.Sent)
			}
		})
	}
}

// The trace's order and states, stated directly: received messages by
// receive tick (time, then receiver), then the others by sequence number,
// queued before the end and in flight after it; every sequence number
// once.
func TestRunTracedOrder(t *testing.T) {
	cfg := paperConfig([]string{"6", "1", "1"}, 10, 120)
	cfg.Jitter = 300 * ms
	e, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var c msgCollector
	if err := e.RunTraced(nil, &c); err != nil {
		t.Fatal(err)
	}
	seen := make([]bool, len(c.msgs))
	var states [3]int
	for k, m := range c.msgs {
		if m.Seq < 0 || m.Seq >= int64(len(seen)) || seen[m.Seq] {
			t.Fatalf("message %d: sequence number %d out of range or repeated", k, m.Seq)
		}
		seen[m.Seq] = true
		states[m.State]++
		if k == 0 {
			continue
		}
		p := c.msgs[k-1]
		switch {
		case m.State == sim.MessageReceived && p.State != sim.MessageReceived:
			t.Fatalf("message %d received after an unreceived one", k)
		case m.State == sim.MessageReceived && (m.Received < p.Received || m.Received == p.Received && m.To <= p.To):
			t.Fatalf("message %d %+v received before message %d %+v", k, m, k-1, p)
		case m.State != sim.MessageReceived && p.State != sim.MessageReceived && m.Seq < p.Seq:
			t.Fatalf("unreceived messages not in sequence order at %d", k)
		}
		switch m.State {
		case sim.MessageReceived:
			if !(m.Sent+cfg.Latency <= m.Queued && m.Queued <= m.Received) {
				t.Fatalf("message %+v: times out of order", m)
			}
		case sim.MessageQueued:
			if m.Queued >= cfg.Duration || m.Received != 0 || m.Clock != 0 {
				t.Fatalf("queued message %+v", m)
			}
		case sim.MessageInFlight:
			if m.Queued < cfg.Duration || m.Received != 0 || m.Clock != 0 {
				t.Fatalf("in-flight message %+v", m)
			}
		}
	}
	// A2's slow machines fall behind: some messages stay queued, and with
	// 300 ms of jitter some are still in flight at the end of 120 s.
	if states[sim.MessageReceived] == 0 || states[sim.MessageQueued] == 0 {
		t.Errorf("states %v: want received and queued messages", states)
	}
}

// A run with messages in flight at the end: a latency longer than the
// run's remainder.
func TestRunTracedInFlight(t *testing.T) {
	cfg := sim.Config{Seed: 1, Duration: 10 * s, Die: 2, Latency: 4 * s,
		Machines: []sim.MachineConfig{mc("1", 0), mc("1", 0)}}
	e, _ := sim.New(cfg)
	var c msgCollector
	if err := e.RunTraced(nil, &c); err != nil {
		t.Fatal(err)
	}
	var inflight int
	for _, m := range c.msgs {
		if m.State == sim.MessageInFlight {
			inflight++
			if m.Sent < 6*s {
				t.Errorf("message %+v sent before 6 s is in flight", m)
			}
		}
	}
	if inflight == 0 {
		t.Errorf("no message in flight among %d", len(c.msgs))
	}
}

// RunTraced with no message sink is Run; Reset runs again with the same
// trace; Run and RunTraced refuse a second run without Reset.
func TestRunTracedResetAndNil(t *testing.T) {
	cfg := paperConfig([]string{"6", "6", "1"}, 10, 60)
	e, _ := sim.New(cfg)
	col := newCollector(3)
	if err := e.RunTraced(col, nil); err != nil {
		t.Fatal(err)
	}
	if !equalRecs(col.recs, run(t, cfg)) {
		t.Error("RunTraced(sink, nil) differs from Run")
	}
	var a, b msgCollector
	if err := e.RunTraced(nil, &a); err == nil {
		t.Error("RunTraced after Run without Reset: no error")
	}
	e.Reset(cfg.Seed)
	if err := e.RunTraced(nil, &a); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(nil); err == nil {
		t.Error("Run after RunTraced without Reset: no error")
	}
	e.Reset(cfg.Seed + 1)
	if err := e.RunTraced(nil, &b); err != nil {
		t.Fatal(err)
	}
	e.Reset(cfg.Seed)
	b.msgs = b.msgs[:0]
	if err := e.RunTraced(nil, &b); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.msgs, b.msgs) {
		t.Error("a traced run after Reset differs from the first")
	}
}

type failMsgs struct {
	n   int
	err error
}

func (f *failMsgs) Messages(b []sim.Message) error {
	f.n += len(b)
	return f.err
}

// An error of the message sink stops the run and is returned.
func TestRunTracedSinkError(t *testing.T) {
	cfg := paperConfig([]string{"6", "6", "6"}, 4, 3600)
	e, _ := sim.New(cfg)
	boom := errors.New("boom")
	f := &failMsgs{err: boom}
	if err := e.RunTraced(nil, f); !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
	if f.n == 0 || e.Stats().Ticks >= 3*6*3600 {
		t.Errorf("the run went on after the error: %d messages, stats %+v", f.n, e.Stats())
	}
}

func TestMessageStateString(t *testing.T) {
	for st, want := range map[sim.MessageState]string{
		sim.MessageReceived: "received", sim.MessageQueued: "queued", sim.MessageInFlight: "in_flight", 7: "MessageState(7)",
	} {
		if got := st.String(); got != want {
			t.Errorf("%d: %q, want %q", st, got, want)
		}
	}
}

func TestMessageWriterFormat(t *testing.T) {
	var buf bytes.Buffer
	w := sim.NewMessageWriter(&buf)
	msgs := []sim.Message{
		{Seq: 0, From: 0, To: 1, Sent: 0, Value: 0, Queued: 100_000, Received: 166_666_666, Clock: 2},
		{Seq: 57, From: 2, To: 1, Sent: 59_500_000_000, Value: 290, Queued: 59_500_100_000, State: sim.MessageQueued},
		{Seq: 9223372036854775807, From: 999, To: 1000, Sent: 1e16, Value: 9223372036854775807, Queued: 3e16, State: sim.MessageInFlight},
		{Seq: 12, From: 1, To: 0, Sent: 12_000_000_001, Value: 71, Queued: 12_000_000_001, Received: 12_166_666_666, Clock: 9223372036854775807},
	}
	if err := w.Messages(msgs[:1]); err != nil {
		t.Fatal(err)
	}
	if err := w.Messages(msgs[1:]); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Error("wrote before Flush")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "seq,from,to,send_time,value,queue_time,state,receive_time,receive_clock\n" +
		"0,0,1,0.000000000,0,0.000100000,received,0.166666666,2\n" +
		"57,2,1,59.500000000,290,59.500100000,queued,,\n" +
		"9223372036854775807,999,1000,10000000.000000000,9223372036854775807,30000000.000000000,in_flight,,\n" +
		"12,1,0,12.000000001,71,12.000000001,received,12.166666666,9223372036854775807\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// The writer streams through its buffer: a long trace is written in
// pieces, the same bytes as one AppendMessage per line, and an error of
// the writer is returned.
func TestMessageWriterLong(t *testing.T) {
	var msgs []sim.Message
	want := []byte(sim.MessagesHeader)
	for k := range int64(20000) {
		m := sim.Message{Seq: k, From: int(k % 3), To: int(k%3+1) % 3, Sent: k * 7777, Value: k, Queued: k*7777 + 100_000, Received: k*7777 + 200_000, Clock: k + 1}
		msgs = append(msgs, m)
		want = sim.AppendMessage(want, &m)
	}
	var buf bytes.Buffer
	w := sim.NewMessageWriter(&buf)
	for k := 0; k < len(msgs); k += 256 {
		if err := w.Messages(msgs[k:min(k+256, len(msgs))]); err != nil {
			t.Fatal(err)
		}
	}
	if buf.Len() == 0 {
		t.Error("nothing written before Flush: the writer buffers everything")
	}
	w.Flush()
	if !bytes.Equal(buf.Bytes(), want) {
		t.Error("streamed bytes differ")
	}
	boom := errors.New("disk full")
	fw := sim.NewMessageWriter(failWriter{boom})
	var err error
	for k := 0; k < len(msgs) && err == nil; k += 256 {
		err = fw.Messages(msgs[k:min(k+256, len(msgs))])
	}
	if !errors.Is(err, boom) {
		t.Errorf("got %v, want the writer's error", err)
	}
	fw = sim.NewMessageWriter(failWriter{boom})
	if err := fw.Flush(); !errors.Is(err, boom) {
		t.Errorf("Flush: got %v, want the writer's error", err)
	}
}

// The same configuration and seed give the same messages.csv bytes.
func TestMessageTraceDeterministic(t *testing.T) {
	trace := func() []byte {
		cfg := paperConfig([]string{"6", "5", "4"}, 4, 300)
		cfg.Jitter = 50 * ms
		e, _ := sim.New(cfg)
		var buf bytes.Buffer
		w := sim.NewMessageWriter(&buf)
		if err := e.RunTraced(nil, w); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		return buf.Bytes()
	}
	a, b := trace(), trace()
	if !bytes.Equal(a, b) || !strings.HasPrefix(string(a), sim.MessagesHeader) || bytes.Count(a, []byte("\n")) < 100 {
		t.Errorf("traces differ or are too short (%d and %d bytes)", len(a), len(b))
	}
}

// BenchmarkA1Trace is A1 for 3600 s with the message trace written as
// messages.csv to io.Discard (and no other sink): the cost of "desim run
// --trace" beyond the logs. Target: at least 10 M messages/s.
func BenchmarkA1Trace(b *testing.B) {
	cfg := paperConfig([]string{"6", "6", "6"}, 10, 3600)
	e, err := sim.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var msgs int64
	w := sim.NewMessageWriter(io.Discard)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e.Reset(uint64(i + 1))
		if err := e.RunTraced(nil, w); err != nil {
			b.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		msgs += e.Stats().Sent
	}
	b.ReportMetric(float64(msgs)/b.Elapsed().Seconds(), "messages/s")
}

// AppendMessage spells every number as strconv and AppendSeconds do, at
// every length.
func TestAppendMessageNumbers(t *testing.T) {
	var vs []int64
	for p := int64(1); p > 0 && p <= 1e18; p *= 10 {
		vs = append(vs, p-1, p, p+1, 2*p-1, 9*p)
	}
	vs = append(vs, 1<<63-1, 1<<62, 123456789012345678)
	for _, v := range vs {
		for _, st := range []sim.MessageState{sim.MessageReceived, sim.MessageQueued} {
			m := sim.Message{Seq: v, From: int(v % 1001), To: int(v % 997), Sent: v, Value: v, Queued: v, State: st, Received: v, Clock: v}
			want := fmt.Sprintf("%d,%d,%d,%s,%d,%s,%s,", v, m.From, m.To, sim.AppendSeconds(nil, v), v, sim.AppendSeconds(nil, v), st)
			if st == sim.MessageReceived {
				want += fmt.Sprintf("%s,%d\n", sim.AppendSeconds(nil, v), v)
			} else {
				want += ",\n"
			}
			if got := string(sim.AppendMessage([]byte("x"), &m)); got != "x"+want {
				t.Errorf("%d: got %q, want %q", v, got, "x"+want)
			}
		}
	}
}
