package analysis

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"desim/sim"
)

// Scan is what StreamRun found in a run's logs besides the records
// themselves: where each machine's log begins and ends, its largest clock
// and queue, and the lines where a logical clock went down.
type Scan struct {
	Files    []string      // one file per machine, in machine order
	Machines []MachineScan // in machine order
	// Offset is the earliest time of the run in ns, the time of the
	// earliest first line across the files: ReadRun's Log.Offset.
	Offset int64
	// ClockDecreases holds the first MaxClockDecreases lines, in file
	// order and then line order, whose logical clock is below the
	// previous line's in the same file; MachineScan.ClockDecreases counts
	// them all. The scale model never lowers a Lamport clock (every tick
	// raises it), so each is a model violation: a log that was edited,
	// or written by something other than the model. ReadRun accepts such
	// logs, and so does StreamRun; what to do about it is the caller's.
	ClockDecreases []*LogError
}

// MaxClockDecreases is the most clock decreases a Scan lists.
const MaxClockDecreases = 10

// MachineScan is what StreamRun found in one machine's log. Times are in
// ns as in the log, not rebased.
type MachineScan struct {
	Ticks          int64 // log lines
	First, Last    int64 // times of the first and the last line
	MaxClock       int64 // largest logical clock
	MaxQueue       int64 // largest queue length
	ClockDecreases int64 // lines whose clock is below the previous line's
}

// StreamRun reads a run's log files as ReadRun does, with the same format
// and the same errors, but holds none of the records: it sends each
// machine's records to sink (nil for none) in batches as it parses them,
// each machine's in time order, so that its memory stays bounded however
// long the logs are. An Accumulator as the sink computes the run's metrics
// in the same pass.
//
// Files are parsed concurrently, up to GOMAXPROCS at a time, lower
// machines first, and their batches interleave; sink is called from one
// goroutine at a time, the caller's. The result does not depend on the
// interleaving: the Scan is the same, and so is the error, the first in
// machine order then line order, as ReadRun's. On an error the sink may
// have received any part of the records.
//
// The times reaching sink are as in the logs, not rebased: ReadRun's
// offset, the earliest first line across the files, is Scan.Offset, known
// once every file has been read (metrics do not depend on it). A batch
// belongs to StreamRun and is reused after the call; the sink may modify
// it (to rebase its times, say). An error from sink stops the read and is
// returned as is.
func StreamRun(sink sim.Sink, paths ...string) (*Scan, error) {
	files, err := runFiles(paths)
	if err != nil {
		return nil, err
	}
	names := newEventTable(len(files))
	scans := make([]fileScan, len(files))
	workers := min(runtime.GOMAXPROCS(0), len(files))
	if workers == 1 {
		buf := make([]sim.Record, streamBatch)
		for i, path := range files {
			scans[i] = scanFile(path, names, buf, func(b []sim.Record) ([]sim.Record, error) {
				if sink != nil {
					return buf, sink.Records(i, b)
				}
				return buf, nil
			})
			if scans[i].err != nil {
				return nil, scans[i].err
			}
		}
	} else if err := streamFiles(sink, files, names, scans, workers); err != nil {
		return nil, err
	}
	sc := &Scan{Files: files, Machines: make([]MachineScan, len(files))}
	for i, f := range scans {
		if f.err != nil {
			return nil, f.err
		}
		sc.Machines[i] = f.m
		if i == 0 || f.m.First < sc.Offset {
			sc.Offset = f.m.First
		}
		sc.ClockDecreases = append(sc.ClockDecreases, f.decreases[:min(len(f.decreases), MaxClockDecreases-len(sc.ClockDecreases))]...)
	}
	return sc, nil
}

// streamBatch is the number of records StreamRun parses before it hands
// them to its sink: 128 KiB of records.
const streamBatch = 4096

// streamFiles reads files concurrently, with up to workers at a time, into
// scans, and hands their batches to sink in the calling goroutine. It
// returns sink's error; a file's is in its scan. Once a file has failed,
// later files, whose errors would not be reported, stop.
func streamFiles(sink sim.Sink, files []string, names *eventTable, scans []fileScan, workers int) error {
	type batch struct {
		machine int
		recs    []sim.Record
		back    chan<- []sim.Record // where the buffer goes back to its reader
	}
	batches := make(chan batch)
	quit := make(chan struct{}) // closed when sink fails
	var failed atomic.Int64     // the lowest machine whose file failed
	failed.Store(int64(len(files)))
	slots := make(chan struct{}, workers)
	var wg sync.WaitGroup
	go func() {
		defer func() { wg.Wait(); close(batches) }()
		for i, path := range files {
			select { // in machine order, as a slot frees
			case slots <- struct{}{}:
			case <-quit:
				return
			}
			wg.Go(func() {
				defer func() { <-slots }()
				if int64(i) > failed.Load() {
					return // its error, if any, would not be reported
				}
				// Two buffers: one parsed into while the other is with
				// the sink.
				buf, free := make([]sim.Record, streamBatch), make(chan []sim.Record, 2)
				if sink != nil {
					free <- make([]sim.Record, streamBatch)
				}
				scans[i] = scanFile(path, names, buf, func(b []sim.Record) ([]sim.Record, error) {
					if sink != nil {
						select {
						case batches <- batch{i, b, free}:
						case <-quit:
							return nil, errStopped
						}
						b = <-free
					}
					if int64(i) > failed.Load() {
						return nil, errStopped
					}
					return b, nil
				})
				if scans[i].err != nil { // failed = min(failed, i)
					for f := failed.Load(); int64(i) < f; f = failed.Load() {
						if failed.CompareAndSwap(f, int64(i)) {
							break
						}
					}
				}
			})
		}
	}()
	var err error
	for b := range batches {
		if err == nil && sink != nil {
			if err = sink.Records(b.machine, b.recs); err != nil {
				close(quit)
			}
		}
		b.back <- b.recs[:cap(b.recs)]
	}
	return err
}

// errStopped stops the reading of a file whose result no longer matters.
var errStopped = errors.New("stopped")

// fileScan is what reading one machine's log found.
type fileScan struct {
	m         MachineScan
	decreases []*LogError // the first MaxClockDecreases
	err       error
}

// scanFile reads the log at path, parsing batches into buf and handing
// each to emit, which returns the buffer to parse the next one into.
func scanFile(path string, names *eventTable, buf []sim.Record, emit func([]sim.Record) ([]sim.Record, error)) (fs fileScan) {
	f, err := os.Open(path)
	if err != nil {
		fs.err = err
		return fs
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		fs.err = &LogError{File: path, Msg: "is a directory, not a log file"}
		return fs
	}
	s := newLogScanner(f, path, names)
	m := &fs.m
	prevClock := int64(0)
	for !s.eof {
		n, err := s.next(buf)
		if err != nil {
			fs.err = err
			return fs
		}
		b := buf[:n]
		if len(b) == 0 {
			break
		}
		if m.Ticks == 0 {
			m.First, prevClock = b[0].At, b[0].Clock
		}
		for k := range b {
			r := &b[k]
			m.MaxClock, m.MaxQueue = max(m.MaxClock, r.Clock), max(m.MaxQueue, r.Queue)
			if r.Clock < prevClock {
				m.ClockDecreases++
				if len(fs.decreases) < MaxClockDecreases {
					// Every line is a record: this one is on line
					// Ticks + k + 1.
					fs.decreases = append(fs.decreases, &LogError{File: path, Line: int(m.Ticks) + k + 1,
						Msg: fmt.Sprintf("logical clock %d is below the previous line's %d: a Lamport clock never decreases (a model violation)", r.Clock, prevClock)})
				}
			}
			prevClock = r.Clock
		}
		m.Ticks += int64(n)
		m.Last = b[n-1].At
		if buf, err = emit(b); err != nil {
			fs.err = err
			return fs
		}
	}
	return fs
}

// Duration returns the time from the run's earliest line to its latest, in
// ns: ReadRun's Log.Duration.
func (sc *Scan) Duration() int64 {
	var last int64
	for _, m := range sc.Machines {
		last = max(last, m.Last-sc.Offset)
	}
	return last
}

// EstimatedRates estimates each machine's tick rate from its log, as
// ReadRun's Log.EstimatedRates does.
func (sc *Scan) EstimatedRates() []float64 {
	rates := make([]float64, len(sc.Machines))
	for i, m := range sc.Machines {
		if span := m.Last - m.First; m.Ticks >= 2 && span > 0 {
			rates[i] = float64(m.Ticks-1) * 1e9 / float64(span)
		}
	}
	return rates
}
