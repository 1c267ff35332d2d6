package realtime

import (
	"fmt"
	"strconv"
	"strings"

	"desim/sim"
)

// The control protocol between "desim real" (the parent) and each of its
// "desim machine --control" processes (the children): one line of text per
// message, on the child's standard output and standard input.
//
// Child to parent, in this order:
//
//	listening ADDR                    its listener's address, host:port
//	connected                         every link to and from it is up
//	tick AT CLOCK QUEUE EVENT         one per tick, as it happens
//	done TICKS OVERRUNS SKIPPED SENT LOST RECEIVED BROKEN COMPLETED
//
// Parent to child:
//
//	peers ADDR0,ADDR1,...             every machine's address (ParsePeers)
//	start UNIXNANO                    the common start instant, ns since 1970
//	stop                              stop now (so does the end of input)
//
// AT is the tick's time in ns of scenario time, CLOCK and QUEUE the
// record's, EVENT the event's token (sim.Event.AppendToken, read back by
// sim.EventCodec.ParseToken): "i" (internal), "r" (receive), "b"
// (broadcast) or "s<p>" (a send to peer p); the numbers of done are Stats'
// fields (BROKEN is BrokenLinks, COMPLETED is 0 or 1; BROKEN was added
// with version 2 of the wire protocol, when links learnt to tell a peer
// that finished from one that broke).

// Kind is the kind of a control message.
type Kind uint8

// The control messages.
const (
	Listening Kind = iota + 1
	Connected
	Tick
	Done
	Peers
	Start
	Stop
)

var kindWords = [...]string{Listening: "listening", Connected: "connected", Tick: "tick", Done: "done", Peers: "peers", Start: "start", Stop: "stop"}

// Msg is one control message; only the fields of its Kind are set.
type Msg struct {
	Kind   Kind
	Addr   string     // Listening: the listener's address
	Peers  []string   // Peers: every machine's address
	Record sim.Record // Tick
	Stats  Stats      // Done
	Start  int64      // Start: Unix time in ns
}

// AppendMsg appends m as one line, newline included.
func AppendMsg(dst []byte, m Msg) []byte {
	switch m.Kind {
	case Tick:
		return AppendTick(dst, &m.Record)
	case Listening:
		dst = append(dst, "listening "...)
		dst = append(dst, m.Addr...)
	case Peers:
		dst = append(dst, "peers "...)
		dst = append(dst, strings.Join(m.Peers, ",")...)
	case Start:
		dst = append(dst, "start "...)
		dst = strconv.AppendInt(dst, m.Start, 10)
	case Done:
		st := m.Stats
		dst = append(dst, "done"...)
		for _, v := range []int64{st.Ticks, st.Overruns, st.Skipped, st.Sent, st.Lost, st.Received, st.BrokenLinks, b2i(st.Completed)} {
			dst = append(dst, ' ')
			dst = strconv.AppendInt(dst, v, 10)
		}
	default:
		dst = append(dst, kindWords[m.Kind]...)
	}
	return append(dst, '\n')
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// AppendTick appends the tick line of record r.
func AppendTick(dst []byte, r *sim.Record) []byte {
	dst = append(dst, "tick "...)
	dst = strconv.AppendInt(dst, r.At, 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, r.Clock, 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, r.Queue, 10)
	dst = append(dst, ' ')
	dst = r.Event.AppendToken(dst)
	return append(dst, '\n')
}

// ParseMsg parses one line of the control protocol (without its newline)
// of a run of n machines. It accepts exactly what AppendMsg writes: every
// number is a canonical decimal, times, clocks and counts are not
// negative, and a send names a peer in 0..n-2.
func ParseMsg(line string, n int) (Msg, error) {
	word, rest, _ := strings.Cut(line, " ")
	var f []string
	if rest != "" {
		f = strings.Split(rest, " ")
	}
	bad := func(format string, args ...any) (Msg, error) {
		return Msg{}, fmt.Errorf("bad control line %q: %s", trim(line), fmt.Sprintf(format, args...))
	}
	switch word {
	case "listening":
		if len(f) != 1 || f[0] == "" {
			return bad("want one address")
		}
		return Msg{Kind: Listening, Addr: f[0]}, nil
	case "connected", "stop":
		if len(f) != 0 || strings.Contains(line, " ") {
			return bad("takes no arguments")
		}
		if word == "stop" {
			return Msg{Kind: Stop}, nil
		}
		return Msg{Kind: Connected}, nil
	case "peers":
		if len(f) != 1 {
			return bad("want one comma-separated list")
		}
		p, err := ParsePeers(f[0], n)
		if err != nil {
			return bad("%v", err)
		}
		return Msg{Kind: Peers, Peers: p}, nil
	case "start":
		if len(f) != 1 {
			return bad("want one time")
		}
		v, err := natural(f[0])
		if err != nil {
			return bad("%v", err)
		}
		return Msg{Kind: Start, Start: v}, nil
	case "tick":
		if len(f) != 4 {
			return bad("want AT CLOCK QUEUE EVENT")
		}
		var v [3]int64
		for i := range v {
			x, err := natural(f[i])
			if err != nil {
				return bad("%v", err)
			}
			v[i] = x
		}
		ev, ok := sim.NewEventCodec(n).ParseToken([]byte(f[3]))
		if !ok {
			return bad("event must be i, r, b or s<peer>")
		}
		return Msg{Kind: Tick, Record: sim.Record{At: v[0], Clock: v[1], Queue: v[2], Event: ev}}, nil
	case "done":
		if len(f) != 8 {
			return bad("want 8 numbers")
		}
		var v [8]int64
		for i := range v {
			x, err := natural(f[i])
			if err != nil {
				return bad("%v", err)
			}
			v[i] = x
		}
		if v[7] > 1 {
			return bad("completed must be 0 or 1")
		}
		return Msg{Kind: Done, Stats: Stats{Ticks: v[0], Overruns: v[1], Skipped: v[2], Sent: v[3], Lost: v[4], Received: v[5], BrokenLinks: v[6], Completed: v[7] == 1}}, nil
	}
	return bad("unknown message")
}

// natural parses a canonical non-negative decimal int64.
func natural(s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 || s != strconv.FormatInt(v, 10) {
		return 0, fmt.Errorf("%q is not a non-negative integer", trim(s))
	}
	return v, nil
}

// trim shortens s for an error message.
func trim(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
