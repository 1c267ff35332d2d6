package trace_test

import (
	"math/big"
	"slices"
	"testing"

	"desim/analysis/trace"
	"desim/sim"
)

// vcEvent is one tick with its vector timestamp, for the tests.
type vcEvent struct {
	machine int
	index   int64
	vc      []int64
	sentVC  []int64
	recvSeq int64 // the message received, -1 for none
	sendSeq []int64
}

func scanVC(t *testing.T, files trace.Files) []vcEvent {
	t.Helper()
	var evs []vcEvent
	err := trace.Scan(files, trace.Options{Vector: true}, trace.Handler{Tick: func(tk *trace.Tick) error {
		e := vcEvent{machine: tk.Machine, index: tk.Index, vc: slices.Clone(tk.VC), sentVC: slices.Clone(tk.SentVC), recvSeq: -1}
		if tk.Msg != nil {
			e.recvSeq = tk.Msg.Seq
		}
		for k := range tk.To {
			e.sendSeq = append(e.sendSeq, tk.Seq+int64(k))
		}
		evs = append(evs, e)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// The vector timestamps are those of Fidge and Mattern: the own entry
// counts the machine's events from 1; a receive is the element-wise
// maximum of the previous timestamp and the send's, then counts itself;
// and, checked against happened-before computed by brute force over the
// event graph (program order and messages), a happened before b exactly
// when VC(a) < VC(b).
func TestVectorClocks(t *testing.T) {
	for name, cfg := range allConfigs(t) {
		cfg.Duration = min(cfg.Duration, 15*s)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			evs := scanVC(t, tracedRun(t, cfg))
			n := len(cfg.Machines)
			prev := make([][]int64, n)
			for i := range prev {
				prev[i] = make([]int64, n)
			}
			sendOf := map[int64]int{} // seq -> event index
			for k, e := range evs {
				want := slices.Clone(prev[e.machine])
				if e.recvSeq >= 0 {
					s := evs[sendOf[e.recvSeq]]
					if !slices.Equal(e.sentVC, s.vc) {
						t.Fatalf("event %d: SentVC %v, the send's timestamp is %v", k, e.sentVC, s.vc)
					}
					for j := range want {
						want[j] = max(want[j], s.vc[j])
					}
				}
				want[e.machine]++
				if !slices.Equal(e.vc, want) || e.vc[e.machine] != e.index+1 {
					t.Fatalf("event %d (machine %d tick %d): VC %v, want %v", k, e.machine, e.index, e.vc, want)
				}
				prev[e.machine] = e.vc
				for _, q := range e.sendSeq {
					sendOf[q] = k
				}
			}
			// Happened-before by reachability: events come in a
			// topological order (a send before its receive).
			if len(evs) > 2000 {
				evs = evs[:2000]
			}
			before := make([]*big.Int, len(evs)) // bit a: a happened before this event
			last := make([]int, n)
			for i := range last {
				last[i] = -1
			}
			for k, e := range evs {
				b := new(big.Int)
				if p := last[e.machine]; p >= 0 {
					b.Or(b, before[p]).SetBit(b, p, 1)
				}
				if e.recvSeq >= 0 {
					if p := sendOf[e.recvSeq]; p < k {
						b.Or(b, before[p]).SetBit(b, p, 1)
					}
				}
				before[k] = b
				last[e.machine] = k
			}
			// Exactly: entry j of VC(b) counts the events of machine j
			// that happened before b, or are b.
			for b := range evs {
				count := make([]int64, n)
				for a := range evs {
					if a == b || before[b].Bit(a) == 1 {
						count[evs[a].machine]++
					}
				}
				if !slices.Equal(count, evs[b].vc) {
					t.Fatalf("event %d: VC %v, happened-before counts %v", b, evs[b].vc, count)
				}
			}
			for a := range evs {
				for b := range evs {
					hb := before[b].Bit(a) == 1
					if lessVC(evs[a].vc, evs[b].vc) != hb {
						t.Fatalf("events %d and %d: happened-before %v, VC(%d) %v, VC(%d) %v", a, b, hb, a, evs[a].vc, b, evs[b].vc)
					}
				}
			}
		})
	}
}

// lessVC reports whether a < b: a ≤ b element-wise and a ≠ b.
func lessVC(a, b []int64) bool {
	strict := false
	for i := range a {
		if a[i] > b[i] {
			return false
		}
		strict = strict || a[i] < b[i]
	}
	return strict
}

// Vector timestamps are only computed when asked for.
func TestNoVectorByDefault(t *testing.T) {
	files := tracedRun(t, builtin(t, "A3", 10e9))
	err := trace.Scan(files, trace.Options{}, trace.Handler{Tick: func(tk *trace.Tick) error {
		if tk.VC != nil || tk.SentVC != nil {
			t.Fatal("a vector timestamp without Options.Vector")
		}
		return nil
	}, Unreceived: func(_ *sim.Message, vc []int64) error {
		if vc != nil {
			t.Fatal("a vector timestamp without Options.Vector")
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
}
