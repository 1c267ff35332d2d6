package experiment

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"desim/analysis"
	"desim/scenarios"
)

// File names of a run directory.
const (
	// SummaryFile holds the run's metrics (analysis.Summary as JSON).
	SummaryFile = "summary.json"
	// ScenarioFile holds the scenario as run, seed and duration included:
	// "desim run DIR/scenario.yaml" replays the run byte for byte.
	ScenarioFile = "scenario.yaml"
	// FigureFile is the run's figure as "desim run --plot" draws it.
	FigureFile = "figure.png"
)

// Dir is a run directory: machine-<i>.csv, machine i's log in the format of
// sim.LogWriter, for i = 0..N-1; summary.json; scenario.yaml; and, once
// drawn, figure.png. It is the one owner of that layout: everything that
// writes or reads a run directory goes through it.
type Dir string

// LogName is the file name of machine i's log.
func LogName(i int) string { return "machine-" + strconv.Itoa(i) + ".csv" }

// parseLogName returns i for the name machine-<i>.csv (decimal, no leading
// zeros); ok is false for any other name. An i that overflows is returned
// as the largest uint64.
func parseLogName(name string) (i uint64, ok bool) {
	num, ok := strings.CutPrefix(name, "machine-")
	if !ok {
		return 0, false
	}
	num, ok = strings.CutSuffix(num, ".csv")
	if !ok || num == "" || (len(num) > 1 && num[0] == '0') || strings.Trim(num, "0123456789") != "" {
		return 0, false
	}
	i, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		i = ^uint64(0)
	}
	return i, true
}

// Log returns the path of machine i's log.
func (d Dir) Log(i int) string { return filepath.Join(string(d), LogName(i)) }

// Summary returns the path of summary.json.
func (d Dir) Summary() string { return filepath.Join(string(d), SummaryFile) }

// Scenario returns the path of scenario.yaml.
func (d Dir) Scenario() string { return filepath.Join(string(d), ScenarioFile) }

// Figure returns the path of figure.png.
func (d Dir) Figure() string { return filepath.Join(string(d), FigureFile) }

// Logs returns the directory's machine logs in machine order. They must be
// numbered 0, 1, ..., N-1 without a gap; anything else is an
// *analysis.LogError naming the directory.
func (d Dir) Logs() ([]string, error) {
	entries, err := os.ReadDir(string(d))
	if err != nil {
		return nil, err
	}
	type file struct {
		id   uint64
		name string
	}
	var fs []file
	for _, e := range entries {
		if id, ok := parseLogName(e.Name()); ok {
			fs = append(fs, file{id, e.Name()})
		}
	}
	if len(fs) == 0 {
		return nil, &analysis.LogError{File: string(d), Msg: "no machine-<i>.csv log files in the directory"}
	}
	slices.SortFunc(fs, func(a, b file) int { return cmp.Compare(a.id, b.id) })
	out := make([]string, len(fs))
	for i, f := range fs {
		if f.id != uint64(i) {
			msg := LogName(i) + " is missing"
			if i > 0 {
				msg += fmt.Sprintf(" (the logs are numbered from 0 without gaps; found %s and then %s)", fs[i-1].name, f.name)
			} else {
				msg += fmt.Sprintf(" (the logs are numbered from 0 without gaps; the first is %s)", f.name)
			}
			return nil, &analysis.LogError{File: string(d), Msg: msg}
		}
		out[i] = filepath.Join(string(d), f.name)
	}
	return out, nil
}

// stale returns the files of d that a run of n machines does not write but
// an earlier run there may have: machine-<i>.csv for i ≥ n and the figure
// (redrawn after the commit when asked for).
func (d Dir) stale(n int) []string {
	out := []string{d.Figure(), d.Messages()}
	entries, _ := os.ReadDir(string(d))
	for _, e := range entries {
		if i, ok := parseLogName(e.Name()); ok && i >= uint64(n) {
			out = append(out, filepath.Join(string(d), e.Name()))
		}
	}
	return out
}

// mkdir creates d (and its parents) and returns a function that removes it
// again if it is still empty: a failed or interrupted command leaves no
// empty directory behind.
func (d Dir) mkdir() (cleanup func(), err error) {
	st, statErr := os.Stat(string(d))
	if statErr == nil && !st.IsDir() {
		return func() {}, Inputf("%s exists and is not a directory: give a directory for the run's files", d)
	}
	if err := os.MkdirAll(string(d), 0o755); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) && errors.Is(err, syscall.ENOTDIR) {
			return func() {}, Inputf("%s: a part of the path is a file, not a directory", d)
		}
		return func() {}, err
	}
	if statErr == nil {
		return func() {}, nil // it existed before
	}
	return func() { os.Remove(string(d)) }, nil // fails, harmlessly, when not empty
}

// WriteOptions control how a run is written into its directory; the zero
// value is the default.
type WriteOptions struct {
	// Force writes the run even when its estimated size
	// (EstimateRunBytes) is more than the free space of the directory's
	// file system, which is otherwise bad input.
	Force bool
	// Warn, if not nil, receives warnings: a run above WarnBytes, one
	// forced past the free space, temporary files of killed writers
	// removed from the directory.
	Warn func(msg string)

	free freeFunc // the free space; nil: the file system's (tests set it)
}

func (o *WriteOptions) warn(msg string) {
	if o.Warn != nil && msg != "" {
		o.Warn(msg)
	}
}

// Write writes a run of s into d as one result with the default
// WriteOptions; see WriteWith.
func (d Dir) Write(s *scenarios.Scenario, fill func(w *RunWriter) (summary []byte, err error)) error {
	return d.WriteWith(s, WriteOptions{}, fill)
}

// WriteWith writes a run of s into d as one result: the machines' logs,
// which fill writes (one writer per machine) before it returns the
// content of summary.json, then summary.json and scenario.yaml.
//
// It holds d's lock (DirLockFile) throughout: a second writer of d fails
// at once with bad input naming the holder's pid and command. Once it
// holds the lock it removes the temporary files that killed writers left
// in d (RemoveStaleTemp), then refuses a run whose logs would not fit on
// the file system (EstimateRunBytes, CheckSpace) unless opt.Force.
//
// Every file goes to a temporary name first and all are renamed into
// place only when all are complete, under an exclusive lock of the
// directory that ReadRun takes shared; leftovers of an earlier run in d
// (logs of machines this run does not have, its figure) are removed then.
// On any error nothing of this run stays, and a directory made for it is
// removed.
//
// fill may also read ScenarioTemp's file (written before fill is called),
// as the real-socket machines do.
func (d Dir) WriteWith(s *scenarios.Scenario, opt WriteOptions, fill func(w *RunWriter) (summary []byte, err error)) (err error) {
	var cleanup func()
	var lock *fileLock
	for try := 0; ; try++ {
		if cleanup, err = d.mkdir(); err != nil {
			return err
		}
		lock, err = lockRunDir(d)
		// A writer that failed may have removed the directory it made
		// between the two steps: make it again.
		if err == nil || try == 2 || !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err != nil {
		cleanup()
		return err
	}
	var set OutputSet
	defer func() {
		if err != nil {
			set.Abort()
		}
		lock.unlock()
		if err != nil {
			cleanup()
		}
	}()
	if removed, size, err := RemoveStaleTemp(string(d)); err == nil && len(removed) > 0 {
		files := "files"
		if len(removed) == 1 {
			files = "file"
		}
		opt.warn(fmt.Sprintf("removed %d temporary %s (%s) that killed writers had left in %s", len(removed), files, FormatBytes(size), d))
	}
	free := opt.free
	if free == nil {
		free = freeSpace
	}
	warning, err := checkRunSpace(string(d), s, opt.Force, free)
	if err != nil {
		return err
	}
	opt.warn(warning)
	w := &RunWriter{Logs: make([]io.Writer, len(s.Machines)), dir: d, set: &set}
	sf, err := set.Create(d.Scenario())
	if err != nil {
		return err
	}
	if _, err := sf.Write(scenarios.Marshal(s)); err != nil {
		return err
	}
	if err := sf.Sync(); err != nil {
		return err
	}
	w.ScenarioPath = sf.Name()
	for i := range w.Logs {
		f, err := set.Create(d.Log(i))
		if err != nil {
			return err
		}
		w.Logs[i] = f
	}
	summary, err := fill(w)
	if err != nil {
		return err
	}
	if err = set.Write(d.Summary(), summary); err != nil {
		return err
	}
	set.RemoveOnCommit(d.stale(len(s.Machines))...)
	unlock := lockDir(string(d), true)
	defer unlock()
	return set.Commit()
}

// RunWriter is what Dir.Write hands to the code that fills a run.
type RunWriter struct {
	// Logs[i] receives machine i's log.
	Logs []io.Writer
	// ScenarioPath is the scenario as run, already complete under its
	// temporary name in the run directory (it is renamed to scenario.yaml
	// with the rest), for processes that must read it.
	ScenarioPath string

	dir Dir
	set *OutputSet
}

// Create starts one more file of the run, name in the run directory (such
// as MessagesFile), written with the rest: it is renamed into place with
// the logs, or removed with them on any failure.
func (w *RunWriter) Create(name string) (io.Writer, error) {
	return w.set.Create(filepath.Join(string(w.dir), name))
}

// ReadSummary reads the directory's summary.json.
func (d Dir) ReadSummary() (*analysis.Summary, error) {
	return analysis.ReadSummary(d.Summary())
}

// Recorded is a run read back from its logs: a run directory (desim's, or
// any directory of machine-<i>.csv files) or a list of log files in
// machine order, desim's or the original Python implementation's.
type Recorded struct {
	// Log holds every machine's records. For a run directory with a
	// scenario.yaml, times are the run's own (seconds since its start);
	// otherwise they are rebased to the earliest line (see
	// analysis.ReadRun).
	Log *analysis.Log
	// Scenario is the directory's scenario.yaml, or nil.
	Scenario *scenarios.Scenario
	// Name names the run: the scenario's name, else the base name of the
	// directory that holds the logs, else "logs".
	Name string
}

// ReadRun reads the run named by paths: one run directory, whose logs
// Dir.Logs lists, or a list of log files, machine 0 first, which
// analysis.ReadRun reads. Malformed logs, missing files, a directory in a
// list of files and a scenario.yaml that does not match the logs are bad
// input (ErrInput) naming the file and line; other failures (a failing
// disk) are not. A run directory is read under a shared lock of the
// directory, which Dir.WriteWith takes exclusive while it renames a new
// run into place: ReadRun waits for that, and reads either run, whole.
func ReadRun(paths ...string) (*Recorded, error) {
	dir, files, unlock, err := runLogs(paths)
	if err != nil {
		return nil, err
	}
	defer unlock()
	l, err := analysis.ReadRun(files...)
	if err != nil {
		return nil, readError(err)
	}
	r := &Recorded{Log: l, Name: logsName(paths)}
	if dir == "" {
		return r, nil
	}
	s, err := dir.loadScenario(len(l.Machines))
	if s == nil || err != nil {
		return r, err
	}
	// A desim run's times are already seconds since its start: undo the
	// reader's rebasing to the earliest line, which moves the whole run
	// when every machine starts late.
	for _, recs := range l.Machines {
		for i := range recs {
			recs[i].At += l.Offset
		}
	}
	l.Offset = 0
	r.Scenario, r.Name = s, s.Name
	return r, nil
}

// loadScenario loads the directory's scenario.yaml, checking that it has
// as many machines as the directory has logs; nil and no error when there
// is none. Anything else that goes wrong is bad input.
func (d Dir) loadScenario(logs int) (*scenarios.Scenario, error) {
	if _, err := os.Stat(d.Scenario()); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	s, err := scenarios.Load(d.Scenario())
	if err != nil {
		return nil, Input(err)
	}
	if len(s.Machines) != logs {
		return nil, Inputf("%s: the scenario has %d machines but %s holds %d logs", d.Scenario(), len(s.Machines), d, logs)
	}
	return s, nil
}

// Summary returns the run's metrics: with the scenario's name, seed,
// duration and rates when there is a scenario, so that it equals the run's
// summary.json; otherwise seed 0, the time from the earliest line to the
// latest as duration and rates estimated from the logs.
func (r *Recorded) Summary() *analysis.Summary {
	return runSummary(r.Scenario, r.Name, r.Log.Duration(), r.Log.EstimatedRates, r.Log.Metrics)
}

// runSummary is the summary of a run read back: with the scenario's name,
// seed, duration and rates when s is not nil, else named name, seed 0, the
// logs' span (ns) as duration and the rates estimated from the logs;
// metrics computes the machines' metrics with the given rates.
func runSummary(s *scenarios.Scenario, name string, span int64, estimated func() []float64, metrics func(rates []float64) []analysis.MachineMetrics) *analysis.Summary {
	if s != nil {
		return &analysis.Summary{Scenario: s.Name, Seed: s.Seed, DurationS: s.Duration.Seconds(), Machines: metrics(s.EffectiveRates())}
	}
	return &analysis.Summary{Scenario: name, DurationS: float64(span) / 1e9, Machines: metrics(estimated())}
}

// readError classifies an error reading a run: malformed or missing input
// is bad input, anything else (a failing disk) is not.
func readError(err error) error {
	var le *analysis.LogError
	var pe *fs.PathError
	switch {
	case errors.As(err, &le), errors.Is(err, fs.ErrNotExist):
		return Input(err)
	case errors.As(err, &pe):
		return err
	}
	return Input(err)
}

// logsName names a run without a scenario: the base name of its directory,
// or of the directory that holds every listed file, or "logs".
func logsName(args []string) string {
	if len(args) == 0 {
		return "logs"
	}
	dir := args[0]
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		dir = filepath.Dir(args[0])
		for _, a := range args[1:] {
			if filepath.Dir(a) != dir {
				return "logs"
			}
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "logs"
	}
	name := filepath.Base(abs)
	if name == "/" || name == "." || name == string(filepath.Separator) {
		return "logs"
	}
	return name
}
