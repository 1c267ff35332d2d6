package experiment

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"

	"desim/analysis"
	"desim/analysis/figure"
	"desim/scenarios"
	"desim/sim"
)

// Streamed is a recorded run read without holding its records: what ReadRun
// reads, for logs of any size. StreamRun reads the logs once, computing
// the run's metrics on the way; Figure draws the run's figure by reading
// them a second time. Its Summary and Figure equal those of ReadRun's
// Recorded, byte for byte once written.
type Streamed struct {
	// Scan is what the pass over the logs found; its times are as in the
	// logs.
	Scan *analysis.Scan
	// Scenario is the directory's scenario.yaml, or nil.
	Scenario *scenarios.Scenario
	// Name names the run, as Recorded.Name.
	Name string

	dir Dir // the run directory, or "" for a list of files
	acc *analysis.Accumulator
}

// StreamRun reads the run named by paths in one pass, as ReadRun does (the
// same arguments, the same errors), holding no more than a batch of
// records: memory stays bounded whatever the size of the logs.
func StreamRun(paths ...string) (*Streamed, error) {
	dir, files, unlock, err := runLogs(paths)
	if err != nil {
		return nil, err
	}
	defer unlock()
	acc := analysis.NewAccumulator(len(files))
	sc, err := analysis.StreamRun(acc, files...)
	if err != nil {
		return nil, readError(err)
	}
	r := &Streamed{Scan: sc, Name: logsName(paths), dir: dir, acc: acc}
	if dir == "" {
		return r, nil
	}
	s, err := dir.loadScenario(len(files))
	if s == nil || err != nil {
		return r, err
	}
	r.Scenario, r.Name = s, s.Name
	return r, nil
}

// runLogs resolves ReadRun's arguments: one run directory, whose logs
// Dir.Logs lists, or a list of log files; dir is "" for a list. A run
// directory is locked shared, as ReadRun locks it, until unlock is called.
func runLogs(paths []string) (dir Dir, files []string, unlock func(), err error) {
	unlock = func() {}
	if len(paths) == 0 {
		return "", nil, unlock, Input(errors.New("no run directory or log files given"))
	}
	if len(paths) == 1 {
		if st, err := os.Stat(paths[0]); err == nil && st.IsDir() {
			dir = Dir(paths[0])
			unlock = lockDir(paths[0], false)
			if files, err = dir.Logs(); err != nil {
				unlock()
				return "", nil, func() {}, readError(err)
			}
			return dir, files, unlock, nil
		}
		return "", paths, unlock, nil
	}
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return "", nil, unlock, Input(&analysis.LogError{File: p, Msg: "is a directory: give one run directory, or a list of log files"})
		}
	}
	return "", paths, unlock, nil
}

// Machines returns the number of machines of the run.
func (r *Streamed) Machines() int { return len(r.Scan.Machines) }

// Offset returns what was subtracted from the logs' times, as
// Recorded.Log.Offset: 0 for a run directory with a scenario.yaml, whose
// times are the run's own, and otherwise the time of the earliest line.
func (r *Streamed) Offset() int64 {
	if r.Scenario != nil {
		return 0
	}
	return r.Scan.Offset
}

// Duration returns the time from the run's earliest line to its latest, in
// ns, as Recorded.Log.Duration.
func (r *Streamed) Duration() int64 {
	var last int64
	for _, m := range r.Scan.Machines {
		last = max(last, m.Last-r.Offset())
	}
	return last
}

// Summary returns the run's metrics, as Recorded.Summary.
func (r *Streamed) Summary() *analysis.Summary {
	return runSummary(r.Scenario, r.Name, r.Scan.Duration(), r.Scan.EstimatedRates, r.acc.Metrics)
}

// Heading returns the line "desim analyze" prints above its table: the
// scenario, seed and duration, or for logs without a scenario the number
// of machines and the time they span.
func (r *Streamed) Heading() string {
	if s := r.Scenario; s != nil {
		return fmt.Sprintf("%s, seed %d, %s of virtual time\n", s.Name, s.Seed, scenarios.FormatDuration(s.Duration))
	}
	h := fmt.Sprintf("%s: %d machines, %ss from the earliest line to the latest", r.Name, r.Machines(), sim.AppendSeconds(nil, r.Duration()))
	if off := r.Offset(); off != 0 {
		h += fmt.Sprintf(" (the earliest at %ss)", sim.AppendSeconds(nil, off))
	}
	return h + "; rates estimated\n"
}

// WriteTable writes the table of sum (the run's Summary) as "desim
// analyze" prints it: estimated rates, when there is no scenario, to 4
// significant digits for the table's alignment (summary.json has them in
// full).
func (r *Streamed) WriteTable(w io.Writer, sum *analysis.Summary) {
	ms := sum.Machines
	if r.Scenario == nil {
		ms = slices.Clone(ms)
		for i := range ms {
			ms[i].Rate, _ = strconv.ParseFloat(strconv.FormatFloat(ms[i].Rate, 'g', 4, 64), 64)
		}
	}
	analysis.WriteTable(w, ms)
}

// ClockError returns the run's first model violation, a logical clock
// below the previous line's in the same log, as bad input naming its file
// and line (an *analysis.LogError); nil when there is none.
func (r *Streamed) ClockError() error {
	if len(r.Scan.ClockDecreases) == 0 {
		return nil
	}
	return Input(r.Scan.ClockDecreases[0])
}

// Warnings returns the run's model violations as "file:line: what" lines:
// the first analysis.MaxClockDecreases lines whose logical clock is below
// the previous line's, and a count of the rest.
func (r *Streamed) Warnings() []string {
	var ws []string
	for _, e := range r.Scan.ClockDecreases {
		ws = append(ws, e.Error())
	}
	var all int64
	for _, m := range r.Scan.Machines {
		all += m.ClockDecreases
	}
	if rest := all - int64(len(ws)); rest > 0 {
		ws = append(ws, fmt.Sprintf("and %d more lines whose logical clock is below the previous line's (%d in all)", rest, all))
	}
	return ws
}

// Figure returns the run's figure, as Recorded.Figure, with the logs as
// its figure.Source: writing it reads them a second time, keeping only
// the points it draws. It fails if they changed since StreamRun read them.
func (r *Streamed) Figure() *figure.Figure {
	src := &logSource{scan: r.Scan, dir: r.dir, shift: r.Offset()}
	fig := &figure.Figure{Series: make([]figure.Series, r.Machines()), Source: src}
	for i := range fig.Series {
		fig.Series[i] = figure.Series{ID: i}
	}
	if r.Scenario != nil {
		titleFigure(fig, r.Scenario)
	}
	return fig
}

// logSource is a run's logs as a figure.Source: times less shift.
type logSource struct {
	scan  *analysis.Scan
	dir   Dir // locked shared while the logs are read, if not ""
	shift int64
}

func (s *logSource) Extent() figure.Extent {
	var e figure.Extent
	for _, m := range s.scan.Machines {
		e.End, e.Clock, e.Queue = max(e.End, m.Last-s.shift), max(e.Clock, m.MaxClock), max(e.Queue, m.MaxQueue)
	}
	return e
}

func (s *logSource) Replay(add func(int, []sim.Record)) error {
	if s.dir != "" {
		defer lockDir(string(s.dir), false)()
	}
	sc, err := analysis.StreamRun(sinkFunc(func(i int, b []sim.Record) error {
		if s.shift != 0 {
			for k := range b {
				b[k].At -= s.shift
			}
		}
		add(i, b)
		return nil
	}), s.scan.Files...)
	if err != nil {
		return readError(err)
	}
	for i, m := range sc.Machines {
		if m != s.scan.Machines[i] {
			return fmt.Errorf("%s: the log changed while it was read; try again", sc.Files[i])
		}
	}
	return nil
}

// sinkFunc is a function as a sim.Sink.
type sinkFunc func(machine int, batch []sim.Record) error

func (f sinkFunc) Records(machine int, batch []sim.Record) error { return f(machine, batch) }
