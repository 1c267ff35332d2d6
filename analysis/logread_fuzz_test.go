package analysis

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"desim/sim"
)

// fuzzFiles splits fuzz input into the logs of a run: files are separated
// by NUL bytes, at most 8 of them.
func fuzzFiles(data []byte) [][]byte {
	files := bytes.Split(data, []byte{0})
	if len(files) > 8 {
		return nil
	}
	return files
}

// FuzzReadLog reads arbitrary bytes as a run's logs (one file per
// NUL-separated part). It checks that nothing panics, that every error is
// a *LogError naming the file and a line, and that whatever is accepted is
// well formed and reads back identically once written in desim's format.
func FuzzReadLog(f *testing.F) {
	f.Add([]byte("internal,0.000000000,0,1\nsend 0  ,0.166666666,0,2\n\x00receive ,0.5,3,9\n\x00send 0+1,1678246660.1234567,0,1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		files := fuzzFiles(data)
		if files == nil {
			return
		}
		n := len(files)
		names := make([]string, n)
		l := &Log{Files: names, Machines: make([][]sim.Record, n)}
		for i, b := range files {
			names[i] = fmt.Sprintf("m%d.csv", i)
			recs, err := ReadLog(bytes.NewReader(b), names[i], n)
			if err != nil {
				var le *LogError
				if !errors.As(err, &le) {
					t.Fatalf("error %v (%T) is not a *LogError", err, err)
				}
				if le.File != names[i] || le.Line < 1 || !strings.HasPrefix(err.Error(), fmt.Sprintf("%s:%d: ", names[i], le.Line)) {
					t.Fatalf("error %q does not start with %s:<line>: ", err, names[i])
				}
				return
			}
			l.Machines[i] = recs
		}
		l.rebase()
		first := int64(-1)
		for i, recs := range l.Machines {
			if len(recs) == 0 {
				t.Fatalf("machine %d: no records and no error", i)
			}
			if first < 0 || recs[0].At < first {
				first = recs[0].At
			}
			for k, r := range recs {
				if r.At < 0 || r.Clock < 0 || r.Queue < 0 || int(r.Event) >= 3+max(n-1, 0) {
					t.Fatalf("machine %d record %d: %+v out of range", i, k, r)
				}
				if k > 0 && r.At < recs[k-1].At {
					t.Fatalf("machine %d record %d: time goes backwards", i, k)
				}
			}
		}
		if first != 0 {
			t.Fatalf("earliest time after rebasing is %d, want 0", first)
		}
		// Written in desim's canonical form, the run reads back the same.
		for i, recs := range l.Machines {
			var buf []byte
			for k := range recs {
				buf = append(buf, recs[k].Event.Name(n)...)
				buf = append(buf, ',')
				buf = sim.AppendLine(buf, &recs[k])
			}
			again, err := ReadLog(bytes.NewReader(buf), names[i], n)
			if err != nil {
				t.Fatalf("machine %d: canonical form does not read back: %v\n%s", i, err, buf)
			}
			if !reflect.DeepEqual(again, recs) {
				t.Fatalf("machine %d: canonical form reads back differently", i)
			}
		}
	})
}

// FuzzParseTime checks the time parser against exact rational arithmetic:
// whatever parseTime accepts must equal the input in ns rounded to nearest,
// ties to even.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"0.166666666", "1678246660.1234567", "1.6782466601234567e+09", "0.0000000025", "9223372036.8547758075", "1e-05", "-1", "5."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, e := parseTime([]byte(s))
		if len(s) > 200 || strings.ContainsAny(s, "eE") && len(s)-strings.IndexAny(s, "eE") > 5 {
			return // keep the reference's exponents small
		}
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			if e == numOK || e == numRange {
				t.Fatalf("parseTime(%q) = %d, %d; big.Rat rejects it", s, got, e)
			}
			return
		}
		if e == numNotNumber {
			return // big.Rat accepts more forms (+1, .5, 1/3, 0x10)
		}
		if r.Sign() < 0 {
			if e != numNegative {
				t.Fatalf("parseTime(%q) = %d, %d; want numNegative", s, got, e)
			}
			return
		}
		ns := roundHalfEven(new(big.Rat).Mul(r, big.NewRat(1e9, 1)))
		inRange := ns.IsInt64()
		switch {
		case e == numNegative:
			if r.Sign() > 0 {
				t.Fatalf("parseTime(%q): negative for a positive number", s)
			}
		case !inRange && e != numRange:
			t.Fatalf("parseTime(%q) = %d, %d; want numRange for %s ns", s, got, e, ns)
		case inRange && (e != numOK || got != ns.Int64()):
			t.Fatalf("parseTime(%q) = %d, %d; want %s", s, got, e, ns)
		}
	})
}

// roundHalfEven rounds a non-negative rational to the nearest integer,
// ties to even.
func roundHalfEven(r *big.Rat) *big.Int {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	twice := new(big.Int).Lsh(m, 1)
	switch twice.Cmp(r.Denom()) {
	case 1:
		q.Add(q, big.NewInt(1))
	case 0:
		if q.Bit(0) == 1 {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

// FuzzStreamRun reads arbitrary bytes as a run's log files (one per
// NUL-separated part) with ReadRun and with StreamRun, which must agree:
// the same error, or the same records and a Scan that describes them,
// every clock decrease found at its line.
func FuzzStreamRun(f *testing.F) {
	f.Add([]byte("internal,0.000000000,0,1\nsend 0  ,0.166666666,0,2\n\x00receive ,0.5,3,9\n\x00send 0+1,1678246660.1234567,0,1\n"))
	f.Add([]byte("internal,0.5,0,7\r\ninternal,0.6,2,3\ninternal,0.6,1,3\n\x00internal,0.1,0,1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		files := fuzzFiles(data)
		if files == nil {
			return
		}
		dir := t.TempDir()
		paths := make([]string, len(files))
		for i, b := range files {
			paths[i] = filepath.Join(dir, fmt.Sprintf("m%d.csv", i))
			if err := os.WriteFile(paths[i], b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		l, err := ReadRun(paths...)
		got := make(logRecorder, len(paths))
		sc, serr := StreamRun(got, paths...)
		if err != nil || serr != nil {
			if err == nil || serr == nil || err.Error() != serr.Error() {
				t.Fatalf("ReadRun: %v; StreamRun: %v", err, serr)
			}
			return
		}
		if sc.Offset != l.Offset {
			t.Fatalf("offset %d, ReadRun's %d", sc.Offset, l.Offset)
		}
		var decreases []string
		for i, recs := range got {
			m := MachineScan{Ticks: int64(len(recs)), First: recs[0].At, Last: recs[len(recs)-1].At}
			for k := range recs {
				r := recs[k]
				m.MaxClock, m.MaxQueue = max(m.MaxClock, r.Clock), max(m.MaxQueue, r.Queue)
				if k > 0 && r.Clock < recs[k-1].Clock {
					m.ClockDecreases++
					decreases = append(decreases, fmt.Sprintf("%s:%d: logical clock %d is below the previous line's %d", paths[i], k+1, r.Clock, recs[k-1].Clock))
				}
				recs[k].At -= sc.Offset
			}
			if sc.Machines[i] != m {
				t.Fatalf("machine %d: %+v, want %+v", i, sc.Machines[i], m)
			}
		}
		if !reflect.DeepEqual([][]sim.Record(got), l.Machines) {
			t.Fatal("records streamed differ from ReadRun's")
		}
		if len(sc.ClockDecreases) != min(len(decreases), MaxClockDecreases) {
			t.Fatalf("%d decreases listed, want %d of %d", len(sc.ClockDecreases), min(len(decreases), MaxClockDecreases), len(decreases))
		}
		for k, e := range sc.ClockDecreases {
			if !strings.HasPrefix(e.Error(), decreases[k]) {
				t.Fatalf("decrease %q, want %q", e, decreases[k])
			}
		}
	})
}
