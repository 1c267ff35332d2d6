package sim_test

import (
	"fmt"
	"slices"
	"testing"

	"desim/sim"
)

// targetList returns the machines of t in its iteration order.
func targetList(t sim.Targets) []int {
	var out []int
	for k := range t.Len() {
		out = append(out, t.At(k))
	}
	return out
}

// Every event kind of every machine of 2, 3 and 5: the Step names the
// event and the value, and its targets are exactly the machines the model
// sends to (the one peer, or every other machine), in index order, never
// the machine itself. TickBy returns the same Step as Tick.
func TestStepTargets(t *testing.T) {
	type kind struct {
		name  string
		face  int     // the face handed in
		queue []int64 // delivered before the tick
		ev    func(n int) sim.Event
		to    func(n, id int) []int
	}
	others := func(n, id int) []int {
		var out []int
		for j := range n {
			if j != id {
				out = append(out, j)
			}
		}
		return out
	}
	kinds := []kind{
		{"internal", 0, nil, func(int) sim.Event { return sim.Internal }, func(int, int) []int { return nil }},
		{"internal-high-face", 99, nil, func(int) sim.Event { return sim.Internal }, func(int, int) []int { return nil }},
		{"receive", 1, []int64{40}, func(int) sim.Event { return sim.Receive }, func(int, int) []int { return nil }},
		{"receive-on-broadcast-face", -1, []int64{3, 4}, func(int) sim.Event { return sim.Receive }, func(int, int) []int { return nil }},
		{"broadcast", -1, nil, func(int) sim.Event { return sim.Broadcast }, others},
	}
	for _, n := range []int{2, 3, 5} {
		cases := slices.Clone(kinds)
		for p := range n - 1 {
			cases = append(cases, kind{fmt.Sprintf("send-%d", p), p + 1, nil,
				func(int) sim.Event { return sim.SendTo(p) },
				func(n, id int) []int {
					if p < id {
						return []int{p}
					}
					return []int{p + 1}
				}})
		}
		for id := range n {
			for _, c := range cases {
				face := c.face
				if face == -1 {
					face = n // the broadcast face
				}
				t.Run(fmt.Sprintf("n%d/machine%d/%s", n, id, c.name), func(t *testing.T) {
					m := withClock(id, n, 7, c.queue...)
					m2 := withClock(id, n, 7, c.queue...)
					s := m.Tick(face)
					if s2 := m2.TickBy(face, 5); s2 != s {
						t.Errorf("TickBy = %+v, Tick = %+v", s2, s)
					}
					if want := c.ev(n); s.Event != want {
						t.Fatalf("event %q, want %q", s.Event.Name(n), want.Name(n))
					}
					wantValue := int64(7)
					if len(c.queue) > 0 {
						wantValue = c.queue[0]
					}
					if s.Value != wantValue {
						t.Errorf("value %d, want %d", s.Value, wantValue)
					}
					got := targetList(s.To)
					if want := c.to(n, id); !slices.Equal(got, want) {
						t.Errorf("targets %v, want %v", got, want)
					}
					if slices.Contains(got, id) {
						t.Errorf("targets %v include the machine itself", got)
					}
					if !slices.IsSorted(got) {
						t.Errorf("targets %v not in index order", got)
					}
					if s.To.Len() != s.Event.Copies(n) {
						t.Errorf("Len %d, Copies %d", s.To.Len(), s.Event.Copies(n))
					}
					if s.Event == sim.Broadcast && s.To.Len() != n-1 {
						t.Errorf("broadcast to %d machines, want n-1 = %d", s.To.Len(), n-1)
					}
					for k, j := range got {
						if s.Event == sim.Broadcast && j != m.PeerID(k) {
							t.Errorf("broadcast copy %d goes to %d, want peer %d = machine %d", k, j, k, m.PeerID(k))
						}
						if s.Event.IsSend() && j != m.PeerID(s.Event.Peer()) {
							t.Errorf("send to peer %d goes to machine %d, want %d", s.Event.Peer(), j, m.PeerID(s.Event.Peer()))
						}
					}
				})
			}
		}
	}
}

// The zero Targets is the empty list.
func TestTargetsZero(t *testing.T) {
	var z sim.Targets
	if z.Len() != 0 {
		t.Errorf("zero Targets has Len %d", z.Len())
	}
	if (sim.Step{}).To.Len() != 0 {
		t.Error("zero Step sends")
	}
}
