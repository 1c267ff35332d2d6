package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"desim/analysis"
	"desim/analysis/spacetime"
	"desim/analysis/trace"
	"desim/scenarios"
	"desim/sim"
)

// MessagesFile is a run directory's message trace, written by "desim run
// --trace" (see sim.MessageWriter for its format).
const MessagesFile = "messages.csv"

// Messages returns the path of the run directory's message trace.
func (d Dir) Messages() string { return filepath.Join(string(d), MessagesFile) }

// RunTraced is Run with the run's message trace handed to msgs as well
// (see sim.Engine.RunTraced).
func (x *Simulator) RunTraced(seed uint64, sink sim.Sink, msgs sim.MessageSink) ([]analysis.MachineMetrics, error) {
	return x.run(seed, sink, msgs)
}

// SimulateTraced is Simulate with the run's message trace handed to msgs
// (a sim.MessageWriter writes messages.csv), as the messages' fates become
// known: it streams.
func SimulateTraced(ctx context.Context, s *scenarios.Scenario, opt Options, msgs sim.MessageSink) (*Result, error) {
	opt.Messages = msgs
	return Simulate(ctx, s, opt)
}

// SimulateToDirTraced is SimulateToDir (with opt, if given), with the
// message trace in dir.Messages() when traced is set: one more file of
// the run, renamed into place with the logs or not at all. Without traced,
// a messages.csv of an earlier run in dir goes with the other stale files
// (it would not match the new logs).
func SimulateToDirTraced(ctx context.Context, s *scenarios.Scenario, dir Dir, traced bool, opt ...WriteOptions) (*analysis.Summary, error) {
	if !traced {
		return SimulateToDir(ctx, s, dir, opt...)
	}
	var o WriteOptions
	if len(opt) > 0 {
		o = opt[0]
	}
	var sum *analysis.Summary
	err := dir.WriteWith(s, o, func(w *RunWriter) ([]byte, error) {
		f, err := w.Create(MessagesFile)
		if err != nil {
			return nil, err
		}
		mw := sim.NewMessageWriter(f)
		res, err := SimulateTraced(ctx, s, Options{Logs: w.Logs}, mw)
		if err != nil {
			return nil, err
		}
		if err := mw.Flush(); err != nil {
			return nil, err
		}
		sum = res.Summary
		return sum.Marshal(), nil
	})
	if err != nil {
		return nil, err
	}
	return sum, nil
}

// Traced is a run directory with a message trace, opened for reading.
type Traced struct {
	Dir Dir
	// Scenario is the directory's scenario.yaml, or nil.
	Scenario *scenarios.Scenario
	Files    trace.Files
}

// OpenTraced opens the traced run directory path. A path that is not a
// run directory, or one without messages.csv (a run made without --trace,
// or by desim real), is bad input that says so.
func OpenTraced(path string) (*Traced, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, Input(err)
	}
	if !st.IsDir() {
		return nil, Inputf("%s is not a run directory: give the directory that desim run --trace wrote", path)
	}
	d := Dir(path)
	logs, err := d.Logs()
	if err != nil {
		return nil, readError(err)
	}
	if _, err := os.Stat(d.Messages()); errors.Is(err, fs.ErrNotExist) {
		return nil, Inputf("%s has no %s: it was not traced; make it with \"desim run SCENARIO --trace\"", path, MessagesFile)
	} else if err != nil {
		return nil, err
	}
	t := &Traced{Dir: d, Files: trace.Files{Logs: logs, Messages: d.Messages()}}
	t.Scenario, err = d.loadScenario(len(logs))
	return t, err
}

// Check checks the trace against the logs completely (see trace.Check),
// with the scenario's duration, latency and jitter when there is one. A
// mismatch is bad input.
func (t *Traced) Check() error {
	var cfg *sim.Config
	if t.Scenario != nil {
		c := t.Scenario.Config(t.Scenario.Seed)
		cfg = &c
	}
	return traceError(trace.Check(t.Files, cfg))
}

// Export describes the run for the exports: its name and seed, and each
// machine's label and period.
func (t *Traced) Export() trace.Export {
	ex := trace.Export{Title: string(t.Dir)}
	for i := range t.Files.Logs {
		m := trace.Machine{Label: fmt.Sprintf("machine %d", i)}
		if s := t.Scenario; s != nil {
			m.Label = fmt.Sprintf("machine %d (%s c/s)", i, s.Machines[i].Rate)
			m.Period = s.Machines[i].Rate.TickTime(1)
		}
		ex.Machines = append(ex.Machines, m)
	}
	if s := t.Scenario; s != nil {
		ex.Title = fmt.Sprintf("%s, seed %d", s.Name, s.Seed)
		ex.Duration = int64(s.Duration)
	}
	return ex
}

// WritePerfetto writes the run as a Perfetto / chrome://tracing trace
// (see trace.WritePerfetto) to path, or to stdout for "-".
func (t *Traced) WritePerfetto(path string, stdout io.Writer) error {
	ex := t.Export()
	return writeStream(path, stdout, func(w io.Writer) error { return traceError(trace.WritePerfetto(w, t.Files, ex)) })
}

// WriteShiViz writes the run as a ShiViz log (see trace.WriteShiViz) to
// path, or to stdout for "-".
func (t *Traced) WriteShiViz(path string, stdout io.Writer) error {
	ex := t.Export()
	return writeStream(path, stdout, func(w io.Writer) error { return traceError(trace.WriteShiViz(w, t.Files, ex)) })
}

// ExportFormats are the formats of WriteExport, with the default file
// name of each.
var ExportFormats = map[string]string{"perfetto": "run.json", "shiviz": "run.log"}

// WriteExport writes the run in format ("perfetto" or "shiviz", see
// ExportFormats) to path ("" for the format's default file name, "-" for
// stdout) and returns the path written. An unknown format is bad input.
func (t *Traced) WriteExport(format, path string, stdout io.Writer) (string, error) {
	def, ok := ExportFormats[format]
	if !ok {
		return "", Inputf("unknown export format %q: want perfetto or shiviz", format)
	}
	if path == "" {
		path = def
	}
	if format == "perfetto" {
		return path, t.WritePerfetto(path, stdout)
	}
	return path, t.WriteShiViz(path, stdout)
}

// SpacetimeFlags are the command line's choice of a space-time diagram's
// window and machines: times in seconds ("2.5") or Go syntax ("1m30s"),
// machines a comma-separated list ("2,0"); "" for the defaults.
type SpacetimeFlags struct {
	From, To, Machines string
}

// DrawSpacetime draws the space-time diagram of a window of the run (see
// package spacetime) to path, in the format its extension names. Bad
// flags, a window outside the run and an unknown machine are bad input.
func (t *Traced) DrawSpacetime(path string, f SpacetimeFlags) error {
	format, err := spacetime.Format(path)
	if err != nil {
		return Input(err)
	}
	opt, err := f.options()
	if err != nil {
		return err
	}
	ex := t.Export()
	opt.Title, opt.Duration = ex.Title, ex.Duration
	for _, m := range ex.Machines {
		opt.Labels = append(opt.Labels, m.Label)
	}
	d, err := spacetime.Build(t.Files, opt)
	if err != nil {
		return traceError(err)
	}
	return writeStream(path, nil, func(w io.Writer) error { return spacetime.Write(w, d, format) })
}

// options parses the flags into the window and machines of a diagram.
func (f SpacetimeFlags) options() (opt spacetime.Options, err error) {
	if opt.From, err = parseTime("--from", f.From); err != nil {
		return opt, err
	}
	if f.To != "" {
		if opt.To, err = parseTime("--to", f.To); err != nil {
			return opt, err
		}
		opt.ToSet = true
	}
	if f.Machines != "" {
		for _, x := range strings.Split(f.Machines, ",") {
			i, err := strconv.Atoi(strings.TrimSpace(x))
			if err != nil || i < 0 {
				return opt, Inputf("--machines %q: %q is not a machine number (want a list such as 0,2)", f.Machines, x)
			}
			opt.Machines = append(opt.Machines, i)
		}
	}
	return opt, nil
}

// parseTime parses a time flag: seconds ("2.5") or Go syntax ("1m30s"),
// not negative; "" is 0.
func parseTime(flag, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		d, err = time.ParseDuration(s + "s")
	}
	if err != nil || d < 0 {
		return 0, Inputf("%s %q is not a time: give seconds (2.5) or a Go duration (1m30s)", flag, s)
	}
	return int64(d), nil
}

// traceError marks the errors of reading a trace as bad input: malformed
// or mismatched files, and a window or machine list the run does not
// have. A failing disk is not.
func traceError(err error) error {
	var pe *fs.PathError
	if err == nil || errors.As(err, &pe) && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return Input(err)
}

// writeStream writes what f writes to path atomically (see CreateAtomic),
// or directly when path names a device such as /dev/stdout, or to stdout
// for "-".
func writeStream(path string, stdout io.Writer, f func(io.Writer) error) error {
	if path == "-" && stdout != nil {
		return f(stdout)
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() && !st.IsDir() {
		out, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		err = f(out)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		return err
	}
	out, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	if err := f(out); err != nil {
		out.Abort()
		return err
	}
	return out.Commit()
}
