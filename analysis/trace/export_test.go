package trace_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"desim/analysis/trace"
	"desim/sim"
)

// exportInfo describes a run of cfg for the exports.
func exportInfo(cfg sim.Config) trace.Export {
	ex := trace.Export{Title: "test run", Duration: cfg.Duration}
	for i, m := range cfg.Machines {
		ex.Machines = append(ex.Machines, trace.Machine{Label: fmt.Sprintf("machine %d (%s c/s)", i, m.Rate), Period: m.Rate.TickTime(1)})
	}
	return ex
}

// traceEvent is an event of the trace-event format, its numbers kept
// exact.
type traceEvent struct {
	Ph   string                     `json:"ph"`
	Name string                     `json:"name"`
	Cat  string                     `json:"cat"`
	Pid  int                        `json:"pid"`
	Tid  int                        `json:"tid"`
	Ts   json.Number                `json:"ts"`
	Dur  json.Number                `json:"dur"`
	ID   *int64                     `json:"id"`
	Bp   string                     `json:"bp"`
	Args map[string]json.RawMessage `json:"args"`
}

// nanos converts a time in microseconds with 3 decimals to ns, exactly.
func nanos(t *testing.T, x json.Number) int64 {
	t.Helper()
	r, ok := new(big.Rat).SetString(string(x))
	if !ok {
		t.Fatalf("time %q is not a number", x)
	}
	r.Mul(r, big.NewRat(1000, 1))
	if !r.IsInt() {
		t.Fatalf("time %q µs is not a whole number of ns", x)
	}
	return r.Num().Int64()
}

type slice struct{ at, end, seq int64 }

// The Perfetto export parses as JSON in the trace-event format, holds a
// named process per machine, a slice and two counter samples per tick of
// the logs at the tick's time, and a flow per received message whose
// start lies in its sender's sending slice and whose end lies in its
// receiver's receiving slice; every flow has a start and an end.
func TestPerfettoExport(t *testing.T) {
	for _, name := range []string{"A2", "B4", "jitter", "latency0", "offsets", "five", "in-flight"} {
		t.Run(name, func(t *testing.T) {
			cfg := allConfigs(t)[name]
			files := tracedRun(t, cfg)
			var buf bytes.Buffer
			if err := trace.WritePerfetto(&buf, files, exportInfo(cfg)); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				DisplayTimeUnit string
				OtherData       map[string]string
				TraceEvents     []traceEvent
			}
			dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
			dec.UseNumber()
			dec.DisallowUnknownFields()
			if err := dec.Decode(&doc); err != nil {
				t.Fatalf("not JSON of the trace-event format: %v", err)
			}
			if doc.DisplayTimeUnit != "ns" || doc.OtherData["title"] != "test run" {
				t.Errorf("header %q %v", doc.DisplayTimeUnit, doc.OtherData)
			}
			n := len(cfg.Machines)
			recs := readLogs(t, files)
			named := map[int]string{}
			slices := make([][]slice, n)
			counters := map[string]int{}
			starts, ends := map[int64]traceEvent{}, map[int64]traceEvent{}
			for _, e := range doc.TraceEvents {
				i := e.Pid - 1
				if i < 0 || i >= n || e.Tid != e.Pid {
					t.Fatalf("event %+v: pid/tid not a machine's", e)
				}
				switch e.Ph {
				case "M":
					if e.Name == "process_name" {
						var l string
						json.Unmarshal(e.Args["name"], &l)
						named[i] = l
					}
				case "X":
					k := len(slices[i])
					at, dur := nanos(t, e.Ts), nanos(t, e.Dur)
					if k >= len(recs[i]) || at != recs[i][k].At || e.Name != strings.TrimRight(recs[i][k].Event.Name(n), " ") {
						t.Fatalf("machine %d slice %d: %s at %d ns, log %+v", i, k, e.Name, at, recs[i][k])
					}
					if dur < 1 || (k+1 < len(recs[i]) && at+dur > recs[i][k+1].At) {
						t.Fatalf("machine %d slice %d lasts %d ns, overlapping the next", i, k, dur)
					}
					var clock int64
					json.Unmarshal(e.Args["clock"], &clock)
					if clock != recs[i][k].Clock {
						t.Fatalf("machine %d slice %d: clock %d, log %d", i, k, clock, recs[i][k].Clock)
					}
					seq := int64(-1)
					if raw, ok := e.Args["seq"]; ok {
						json.Unmarshal(raw, &seq)
					}
					slices[i] = append(slices[i], slice{at, at + dur, seq})
				case "C":
					counters[fmt.Sprintf("%d %s", i, e.Name)]++
				case "s", "f":
					if e.ID == nil || e.Cat != "message" || e.Name != "message" {
						t.Fatalf("flow event %+v", e)
					}
					m := starts
					if e.Ph == "f" {
						m = ends
						if e.Bp != "e" {
							t.Fatalf("flow end %+v not bound to its enclosing slice", e)
						}
					}
					if _, dup := m[*e.ID]; dup {
						t.Fatalf("flow %d has two %q events", *e.ID, e.Ph)
					}
					m[*e.ID] = e
				default:
					t.Fatalf("unexpected event %+v", e)
				}
			}
			received := 0
			for i := range n {
				if len(slices[i]) != len(recs[i]) {
					t.Errorf("machine %d: %d slices, %d ticks", i, len(slices[i]), len(recs[i]))
				}
				if counters[fmt.Sprintf("%d queue", i)] != len(recs[i]) || counters[fmt.Sprintf("%d clock", i)] != len(recs[i]) {
					t.Errorf("machine %d: counters %v for %d ticks", i, counters, len(recs[i]))
				}
				if named[i] != exportInfo(cfg).Machines[i].Label {
					t.Errorf("machine %d named %q", i, named[i])
				}
				for _, r := range recs[i] {
					if r.Event == sim.Receive {
						received++
					}
				}
			}
			if len(starts) != received || len(ends) != received {
				t.Fatalf("%d flow starts, %d ends, %d receives", len(starts), len(ends), received)
			}
			// in finds the slice of machine pid-1 that holds time ts.
			in := func(e traceEvent) slice {
				ts := nanos(t, e.Ts)
				for _, sl := range slices[e.Pid-1] {
					if sl.at <= ts && ts <= sl.end {
						return sl
					}
				}
				t.Fatalf("flow event %+v lies in no slice", e)
				return slice{}
			}
			for id, s := range starts {
				f, ok := ends[id]
				if !ok {
					t.Fatalf("flow %d has a start and no end", id)
				}
				if sl := in(f); sl.seq != id {
					t.Fatalf("flow %d ends in the slice of the receive of message %d", id, sl.seq)
				}
				if sl := in(s); id < sl.seq {
					t.Fatalf("flow %d starts in a slice that sent messages %d...", id, sl.seq)
				}
			}
			var again bytes.Buffer
			trace.WritePerfetto(&again, files, exportInfo(cfg))
			if !bytes.Equal(buf.Bytes(), again.Bytes()) {
				t.Error("two exports differ")
			}
		})
	}
}

// readLogs reads a traced run's logs.
func readLogs(t *testing.T, files trace.Files) [][]sim.Record {
	t.Helper()
	recs := make([][]sim.Record, len(files.Logs))
	for i, p := range files.Logs {
		r := trace.NewLogReader(bytes.NewReader(read(t, p)), p, len(files.Logs))
		for {
			var rec sim.Record
			if err := r.Next(&rec); err != nil {
				if err.Error() == "EOF" {
					break
				}
				t.Fatal(err)
			}
			recs[i] = append(recs[i], rec)
		}
	}
	return recs
}

var (
	shivizRE = regexp.MustCompile(trace.ShiVizRegexp)
	seqRE    = regexp.MustCompile(` seq=(\d+)`)
	toRE     = regexp.MustCompile(` to=(\S+)`)
)

// The ShiViz export parses with its regular expression into one event per
// tick, the whole log and nothing else; each machine's own entry counts
// its events from 1; each receive's timestamp dominates its send's.
func TestShiVizExport(t *testing.T) {
	for _, name := range []string{"A3", "B2", "jitter", "latency0", "offsets", "five", "silent"} {
		t.Run(name, func(t *testing.T) {
			cfg := allConfigs(t)[name]
			files := tracedRun(t, cfg)
			var buf bytes.Buffer
			if err := trace.WriteShiViz(&buf, files, exportInfo(cfg)); err != nil {
				t.Fatal(err)
			}
			text := buf.String()
			ms := shivizRE.FindAllStringSubmatchIndex(text, -1)
			recs := readLogs(t, files)
			ticks := 0
			for _, r := range recs {
				ticks += len(r)
			}
			if len(ms) != ticks {
				t.Fatalf("%d events, %d ticks", len(ms), ticks)
			}
			n := len(cfg.Machines)
			own := make([]int64, n)
			sent := map[int64]map[string]int64{} // seq -> the send's clock
			covered := 0
			for k, m := range ms {
				if m[0] != covered {
					t.Fatalf("event %d: text the regular expression skips: %q", k, text[covered:m[0]])
				}
				covered = m[1] + 1 // and the newline
				event, host, clock := text[m[2]:m[3]], text[m[4]:m[5]], text[m[6]:m[7]]
				var vc map[string]int64
				if err := json.Unmarshal([]byte(clock), &vc); err != nil {
					t.Fatalf("event %d: clock %q: %v", k, clock, err)
				}
				i, err := strconv.Atoi(strings.TrimPrefix(host, "machine"))
				if err != nil || i < 0 || i >= n {
					t.Fatalf("event %d: host %q", k, host)
				}
				own[i]++
				if vc[host] != own[i] {
					t.Fatalf("event %d: own entry %d, want %d (%s)", k, vc[host], own[i], clock)
				}
				for h := range vc {
					if !strings.HasPrefix(h, "machine") || vc[h] <= 0 {
						t.Fatalf("event %d: entry %q: %d", k, h, vc[h])
					}
				}
				sq := seqRE.FindStringSubmatch(event)
				switch {
				case strings.HasPrefix(event, "receive "):
					seq, _ := strconv.ParseInt(sq[1], 10, 64)
					s, ok := sent[seq]
					if !ok {
						t.Fatalf("event %d receives message %d, never sent", k, seq)
					}
					for h, x := range s {
						if vc[h] < x {
							t.Fatalf("event %d: receive %v does not dominate its send %v", k, vc, s)
						}
					}
					if vc[host] <= s[host] {
						t.Fatalf("event %d: receive %v not after its send %v", k, vc, s)
					}
				case strings.HasPrefix(event, "send "):
					first, _ := strconv.ParseInt(sq[1], 10, 64)
					for c := range strings.Split(toRE.FindStringSubmatch(event)[1], ",") {
						sent[first+int64(c)] = vc
					}
				}
			}
			if covered != len(text) {
				t.Fatalf("trailing text %q", text[covered:])
			}
		})
	}
}

// Both exports refuse a run without its trace, and one whose trace does
// not match its logs.
func TestExportsRefuse(t *testing.T) {
	cfg := builtin(t, "A3", 20*time.Second)
	files := tracedRun(t, cfg)
	other := cfg
	other.Seed = 99
	write(t, files.Messages, read(t, tracedRun(t, other).Messages))
	for _, f := range []func(*bytes.Buffer, trace.Files, trace.Export) error{
		func(b *bytes.Buffer, f trace.Files, e trace.Export) error { return trace.WritePerfetto(b, f, e) },
		func(b *bytes.Buffer, f trace.Files, e trace.Export) error { return trace.WriteShiViz(b, f, e) },
	} {
		if err := f(new(bytes.Buffer), files, exportInfo(cfg)); err == nil {
			t.Error("no error for another run's trace")
		}
		missing := files
		missing.Messages += ".none"
		if err := f(new(bytes.Buffer), missing, exportInfo(cfg)); err == nil {
			t.Error("no error without a trace")
		}
	}
}
