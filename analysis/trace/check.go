package trace

import (
	"cmp"
	"fmt"
	"slices"

	"desim/analysis"
	"desim/sim"
)

// Check reads a traced run and checks its message trace against its logs
// completely. Beyond what Scan checks on the way (each received message
// is the next of its link, sent by its sender's send tick with the
// sender's clock minus one, received by a receive tick with the right
// clock; the unreceived ones are the rest), it checks:
//
//   - the counts: the messages each machine sent in the trace are the
//     copies of its log's sends and broadcasts (1 per send, N−1 per
//     broadcast), the messages each received are its log's receives;
//   - the times each message entered its queue: on each link they never
//     decrease, and with cfg, each is its send time plus the latency plus
//     at most the jitter, or the link's previous message's time (exactly
//     the send time plus the latency without jitter), and a message is
//     queued at the end exactly when it entered before the end;
//   - the queues: each machine receives its messages in the order they
//     entered its queue, and after every tick of its log the queue length
//     is the number of messages that had entered the queue (before the
//     tick, in the engine's order of events) less those received, up to
//     and including that tick.
//
// cfg may be nil when the run's configuration is unknown. Check holds the
// run in memory (a few dozen bytes per tick and per message); a problem
// is an *analysis.LogError naming the file (and, in a log, the line).
func Check(files Files, cfg *sim.Config) error {
	n := len(files.Logs)
	type ctick struct {
		at, queue int64
		recv      bool
	}
	type cmsg struct {
		seq, sent, queued int64
		from              int
		recv              int64 // the receiver's receive number, from 0; -1 if never received
	}
	ticks := make([][]ctick, n)
	msgs := make([][]cmsg, n)
	logCopies := make([]int64, n) // copies sent, by the logs
	logRecv := make([]int64, n)   // receives, by the logs
	traceSent := make([]int64, n) // messages sent, by the trace
	traceRecv := make([]int64, n) // messages received, by the trace
	opt := Options{}
	if cfg != nil {
		opt.Duration = cfg.Duration
	}
	err := Scan(files, opt, Handler{
		Tick: func(t *Tick) error {
			i := t.Machine
			ticks[i] = append(ticks[i], ctick{t.At, t.Queue, t.Msg != nil})
			logCopies[i] += int64(t.Event.Copies(n))
			if t.Event == sim.Receive {
				logRecv[i]++
			}
			if m := t.Msg; m != nil {
				msgs[i] = append(msgs[i], cmsg{m.Seq, m.Sent, m.Queued, m.From, traceRecv[i]})
				traceRecv[i]++
				traceSent[m.From]++
			}
			return nil
		},
		Unreceived: func(m *sim.Message, _ []int64) error {
			msgs[m.To] = append(msgs[m.To], cmsg{m.Seq, m.Sent, m.Queued, m.From, -1})
			traceSent[m.From]++
			return nil
		},
	})
	if err != nil {
		return err
	}
	for i := range n {
		if logCopies[i] != traceSent[i] || logRecv[i] != traceRecv[i] {
			return &analysis.LogError{File: files.Messages, Msg: fmt.Sprintf(
				"machine %d sent %d messages and received %d, but its log has %d copies of sends and %d receives",
				i, traceSent[i], traceRecv[i], logCopies[i], logRecv[i])}
		}
	}
	for j := range n {
		ms := msgs[j]
		// Each link's entry times, in the order its messages were sent.
		slices.SortFunc(ms, func(a, b cmsg) int { return cmp.Compare(a.seq, b.seq) })
		last := map[int]int64{}
		for _, m := range ms {
			prev, seen := last[m.from]
			if seen && m.queued < prev {
				return &analysis.LogError{File: files.Messages, Msg: fmt.Sprintf(
					"message %d from %d to %d entered the queue at %s s, before the link's previous message at %s s", m.seq, m.from, j, seconds(m.queued), seconds(prev))}
			}
			if cfg != nil {
				lo, hi := m.sent+cfg.Latency, m.sent+cfg.Latency+cfg.Jitter
				if m.queued < lo || m.queued > hi && !(seen && m.queued == prev) {
					return &analysis.LogError{File: files.Messages, Msg: fmt.Sprintf(
						"message %d from %d to %d sent at %s s entered the queue at %s s: want %s to %s s (latency %d ns, jitter %d ns), or the link's previous message's time",
						m.seq, m.from, j, seconds(m.sent), seconds(m.queued), seconds(lo), seconds(hi), cfg.Latency, cfg.Jitter)}
				}
			}
			last[m.from] = m.queued
		}
		// The queue's order: by entry time, ties by sequence number.
		slices.SortFunc(ms, func(a, b cmsg) int {
			return cmp.Or(cmp.Compare(a.queued, b.queued), cmp.Compare(a.seq, b.seq))
		})
		for k, m := range ms {
			if k < int(traceRecv[j]) && m.recv != int64(k) || k >= int(traceRecv[j]) && m.recv >= 0 {
				return &analysis.LogError{File: files.Messages, Msg: fmt.Sprintf(
					"machine %d does not receive its messages in the order they entered its queue: message %d is the %d-th to enter", j, m.seq, k+1)}
			}
		}
		// The queue length after each tick.
		entered, received := 0, int64(0)
		for k, t := range ticks[j] {
			for entered < len(ms) && enteredBefore(ms[entered].queued, ms[entered].sent, ms[entered].from, t.at, j) {
				entered++
			}
			if t.recv {
				received++
			}
			if want := int64(entered) - received; t.queue != want {
				return &analysis.LogError{File: files.Logs[j], Line: k + 1, Msg: fmt.Sprintf(
					"queue length %d, but by the trace %d messages had entered the queue and %d been received: want %d",
					t.queue, entered, received, want)}
			}
		}
	}
	return nil
}

// enteredBefore reports whether a message that entered machine j's queue
// at queued, sent at sent by machine from, was in the queue when j ticked
// at time at: deliveries come before ticks at the same time, except that
// a message sent at that very time (latency 0) by a machine that ticks
// after j in the engine's order was not yet sent.
func enteredBefore(queued, sent int64, from int, at int64, j int) bool {
	return queued < at || queued == at && (sent < at || from < j)
}
