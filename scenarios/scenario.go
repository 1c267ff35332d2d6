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
//	machines:                # at least 2, at most 1000
//	  - rate: 6              # ticks per second: integer, decimal or fraction
//	  - rate: 1
//	    start: 0.5s          # first tick, default 0s
//	  - rate: 1
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
	Die      int
	Latency  time.Duration
	Jitter   time.Duration
	Machines []Machine
}

// Machine is one machine of a scenario.
type Machine struct {
	Rate  sim.Rate
	Start time.Duration
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
		cfg.Machines = append(cfg.Machines, sim.MachineConfig{Rate: m.Rate, Start: int64(m.Start)})
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

// Check validates the parts of s that a caller may have changed after
// loading (a --duration or --seed override): it returns the first problem,
// without a line.
func (s *Scenario) Check() error {
	if s.Duration <= 0 || s.Duration > maxDuration {
		return fmt.Errorf("duration %s is not in (0, 10^7 s]", FormatDuration(s.Duration))
	}
	for i, m := range s.Machines {
		if m.Start >= s.Duration {
			return fmt.Errorf("machine %d starts at %s, not before the end of the run (%s)", i, FormatDuration(m.Start), FormatDuration(s.Duration))
		}
	}
	return nil
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
var topKeys = []string{"name", "description", "seed", "duration", "die", "latency", "jitter", "machines"}

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
	if durationOK && n > 0 {
		for i, m := range s.Machines {
			if m.Start >= s.Duration {
				p.add(p.errf(machinesNode.Content[i].Line, "machine %d starts at %s, not before the end of the run (%s)", i, FormatDuration(m.Start), FormatDuration(s.Duration)))
			}
		}
	}
	return s
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
	for i, item := range v.Content {
		ms = append(ms, p.machine(i, item))
	}
	return ms
}

var machineKeys = []string{"rate", "start"}

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
	ms := &yaml.Node{Kind: yaml.SequenceNode}
	for _, m := range s.Machines {
		mn := &yaml.Node{Kind: yaml.MappingNode}
		mn.Content = append(mn.Content, key("rate"), str(m.Rate.String()))
		if m.Start != 0 {
			mn.Content = append(mn.Content, key("start"), str(FormatDuration(m.Start)))
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
