package analysis

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"

	"desim/sim"
)

// Log is a run's logs read into memory: 32 bytes a line. StreamRun reads
// the same logs in bounded memory, for metrics and figures of runs of any
// length.
type Log struct {
	Files    []string       // one file per machine, in machine order
	Machines [][]sim.Record // each machine's records; At is ns since the earliest line of the run
	Offset   int64          // the earliest time of the run in ns (since the epoch for original logs, 0 for desim's) that was subtracted
}

// LogError is a problem with a log file at a line, or with a run directory
// or file as a whole when Line is 0. Its text is "file:line: what is wrong".
type LogError struct {
	File string
	Line int
	Msg  string
}

func (e *LogError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// MaxLineLen is the longest log line ReadRun accepts, in bytes (a valid
// line is under 100 bytes).
const MaxLineLen = 4096

// ReadRun reads a run from its log files, one per machine, in machine
// order: paths[i] is machine i's log, whatever its name. Run directories
// are read by package experiment (experiment.ReadRun), which owns their
// layout and lists a directory's logs; a directory here is an error.
//
// Each file holds one machine's log in docs/model.md's format, one line per tick
// and no header:
//
//	event,time,queue_length,logical_clock
//
// The event is exactly one of the names sim.Event.Name gives for N
// machines, N being the number of files (for N = 3 the original's
// 8-character "internal", "receive ", "send 0  ", "send 1  ", "send 0+1";
// trailing spaces are part of the name). queue_length and logical_clock are
// non-negative decimal integers that fit in 63 bits.
//
// The time is in seconds: desim's logs give seconds since the start of the
// run with 9 decimals ("12.166666666"), the original Python implementation's
// give seconds since the epoch as Python prints a float, with up to 17
// significant digits ("1678246660.1234567"); an exponent
// ("1.6782466601234567e+09") is accepted too. The decimal text is converted
// to integer nanoseconds exactly, without floating point: digits beyond the
// 9th decimal are rounded to the nearest nanosecond, ties to even
// ("0.0000000015" → 2 ns, "0.0000000025" → 2 ns). Times must not decrease
// within a file and must be below 2^63 ns (about 292 years).
//
// Every time is then rebased to the earliest first line across the files:
// Offset holds that time and is subtracted from every At, so that the
// run's earliest line is at 0. For desim's logs the earliest line is at 0
// unless every machine has a start offset; callers that know the logs are
// a desim run (its directory has a scenario.yaml) add Offset back to keep
// the run's own time, as experiment.ReadRun does. Metrics do not depend on
// it.
//
// Lines end in "\n" or "\r\n"; the last line may lack its newline. Any
// malformed input is a *LogError naming the file and line: a wrong number
// of fields (including an empty line), an unknown event name, a field that
// is not a number, a negative number, a number out of range, a time before
// the previous line's, an empty file, a directory given as a log file.
func ReadRun(paths ...string) (*Log, error) {
	files, err := runFiles(paths)
	if err != nil {
		return nil, err
	}
	n := len(files)
	names := newEventTable(n)
	l := &Log{Files: files, Machines: make([][]sim.Record, n)}
	for i, path := range files {
		recs, err := readFile(path, names)
		if err != nil {
			return nil, err
		}
		l.Machines[i] = recs
	}
	l.rebase()
	return l, nil
}

// ReadLog reads one machine's log from r, for a run of n machines; name
// is the file name used in errors. Times are as in the log (not rebased),
// in ns; the format and the errors are those of ReadRun.
func ReadLog(r io.Reader, name string, n int) ([]sim.Record, error) {
	return readLog(r, name, newEventTable(n), nil)
}

// rebase subtracts the earliest first time across the machines.
func (l *Log) rebase() {
	first := true
	for _, recs := range l.Machines {
		if len(recs) > 0 && (first || recs[0].At < l.Offset) {
			l.Offset, first = recs[0].At, false
		}
	}
	if l.Offset == 0 {
		return
	}
	for _, recs := range l.Machines {
		for i := range recs {
			recs[i].At -= l.Offset
		}
	}
}

// Duration returns the time from the run's earliest line to its latest, in
// ns.
func (l *Log) Duration() int64 {
	var last int64
	for _, recs := range l.Machines {
		if len(recs) > 0 {
			last = max(last, recs[len(recs)-1].At)
		}
	}
	return last
}

// EstimatedRates estimates each machine's tick rate from its log, in ticks
// per second: (ticks − 1) / (time of the last tick − time of the first),
// or 0 for a machine with fewer than two ticks at distinct times.
func (l *Log) EstimatedRates() []float64 {
	rates := make([]float64, len(l.Machines))
	for i, recs := range l.Machines {
		if len(recs) < 2 {
			continue
		}
		if span := recs[len(recs)-1].At - recs[0].At; span > 0 {
			rates[i] = float64(len(recs)-1) * 1e9 / float64(span)
		}
	}
	return rates
}

// Metrics returns the per-machine metrics of the log (see Accumulator),
// each machine's records added in order; rates fills Rate (may be nil).
func (l *Log) Metrics(rates []float64) []MachineMetrics {
	acc := NewAccumulator(len(l.Machines))
	for i, recs := range l.Machines {
		acc.Records(i, recs)
	}
	return acc.Metrics(rates)
}

// runFiles checks ReadRun's arguments: log files, none of them a
// directory. A single path that cannot be stat'ed is an error here; with
// several, a missing file is reported when it is opened, in order.
func runFiles(paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, errors.New("no log files given")
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			if len(paths) == 1 {
				return nil, err
			}
			continue
		}
		if st.IsDir() {
			return nil, &LogError{File: p, Msg: "is a directory: give the log files; experiment.ReadRun reads run directories"}
		}
	}
	return slices.Clone(paths), nil
}

// readFile reads one log file, with the records' capacity estimated from
// its size.
func readFile(path string, names *eventTable) ([]sim.Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var dst []sim.Record
	if st, err := f.Stat(); err == nil {
		if st.IsDir() {
			return nil, &LogError{File: path, Msg: "is a directory, not a log file"}
		}
		// desim's lines are about 25 bytes; the original's about 35.
		dst = make([]sim.Record, 0, min(st.Size()/24+16, 1<<26))
	}
	return readLog(f, path, names, dst)
}

// readLog appends the records of the log in r to dst.
func readLog(r io.Reader, name string, names *eventTable, dst []sim.Record) ([]sim.Record, error) {
	s := newLogScanner(r, name, names)
	for !s.eof {
		if len(dst) == cap(dst) {
			// Full: one more line, if there is one, appended as
			// append grows a slice.
			var one [1]sim.Record
			n, err := s.next(one[:])
			if err != nil {
				return nil, err
			}
			dst = append(dst, one[:n]...)
			continue
		}
		n, err := s.next(dst[len(dst):cap(dst)])
		if err != nil {
			return nil, err
		}
		dst = dst[:len(dst)+n]
	}
	return dst, nil
}

// logScanner parses one machine's log into records, a batch at a time:
// ReadRun's reader and StreamRun's. Every line is a record, so the k-th
// record read is on line k.
type logScanner struct {
	br    bufio.Reader
	name  string // file name, in errors
	names *eventTable
	line  int   // lines read
	prev  int64 // time of the previous line, -1 before the first
	eof   bool  // the input has ended
}

func newLogScanner(r io.Reader, name string, names *eventTable) logScanner {
	// The buffer holds any line of MaxLineLen.
	return logScanner{br: *bufio.NewReaderSize(r, 64<<10), name: name, names: names, prev: -1}
}

// next parses lines into buf until it is full or the input ends (then
// eof is set), and returns the number of records parsed. An empty input
// and any malformed line are a *LogError.
func (s *logScanner) next(buf []sim.Record) (int, error) {
	n := 0
	for n < len(buf) && !s.eof {
		line := s.line + 1
		b, err := s.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return n, &LogError{File: s.name, Line: line, Msg: fmt.Sprintf("line is longer than %d bytes", MaxLineLen)}
		}
		if err != nil && err != io.EOF {
			return n, fmt.Errorf("%s:%d: %w", s.name, line, err)
		}
		if len(b) == 0 { // end of input
			if line == 1 {
				return n, &LogError{File: s.name, Line: 1, Msg: "empty file: no log lines"}
			}
			s.eof = true
			break
		}
		if len(b) > MaxLineLen {
			return n, &LogError{File: s.name, Line: line, Msg: fmt.Sprintf("line is longer than %d bytes", MaxLineLen)}
		}
		rec := &buf[n]
		if msg := parseLine(b, s.names, rec); msg != "" {
			return n, &LogError{File: s.name, Line: line, Msg: msg}
		}
		if rec.At < s.prev {
			return n, &LogError{File: s.name, Line: line, Msg: fmt.Sprintf("time %s s is before the previous line's %s s",
				sim.AppendSeconds(nil, rec.At), sim.AppendSeconds(nil, s.prev))}
		}
		s.prev = rec.At
		s.line = line
		n++
		s.eof = err == io.EOF
	}
	return n, nil
}

// parseLine parses one line (with its newline, if any) into rec and
// returns "" or what is wrong with it.
func parseLine(b []byte, names *eventTable, rec *sim.Record) string {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	var f [4][]byte
	rest := b
	for i := 0; i < 3; i++ {
		j := indexComma(rest)
		if j < 0 {
			if len(b) == 0 {
				return "empty line: want 4 fields, event,time,queue_length,logical_clock"
			}
			return fmt.Sprintf("wrong number of fields: %d, want 4 (event,time,queue_length,logical_clock)", i+1)
		}
		f[i], rest = rest[:j], rest[j+1:]
	}
	if j := indexComma(rest); j >= 0 {
		return fmt.Sprintf("wrong number of fields: %d, want 4 (event,time,queue_length,logical_clock)", 5+countComma(rest[j+1:]))
	}
	f[3] = rest

	ev, ok := names.lookup(f[0])
	if !ok {
		return unknownEvent(f[0], names.n)
	}
	at, e := parseTime(f[1])
	if e != numOK {
		return numMsg("time", f[1], e)
	}
	q, e := parseCount(f[2])
	if e != numOK {
		return numMsg("queue_length", f[2], e)
	}
	c, e := parseCount(f[3])
	if e != numOK {
		return numMsg("logical_clock", f[3], e)
	}
	*rec = sim.Record{At: at, Clock: c, Queue: q, Event: ev}
	return ""
}

func indexComma(b []byte) int {
	for i, c := range b {
		if c == ',' {
			return i
		}
	}
	return -1
}

func countComma(b []byte) int {
	n := 0
	for _, c := range b {
		if c == ',' {
			n++
		}
	}
	return n
}

// unknownEvent describes an event name that the codec rejects, in the
// words of sim.ParseEvent.
func unknownEvent(name []byte, n int) string {
	msg := fmt.Sprintf("unknown event %s", quote(name))
	if _, err := sim.ParseEvent(string(name), n); err != nil {
		msg = err.Error()
	}
	if n == 3 {
		msg += ` (want "internal", "receive ", "send 0  ", "send 1  " or "send 0+1", with the trailing spaces)`
	} else {
		msg += fmt.Sprintf(` (for %d machines: "internal", "receive ", "send <p>" padded to 8 characters, or "send all")`, n)
	}
	return msg
}

// shorten returns a well-formed number for an error message, shortened
// if long.
func shorten(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

// quote quotes a field for an error message, shortened if long.
func quote(b []byte) string {
	if len(b) > 40 {
		return strconv.Quote(string(b[:40])) + "..."
	}
	return strconv.Quote(string(b))
}

// numErr is what is wrong with a numeric field.
type numErr uint8

const (
	numOK numErr = iota
	numNotNumber
	numNegative
	numRange
)

func numMsg(field string, b []byte, e numErr) string {
	switch e {
	case numNegative:
		return fmt.Sprintf("%s %s is negative", field, shorten(b))
	case numRange:
		if field == "time" {
			return fmt.Sprintf("time %s is out of range (at most 2^63 ns, about 9.2e9 s)", quote(b))
		}
		return fmt.Sprintf("%s %s is out of range (at most 2^63 - 1)", field, quote(b))
	}
	if field == "time" {
		return fmt.Sprintf("time %s is not a number (want seconds such as 12.5 or 1678246660.1234567)", quote(b))
	}
	return fmt.Sprintf("%s %s is not a non-negative integer", field, quote(b))
}

const maxInt64 = uint64(1<<63 - 1)

// parseCount parses a non-negative decimal integer below 2^63.
func parseCount(b []byte) (int64, numErr) {
	if len(b) == 0 {
		return 0, numNotNumber
	}
	if b[0] == '-' {
		if _, e := parseCount(b[1:]); e == numOK || e == numRange {
			return 0, numNegative
		}
		return 0, numNotNumber
	}
	var v uint64
	for _, c := range b {
		d := uint64(c - '0')
		if d > 9 {
			return 0, numNotNumber
		}
		if v > (maxInt64-d)/10 {
			// The rest must still be digits for this to be a range error.
			for _, c := range b {
				if c-'0' > 9 {
					return 0, numNotNumber
				}
			}
			return 0, numRange
		}
		v = v*10 + d
	}
	return int64(v), numOK
}

var pow10 = [...]uint64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// parseTime parses a non-negative decimal number of seconds,
//
//	digits [ "." digits ] [ ("e" | "E") [ "+" | "-" ] digits ]
//
// into integer nanoseconds, exactly: the value is D·10^shift ns for the
// integer D of all its digits and shift = 9 − (digits after the point) +
// exponent. When shift < 0 the dropped digits are rounded to the nearest
// ns, ties to even. A result of 2^63 ns or more is numRange.
func parseTime(b []byte) (int64, numErr) {
	if len(b) > 0 && b[0] == '-' {
		if _, e := parseTime(b[1:]); e == numOK || e == numRange {
			return 0, numNegative
		}
		return 0, numNotNumber
	}
	// Split into integer digits, fraction digits and exponent.
	i := 0
	for i < len(b) && b[i]-'0' <= 9 {
		i++
	}
	ip := b[:i]
	if len(ip) == 0 {
		return 0, numNotNumber
	}
	var fp []byte
	if i < len(b) && b[i] == '.' {
		j := i + 1
		for j < len(b) && b[j]-'0' <= 9 {
			j++
		}
		fp = b[i+1 : j]
		if len(fp) == 0 {
			return 0, numNotNumber
		}
		i = j
	}
	exp := 0
	if i < len(b) {
		if b[i] != 'e' && b[i] != 'E' {
			return 0, numNotNumber
		}
		i++
		neg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			neg = b[i] == '-'
			i++
		}
		if i == len(b) {
			return 0, numNotNumber
		}
		for ; i < len(b); i++ {
			d := int(b[i] - '0')
			if d > 9 || d < 0 {
				return 0, numNotNumber
			}
			if exp < 1e6 { // saturate: anything larger over- or underflows anyway
				exp = exp*10 + d
			}
		}
		if neg {
			exp = -exp
		}
	}

	// Fast path: desim's and Python's usual forms.
	if exp == 0 && len(fp) <= 9 && len(ip)+len(fp) <= 18 {
		var v uint64
		for _, c := range ip {
			v = v*10 + uint64(c-'0')
		}
		for _, c := range fp {
			v = v*10 + uint64(c-'0')
		}
		p := pow10[9-len(fp)]
		if v > maxInt64/p {
			return 0, numRange
		}
		return int64(v * p), numOK
	}
	return slowTime(ip, fp, 9-len(fp)+exp)
}

// slowTime returns D·10^shift rounded to an integer, ties to even, where D
// is the integer whose digits are ip followed by fp.
func slowTime(ip, fp []byte, shift int) (int64, numErr) {
	n := len(ip) + len(fp)
	digit := func(k int) uint64 {
		if k < len(ip) {
			return uint64(ip[k] - '0')
		}
		return uint64(fp[k-len(ip)] - '0')
	}
	keep := n + min(shift, 0) // leading digits at or above 1 ns
	if keep < 0 {
		return 0, numOK // below 0.1 ns
	}
	var v uint64
	for k := 0; k < keep; k++ {
		d := digit(k)
		if v > (maxInt64-d)/10 {
			return 0, numRange
		}
		v = v*10 + d
	}
	if keep < n {
		rd := digit(keep)
		sticky := false
		for k := keep + 1; k < n && !sticky; k++ {
			sticky = digit(k) != 0
		}
		if rd > 5 || (rd == 5 && (sticky || v&1 == 1)) {
			if v == maxInt64 {
				return 0, numRange
			}
			v++
		}
	}
	for s := 0; s < shift && v != 0; s++ {
		if v > maxInt64/10 {
			return 0, numRange
		}
		v *= 10
	}
	return int64(v), numOK
}

// eventTable maps event names to events for a run of n machines: it is
// the one codec of package sim (sim.EventCodec), which accepts exactly the
// names sim.Event.Name gives.
type eventTable struct {
	*sim.EventCodec
	n int
}

// newEventTable returns the table of a run of n machines.
func newEventTable(n int) *eventTable {
	return &eventTable{EventCodec: sim.NewEventCodec(n), n: n}
}

// lookup returns the event named b, and whether there is one.
func (t *eventTable) lookup(b []byte) (sim.Event, bool) { return t.Parse(b) }
