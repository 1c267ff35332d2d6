package trace

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strconv"

	"desim/sim"
)

// Machine describes one machine of a run for the exports.
type Machine struct {
	// Label names the machine: "machine 0 (6 c/s)".
	Label string
	// Period is the shortest time between two of its ticks in ns,
	// floor(10^9 / rate); a tick's slice in a Perfetto trace lasts half
	// of it, so that slices never overlap.
	Period int64
}

// Export describes the run for the exports.
type Export struct {
	// Title names the run: "A3, seed 1".
	Title    string
	Machines []Machine
	// Duration is the run's length in ns (0 if unknown), for the checks
	// of Scan.
	Duration int64
}

// exportBuf is the size of the exports' output buffer.
const exportBuf = 256 << 10

// eventName is the event's name in the log without its padding:
// "send 0", "receive", "send 0+1".
func eventName(codec *sim.EventCodec, ev sim.Event) []byte {
	return bytes.TrimRight([]byte(codec.Name(ev)), " ")
}

// WritePerfetto writes the traced run in files as a trace in the JSON
// trace-event format that ui.perfetto.dev and chrome://tracing open, in
// one streaming pass (see Scan):
//
//   - a process per machine (pid i+1, named by its label, sorted by
//     machine) with one thread track (tid i+1) holding a complete event
//     ("X") per tick, named by its event ("send 0", "receive",
//     "internal", ...) and lasting half the machine's period, its args the
//     clock and queue length after the tick, and for a send the sequence
//     numbers and receivers of its copies, for a receive the message's
//     sequence number, sender, value, send and queue times;
//   - two counter tracks per process, "queue" (args.length) and "clock"
//     (args.value), with a sample per tick;
//   - a flow per received message, "s" inside the sending tick's slice
//     and "f" (bound to the enclosing slice) inside the receiving one,
//     both with the message's sequence number as id, written when the
//     message is received. Messages never received have no flow.
//
// Times ("ts", "dur") are in microseconds with 3 decimals (exact
// nanoseconds). The same run always gives the same bytes.
func WritePerfetto(w io.Writer, files Files, ex Export) error {
	n := len(files.Logs)
	codec := sim.NewEventCodec(n)
	names := make([][]byte, codec.Events())
	for ev := range names {
		names[ev] = eventName(codec, sim.Event(ev))
	}
	dur := make([]int64, n)
	for i := range dur {
		dur[i] = 1
		if i < len(ex.Machines) {
			dur[i] = max(1, ex.Machines[i].Period/2)
		}
	}
	bw := bufio.NewWriterSize(w, exportBuf)
	b := make([]byte, 0, 1024)
	b = append(b, `{"displayTimeUnit":"ns","otherData":{"generator":"desim","title":`...)
	b = appendJSONString(b, ex.Title)
	b = append(b, "},\"traceEvents\":[\n"...)
	for i := range n {
		label := "machine " + strconv.Itoa(i)
		if i < len(ex.Machines) && ex.Machines[i].Label != "" {
			label = ex.Machines[i].Label
		}
		if i > 0 {
			b = append(b, ",\n"...)
		}
		b = appendMeta(b, i, "process_name", string(appendJSONString([]byte(`"name":`), label)))
		b = append(b, ",\n"...)
		b = appendMeta(b, i, "process_sort_index", `"sort_index":`+strconv.Itoa(i))
		b = append(b, ",\n"...)
		b = appendMeta(b, i, "thread_name", `"name":"ticks"`)
	}
	bw.Write(b)
	err := Scan(files, Options{Duration: ex.Duration}, Handler{Tick: func(t *Tick) error {
		b = b[:0]
		pid := t.Machine + 1
		b = append(b, ",\n{\"ph\":\"X\",\"cat\":\"tick\",\"name\":\""...)
		b = append(b, names[t.Event]...)
		b = append(b, '"')
		b = appendIDs(b, pid)
		b = appendMicros(append(b, `,"ts":`...), t.At)
		b = appendMicros(append(b, `,"dur":`...), dur[t.Machine])
		b = strconv.AppendInt(append(b, `,"args":{"clock":`...), t.Clock, 10)
		b = strconv.AppendInt(append(b, `,"queue":`...), t.Queue, 10)
		if len(t.To) > 0 {
			b = append(b, `,"to":[`...)
			for k, j := range t.To {
				if k > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendInt(b, int64(j), 10)
			}
			b = strconv.AppendInt(append(b, `],"seq":`...), t.Seq, 10)
		}
		if m := t.Msg; m != nil {
			b = strconv.AppendInt(append(b, `,"from":`...), int64(m.From), 10)
			b = strconv.AppendInt(append(b, `,"seq":`...), m.Seq, 10)
			b = strconv.AppendInt(append(b, `,"value":`...), m.Value, 10)
			b = sim.AppendSeconds(append(b, `,"sent_s":`...), m.Sent)
			b = sim.AppendSeconds(append(b, `,"queued_s":`...), m.Queued)
		}
		b = append(b, "}}"...)
		b = appendCounter(b, pid, t.At, "queue", "length", t.Queue)
		b = appendCounter(b, pid, t.At, "clock", "value", t.Clock)
		if m := t.Msg; m != nil {
			b = append(b, ",\n{\"ph\":\"s\",\"cat\":\"message\",\"name\":\"message\""...)
			b = appendIDs(b, m.From+1)
			b = strconv.AppendInt(append(b, `,"id":`...), m.Seq, 10)
			b = appendMicros(append(b, `,"ts":`...), m.Sent+dur[m.From]/2)
			b = append(b, "},\n{\"ph\":\"f\",\"bp\":\"e\",\"cat\":\"message\",\"name\":\"message\""...)
			b = appendIDs(b, pid)
			b = strconv.AppendInt(append(b, `,"id":`...), m.Seq, 10)
			b = appendMicros(append(b, `,"ts":`...), m.Received+dur[t.Machine]/2)
			b = append(b, '}')
		}
		_, err := bw.Write(b)
		return err
	}})
	if err != nil {
		return err
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

// appendMeta appends a metadata event of machine i's process and thread.
func appendMeta(b []byte, i int, name, args string) []byte {
	b = append(b, `{"ph":"M","name":"`...)
	b = append(b, name...)
	b = append(b, '"')
	b = appendIDs(b, i+1)
	b = append(b, `,"args":{`...)
	b = append(b, args...)
	return append(b, "}}"...)
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// appendIDs appends the pid and tid of a machine's track.
func appendIDs(b []byte, pid int) []byte {
	b = strconv.AppendInt(append(b, `,"pid":`...), int64(pid), 10)
	return strconv.AppendInt(append(b, `,"tid":`...), int64(pid), 10)
}

// appendCounter appends a counter event.
func appendCounter(b []byte, pid int, at int64, name, key string, v int64) []byte {
	b = append(b, ",\n{\"ph\":\"C\",\"name\":\""...)
	b = append(b, name...)
	b = append(b, '"')
	b = appendIDs(b, pid)
	b = appendMicros(append(b, `,"ts":`...), at)
	b = append(b, `,"args":{"`...)
	b = append(b, key...)
	b = append(b, `":`...)
	b = strconv.AppendInt(b, v, 10)
	return append(b, "}}"...)
}

// appendMicros appends ns nanoseconds (≥ 0) as microseconds with exactly
// 3 decimals.
func appendMicros(b []byte, ns int64) []byte {
	b = strconv.AppendInt(b, ns/1000, 10)
	f := ns % 1000
	return append(b, '.', byte('0'+f/100), byte('0'+f/10%10), byte('0'+f%10))
}

// ShiVizRegexp is the regular expression to give ShiViz
// (https://bestchai.bitbucket.io/shiviz/) to parse the log that
// WriteShiViz writes: it is ShiViz's default one.
const ShiVizRegexp = `(?<event>.*)\n(?<host>\S*) (?<clock>{.*})`

// WriteShiViz writes the traced run in files as a ShiViz log, in one
// streaming pass (see Scan): for every tick in the engine's order, an
// event line describing it, then a line with the machine's host name
// ("machine<i>") and its vector timestamp after the tick as a JSON object
// of host names to counts (entries that are 0 left out):
//
//	send 0 clock=2 queue=0 t=0.166666666 to=machine1 seq=0
//	machine0 {"machine0":2}
//	receive clock=3 queue=0 t=0.500000000 from=machine0 seq=0 value=1
//	machine1 {"machine0":2, "machine1":2}
//
// ShivizRegexp parses it. A machine's own entry counts its events from 1;
// a receive takes the element-wise maximum with the sender's timestamp
// at the send, then counts itself.
func WriteShiViz(w io.Writer, files Files, ex Export) error {
	n := len(files.Logs)
	codec := sim.NewEventCodec(n)
	names := make([][]byte, codec.Events())
	for ev := range names {
		names[ev] = eventName(codec, sim.Event(ev))
	}
	bw := bufio.NewWriterSize(w, exportBuf)
	b := make([]byte, 0, 1024)
	return flushAfter(bw, Scan(files, Options{Vector: true, Duration: ex.Duration}, Handler{Tick: func(t *Tick) error {
		b = append(b[:0], names[t.Event]...)
		b = strconv.AppendInt(append(b, " clock="...), t.Clock, 10)
		b = strconv.AppendInt(append(b, " queue="...), t.Queue, 10)
		b = sim.AppendSeconds(append(b, " t="...), t.At)
		if len(t.To) > 0 {
			b = append(b, " to="...)
			for k, j := range t.To {
				if k > 0 {
					b = append(b, ',')
				}
				b = appendHost(b, j)
			}
			b = strconv.AppendInt(append(b, " seq="...), t.Seq, 10)
		}
		if m := t.Msg; m != nil {
			b = appendHost(append(b, " from="...), m.From)
			b = strconv.AppendInt(append(b, " seq="...), m.Seq, 10)
			b = strconv.AppendInt(append(b, " value="...), m.Value, 10)
		}
		b = append(b, '\n')
		b = appendHost(b, t.Machine)
		b = append(b, " {"...)
		first := true
		for j, v := range t.VC {
			if v == 0 {
				continue
			}
			if !first {
				b = append(b, ", "...)
			}
			first = false
			b = appendHost(append(b, '"'), j)
			b = strconv.AppendInt(append(b, `":`...), v, 10)
		}
		b = append(b, "}\n"...)
		_, err := bw.Write(b)
		return err
	}}))
}

// appendHost appends machine i's host name in a ShiViz log.
func appendHost(b []byte, i int) []byte {
	return strconv.AppendInt(append(b, "machine"...), int64(i), 10)
}

// flushAfter flushes bw after a pass that ended with err.
func flushAfter(bw *bufio.Writer, err error) error {
	if err != nil {
		return err
	}
	return bw.Flush()
}
