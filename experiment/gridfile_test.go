package experiment

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"desim/analysis"
	"desim/scenarios"
)

// builtinOnly loads built-in scenarios only (no files), for tests and
// fuzzing.
func builtinOnly(ref string, o Overrides) (*scenarios.Scenario, error) {
	name, ok := scenarios.BuiltinName(ref)
	if !ok {
		return nil, Inputf("no built-in scenario %q", ref)
	}
	s, err := scenarios.Builtin(name)
	if err != nil {
		return nil, Input(err)
	}
	if o.Duration > 0 {
		s.Duration = o.Duration
	}
	if err := s.Check(); err != nil {
		return nil, Input(err)
	}
	return s, nil
}

const exampleGrid = `name: slow-machine
description: Two 6 c/s machines and one slower one
base: A3
vary:
  - field: machines[2].rate
    values: {from: 0.25, to: 6, step: 0.25}
  - field: die
    values: [3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20]
seeds: 200
duration: 300s
show: {metric: queue_slope, machine: 2}
`

func TestParseGridExample(t *testing.T) {
	g, err := ParseGrid("slow.yaml", []byte(exampleGrid))
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "slow-machine" || g.Base.Name != "A3" || g.Base.Duration != 300*time.Second {
		t.Errorf("name %q base %q duration %v", g.Name, g.Base.Name, g.Base.Duration)
	}
	if len(g.Axes) != 2 || len(g.Axes[0].Values) != 24 || len(g.Axes[1].Values) != 11 {
		t.Fatalf("axes %+v", g.Axes)
	}
	if v := g.Axes[0].Values; v[0].Text != "0.25" || v[23].Text != "6" || v[1].Text != "0.5" {
		t.Errorf("rate values %s %s %s", v[0].Text, v[1].Text, v[23].Text)
	}
	if g.Seeds.From != 1 || g.Seeds.To != 200 {
		t.Errorf("seeds %+v", g.Seeds)
	}
	if g.Show.Metric != analysis.QueueSlope || g.Show.Machine != 2 || g.Show.Extreme != "" {
		t.Errorf("show %+v", g.Show)
	}
	if g.NumCells() != 264 {
		t.Errorf("%d cells", g.NumCells())
	}
}

func TestParseGridDefaultsAndRanges(t *testing.T) {
	g, err := ParseGrid("dir/my-grid.yaml", []byte(`base: a2
vary:
  - field: latency
    values: [0, 100us, 0.001, 2ms]
  - field: machines[1].rate
    values: {from: 0.1, to: 10, count: 5, scale: log}
`))
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "my-grid" || g.Seeds.To != DefaultGridSeeds || g.Show.Extreme != "max" || g.Show.Metric != analysis.QueueSlope {
		t.Errorf("defaults: %q %+v %+v", g.Name, g.Seeds, g.Show)
	}
	var secs []float64
	for _, v := range g.Axes[0].Values {
		secs = append(secs, v.Float())
	}
	if want := []float64{0, 1e-4, 1e-3, 2e-3}; !equalFloats(secs, want) {
		t.Errorf("latency values %v, want %v", secs, want)
	}
	var texts []string
	for _, v := range g.Axes[1].Values {
		texts = append(texts, v.Text)
	}
	if got := strings.Join(texts, " "); got != "0.1 0.316228 1 3.16228 10" {
		t.Errorf("log values %s", got)
	}
	g, err = ParseGrid("d.yaml", []byte("base: A3\nvary: [{field: die, values: {from: 3, to: 30, count: 12, scale: log}}]\nshow: {machine: min, metric: drift}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range g.Axes[0].Values {
		if !v.X.IsInt() || i > 0 && v.X.Cmp(g.Axes[0].Values[i-1].X) <= 0 {
			t.Errorf("die values not whole and increasing: %v", g.Axes[0].Values)
		}
	}
	if g.Show.Extreme != "min" || g.Show.Metric != analysis.Drift {
		t.Errorf("show %+v", g.Show)
	}
	g, err = ParseGrid("s.yaml", []byte("base: A3\nvary: [{field: \"machines[0].start\", values: {from: 0, to: 1, step: 0.25}}]\nseeds: 5-9\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Axes[0].Values) != 5 || g.Axes[0].Values[1].Text != "0.25s" || g.Seeds.From != 5 || g.Seeds.To != 9 {
		t.Errorf("start axis %+v seeds %+v", g.Axes[0].Values, g.Seeds)
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParseGridErrors(t *testing.T) {
	for _, c := range []struct {
		name, data string
		want       []string // each must appear in the error
	}{
		{"empty", "", []string{"g.yaml:1: the file is empty"}},
		{"not a mapping", "- a\n", []string{"g.yaml:1: expected a mapping"}},
		{"two documents", "base: A3\n---\nbase: A2\n", []string{"g.yaml:2: a second YAML document"}},
		{"syntax", "base: A3\nvary: [\n", []string{"g.yaml:"}},
		{"missing", "name: x\n", []string{"g.yaml:1: missing base", "g.yaml:1: missing vary"}},
		{"unknown key", "base: A3\nvari: []\n", []string{"g.yaml:2: unknown key \"vari\"", "did you mean vary?"}},
		{"repeated key", "base: A3\nbase: A2\nvary: [{field: die, values: [3]}]\n", []string{"g.yaml:2: repeated key \"base\" (first at line 1)"}},
		{"bad base", "base: NoSuch\nvary: [{field: die, values: [3]}]\n", []string{"g.yaml:1: base \"NoSuch\""}},
		{"empty axes", "base: A3\nvary: []\n", []string{"g.yaml:2: vary: 0 axes"}},
		{"three axes", "base: A3\nvary:\n  - {field: die, values: [3]}\n  - {field: latency, values: [0]}\n  - {field: jitter, values: [0]}\n", []string{"g.yaml:3: vary: 3 axes"}},
		{"empty list", "base: A3\nvary:\n  - field: die\n    values: []\n", []string{"g.yaml:4: vary[0]: values: the list is empty"}},
		{"wrong type", "base: A3\nvary:\n  - field: die\n    values: 3\n", []string{"g.yaml:4: vary[0]: values: expected a list"}},
		{"unknown field", "base: A3\nvary:\n  - field: speed\n    values: [3]\n", []string{"g.yaml:3: vary[0]: unknown field \"speed\""}},
		{"no such machine", "base: A3\nvary:\n  - field: machines[3].rate\n    values: [3]\n", []string{"g.yaml:3: vary[0]: field machines[3].rate: the base has machines 0 to 2"}},
		{"same field twice", "base: A3\nvary:\n  - {field: die, values: [3]}\n  - {field: die, values: [4]}\n", []string{"g.yaml:4: vary[1]: field die is already varied"}},
		{"machine listed twice", "base: A3\nvary:\n  - field: machines[1,1].rate\n    values: [3]\n", []string{"g.yaml:3: vary[0]: unknown field \"machines[1,1].rate\""}},
		{"machine varied by two axes", "base: A3\nvary:\n  - {field: \"machines[1].rate\", values: [3]}\n  - {field: \"machines[1,2].rate\", values: [4]}\n", []string{"g.yaml:4: vary[1]: field machines[1,2].rate is already varied by axis 0"}},
		{"machine varied by two axes, list first", "base: A3\nvary:\n  - {field: \"machines[1,2].rate\", values: [3]}\n  - {field: \"machines[2].rate\", values: [4]}\n", []string{"g.yaml:4: vary[1]: field machines[2].rate is already varied by axis 0"}},
		{"no such machine in a list", "base: A3\nvary:\n  - field: machines[1,5].rate\n    values: [3]\n", []string{"g.yaml:3: vary[0]: field machines[1,5].rate: the base has machines 0 to 2"}},
		{"no such machine in a start list", "base: A3\nvary:\n  - field: machines[0,3].start\n    values: [1s]\n", []string{"g.yaml:3: vary[0]: field machines[0,3].start: the base has machines 0 to 2"}},
		{"axis keys", "base: A3\nvary:\n  - field: die\n    valeus: [3]\n", []string{"g.yaml:4: vary[0]: unknown key \"valeus\"", "g.yaml:3: vary[0]: missing values"}},
		{"not a number", "base: A3\nvary:\n  - field: die\n    values: [3, x]\n", []string{"g.yaml:4: vary[0]: values \"x\" is not a number"}},
		{"invalid die", "base: A3\nvary:\n  - field: die\n    values:\n      - 2\n      - 4.5\n", []string{"g.yaml:5: vary[0]: die=2 makes A3 invalid", "g.yaml:6: vary[0]: die=4.5 makes A3 invalid"}},
		{"invalid rate", "base: A3\nvary: [{field: \"machines[0].rate\", values: [0, 1/3]}]\n", []string{"g.yaml:2: vary[0]: machines[0].rate=0 makes A3 invalid"}},
		{"start past end", "base: A3\nduration: 10s\nvary: [{field: \"machines[1].start\", values: [10s]}]\n", []string{"g.yaml:3: vary[0]: machines[1].start=10s makes A3 invalid"}},
		{"negative jitter", "base: A3\nvary: [{field: jitter, values: [-1ms]}]\n", []string{"jitter=-1ms makes A3 invalid"}},
		{"range without step", "base: A3\nvary: [{field: die, values: {from: 3, to: 5}}]\n", []string{"g.yaml:2: vary[0]: values: a range needs exactly one of step and count"}},
		{"range backwards", "base: A3\nvary: [{field: die, values: {from: 5, to: 3, step: 1}}]\n", []string{"from 5 is above to 3"}},
		{"zero step", "base: A3\nvary: [{field: die, values: {from: 3, to: 5, step: 0}}]\n", []string{"step 0 must be positive"}},
		{"huge range", "base: A3\nvary: [{field: die, values: {from: 3, to: 99999999, step: 1}}]\n", []string{"more than the maximum"}},
		{"log needs positive", "base: A3\nvary: [{field: latency, values: {from: 0, to: 1ms, count: 3, scale: log}}]\n", []string{"a log scale needs positive"}},
		{"bad scale", "base: A3\nvary: [{field: die, values: {from: 3, to: 5, count: 3, scale: cubic}}]\n", []string{"scale \"cubic\""}},
		{"bad count", "base: A3\nvary: [{field: die, values: {from: 3, to: 5, count: 1}}]\n", []string{"count 1"}},
		{"bad seeds", "base: A3\nvary: [{field: die, values: [3]}]\nseeds: 0\n", []string{"g.yaml:3: seeds \"0\""}},
		{"bad duration", "base: A3\nvary: [{field: die, values: [3]}]\nduration: -1s\n", []string{"g.yaml:3: duration \"-1s\""}},
		{"bad show", "base: A3\nvary: [{field: die, values: [3]}]\nshow: {metric: queue, machine: 7, colour: red}\n", []string{"unknown key \"colour\"", "unknown metric \"queue\"", "show: machine 7: the base has machines 0 to 2"}},
		{"show not a mapping", "base: A3\nvary: [{field: die, values: [3]}]\nshow: queue_slope\n", []string{"g.yaml:3: show: expected a mapping"}},
		{"bad name", "name: a b\nbase: A3\nvary: [{field: die, values: [3]}]\n", []string{"g.yaml:1: name \"a b\""}},
		{"many at once", "name: [x]\nbase: A3\nvary:\n  - field: die\n    values: []\nseeds: many\nextra: 1\n", []string{"g.yaml:1: name: expected a value", "g.yaml:5: vary[0]: values: the list is empty", "g.yaml:6: seeds", "g.yaml:7: unknown key \"extra\""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseGrid("g.yaml", []byte(c.data))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInput) {
				t.Errorf("%v does not match ErrInput", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestParseGridErrorsInLineOrder(t *testing.T) {
	_, err := ParseGrid("g.yaml", []byte("base: A3\nvary:\n  - field: die\n    values: []\nextra: 1\nshow: {metric: nope}\n"))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	i, j, k := strings.Index(msg, "g.yaml:4:"), strings.Index(msg, "g.yaml:5:"), strings.Index(msg, "g.yaml:6:")
	if i < 0 || j < i || k < j {
		t.Errorf("errors not all reported in line order:\n%s", msg)
	}
}

func TestReadGridBaseNextToFile(t *testing.T) {
	dir := t.TempDir()
	src, _ := scenarios.Source("A3")
	if err := os.WriteFile(filepath.Join(dir, "base.yaml"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "g.yaml")
	if err := os.WriteFile(file, []byte("base: base.yaml\nvary: [{field: die, values: [3, 4]}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g, err := ReadGrid(file, GridOverrides{})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Base.Machines) != 3 || g.Name != "g" {
		t.Errorf("base %+v name %q", g.Base, g.Name)
	}
	if _, err := ReadGrid(filepath.Join(dir, "none.yaml"), GridOverrides{}); !errors.Is(err, ErrInput) {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzParseGrid(f *testing.F) {
	f.Add([]byte(exampleGrid))
	f.Add([]byte("base: A2\nvary: [{field: latency, values: {from: 1us, to: 1ms, count: 4, scale: log}}]\n"))
	f.Add([]byte("base: B1\nvary: [{field: \"machines[0].start\", values: [0, 0.5]}, {field: jitter, values: [1/3]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := parseGrid("fuzz.yaml", data, GridOverrides{}, builtinOnly)
		if err != nil {
			if !errors.Is(err, ErrInput) {
				t.Fatalf("error %v does not match ErrInput", err)
			}
			return
		}
		if len(g.Axes) < 1 || len(g.Axes) > 2 || g.Base == nil || g.Show.Metric == nil {
			t.Fatalf("accepted a grid with %d axes, base %v", len(g.Axes), g.Base)
		}
		for _, a := range g.Axes {
			if len(a.Values) == 0 {
				t.Fatalf("accepted an empty axis %s", a.Field)
			}
		}
		if g.NumCells() <= 64 {
			for c := 0; c < g.NumCells(); c++ {
				if _, err := g.Cell(c); err != nil && !errors.Is(err, ErrInput) {
					t.Fatalf("cell %d: %v does not match ErrInput", c, err)
				}
			}
		}
	})
}
