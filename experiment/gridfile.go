package experiment

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"desim/analysis"
	"desim/analysis/stats"
	"desim/internal/quote"
	"desim/internal/suggest"
	"desim/scenarios"
)

// Limits of a grid file.
const (
	// MaxAxisValues is the most values one axis may have.
	MaxAxisValues = 10000
	// MaxGridCells is the most cells a grid may have.
	MaxGridCells = 1000000
	// DefaultGridSeeds is the number of seeds of a grid file without seeds.
	DefaultGridSeeds = 100
)

// GridOverrides replace a grid file's seeds and duration.
type GridOverrides struct {
	// Seeds, when From > 0, replaces the file's seeds.
	Seeds stats.SeedRange
	// Duration, when > 0, replaces the file's duration.
	Duration time.Duration
}

// ParseGridOverrides reads the --seeds and --duration flags of a grid
// ("" keeps the grid's).
func ParseGridOverrides(seeds, duration string) (GridOverrides, error) {
	var o GridOverrides
	if seeds != "" {
		r, err := ParseSeeds(seeds)
		if err != nil {
			return o, err
		}
		o.Seeds = r
	}
	ov, err := ParseOverrides("", duration)
	o.Duration = ov.Duration
	return o, err
}

// LoadGrid returns the built-in grid named ref (in any case: see
// GridNames) or reads the grid file at path ref (see ParseGrid), with o
// applied.
func LoadGrid(ref string, o GridOverrides) (*Grid, error) {
	if name, ok := BuiltinGridName(ref); ok {
		data, _ := gridFS.ReadFile("grids/" + name + ".yaml")
		g, err := parseGrid(name+".yaml (built in)", data, o, Load)
		if g != nil {
			g.Ref = name
		}
		return g, err
	}
	return ReadGrid(ref, o)
}

// ReadGrid reads and parses a grid file (see ParseGrid), with o applied.
// A base given as a relative path that does not exist as given is looked
// up next to the grid file.
func ReadGrid(file string, o GridOverrides) (*Grid, error) {
	f, err := os.Open(file)
	if err != nil {
		err = Input(err)
		if errors.Is(err, os.ErrNotExist) {
			err = Inputf("%w (built-in grids: %s)", err, strings.Join(GridNames(), ", "))
		}
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, scenarios.MaxFileSize+1))
	if err != nil {
		return nil, Input(err)
	}
	dir := filepath.Dir(file)
	g, err := parseGrid(file, data, o, func(ref string, o Overrides) (*scenarios.Scenario, error) {
		s, err := Load(ref, o)
		if err != nil && errors.Is(err, os.ErrNotExist) && !filepath.IsAbs(ref) && dir != "." {
			if _, ok := scenarios.BuiltinName(ref); !ok {
				if s2, err2 := Load(filepath.Join(dir, ref), o); err2 == nil {
					return s2, nil
				}
			}
		}
		return s, err
	})
	if g != nil {
		g.Ref = file
	}
	return g, err
}

// ParseGrid reads a grid file from data; file names it in errors and
// provides the default name. The file is one YAML mapping:
//
//	name: slow-machine         # [A-Za-z0-9._-]+, default: the file's base name
//	description: ...           # optional
//	base: A3                   # a built-in scenario name or a scenario path
//	vary:                      # one or two axes, each a different field
//	  - field: machines[2].rate   # die, latency, jitter, machines[i].rate, machines[i].start
//	    values: {from: 0.25, to: 6, step: 0.25}   # or a list, or {from, to, count, scale: log}
//	  - field: die
//	    values: [3, 4, 5, 6]
//	seeds: 200                 # a count N (seeds 1..N) or a range A-B, default 100
//	duration: 300s             # default: the base's
//	show: {metric: queue_slope, machine: 2}   # machine: a number, max or min (default max)
//
// Rates and seconds are exact decimals (or fractions); latency, jitter and
// start also take Go durations (100us). Unknown keys, repeated keys,
// wrong types, empty axes and values that make the base invalid are
// errors of the form "file:line: message", all reported together in the
// order of their lines; every error matches ErrInput.
func ParseGrid(file string, data []byte) (*Grid, error) {
	return parseGrid(file, data, GridOverrides{}, Load)
}

type gridParser struct {
	file string
	over GridOverrides
	load func(string, Overrides) (*scenarios.Scenario, error)
	errs []*scenarios.Error
}

func (p *gridParser) add(line int, format string, args ...any) {
	p.errs = append(p.errs, &scenarios.Error{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// result returns the problems found, sorted by line, as bad input.
func (p *gridParser) result() error {
	if len(p.errs) == 0 {
		return nil
	}
	sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Line < p.errs[j].Line })
	if len(p.errs) == 1 {
		return Input(p.errs[0])
	}
	const maxErrors = 20
	var errs []error
	for i, e := range p.errs {
		if i == maxErrors {
			errs = append(errs, fmt.Errorf("%s: and %d more problems", p.file, len(p.errs)-maxErrors))
			break
		}
		errs = append(errs, e)
	}
	return Input(errors.Join(errs...))
}

var yamlErrLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

var gridKeys = []string{"name", "description", "base", "vary", "seeds", "duration", "show"}

func parseGrid(file string, data []byte, o GridOverrides, load func(string, Overrides) (*scenarios.Scenario, error)) (*Grid, error) {
	p := &gridParser{file: file, load: load, over: o}
	if len(data) > scenarios.MaxFileSize {
		p.add(0, "file is larger than %d bytes", scenarios.MaxFileSize)
		return nil, p.result()
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.add(1, "the file is empty; a grid needs at least base and vary")
		} else {
			p.yamlError(err)
		}
		return nil, p.result()
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.add(max(extra.Line, 1), "a second YAML document; a grid file holds exactly one")
		return nil, p.result()
	} else if !errors.Is(err, io.EOF) {
		p.yamlError(err)
		return nil, p.result()
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		line := 1
		if len(doc.Content) == 1 {
			line = max(doc.Content[0].Line, 1)
		}
		p.add(line, "expected a mapping of keys (%s)", strings.Join(gridKeys, ", "))
		return nil, p.result()
	}
	g := p.mapping(doc.Content[0])
	if err := p.result(); err != nil {
		return nil, err
	}
	return g, nil
}

func (p *gridParser) yamlError(err error) {
	if m := yamlErrLine.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		p.add(n, "%s", m[2])
		return
	}
	p.add(1, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
}

func kindOf(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return "a value"
	}
	return "something else"
}

// scalar returns v's value if it is a non-null scalar.
func (p *gridParser) scalar(what string, v *yaml.Node) (string, bool) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		p.add(v.Line, "%s: expected a value, found %s", what, kindOf(v))
		return "", false
	}
	return v.Value, true
}

// keys walks mapping m, reporting repeated and unknown keys (in the
// context what), and returns each known key's key and value nodes.
func (p *gridParser) keys(what string, m *yaml.Node, known []string) map[string][2]*yaml.Node {
	out := map[string][2]*yaml.Node{}
	var unknown []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.add(k.Line, "%skey: expected a name, found %s", what, kindOf(k))
			continue
		}
		if prev, ok := out[k.Value]; ok {
			p.add(k.Line, "%srepeated key %s (first at line %d)", what, quote.Quote(k.Value), prev[0].Line)
			continue
		}
		isKnown := false
		for _, n := range known {
			if n == k.Value {
				isKnown = true
			}
		}
		if !isKnown {
			unknown = append(unknown, k)
			continue
		}
		out[k.Value] = [2]*yaml.Node{k, v}
	}
	for _, k := range unknown {
		var absent []string
		for _, n := range known {
			if _, ok := out[n]; !ok {
				absent = append(absent, n)
			}
		}
		hint := ""
		if near := suggest.Nearest(k.Value, absent); near != "" {
			hint = "; did you mean " + near + "?"
		}
		p.add(k.Line, "%sunknown key %s (known: %s)%s", what, quote.Quote(k.Value), strings.Join(known, ", "), hint)
	}
	return out
}

var gridName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

func (p *gridParser) mapping(root *yaml.Node) *Grid {
	g := &Grid{Seeds: stats.SeedRange{From: 1, To: DefaultGridSeeds}}
	kv := p.keys("", root, gridKeys)
	base := strings.TrimSuffix(filepath.Base(p.file), filepath.Ext(p.file))
	if gridName.MatchString(base) {
		g.Name = base
	} else {
		g.Name = "grid"
	}
	if n, ok := kv["name"]; ok {
		if s, ok := p.scalar("name", n[1]); ok {
			if gridName.MatchString(s) {
				g.Name = s
			} else {
				p.add(n[1].Line, "name %s: use letters, digits, '.', '_' and '-'", quote.Quote(s))
			}
		}
	}
	if n, ok := kv["description"]; ok {
		if s, ok := p.scalar("description", n[1]); ok {
			g.Description = s
		}
	}
	var over Overrides
	if n, ok := kv["duration"]; ok {
		if s, ok := p.scalar("duration", n[1]); ok {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 || d > 1e7*time.Second {
				p.add(n[1].Line, "duration %s is not a positive duration up to 10^7 s (Go syntax: 60s, 10m, 1h)", quote.Quote(s))
			} else {
				over.Duration = d
			}
		}
	}
	if n, ok := kv["seeds"]; ok {
		if s, ok := p.scalar("seeds", n[1]); ok {
			r, err := ParseSeeds(s)
			if err != nil {
				p.add(n[1].Line, "seeds %s: want a count N (seeds 1..N) or a range A-B, seeds from 1", quote.Quote(s))
			} else {
				g.Seeds = r
			}
		}
	}
	if p.over.Duration > 0 {
		over.Duration = p.over.Duration
	}
	if p.over.Seeds.From > 0 {
		g.Seeds = p.over.Seeds
	}
	if n, ok := kv["base"]; ok {
		if s, ok := p.scalar("base", n[1]); ok {
			if s == "-" || s == "" {
				p.add(n[1].Line, "base %s: name a built-in scenario or a scenario file", quote.Quote(s))
			} else if b, err := p.load(s, over); err != nil {
				p.add(n[1].Line, "base %s: %v", quote.Quote(s), err)
			} else {
				g.Base = b
			}
		}
	} else {
		p.add(root.Line, "missing base (a built-in scenario name or a scenario path, e.g. base: A3)")
	}
	if n, ok := kv["vary"]; ok {
		g.Axes = p.vary(n[1], g.Base)
	} else {
		p.add(root.Line, "missing vary (one or two axes, e.g. vary: [{field: die, values: [3, 4, 5]}])")
	}
	g.Show = Show{Metric: analysis.QueueSlope, Extreme: "max"}
	if n, ok := kv["show"]; ok {
		p.show(n[1], g)
	}
	if len(g.Axes) > 0 {
		cells := 1
		for _, a := range g.Axes {
			cells *= len(a.Values)
		}
		if cells > MaxGridCells {
			p.add(kv["vary"][1].Line, "the grid has %d cells, more than the maximum of %d", cells, MaxGridCells)
		}
	}
	return g
}

func (p *gridParser) show(v *yaml.Node, g *Grid) {
	if v.Kind != yaml.MappingNode {
		p.add(v.Line, "show: expected a mapping {metric, machine}, found %s", kindOf(v))
		return
	}
	kv := p.keys("show: ", v, []string{"metric", "machine"})
	if n, ok := kv["metric"]; ok {
		if s, ok := p.scalar("show: metric", n[1]); ok {
			if m, ok := analysis.MetricByKey(s); ok {
				g.Show.Metric = m
			} else {
				var keys []string
				for _, m := range analysis.Metrics {
					keys = append(keys, m.Key)
				}
				hint := ""
				if near := suggest.Nearest(s, keys); near != "" {
					hint = "; did you mean " + near + "?"
				}
				p.add(n[1].Line, "show: unknown metric %s (known: %s)%s", quote.Quote(s), strings.Join(keys, ", "), hint)
			}
		}
	}
	if n, ok := kv["machine"]; ok {
		if s, ok := p.scalar("show: machine", n[1]); ok {
			switch s {
			case "max", "min":
				g.Show.Extreme = s
			default:
				i, err := strconv.Atoi(s)
				switch {
				case err != nil || i < 0:
					p.add(n[1].Line, "show: machine %s: want a machine number, max or min", quote.Quote(s))
				case g.Base != nil && i >= len(g.Base.Machines):
					p.add(n[1].Line, "show: machine %d: the base has machines 0 to %d", i, len(g.Base.Machines)-1)
				default:
					g.Show.Machine, g.Show.Extreme = i, ""
				}
			}
		}
	}
}

func (p *gridParser) vary(v *yaml.Node, base *scenarios.Scenario) []Axis {
	if v.Kind != yaml.SequenceNode {
		p.add(v.Line, "vary: expected a list of one or two axes, found %s", kindOf(v))
		return nil
	}
	if len(v.Content) == 0 || len(v.Content) > 2 {
		p.add(v.Line, "vary: %d axes; a grid has one or two", len(v.Content))
		return nil
	}
	var axes []Axis
	seen := map[string]int{}
	for k, item := range v.Content {
		what := fmt.Sprintf("vary[%d]: ", k)
		if item.Kind != yaml.MappingNode {
			p.add(item.Line, "%sexpected a mapping {field, values}, found %s", what, kindOf(item))
			continue
		}
		kv := p.keys(what, item, []string{"field", "values"})
		var f field
		fieldOK := false
		a := Axis{}
		if n, ok := kv["field"]; ok {
			if s, ok := p.scalar(what+"field", n[1]); ok {
				a.Field = s
				if f, fieldOK = parseField(s); !fieldOK {
					p.add(n[1].Line, "%sunknown field %s (known: %s)", what, quote.Quote(s), FieldNames)
				} else if prev, dup := f.seenIn(seen); dup {
					p.add(n[1].Line, "%sfield %s is already varied by axis %d", what, s, prev)
					fieldOK = false
				} else {
					for _, key := range f.keys() {
						seen[key] = k
					}
					if base != nil && (f.name == "rate" || f.name == "start") && f.maxMachine() >= len(base.Machines) {
						p.add(n[1].Line, "%sfield %s: the base has machines 0 to %d", what, s, len(base.Machines)-1)
						fieldOK = false
					}
				}
			}
		} else {
			p.add(item.Line, "%smissing field (one of %s)", what, FieldNames)
		}
		if n, ok := kv["values"]; ok {
			a.Values, a.Log = p.values(what, n[1], f, fieldOK)
			if fieldOK && base != nil {
				p.checkValues(what, n[1], a, f, base)
			}
		} else {
			p.add(item.Line, "%smissing values (a list, {from, to, step} or {from, to, count, scale: log})", what)
		}
		axes = append(axes, a)
	}
	return axes
}

// keys names the scalar fields f sets: "die", or "rate[2]" for each machine.
func (f field) keys() []string {
	if len(f.machines) == 0 {
		return []string{f.name}
	}
	var out []string
	for _, i := range f.machines {
		out = append(out, fmt.Sprintf("%s[%d]", f.name, i))
	}
	return out
}

// seenIn returns the axis that already sets one of f's scalar fields.
func (f field) seenIn(seen map[string]int) (int, bool) {
	for _, key := range f.keys() {
		if k, ok := seen[key]; ok {
			return k, true
		}
	}
	return 0, false
}

// checkValues applies each value alone to the base and reports those that
// make it invalid, at the value's line.
func (p *gridParser) checkValues(what string, n *yaml.Node, a Axis, f field, base *scenarios.Scenario) {
	for i, v := range a.Values {
		s := *base
		s.Machines = append([]scenarios.Machine(nil), base.Machines...)
		err := f.apply(&s, v)
		if err == nil {
			err = s.Check()
		}
		if err == nil {
			cfg := s.Config(0)
			err = cfg.Validate()
		}
		if err != nil {
			line := n.Line
			if n.Kind == yaml.SequenceNode && i < len(n.Content) {
				line = n.Content[i].Line
			}
			p.add(line, "%s%s=%s makes %s invalid: %v", what, a.Field, v.Text, base.Name, err)
		}
	}
}

// number matches the numbers a grid accepts: decimals with a short
// exponent, and fractions.
var number = regexp.MustCompile(`^(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,2})?|[0-9]+/[1-9][0-9]*)$`)

// parseNumber reads a value of field f: a decimal or fraction, and for
// durations also a Go duration (the result in seconds).
func parseNumber(s string, f field) (*big.Rat, bool) {
	if len(s) > 40 {
		return nil, false
	}
	if number.MatchString(s) {
		r, ok := new(big.Rat).SetString(s)
		return r, ok
	}
	if f.isDuration() {
		if d, err := time.ParseDuration(s); err == nil {
			return big.NewRat(int64(d), int64(time.Second)), true
		}
	}
	return nil, false
}

// ratText writes r as a decimal when it has at most 9 decimals, else as a
// fraction.
func ratText(r *big.Rat) string {
	for d := 0; d <= 9; d++ {
		scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d)), nil)))
		if scaled.IsInt() {
			return r.FloatString(d)
		}
	}
	return r.RatString()
}

// values reads an axis' values, and whether they are on a log scale.
func (p *gridParser) values(what string, n *yaml.Node, f field, fieldOK bool) (_ []Value, log bool) {
	unit := "a number"
	if fieldOK && f.isDuration() {
		unit = "a number of seconds or a duration (100us)"
	}
	num := func(key string, v *yaml.Node) (*big.Rat, bool) {
		s, ok := p.scalar(what+key, v)
		if !ok {
			return nil, false
		}
		r, ok := parseNumber(s, f)
		if !ok {
			p.add(v.Line, "%s%s %s is not %s", what, key, quote.Quote(s), unit)
		}
		return r, ok
	}
	gen := func(r *big.Rat) Value {
		t := ratText(r)
		if f.isDuration() {
			t += "s"
		}
		return Value{Text: t, X: r}
	}
	switch n.Kind {
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			p.add(n.Line, "%svalues: the list is empty", what)
			return nil, false
		}
		if len(n.Content) > MaxAxisValues {
			p.add(n.Line, "%svalues: %d values, more than the maximum of %d", what, len(n.Content), MaxAxisValues)
			return nil, false
		}
		var out []Value
		for _, item := range n.Content {
			if r, ok := num("values", item); ok {
				if len(out) > 0 && r.Cmp(out[len(out)-1].X) <= 0 {
					p.add(item.Line, "%svalues: %s is not above the value before it, %s (list an axis' values in increasing order, each once)",
						what, quote.Quote(item.Value), quote.Quote(out[len(out)-1].Text))
					return nil, false
				}
				out = append(out, Value{Text: item.Value, X: r})
			}
		}
		return out, false
	case yaml.MappingNode:
		kv := p.keys(what+"values: ", n, []string{"from", "to", "step", "count", "scale"})
		from, to := kv["from"], kv["to"]
		if from[1] == nil || to[1] == nil {
			p.add(n.Line, "%svalues: a range needs from and to", what)
			return nil, false
		}
		a, okA := num("from", from[1])
		b, okB := num("to", to[1])
		scale := "linear"
		if sc, ok := kv["scale"]; ok {
			if s, ok := p.scalar(what+"scale", sc[1]); ok {
				if s != "linear" && s != "log" {
					p.add(sc[1].Line, "%sscale %s: want linear or log", what, quote.Quote(s))
					return nil, false
				}
				scale = s
			}
		}
		step, hasStep := kv["step"]
		cnt, hasCount := kv["count"]
		if hasStep == hasCount {
			p.add(n.Line, "%svalues: a range needs exactly one of step and count", what)
			return nil, false
		}
		if scale == "log" && hasStep {
			p.add(step[0].Line, "%svalues: a log scale takes count, not step", what)
			return nil, false
		}
		if !okA || !okB {
			return nil, false
		}
		if hasStep {
			st, ok := num("step", step[1])
			if !ok {
				return nil, false
			}
			if st.Sign() <= 0 {
				p.add(step[1].Line, "%sstep %s must be positive", what, step[1].Value)
				return nil, false
			}
			if a.Cmp(b) > 0 {
				p.add(from[1].Line, "%sfrom %s is above to %s", what, from[1].Value, to[1].Value)
				return nil, false
			}
			q := new(big.Rat).Quo(new(big.Rat).Sub(b, a), st)
			steps := new(big.Int).Quo(q.Num(), q.Denom())
			if !steps.IsInt64() || steps.Int64() >= MaxAxisValues {
				p.add(step[1].Line, "%svalues: more than the maximum of %d values", what, MaxAxisValues)
				return nil, false
			}
			var out []Value
			for i := int64(0); i <= steps.Int64(); i++ {
				x := new(big.Rat).Add(a, new(big.Rat).Mul(st, big.NewRat(i, 1)))
				out = append(out, gen(x))
			}
			return out, false
		}
		cs, ok := p.scalar(what+"count", cnt[1])
		if !ok {
			return nil, false
		}
		count, err := strconv.Atoi(cs)
		if err != nil || count < 2 || count > MaxAxisValues {
			p.add(cnt[1].Line, "%scount %s: want a whole number from 2 to %d", what, quote.Cut(cs), MaxAxisValues)
			return nil, false
		}
		if a.Cmp(b) >= 0 {
			p.add(from[1].Line, "%sfrom %s is not below to %s", what, from[1].Value, to[1].Value)
			return nil, false
		}
		if scale == "linear" {
			var out []Value
			d := new(big.Rat).Sub(b, a)
			for i := 0; i < count; i++ {
				x := new(big.Rat).Add(a, new(big.Rat).Mul(d, big.NewRat(int64(i), int64(count-1))))
				out = append(out, gen(x))
			}
			return out, false
		}
		if a.Sign() <= 0 || b.Sign() <= 0 {
			p.add(from[1].Line, "%svalues: a log scale needs positive from and to", what)
			return nil, false
		}
		fa, _ := a.Float64()
		fb, _ := b.Float64()
		var out []Value
		for i := 0; i < count; i++ {
			var x *big.Rat
			switch i {
			case 0:
				x = a
			case count - 1:
				x = b
			default:
				v := fa * math.Pow(fb/fa, float64(i)/float64(count-1))
				if f.name == "die" {
					v = math.Round(v)
				}
				x, _ = new(big.Rat).SetString(strconv.FormatFloat(v, 'g', 6, 64))
				if x == nil {
					p.add(n.Line, "%svalues: the log scale gives %g, out of range", what, v)
					return nil, false
				}
			}
			v := gen(x)
			if len(out) > 0 && out[len(out)-1].X.Cmp(x) == 0 {
				continue // rounding to whole faces repeats values
			}
			out = append(out, v)
		}
		return out, true
	}
	p.add(n.Line, "%svalues: expected a list or a range {from, to, step}, found %s", what, kindOf(n))
	return nil, false
}
