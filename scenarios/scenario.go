// Package scenarios loads, validates and writes desim's YAML scenarios, and
// embeds the built-in ones: the paper's nine experiments as run (A1–A5,
// B1–B4) and the two as captioned (B2-captioned, B3-captioned).
//
// A scenario file is one YAML mapping:
//
//	name: A2                 # [A-Za-z0-9._-]+, default: the file's base name
//	description: One 6 c/s machine and two 1 c/s machines   # optional
//	seed: 1                  # default seed (unsigned 64-bit), default 1
//	duration: 60s            # virtual time, Go duration syntax, (0, 10^7 s];
//	                         # optional when Options.DefaultDuration gives one
//	die: 10                  # faces R of every machine's die, N ≤ R ≤ 2^30
//	latency: 100us           # one-way message delay, default 100us
//	jitter: 0s               # extra uniform delay in [0, jitter], default 0s
//	timing:                  # optional timing model (see Timing), default none
//	  overshoot: {mean: 400us, sd: 120us}   # every tick period is 1/rate + a
//	                         # gamma draw ≥ 0 of this mean and sd (sd default 0)
//	  start_spread: 60ms     # first tick at start + uniform in [0, spread)
//	machines:                # at least 2, at most 1000
//	  - rate: 6              # ticks per second: integer, decimal or fraction
//	  - rate: 1
//	    start: 0.5s          # first tick, default 0s
//	    timing:              # this machine's own values, key by key
//	      overshoot: {mean: 1ms}            # sd stays the scenario's
//	  - rate: 1
//
// A machine's timing block overrides the scenario's timing block field by
// field (overshoot mean, overshoot sd, start_spread); a field that neither
// gives is 0. Overshoot mean and sd are at most 1 s, and the sd at most 10
// times the mean (mean 0 is no overshoot, whatever the sd); start_spread is
// at most 10^7 s, and start + start_spread at most the duration, so that
// every machine ticks at least once.
//
// Unknown keys (with the nearest known key the file lacks), repeated keys,
// missing keys, a second YAML document, an empty file and every value out
// of range are errors of the form "file:line: message". A file's problems
// are reported together, in the order of their lines, not one per attempt.
//
// Load and LoadWith take a built-in name (in any case: "a3" is A3) or a
// path: a regular file, a device, a named pipe, /dev/stdin, or "-" for
// standard input. The path is opened once and at most MaxFileSize bytes
// are read from it, whatever it is.
//
// Imports: sim, internal/suggest and gopkg.in/yaml.v3; nothing above
// (analysis, experiment, cmd).
package scenarios

import (
	"bytes"
	"desim/internal/quote"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"desim/internal/suggest"
	"desim/sim"
)

// Limits beyond sim's own.
const (
	// MaxMachines is the most machines a scenario may have.
	MaxMachines = 1000
	// MaxFileSize is the largest scenario file read, in bytes.
	MaxFileSize = 1 << 20
	// DefaultLatency is the latency when a scenario gives none: about one
	// way on loopback TCP, so that no message arrives at the instant it is
	// sent.
	DefaultLatency = 100 * time.Microsecond
)

// Scenario is a validated scenario.
type Scenario struct {
	Name        string
	Description string
	// Seed is the default seed of a run.
	Seed uint64
	// Duration is the run window [0, Duration).
	Duration time.Duration
	// Die is the number of faces R.
	Die     int
	Latency time.Duration
	Jitter  time.Duration
	// Timing is the scenario-level timing block: what a machine's timing
	// is made of where its own block does not say. Runs use each
	// Machine's Timing, which Parse resolves; a scenario built in Go sets
	// both (see SetTiming). The zero Timing is none.
	Timing   Timing
	Machines []Machine
}

// Machine is one machine of a scenario.
type Machine struct {
	Rate  sim.Rate
	Start time.Duration
	// Timing is the machine's timing model: the scenario's Timing with the
	// fields of the machine's own timing block in their place.
	Timing Timing
}

// Timing is a timing model of implementations that tick by sleeping one
// period after each tick's work, so that every tick starts a little late
// and the lateness accumulates (see sim.MachineConfig): tick k+1 of a
// machine is at tick k + 1/rate + o_k, with o_k ≥ 0 drawn from the gamma
// distribution of mean OvershootMean and standard deviation OvershootSD
// (sim.Overshoot; whole ns), and its first tick at Start + u with u uniform
// in [0, StartSpread). The draws come from the machine's timing stream
// (sim.PurposeTiming), so a scenario without timing runs exactly as
// before. The zero Timing is none.
type Timing struct {
	// OvershootMean is the mean lateness added to every tick period,
	// 0 ≤ OvershootMean ≤ 1 s; 0 is none, whatever OvershootSD.
	OvershootMean time.Duration
	// OvershootSD is its standard deviation, 0 ≤ OvershootSD ≤ 1 s and at
	// most 10 × OvershootMean; 0 makes every overshoot OvershootMean.
	OvershootSD time.Duration
	// StartSpread is the width of the start offset's range,
	// 0 ≤ StartSpread ≤ 10^7 s.
	StartSpread time.Duration
}

// IsZero reports whether t is the zero Timing.
func (t Timing) IsZero() bool { return t == Timing{} }

// Timed reports whether t changes a machine's tick times: a positive
// overshoot mean or start spread.
func (t Timing) Timed() bool { return t.OvershootMean > 0 || t.StartSpread > 0 }

// check returns the first value of t out of range, as a message.
func (t Timing) check() error {
	switch {
	case t.OvershootMean < 0 || t.OvershootMean > maxOvershoot:
		return fmt.Errorf("overshoot mean %s is not in [0, 1s]", FormatDuration(t.OvershootMean))
	case t.OvershootSD < 0 || t.OvershootSD > maxOvershoot:
		return fmt.Errorf("overshoot sd %s is not in [0, 1s]", FormatDuration(t.OvershootSD))
	case t.OvershootMean > 0 && t.OvershootSD > sim.MaxOvershootCV*t.OvershootMean:
		return fmt.Errorf("overshoot sd %s is more than %d times its mean %s", FormatDuration(t.OvershootSD), sim.MaxOvershootCV, FormatDuration(t.OvershootMean))
	case t.StartSpread < 0 || t.StartSpread > maxDuration:
		return fmt.Errorf("start_spread %s is not in [0, 10^7 s]", FormatDuration(t.StartSpread))
	}
	return nil
}

const maxOvershoot = time.Duration(sim.MaxOvershoot)

// SetTiming gives s the timing model t, at scenario level and on every
// machine (replacing their own).
func (s *Scenario) SetTiming(t Timing) {
	s.Timing = t
	for i := range s.Machines {
		s.Machines[i].Timing = t
	}
}

// Timed reports whether any machine of s has a timing model (Timing.Timed).
func (s *Scenario) Timed() bool {
	for _, m := range s.Machines {
		if m.Timing.Timed() {
			return true
		}
	}
	return false
}

// Error is a problem with a scenario file, at a line (0 when unknown).
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Config returns the engine configuration of a run of s with the given
// seed.
func (s *Scenario) Config(seed uint64) sim.Config {
	cfg := sim.Config{
		Seed:     seed,
		Duration: int64(s.Duration),
		Die:      s.Die,
		Latency:  int64(s.Latency),
		Jitter:   int64(s.Jitter),
	}
	for _, m := range s.Machines {
		cfg.Machines = append(cfg.Machines, sim.MachineConfig{
			Rate: m.Rate, Start: int64(m.Start),
			Overshoot:   sim.Overshoot{Mean: int64(m.Timing.OvershootMean), SD: int64(m.Timing.OvershootSD)},
			StartSpread: int64(m.Timing.StartSpread),
		})
	}
	return cfg
}

// Rates returns each machine's rate in ticks per second.
func (s *Scenario) Rates() []float64 {
	r := make([]float64, len(s.Machines))
	for i, m := range s.Machines {
		r[i] = m.Rate.Float64()
	}
	return r
}

// EffectiveRates returns each machine's mean tick rate with its timing
// model, in ticks per second: 1/(1/rate + OvershootMean), the float64
// nearest to Machine.EffectiveRate. Without an overshoot it is the rate
// itself, so that for a scenario without timing it equals Rates. The
// predictors take these rates.
func (s *Scenario) EffectiveRates() []float64 {
	r := make([]float64, len(s.Machines))
	for i, m := range s.Machines {
		r[i] = m.EffectiveRate().Float64()
	}
	return r
}

// EffectiveRate returns the machine's mean tick rate with its timing
// model: the reciprocal of the mean period 1/rate + OvershootMean, which
// is rate·10^9 / (10^9 + rate·mean_ns) exactly when that fraction is a
// valid sim.Rate, and the rate rounded to 9 decimals otherwise (a
// relative error below 10^-9 for rates of 1 tick/s and more). Without an
// overshoot it is Rate.
func (m Machine) EffectiveRate() sim.Rate {
	if m.Timing.OvershootMean <= 0 {
		return m.Rate
	}
	r, ok := new(big.Rat).SetString(m.Rate.String())
	if !ok {
		return m.Rate // not reached: Rate.String reads back
	}
	// 1/(1/r + mean/1e9) = r / (1 + r·mean/1e9)
	d := new(big.Rat).Mul(r, big.NewRat(int64(m.Timing.OvershootMean), 1e9))
	d.Add(d, big.NewRat(1, 1))
	eff := new(big.Rat).Quo(r, d)
	if e, err := sim.ParseRate(eff.RatString()); err == nil {
		return e
	}
	if e, err := sim.ParseRate(eff.FloatString(9)); err == nil {
		return e
	}
	return m.Rate
}

// Effective returns the scenario that the predictors put in the place of
// s: s itself when no machine has a timing model, otherwise a copy of s
// without timing in which every machine ticks at its EffectiveRate from
// Start + StartSpread/2 (the mean start offset, rounded down to the ns).
// It has the mean tick rates and mean start times of s, not its jittered
// tick times.
func (s *Scenario) Effective() *Scenario {
	if !s.Timed() {
		return s
	}
	e := *s
	e.Timing = Timing{}
	e.Machines = make([]Machine, len(s.Machines))
	for i, m := range s.Machines {
		e.Machines[i] = Machine{Rate: m.EffectiveRate(), Start: m.Start + m.Timing.StartSpread/2}
	}
	return &e
}

// Check validates the parts of s that a caller may have changed after
// loading (a --duration or --seed override): it returns the first problem,
// without a line.
func (s *Scenario) Check() error {
	if s.Duration <= 0 || s.Duration > maxDuration {
		return fmt.Errorf("duration %s is not in (0, 10^7 s]", FormatDuration(s.Duration))
	}
	if err := s.Timing.check(); err != nil {
		return fmt.Errorf("timing: %v", err)
	}
	for i, m := range s.Machines {
		if err := m.Timing.check(); err != nil {
			return fmt.Errorf("machine %d: timing: %v", i, err)
		}
		if msg := lateStart(i, m, s.Duration); msg != "" {
			return errors.New(msg)
		}
	}
	return nil
}

// lateStart returns the problem with machine i's start in a run of d, or
// "": its first tick, at Start plus an offset below StartSpread, must come
// before the end of the run.
func lateStart(i int, m Machine, d time.Duration) string {
	switch {
	case m.Timing.StartSpread > 0 && m.Start+m.Timing.StartSpread > d:
		return fmt.Sprintf("machine %d may start as late as start %s + start_spread %s, past the end of the run (%s); start + start_spread must be at most the duration", i, FormatDuration(m.Start), FormatDuration(m.Timing.StartSpread), FormatDuration(d))
	case m.Start >= d:
		return fmt.Sprintf("machine %d starts at %s, not before the end of the run (%s)", i, FormatDuration(m.Start), FormatDuration(d))
	}
	return ""
}

const maxDuration = time.Duration(sim.MaxDuration)

var namePattern = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// Options change how a scenario is read; the zero value reads as Load and
// Parse do.
type Options struct {
	// DefaultDuration, if positive, is the duration of a scenario file
	// that has no duration key (a run with a duration override needs
	// none); when zero, a missing duration is an error.
	DefaultDuration time.Duration
	// Stdin is what LoadWith reads for the path "-" (nil: os.Stdin).
	Stdin io.Reader
}

// Parse reads a scenario from data; file names it in errors and provides the
// default name. It is ParseWith with the zero Options.
func Parse(file string, data []byte) (*Scenario, error) {
	return ParseWith(file, data, Options{})
}

// ParseWith reads a scenario from data, with o's defaults (o.Stdin is not
// used); file names it in errors and provides the default name.
//
// A file that is not one YAML mapping gives one *Error. Otherwise every
// problem of the mapping is reported, each as an *Error with its line: one
// problem is returned as the *Error itself, several as errors.Join of them
// in the order of their lines (the first 20, then a count of the rest).
func ParseWith(file string, data []byte, o Options) (*Scenario, error) {
	p := parser{file: file, opt: o}
	s, err := p.parse(data)
	if err != nil {
		return nil, err
	}
	return s, nil
}

type parser struct {
	file string
	opt  Options
	// errs are the problems found so far.
	errs []*Error
	// timings are the machines' own timing blocks, by machine, resolved
	// against the scenario's at the end of the mapping.
	timings []timingFields
}

func (p *parser) errf(line int, format string, args ...any) error {
	return &Error{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns an error of the YAML parser into an Error with the line
// of the problem. yaml.v3 often reports the line where the enclosing
// structure began, or none, so the line is found by parsing prefixes of the
// file: the shortest prefix of whole lines that fails to parse ends at the
// offending line (found by binary search: a prefix of a valid prefix is
// valid in practice).
func (p *parser) yamlError(err error, data []byte) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	lines := splitLines(data)
	line := 0
	// Binary search for the shortest failing prefix of whole lines (the
	// whole file fails): a few parses, whatever the size of the file.
	if n := len(lines); n > 0 {
		lo, hi := 1, n
		for lo < hi {
			mid := lo + (hi-lo)/2
			if yamlFails(data[:lines[mid-1].end]) {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		line = lo
	}
	if line == 0 {
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
	}
	// A tab in the indentation is the commonest cause; say so.
	if line > 0 {
		l := data[lines[line-1].start:lines[line-1].end]
		indent := l[:len(l)-len(bytes.TrimLeft(l, " \t"))]
		if bytes.IndexByte(indent, '\t') >= 0 {
			return p.errf(line, "indented with a tab; YAML indentation must use spaces")
		}
	}
	return p.errf(line, "malformed YAML: %s", msg)
}

// lineSpan is one line of a file: data[start:end] without its line break.
type lineSpan struct{ start, end int }

// splitLines splits data into lines ended by "\n", "\r\n" or a lone "\r",
// as YAML does.
func splitLines(data []byte) []lineSpan {
	var out []lineSpan
	start := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '\n':
			out = append(out, lineSpan{start, i})
			start = i + 1
		case '\r':
			out = append(out, lineSpan{start, i})
			if i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
			start = i + 1
		}
	}
	if start < len(data) {
		out = append(out, lineSpan{start, len(data)})
	}
	return out
}

// yamlFails reports whether data, parsed as a stream of YAML documents,
// gives an error.
func yamlFails(data []byte) bool {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return false
		}
		if err != nil {
			return true
		}
	}
}

func (p *parser) parse(data []byte) (*Scenario, error) {
	if len(data) > MaxFileSize {
		return nil, p.errf(0, "file is larger than %d bytes", MaxFileSize)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, p.errf(1, "the file is empty; a scenario needs at least duration, die and machines")
		}
		return nil, p.yamlError(err, data)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, p.errf(max(extra.Line, 1), "a second YAML document; a scenario file holds exactly one")
	} else if !errors.Is(err, io.EOF) {
		return nil, p.yamlError(err, data)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, p.errf(1, "expected one YAML mapping")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, p.errf(root.Line, "expected a mapping of keys (name, duration, die, machines, ...), found %s", kindName(root))
	}
	s := p.mapping(root)
	if len(p.errs) > 0 {
		return nil, p.joined()
	}
	return s, nil
}

// topKeys are the keys of a scenario file, in the order the messages list
// them.
var topKeys = []string{"name", "description", "seed", "duration", "die", "latency", "jitter", "timing", "machines"}

// required are the keys a scenario file must have, with what to say when
// one is missing.
var required = []struct{ key, msg string }{
	{"duration", "missing duration (virtual time of the run, e.g. duration: 60s)"},
	{"die", "missing die (faces of each machine's die, e.g. die: 10)"},
	{"machines", "missing machines (a list of at least 2, e.g. - rate: 6)"},
}

// mapping reads the top-level mapping of a scenario file into a scenario,
// adding every problem it finds to p.errs; the scenario is valid when
// there are none.
func (p *parser) mapping(root *yaml.Node) *Scenario {
	s := &Scenario{Seed: 1, Latency: DefaultLatency, Name: defaultName(p.file)}
	seen := map[string]int{}
	var unknown []*yaml.Node
	var dieNode, machinesNode *yaml.Node
	// Whether duration and die are present and valid, for the checks
	// across keys.
	durationOK, dieOK := false, false
	// Whether the scenario's timing block, if any, is valid.
	timingOK := true
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.add(p.errf(k.Line, "keys must be plain words"))
			continue
		}
		if prev, dup := seen[k.Value]; dup {
			p.add(p.errf(k.Line, "%s appears twice (first at line %d)", k.Value, prev))
			continue
		}
		seen[k.Value] = k.Line
		var err error
		switch k.Value {
		case "name":
			if s.Name, err = p.str(k, v); err == nil && !namePattern.MatchString(s.Name) {
				err = p.errf(v.Line, "name %s may only use letters, digits, '.', '_' and '-'", quote.Quote(s.Name))
			}
		case "description":
			s.Description, err = p.str(k, v)
		case "seed":
			var str string
			if str, err = p.scalar(k, v); err == nil {
				if s.Seed, err = strconv.ParseUint(str, 10, 64); err != nil {
					err = p.errf(v.Line, "seed %s is not an unsigned 64-bit integer", quote.Quote(str))
				}
			}
		case "duration":
			if s.Duration, err = p.duration(k, v); err == nil && (s.Duration <= 0 || s.Duration > maxDuration) {
				err = p.errf(v.Line, "duration %s must be positive and at most 10^7 s (%s)", v.Value, FormatDuration(maxDuration))
			}
			durationOK = err == nil
		case "die":
			dieNode = v
			var str string
			if str, err = p.scalar(k, v); err == nil {
				if s.Die, err = strconv.Atoi(str); err != nil || s.Die < 1 || s.Die > sim.MaxFaces {
					err = p.errf(v.Line, "die %s must be a whole number of faces from the number of machines to %d", quote.Quote(str), sim.MaxFaces)
				}
			}
			dieOK = err == nil
		case "latency":
			if s.Latency, err = p.duration(k, v); err == nil && s.Latency < 0 {
				err = p.errf(v.Line, "latency %s is negative", v.Value)
			} else if err == nil && s.Latency > maxDuration {
				err = p.errf(v.Line, "latency %s is above 10^7 s", v.Value)
			}
		case "jitter":
			if s.Jitter, err = p.duration(k, v); err == nil && s.Jitter < 0 {
				err = p.errf(v.Line, "jitter %s is negative", v.Value)
			} else if err == nil && s.Jitter > maxDuration {
				err = p.errf(v.Line, "jitter %s is above 10^7 s", v.Value)
			}
		case "timing":
			tf := p.timingBlock("", v, true)
			tf.apply(&s.Timing)
			timingOK = tf.ok
		case "machines":
			machinesNode = v
			s.Machines = p.machines(v)
		default:
			unknown = append(unknown, k)
		}
		if err != nil {
			p.add(err)
		}
	}
	// Unknown keys, each with the nearest key the file lacks; a missing key
	// that an unknown one was suggested for is not reported again.
	suggested := map[string]bool{}
	for _, k := range unknown {
		near := nearestAbsent(k.Value, topKeys, seen)
		p.add(p.errf(k.Line, "unknown key %s (known: %s)%s", quote.Quote(k.Value), strings.Join(topKeys, ", "), didYouMean(near)))
		suggested[near] = true
	}
	if _, ok := seen["duration"]; !ok && p.opt.DefaultDuration > 0 {
		s.Duration, durationOK = p.opt.DefaultDuration, true
		if s.Duration > maxDuration {
			p.add(p.errf(root.Line, "no duration, and the default duration %s is above 10^7 s", FormatDuration(s.Duration)))
			durationOK = false
		}
		seen["duration"] = 0 // the default stands for the key: not missing
	}
	for _, r := range required {
		if _, ok := seen[r.key]; !ok && !suggested[r.key] {
			p.add(p.errf(root.Line, "%s", r.msg))
		}
	}
	// Checks across keys, on values that are valid on their own.
	n := -1 // the number of machines, when machines is a list
	if machinesNode != nil && machinesNode.Kind == yaml.SequenceNode {
		n = len(machinesNode.Content)
	}
	switch {
	case n < 0:
	case n < 2:
		p.add(p.errf(machinesNode.Line, "%d machine(s); a scenario needs at least 2", n))
	case n > MaxMachines:
		p.add(p.errf(machinesNode.Line, "%d machines; at most %d are supported", n, MaxMachines))
	case dieOK && s.Die < n:
		p.add(p.errf(dieNode.Line, "die has %d faces, fewer than the %d machines (faces 1..N-1 send to one peer, face N to all)", s.Die, n))
	}
	// Each machine's timing: the scenario's, with its own block's fields.
	for i := range s.Machines {
		m := &s.Machines[i]
		m.Timing = s.Timing
		if i >= len(p.timings) || p.timings[i].line == 0 {
			continue
		}
		tf := p.timings[i]
		tf.apply(&m.Timing)
		// The sd bound across the two blocks, when this machine's block
		// gives a part of the overshoot and the scenario's is valid.
		if tf.ok && timingOK && (tf.hasMean || tf.hasSD) {
			if err := m.Timing.check(); err != nil {
				p.add(p.errf(tf.line, "machine %d: timing: %v", i, err))
			}
		}
	}
	if durationOK && n > 0 {
		for i, m := range s.Machines {
			if msg := lateStart(i, m, s.Duration); msg != "" {
				p.add(p.errf(machinesNode.Content[i].Line, "%s", msg))
			}
		}
	}
	return s
}

// timingFields are the values a timing block gives, each with whether the
// block gives it.
type timingFields struct {
	line                      int // line of the block (0: no block)
	mean, sd, spread          time.Duration
	hasMean, hasSD, hasSpread bool
	ok                        bool // every value given is valid
}

// apply puts the fields the block gives into t.
func (f timingFields) apply(t *Timing) {
	if f.hasMean {
		t.OvershootMean = f.mean
	}
	if f.hasSD {
		t.OvershootSD = f.sd
	}
	if f.hasSpread {
		t.StartSpread = f.spread
	}
}

var (
	timingKeys    = []string{"overshoot", "start_spread"}
	overshootKeys = []string{"mean", "sd"}
)

// timingBlock reads a timing block, adding every problem to p.errs; where
// prefixes its messages ("" or "machine 1: "). The scenario's block
// (top) must give the overshoot's mean when it gives an overshoot, and its
// values must be valid together; a machine's block may give any part,
// checked with the scenario's values once both are read.
func (p *parser) timingBlock(where string, v *yaml.Node, top bool) timingFields {
	f := timingFields{line: v.Line, ok: true}
	bad := func(err error) {
		p.add(err)
		f.ok = false
	}
	if v.Kind != yaml.MappingNode {
		bad(p.errf(v.Line, "%stiming must be a mapping (overshoot: {mean: 400us, sd: 120us}, start_spread: 60ms), found %s", where, kindName(v)))
		return f
	}
	seen := map[string]int{}
	for j := 0; j+1 < len(v.Content); j += 2 {
		k, val := v.Content[j], v.Content[j+1]
		if _, dup := seen[k.Value]; dup {
			bad(p.errf(k.Line, "%stiming: %s appears twice", where, k.Value))
			continue
		}
		seen[k.Value] = k.Line
		switch k.Value {
		case "overshoot":
			p.overshoot(where, k, val, top, &f)
		case "start_spread":
			d, err := p.duration(&yaml.Node{Value: where + "timing: start_spread"}, val)
			if err == nil && (d < 0 || d > maxDuration) {
				err = p.errf(val.Line, "%stiming: start_spread %s is not in [0, 10^7 s]", where, val.Value)
			}
			if err != nil {
				bad(err)
				continue
			}
			f.spread, f.hasSpread = d, true
		default:
			near := nearestAbsent(k.Value, timingKeys, seen)
			bad(p.errf(k.Line, "%stiming: unknown key %s (known: %s)%s", where, quote.Quote(k.Value), strings.Join(timingKeys, ", "), didYouMean(near)))
		}
	}
	if top && f.ok {
		var t Timing
		f.apply(&t)
		if err := t.check(); err != nil {
			bad(p.errf(v.Line, "timing: %v", err))
		}
	}
	return f
}

// overshoot reads the overshoot mapping of a timing block into f.
func (p *parser) overshoot(where string, k, v *yaml.Node, top bool, f *timingFields) {
	bad := func(err error) {
		p.add(err)
		f.ok = false
	}
	if v.Kind != yaml.MappingNode {
		bad(p.errf(v.Line, "%stiming: overshoot must be a mapping ({mean: 400us, sd: 120us}), found %s", where, kindName(v)))
		return
	}
	seen := map[string]int{}
	for j := 0; j+1 < len(v.Content); j += 2 {
		ok, ov := v.Content[j], v.Content[j+1]
		if _, dup := seen[ok.Value]; dup {
			bad(p.errf(ok.Line, "%stiming: overshoot: %s appears twice", where, ok.Value))
			continue
		}
		seen[ok.Value] = ok.Line
		switch ok.Value {
		case "mean", "sd":
			d, err := p.duration(&yaml.Node{Value: where + "timing: overshoot " + ok.Value}, ov)
			if err == nil && (d < 0 || d > maxOvershoot) {
				err = p.errf(ov.Line, "%stiming: overshoot %s %s is not in [0, 1s]", where, ok.Value, ov.Value)
			}
			if err != nil {
				bad(err)
				continue
			}
			if ok.Value == "mean" {
				f.mean, f.hasMean = d, true
			} else {
				f.sd, f.hasSD = d, true
			}
		default:
			near := nearestAbsent(ok.Value, overshootKeys, seen)
			bad(p.errf(ok.Line, "%stiming: overshoot: unknown key %s (known: %s)%s", where, quote.Quote(ok.Value), strings.Join(overshootKeys, ", "), didYouMean(near)))
		}
	}
	if _, ok := seen["mean"]; top && !ok {
		bad(p.errf(v.Line, "timing: overshoot needs a mean (e.g. overshoot: {mean: 400us, sd: 120us})"))
	}
}

// nearestAbsent returns the key of keys nearest to name (see
// suggest.Nearest) among those not in seen, "" when none is near.
func nearestAbsent(name string, keys []string, seen map[string]int) string {
	var absent []string
	for _, k := range keys {
		if _, ok := seen[k]; !ok {
			absent = append(absent, k)
		}
	}
	return suggest.Nearest(name, absent)
}

// didYouMean is the end of an unknown key's message: "; did you mean
// KEY?", or "" without a suggestion.
func didYouMean(key string) string {
	if key == "" {
		return ""
	}
	return "; did you mean " + key + "?"
}

// maxErrors is the most problems a file's error lists; the rest are
// counted on one more line.
const maxErrors = 20

// add records a problem of the file.
func (p *parser) add(err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{File: p.file, Msg: err.Error()}
	}
	p.errs = append(p.errs, e)
}

// joined returns the recorded problems as one error, sorted by line (in
// the order found on the same line): the *Error itself when there is one,
// errors.Join of them when there are more, at most maxErrors and a count
// of the rest.
func (p *parser) joined() error {
	if len(p.errs) == 1 {
		return p.errs[0]
	}
	sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Line < p.errs[j].Line })
	errs := make([]error, 0, min(len(p.errs), maxErrors+1))
	for i, e := range p.errs {
		if i == maxErrors {
			errs = append(errs, &Error{File: p.file, Line: e.Line, Msg: fmt.Sprintf("and %d more problems from here on", len(p.errs)-maxErrors)})
			break
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

// defaultName is the name of a scenario without a name key: the file's base
// name without its extension, with every character the name rule does not
// allow replaced by '_' ("scenario" if nothing is left).
func defaultName(file string) string {
	base := filepath.Base(file)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	b := []byte(base)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	if s := string(b); s != "" && s != "." && s != ".." {
		return s
	}
	return "scenario"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		return "the value " + quote.Quote(n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

// scalar returns the text of a scalar value that is not null.
func (p *parser) scalar(k, v *yaml.Node) (string, error) {
	if v.Kind != yaml.ScalarNode {
		return "", p.errf(v.Line, "%s must be a single value, found %s", k.Value, kindName(v))
	}
	if v.Tag == "!!null" {
		return "", p.errf(v.Line, "%s has no value", k.Value)
	}
	return v.Value, nil
}

func (p *parser) str(k, v *yaml.Node) (string, error) {
	s, err := p.scalar(k, v)
	if err != nil {
		return "", err
	}
	if strings.ContainsAny(s, "\x00") {
		return "", p.errf(v.Line, "%s contains a NUL byte", k.Value)
	}
	return s, nil
}

// duration parses a Go duration ("60s", "100us", "1m30s"; "0" alone).
func (p *parser) duration(k, v *yaml.Node) (time.Duration, error) {
	s, err := p.scalar(k, v)
	if err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		if _, nerr := strconv.ParseFloat(s, 64); nerr == nil {
			return 0, p.errf(v.Line, "%s %s needs a unit, e.g. %ss or %sms", k.Value, quote.Quote(s), s, s)
		}
		return 0, p.errf(v.Line, "%s %s is not a duration (Go syntax: 60s, 1.5s, 100us, 2m)", k.Value, quote.Quote(s))
	}
	return d, nil
}

// machines reads the machines list, adding every problem it finds to
// p.errs; it returns one Machine per item of the list (the zero Machine
// for an item that is not a mapping).
func (p *parser) machines(v *yaml.Node) []Machine {
	if v.Kind != yaml.SequenceNode {
		p.add(p.errf(v.Line, "machines must be a list (- rate: 6), found %s", kindName(v)))
		return nil
	}
	ms := make([]Machine, 0, len(v.Content))
	p.timings = make([]timingFields, len(v.Content))
	for i, item := range v.Content {
		ms = append(ms, p.machine(i, item))
	}
	return ms
}

var machineKeys = []string{"rate", "start", "timing"}

// machine reads machine i of the list, adding every problem to p.errs.
func (p *parser) machine(i int, item *yaml.Node) Machine {
	var m Machine
	if item.Kind != yaml.MappingNode {
		p.add(p.errf(item.Line, "machine %d must be a mapping (rate: 6), found %s", i, kindName(item)))
		return m
	}
	seen := map[string]int{}
	var unknown []*yaml.Node
	for j := 0; j+1 < len(item.Content); j += 2 {
		mk, mv := item.Content[j], item.Content[j+1]
		if _, dup := seen[mk.Value]; dup {
			p.add(p.errf(mk.Line, "machine %d: %s appears twice", i, mk.Value))
			continue
		}
		seen[mk.Value] = mk.Line
		switch mk.Value {
		case "rate":
			r, err := p.rate(i, mk, mv)
			if err != nil {
				p.add(err)
			}
			m.Rate = r
		case "start":
			d, err := p.duration(mk, mv)
			if err == nil && d < 0 {
				err = p.errf(mv.Line, "machine %d: start %s is negative", i, mv.Value)
			}
			if err != nil {
				p.add(err)
				continue
			}
			m.Start = d
		case "timing":
			p.timings[i] = p.timingBlock(fmt.Sprintf("machine %d: ", i), mv, false)
		default:
			unknown = append(unknown, mk)
		}
	}
	rateSuggested := false
	for _, mk := range unknown {
		near := nearestAbsent(mk.Value, machineKeys, seen)
		p.add(p.errf(mk.Line, "machine %d: unknown key %s (known: %s)%s", i, quote.Quote(mk.Value), strings.Join(machineKeys, ", "), didYouMean(near)))
		rateSuggested = rateSuggested || near == "rate"
	}
	if _, ok := seen["rate"]; !ok && !rateSuggested {
		p.add(p.errf(item.Line, "machine %d has no rate (ticks per second, e.g. rate: 6)", i))
	}
	return m
}

// rate parses machine i's rate.
func (p *parser) rate(i int, k, v *yaml.Node) (sim.Rate, error) {
	s, err := p.scalar(k, v)
	if err != nil {
		return sim.Rate{}, err
	}
	if f, ferr := strconv.ParseFloat(strings.TrimLeft(s, "+-."), 64); ferr == nil && (math.IsInf(f, 0) || math.IsNaN(f)) {
		return sim.Rate{}, p.errf(v.Line, "machine %d: rate %s must be a finite positive number of ticks per second", i, quote.Cut(s))
	}
	r, err := sim.ParseRate(s)
	if err != nil {
		return sim.Rate{}, p.errf(v.Line, "machine %d: %v", i, err)
	}
	return r, nil
}

// FormatDuration writes d in the largest unit that keeps it exact, in Go
// duration syntax that ParseDuration reads back: 60s, 1500ms, 100us, 7ns.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	units := []struct {
		name string
		size time.Duration
	}{{"s", time.Second}, {"ms", time.Millisecond}, {"us", time.Microsecond}, {"ns", time.Nanosecond}}
	for _, u := range units {
		if d%u.size == 0 {
			return strconv.FormatInt(int64(d/u.size), 10) + u.name
		}
	}
	return d.String()
}

// Marshal writes s as a scenario file that Parse reads back to the same
// scenario: every field, in a fixed order, defaults included.
func Marshal(s *Scenario) []byte {
	str := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
	key := func(k string) *yaml.Node { return str(k) }
	root := &yaml.Node{Kind: yaml.MappingNode}
	add := func(k string, v *yaml.Node) { root.Content = append(root.Content, key(k), v) }
	name := str(s.Name)
	name.Tag = "!!str" // quoted when the plain form would read as null, a number...
	add("name", name)
	desc := str(s.Description)
	desc.Style = yaml.DoubleQuotedStyle
	add("description", desc)
	add("seed", str(strconv.FormatUint(s.Seed, 10)))
	add("duration", str(FormatDuration(s.Duration)))
	add("die", str(strconv.Itoa(s.Die)))
	add("latency", str(FormatDuration(s.Latency)))
	add("jitter", str(FormatDuration(s.Jitter)))
	if !s.Timing.IsZero() {
		add("timing", marshalTiming(s.Timing, Timing{}, true))
	}
	ms := &yaml.Node{Kind: yaml.SequenceNode}
	for _, m := range s.Machines {
		mn := &yaml.Node{Kind: yaml.MappingNode}
		mn.Content = append(mn.Content, key("rate"), str(m.Rate.String()))
		if m.Start != 0 {
			mn.Content = append(mn.Content, key("start"), str(FormatDuration(m.Start)))
		}
		if m.Timing != s.Timing {
			mn.Content = append(mn.Content, key("timing"), marshalTiming(m.Timing, s.Timing, false))
		}
		ms.Content = append(ms.Content, mn)
	}
	add("machines", ms)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		panic(err) // a node tree of plain scalars always encodes
	}
	enc.Close()
	return buf.Bytes()
}

// marshalTiming writes the timing block of t: at scenario level (top) the
// overshoot with both mean and sd when either is set, and the start spread
// when set; for a machine, only the fields in which t differs from the
// scenario's timing base.
func marshalTiming(t, base Timing, top bool) *yaml.Node {
	str := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
	n := &yaml.Node{Kind: yaml.MappingNode}
	ov := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	if top && (t.OvershootMean != 0 || t.OvershootSD != 0) || !top && t.OvershootMean != base.OvershootMean {
		ov.Content = append(ov.Content, str("mean"), str(FormatDuration(t.OvershootMean)))
	}
	if top && (t.OvershootMean != 0 || t.OvershootSD != 0) || !top && t.OvershootSD != base.OvershootSD {
		ov.Content = append(ov.Content, str("sd"), str(FormatDuration(t.OvershootSD)))
	}
	if len(ov.Content) > 0 {
		n.Content = append(n.Content, str("overshoot"), ov)
	}
	if top && t.StartSpread != 0 || !top && t.StartSpread != base.StartSpread {
		n.Content = append(n.Content, str("start_spread"), str(FormatDuration(t.StartSpread)))
	}
	return n
}
