package experiment

import (
	"context"
	"fmt"
	"io"
	"time"

	"desim/analysis"
	"desim/scenarios"
	"desim/sim"
)

// Overrides change a loaded scenario; zero values keep the scenario's own.
type Overrides struct {
	// Seed, if not nil, replaces the scenario's seed.
	Seed *uint64
	// Duration, if positive, replaces the scenario's duration; a scenario
	// file may then leave its duration out.
	Duration time.Duration
	// Stdin is what the path "-" reads (nil: os.Stdin).
	Stdin io.Reader
}

// Load loads a scenario by built-in name, in any case ("a3" is A3, and
// keeps its canonical name), by YAML path, or from o.Stdin for "-" (see
// scenarios.LoadWith), applies o and checks the result. Every problem is
// bad input (ErrInput) naming the file and, where there is one, the line;
// all the problems of a file are reported together (errors.Join of
// *scenarios.Error, in the order of their lines). A name that is neither a
// built-in nor a file suggests the nearest built-in and matches
// fs.ErrNotExist.
func Load(nameOrPath string, o Overrides) (*scenarios.Scenario, error) {
	s, err := scenarios.LoadWith(nameOrPath, scenarios.Options{DefaultDuration: o.Duration, Stdin: o.Stdin})
	if err != nil {
		return nil, Input(err)
	}
	if o.Seed != nil {
		s.Seed = *o.Seed
	}
	if o.Duration > 0 {
		s.Duration = o.Duration
	}
	if err := s.Check(); err != nil {
		return nil, Inputf("%s: %w", nameOrPath, err)
	}
	return s, nil
}

// Simulator runs one scenario in the virtual-time engine, seed after seed,
// reusing its engine and metric sums: after the first run, a run allocates
// nothing. It is the one place where desim sets up a simulated run; a
// Simulator is not safe for concurrent use (make one per goroutine).
type Simulator struct {
	s     *scenarios.Scenario
	eng   *sim.Engine
	acc   *analysis.Accumulator
	sinks sim.Sinks
	rates []float64
	ms    []analysis.MachineMetrics
}

// NewSimulator returns a simulator of s (its seed is ignored: Run takes
// one).
func NewSimulator(s *scenarios.Scenario) (*Simulator, error) {
	eng, err := sim.New(s.Config(s.Seed))
	if err != nil {
		return nil, Inputf("%s: %w", s.Name, err)
	}
	n := len(s.Machines)
	acc := analysis.NewAccumulator(n)
	return &Simulator{
		s: s, eng: eng, acc: acc,
		sinks: sim.Sinks{acc, nil},
		rates: s.EffectiveRates(),
		ms:    make([]analysis.MachineMetrics, n),
	}, nil
}

// Scenario returns the simulated scenario.
func (x *Simulator) Scenario() *scenarios.Scenario { return x.s }

// Run runs the scenario with the given seed, handing every record to the
// metric sums and, if not nil, to sink. It returns every machine's
// metrics, valid until the next Run. An error of sink stops the run and is
// returned, as is sim.ErrQueueLimit (wrapped).
func (x *Simulator) Run(seed uint64, sink sim.Sink) ([]analysis.MachineMetrics, error) {
	return x.run(seed, sink, nil)
}

// run is Run, with the message trace to msgs when it is not nil.
func (x *Simulator) run(seed uint64, sink sim.Sink, msgs sim.MessageSink) ([]analysis.MachineMetrics, error) {
	x.eng.Reset(seed)
	x.acc.Reset()
	var err error
	if sink == nil { // the metrics alone: no fan-out (RunTraced is Run without msgs)
		err = x.eng.RunTraced(x.acc, msgs)
	} else {
		x.sinks[1] = sink
		err = x.eng.RunTraced(x.sinks, msgs)
		x.sinks[1] = nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s seed %d: %w", x.s.Name, seed, err)
	}
	return x.acc.MetricsTo(x.ms, x.rates), nil
}

// Stats returns what the last run did (ticks, deliveries, messages).
func (x *Simulator) Stats() sim.Stats { return x.eng.Stats() }

// Options choose what Simulate keeps of a run besides its metrics.
type Options struct {
	// Logs, if not nil, receives machine i's CSV log in Logs[i] (one
	// writer per machine), in the format of sim.LogWriter.
	Logs []io.Writer
	// Records keeps every record in Result.Records (for figures): memory
	// grows with the run's length.
	Records bool
	// Sink, if not nil, receives every record as well.
	Sink sim.Sink
	// Messages, if not nil, receives the run's message trace (see
	// sim.Engine.RunTraced; a sim.MessageWriter writes messages.csv).
	Messages sim.MessageSink
}

// Result is one simulated run.
type Result struct {
	// Summary holds the run's per-machine metrics, as in summary.json.
	Summary *analysis.Summary
	// Records[i] holds machine i's records, with Options.Records.
	Records [][]sim.Record
	// Stats counts what the engine did.
	Stats sim.Stats
}

// Simulate runs s once with its own seed. It stops early, returning
// ctx.Err() wrapped, when ctx is cancelled (checked every batch of
// records).
func Simulate(ctx context.Context, s *scenarios.Scenario, opt Options) (*Result, error) {
	x, err := NewSimulator(s)
	if err != nil {
		return nil, err
	}
	sinks := sim.Sinks{ctxSink{ctx}}
	var lw *sim.LogWriter
	if opt.Logs != nil {
		lw = sim.NewLogWriter(opt.Logs)
		sinks = append(sinks, lw)
	}
	var rec recordSink
	if opt.Records {
		rec = make(recordSink, len(s.Machines))
		sinks = append(sinks, rec)
	}
	if opt.Sink != nil {
		sinks = append(sinks, opt.Sink)
	}
	ms, err := x.run(s.Seed, sinks, opt.Messages)
	if err != nil {
		return nil, err
	}
	if lw != nil {
		if err := lw.Flush(); err != nil {
			return nil, err
		}
	}
	return &Result{
		Summary: &analysis.Summary{
			Scenario:  s.Name,
			Seed:      s.Seed,
			DurationS: s.Duration.Seconds(),
			Machines:  append([]analysis.MachineMetrics(nil), ms...),
		},
		Records: rec,
		Stats:   x.Stats(),
	}, nil
}

// ctxSink stops a run when its context is cancelled (checked per batch).
type ctxSink struct{ ctx context.Context }

func (c ctxSink) Records(int, []sim.Record) error {
	if err := c.ctx.Err(); err != nil {
		return fmt.Errorf("run stopped: %w", err)
	}
	return nil
}

// recordSink keeps every record of a run, per machine.
type recordSink [][]sim.Record

func (r recordSink) Records(machine int, b []sim.Record) error {
	r[machine] = append(r[machine], b...)
	return nil
}

// SimulateToDir runs s once with its own seed and writes the run into dir
// (see Dir.WriteWith): the logs, summary.json and scenario.yaml, all or
// none. opt, at most one, sets WriteOptions: by default a run whose
// estimated size (EstimateRunBytes) exceeds the free space is refused as
// bad input before anything is simulated, and warnings are dropped.
func SimulateToDir(ctx context.Context, s *scenarios.Scenario, dir Dir, opt ...WriteOptions) (sum *analysis.Summary, err error) {
	var o WriteOptions
	if len(opt) > 0 {
		o = opt[0]
	}
	err = dir.WriteWith(s, o, func(w *RunWriter) ([]byte, error) {
		res, err := Simulate(ctx, s, Options{Logs: w.Logs})
		if err != nil {
			return nil, err
		}
		sum = res.Summary
		return sum.Marshal(), nil
	})
	return sum, err
}
