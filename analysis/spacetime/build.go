package spacetime

import (
	"fmt"

	"desim/analysis/trace"
	"desim/sim"
)

// Diagram is a space-time (Lamport) diagram of a window of a traced run:
// a row per machine drawn, its ticks in the window, and the messages
// between drawn machines whose path crosses the window.
type Diagram struct {
	// Title is drawn above the diagram: "A3, seed 1".
	Title string
	// From and To bound the window [From, To) in ns.
	From, To int64
	Rows     []Row
	Messages []Message
}

// Row is one machine's line.
type Row struct {
	Machine int
	// Label names the row: "machine 0 (6 c/s)".
	Label string
	// Ticks are the machine's ticks in the window, in time order.
	Ticks []Tick
}

// Tick is one dot of a row.
type Tick struct {
	At    int64
	Clock int64 // Lamport clock after the tick, printed by the dot when it fits
	Event sim.Event
}

// Message is one arrow: from the sending tick on row From to the
// receiving tick on row To (rows, not machines), with its wait in the
// receiver's queue, from Queued to Received, drawn dashed.
type Message struct {
	Seq                    int64
	From, To               int
	Sent, Queued, Received int64
	State                  sim.MessageState
}

// Options choose the window and the machines of a diagram.
type Options struct {
	// From is the window's start in ns.
	From int64
	// To is the window's end in ns when ToSet; otherwise the window is
	// DefaultSpan long, or shorter when it would hold more than MaxTicks
	// ticks of the drawn machines: then it ends just after the MaxTicks-th.
	To    int64
	ToSet bool
	// Machines lists the machines to draw, top to bottom; nil draws them
	// all in order.
	Machines []int
	// Labels name the machines (by machine index); missing ones are
	// "machine i".
	Labels []string
	// Title is the diagram's title.
	Title string
	// Duration is the run's length in ns (0 if unknown), for Scan's checks.
	Duration int64
}

// The default window.
const (
	DefaultSpan = int64(10e9)
	MaxTicks    = 300
)

// Build reads the window of the traced run in files (see trace.Scan, whose
// checks it makes on the way) and returns its diagram. It reads the run
// up to the window's end, and on only as far as needed to find where the
// messages sent before the end and not yet received go; it keeps only the
// window's ticks and messages.
func Build(files trace.Files, opt Options) (*Diagram, error) {
	n := len(files.Logs)
	rows := opt.Machines
	if rows == nil {
		for i := range n {
			rows = append(rows, i)
		}
	}
	rowOf := make([]int, n)
	for i := range rowOf {
		rowOf[i] = -1
	}
	d := &Diagram{Title: opt.Title, From: opt.From, To: opt.To}
	for r, i := range rows {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("machine %d is not a machine of the run (0 to %d)", i, n-1)
		}
		if rowOf[i] >= 0 {
			return nil, fmt.Errorf("machine %d is listed twice", i)
		}
		rowOf[i] = r
		label := fmt.Sprintf("machine %d", i)
		if i < len(opt.Labels) && opt.Labels[i] != "" {
			label = opt.Labels[i]
		}
		d.Rows = append(d.Rows, Row{Machine: i, Label: label})
	}
	if opt.Duration > 0 && d.From >= opt.Duration {
		return nil, fmt.Errorf("the window starts at %s s, at or after the run's end at %s s", sim.AppendSeconds(nil, d.From), sim.AppendSeconds(nil, opt.Duration))
	}
	if !opt.ToSet {
		d.To = d.From + DefaultSpan
		if opt.Duration > 0 {
			d.To = min(d.To, opt.Duration)
		}
	}
	if d.To <= d.From {
		return nil, fmt.Errorf("the window's end %s s is not after its start %s s", sim.AppendSeconds(nil, d.To), sim.AppendSeconds(nil, d.From))
	}
	drawn := func(i int) bool { return rowOf[i] >= 0 }
	// open holds the messages between drawn machines sent before the
	// window's end and not yet received.
	open := map[int64]bool{}
	count := 0
	err := trace.Scan(files, trace.Options{Duration: opt.Duration}, trace.Handler{
		Tick: func(t *trace.Tick) error {
			if m := t.Msg; m != nil && drawn(m.From) && drawn(m.To) {
				delete(open, m.Seq)
				if m.Sent < d.To && m.Received >= d.From {
					d.Messages = append(d.Messages, Message{Seq: m.Seq, From: rowOf[m.From], To: rowOf[m.To],
						Sent: m.Sent, Queued: m.Queued, Received: m.Received, State: m.State})
				}
			}
			if t.At >= d.To {
				if len(open) == 0 {
					return trace.ErrStop
				}
				return nil
			}
			if drawn(t.Machine) {
				for k, j := range t.To {
					if drawn(j) {
						open[t.Seq+int64(k)] = true
					}
				}
			}
			if !drawn(t.Machine) || t.At < d.From {
				return nil
			}
			r := &d.Rows[rowOf[t.Machine]]
			r.Ticks = append(r.Ticks, Tick{At: t.At, Clock: t.Clock, Event: t.Event})
			if count++; count == MaxTicks && !opt.ToSet {
				d.To = t.At + 1
			}
			return nil
		},
		Unreceived: func(m *sim.Message, _ []int64) error {
			if drawn(m.From) && drawn(m.To) && m.Sent < d.To {
				d.Messages = append(d.Messages, Message{Seq: m.Seq, From: rowOf[m.From], To: rowOf[m.To],
					Sent: m.Sent, Queued: m.Queued, State: m.State})
			}
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}
