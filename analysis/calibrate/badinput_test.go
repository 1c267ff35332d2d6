package calibrate_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"desim/analysis"
	"desim/analysis/calibrate"
	"desim/sim"
)

// ticks returns n ticks of a machine at start + k/rate + k·over (ns), every
// fifth a send to peer 0 and the rest internal.
func ticks(rate float64, n int, start, over int64) []sim.Record {
	recs := make([]sim.Record, n)
	for k := range recs {
		recs[k] = sim.Record{At: start + int64(float64(k)*1e9/rate) + int64(k)*over, Clock: int64(k + 1), Event: sim.Internal}
		if k%5 == 0 {
			recs[k].Event = sim.SendTo(0)
		}
	}
	return recs
}

// run builds a run of the given machines' records, files dir/m<i>.csv.
func run(dir string, machines ...[]sim.Record) *analysis.Log {
	l := &analysis.Log{Machines: machines}
	for i := range machines {
		l.Files = append(l.Files, dir+"/m"+string(rune('0'+i))+".csv")
	}
	return l
}

// TestBadInput checks that bad or inconsistent logs are errors naming the
// file and, where one line is at fault, the line (record k on line k+1).
func TestBadInput(t *testing.T) {
	ok := func() []sim.Record { return ticks(6, 60, 0, 300_000) }
	tests := []struct {
		name string
		runs []*analysis.Log
		opt  calibrate.Options
		file string
		line int
		msg  string // the error's whole text, or its start when it ends in "..."
	}{
		{
			name: "too few ticks",
			runs: []*analysis.Log{run("a", ok(), ticks(6, 2, 0, 0), ok())},
			file: "a/m1.csv",
			msg:  "a/m1.csv: 2 tick(s): calibration needs at least 3 per machine",
		},
		{
			name: "decreasing time",
			runs: []*analysis.Log{run("a", ok(), func() []sim.Record {
				r := ok()
				r[4].At = r[3].At - 1
				return r
			}(), ok())},
			file: "a/m1.csv", line: 5,
			msg: "a/m1.csv:5: time 0.500899999 s is before the previous line's 0.500900000 s",
		},
		{
			name: "all at one time",
			runs: []*analysis.Log{run("a", ok(), ticks(1e12, 5, 1e9, 0))},
			file: "a/m1.csv",
			msg:  "a/m1.csv: all 5 ticks are at one time, 1.000000000 s: no tick rate",
		},
		{
			name: "an interval under half the period",
			runs: []*analysis.Log{run("a", ok(), func() []sim.Record {
				r := ok()
				r[10].At = r[9].At + 1_000_000 // 1 ms after the previous tick
				return r
			}())},
			file: "a/m1.csv", line: 11,
			msg: "a/m1.csv:11: tick at 1.503700000 s is 1.000 ms after the previous one, under half the period 166.667 ms of rate 6: the machine cannot tick at more than twice its rate",
		},
		{
			name: "no rate fits the mean interval",
			runs: []*analysis.Log{run("a", ok(), ticks(1e-4, 3, 0, 0))},
			file: "a/m1.csv",
			msg:  "a/m1.csv: mean tick interval 10000.000 s (0.0001 ticks/s): no rate p/q with q in {1, 2, 3, 4, 5, 10, 20, 100, 1000} has a period in [9999.998 s, 10000.000 s], the mean interval less at most 2ms of overshoot; give the rates",
		},
		{
			name: "a rate above the maximum",
			runs: []*analysis.Log{run("a", ok(), ticks(1e7, 5, 0, 0))},
			file: "a/m1.csv",
			msg:  "a/m1.csv: mean tick interval 0.1 µs implies a rate of 1e+07 ticks/s, above the maximum of 1e+06",
		},
		{
			name: "a run longer than a scenario may last",
			runs: []*analysis.Log{run("a", ok(), ticks(1e-3, 3, 0, 0), ticks(1, 3, 1e17, 0))},
			file: "a/m2.csv",
			msg:  "a/m2.csv: its run spans 100000002 s from its earliest first tick to its latest tick, longer than a scenario may last (10000000 s)",
		},
		{
			name: "runs of different sizes",
			runs: []*analysis.Log{run("a", ok(), ok(), ok()), run("b", ok(), ok())},
			file: "b/m0.csv",
			msg:  "b/m0.csv: its run has 2 machines, but the first run (a/m0.csv, ...) has 3: runs to calibrate together must be of one configuration",
		},
		{
			name: "one machine",
			runs: []*analysis.Log{run("a", ok())},
			file: "a/m0.csv",
			msg:  "a/m0.csv: a run of 1 machine(s): a scenario needs at least 2",
		},
		{
			name: "rates disagree",
			runs: []*analysis.Log{run("a", ok(), ok()), run("b", ok(), ticks(5, 50, 0, 300_000))},
			file: "b/m1.csv",
			msg:  "b/m1.csv: rate 5 (mean interval 200.300 ms) disagrees with rate 6 of the same machine in a/m1.csv (mean interval 166.967 ms): runs to calibrate together must be of one configuration",
		},
		{
			name: "ticks faster than the given rate",
			runs: []*analysis.Log{run("a", ok(), ok())},
			opt:  calibrate.Options{Rates: []sim.Rate{sim.MustRate("6"), sim.MustRate("5")}},
			file: "a/m1.csv",
			msg:  "a/m1.csv: ticks faster than the given rate 5: mean interval 166.967 ms is below its period 200.000 ms (overshoot -33.033 ms ± 0.0 µs, 99 %)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := calibrate.Fit(tt.runs, tt.opt)
			if err == nil {
				t.Fatalf("no error; estimate %+v", e)
			}
			var le *analysis.LogError
			if !errors.As(err, &le) || le.File != tt.file || le.Line != tt.line {
				t.Errorf("error %#v, want a *analysis.LogError at %s:%d", err, tt.file, tt.line)
			}
			if want, prefix := strings.CutSuffix(tt.msg, "..."); prefix {
				if !strings.HasPrefix(err.Error(), want) {
					t.Errorf("error\n  %s\nwant it to start\n  %s", err, want)
				}
			} else if err.Error() != tt.msg {
				t.Errorf("error\n  %s\nwant\n  %s", err, tt.msg)
			}
		})
	}
}

// TestBadArguments checks the errors that are not a file's fault.
func TestBadArguments(t *testing.T) {
	ok := func() []sim.Record { return ticks(6, 60, 0, 300_000) }
	internal := func() []sim.Record {
		r := ok()
		for k := range r {
			r[k].Event = sim.Internal
		}
		return r
	}
	tests := []struct {
		name string
		runs []*analysis.Log
		opt  calibrate.Options
		msg  string
	}{
		{"no runs", nil, calibrate.Options{}, "calibrate: no runs given"},
		{"wrong number of rates", []*analysis.Log{run("a", ok(), ok())}, calibrate.Options{Rates: []sim.Rate{sim.MustRate("6")}}, "calibrate: 1 rates given for 2 machines"},
		{"negative window", []*analysis.Log{run("a", ok(), ok())}, calibrate.Options{MaxOvershoot: -time.Millisecond}, "calibrate: max overshoot -1ms is negative"},
		{"no sends", []*analysis.Log{run("a", internal(), internal())}, calibrate.Options{}, "calibrate: no sends among the 120 free ticks: the die R has no finite estimate (a send has probability 2/R)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := calibrate.Fit(tt.runs, tt.opt)
			if err == nil || err.Error() != tt.msg {
				t.Errorf("error %v, want %s", err, tt.msg)
			}
		})
	}
}

// TestBadInputFiles checks errors through the files: ReadRun's own
// (file:line) come first, and two original runs of different rates are
// not one configuration.
func TestBadInputFiles(t *testing.T) {
	dir := t.TempDir()
	good := "internal,0.000000000,0,1\nsend 0  ,0.166666666,0,2\ninternal,0.333333333,0,3\n"
	bad := "internal,0.000000000,0,1\ninternal,0.333333333,0,2\ninternal,0.166666666,0,3\n"
	p0, p1 := filepath.Join(dir, "m0.csv"), filepath.Join(dir, "m1.csv")
	if err := os.WriteFile(p0, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p1, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := analysis.ReadRun(p0, p1)
	if err == nil || !strings.HasPrefix(err.Error(), p1+":3: time 0.166666666 s is before the previous line's 0.333333333 s") {
		t.Errorf("ReadRun: %v", err)
	}

	a1, _ := readOriginal(t, "A1")
	a5, _ := readOriginal(t, "A5")
	_, err = calibrate.Fit([]*analysis.Log{a1, a5}, calibrate.Options{})
	want := "testdata/original/A5/machine-1.csv: rate 4 (mean interval 250.229 ms) disagrees with rate 6 of the same machine in testdata/original/A1/machine-1.csv (mean interval 166.894 ms): runs to calibrate together must be of one configuration"
	if err == nil || err.Error() != want {
		t.Errorf("A1 with A5: %v\nwant %s", err, want)
	}
}
