package main

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"desim/analysis"
	// Imported for its side effect: it registers the -update flag.
	_ "desim/internal/golden"
	"desim/scenarios"
)

// predictOutput is the schema of "desim predict --json", spelled out here
// rather than taken from the command so that a renamed field fails.
type predictOutput struct {
	Scenario string `json:"scenario"`
	Die      int    `json:"die"`
	Machines []struct {
		ID           int     `json:"id"`
		Rate         float64 `json:"rate"`
		ArrivalRate  float64 `json:"arrival_rate"`
		Load         float64 `json:"load"`
		ReceiveRate  float64 `json:"receive_rate"`
		SendRate     float64 `json:"send_rate"`
		InternalRate float64 `json:"internal_rate"`
		QueueSlope   float64 `json:"queue_slope"`
		ClockSlope   float64 `json:"clock_slope"`
		Drift        float64 `json:"drift"`
	} `json:"machines"`
}

// predictKeys are the keys of one machine, in the order the issue gives.
var predictKeys = []string{"id", "rate", "arrival_rate", "load", "receive_rate", "send_rate",
	"internal_rate", "queue_slope", "clock_slope", "drift"}

func decodePrediction(t *testing.T, out string) predictOutput {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	var p predictOutput
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("desim predict --json: %v\n%s", err, out)
	}
	if dec.More() {
		t.Fatalf("desim predict --json: more than one JSON value:\n%s", out)
	}
	return p
}

func TestPredictJSON(t *testing.T) {
	out := mustRun(t, "predict", "A2", "--json").stdout
	p := decodePrediction(t, out)
	if p.Scenario != "A2" || p.Die != 10 || len(p.Machines) != 3 {
		t.Fatalf("scenario %q, die %d, %d machines; want A2, 10, 3", p.Scenario, p.Die, len(p.Machines))
	}
	// The worked check: q = 0.2, s_0 = 6, λ_1 = λ_2 = 1.2, load
	// 1.2, queue slope 0.2/s, clock slope 6·1/1.2 = 5, drift −1; machine 0
	// sends on 3/10 and is internal on 7/10 of its 6 ticks per second.
	want := [][]float64{
		// id, rate, arrival, load, receive, send, internal, queue, clock, drift
		{0, 6, 0, 0, 0, 1.8, 4.2, 0, 6, 0},
		{1, 1, 1.2, 1.2, 1, 0, 0, 0.2, 5, -1},
		{2, 1, 1.2, 1.2, 1, 0, 0, 0.2, 5, -1},
	}
	for i, m := range p.Machines {
		got := []float64{float64(m.ID), m.Rate, m.ArrivalRate, m.Load, m.ReceiveRate, m.SendRate,
			m.InternalRate, m.QueueSlope, m.ClockSlope, m.Drift}
		for k := range got {
			if math.Abs(got[k]-want[i][k]) > 1e-12 {
				t.Errorf("machine %d: %s = %.17g, want %g", i, predictKeys[k], got[k], want[i][k])
			}
		}
	}

	// Every key, in the order.
	var raw struct {
		Machines []json.RawMessage `json:"machines"`
	}
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	for i, m := range raw.Machines {
		if keys := predictJSONKeys(t, m); !reflect.DeepEqual(keys, predictKeys) {
			t.Errorf("machine %d: keys %v, want %v", i, keys, predictKeys)
		}
	}

	// Flags may come before the scenario; the output is the same bytes.
	if again := mustRun(t, "predict", "--json", "A2").stdout; again != out {
		t.Errorf("desim predict --json A2 differs from desim predict A2 --json")
	}
}

// predictJSONKeys returns the keys of a JSON object in the order they appear.
func predictJSONKeys(t *testing.T, obj []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// The command predicts from the scenario's own rates and die: for every
// built-in its JSON is analysis.Predict's answer, bit for bit.
func TestPredictJSONEveryBuiltin(t *testing.T) {
	for _, name := range scenarios.Names() {
		s, err := scenarios.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(analysis.Predict(s.Rates(), s.Die))
		if err != nil {
			t.Fatal(err)
		}
		var raw struct {
			Scenario string          `json:"scenario"`
			Die      int             `json:"die"`
			Machines json.RawMessage `json:"machines"`
		}
		if err := json.Unmarshal([]byte(mustRun(t, "predict", name, "--json").stdout), &raw); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := json.Compact(&got, raw.Machines); err != nil {
			t.Fatal(err)
		}
		if raw.Scenario != name || raw.Die != s.Die || got.String() != string(want) {
			t.Errorf("%s: got %s %d %s\nwant %s %d %s", name, raw.Scenario, raw.Die, got.String(), name, s.Die, want)
		}
	}
}

// predictRow is one machine's row of the table.
type predictRow struct {
	id, rate, load, verdict string
}

// parsePredictTable returns the table's header fields and rows, and checks
// that the table is aligned (every line of it equally wide).
func parsePredictTable(t *testing.T, out string) ([]string, []predictRow) {
	t.Helper()
	lines := strings.Split(out, "\n")
	var header []string
	var rows []predictRow
	width := -1
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		isHeader := f[0] == "machine"
		isRow := header != nil && len(f) >= 11 && strings.Trim(f[0], "0123456789") == ""
		if !isHeader && !isRow {
			continue
		}
		if w := utf8.RuneCountInString(l); width < 0 {
			width = w
		} else if w != width {
			t.Errorf("table not aligned: line %q is %d wide, the header %d", l, w, width)
		}
		if isHeader {
			header = f
			continue
		}
		// id rate load verdict... then 7 numbers.
		rows = append(rows, predictRow{id: f[0], rate: f[1], load: f[2], verdict: strings.Join(f[3:len(f)-7], " ")})
	}
	if header == nil {
		t.Fatalf("no table header in:\n%s", out)
	}
	return header, rows
}

func TestPredictTable(t *testing.T) {
	cases := []struct {
		scenario string
		loads    []string
		verdicts []string // "*": 0.85 < ρ < 1.15, the prediction is approximate
	}{
		// A2: ρ = 1.2 for both slow machines.
		{"A2", []string{"0.000", "1.200", "1.200"}, []string{"keeps up", "DRIFTS", "DRIFTS"}},
		// A3: λ_2 = 2 at rate 1.
		{"A3", []string{"0.167", "0.167", "2.000"}, []string{"keeps up", "keeps up", "DRIFTS"}},
		// A5: λ_2 = 0.2·(75/14 + 20/7) = 23/14 at rate 2: ρ = 23/28.
		{"A5", []string{"0.107", "0.286", "0.821"}, []string{"keeps up", "keeps up", "keeps up"}},
		// B4: λ_2 = 3.5 at rate 4: ρ = 0.875, near 1.
		{"B4", []string{"0.250", "0.500", "0.875"}, []string{"keeps up", "keeps up", "keeps up*"}},
		// B2: all free, λ = (2, 3, 3).
		{"B2", []string{"0.333", "0.600", "0.600"}, []string{"keeps up", "keeps up", "keeps up"}},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			out := mustRun(t, "predict", tc.scenario).stdout
			header, rows := parsePredictTable(t, out)
			// The load comes right after the machine and its rate.
			if len(header) < 3 || header[0] != "machine" || header[1] != "rate" || header[2] != "LOAD" {
				t.Errorf("header %q: want machine, rate, LOAD first", header)
			}
			for _, col := range []string{"arrival_rate", "receive_rate", "send_rate", "internal_rate", "queue_slope", "clock_slope", "drift"} {
				if !strings.Contains(strings.Join(header, " "), col) {
					t.Errorf("header %q lacks %s", header, col)
				}
			}
			if len(rows) != len(tc.loads) {
				t.Fatalf("%d rows, want %d:\n%s", len(rows), len(tc.loads), out)
			}
			for i, r := range rows {
				if r.load != tc.loads[i] || r.verdict != tc.verdicts[i] {
					t.Errorf("machine %s: load %s %q, want %s %q", r.id, r.load, r.verdict, tc.loads[i], tc.verdicts[i])
				}
			}
			for _, rule := range []string{"ρ > 1: the queue grows linearly", "ρ = 1 (critical): the queue keeps emptying", "grows like √t"} {
				if !strings.Contains(out, rule) {
					t.Errorf("no explanation %q:\n%s", rule, out)
				}
			}
			if !strings.Contains(out, "ρ = 1") || !strings.Contains(out, "only approximate") {
				t.Errorf("does not say the prediction is only approximate near ρ = 1:\n%s", out)
			}
			if strings.Contains(out, "*") != strings.Contains(strings.Join(tc.verdicts, ""), "*") {
				t.Errorf("the * footnote should appear exactly when a load is near 1:\n%s", out)
			}
		})
	}
}

// A scenario file with a fractional rate: the table shows the rate as the
// scenario gives it, and machine 2 sits exactly on ρ = 1: critical, not
// drifting.
func TestPredictTableFractionalRate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "edge.yaml")
	writeTestFile(t, path, "name: edge\ndie: 9\nduration: 10s\nmachines:\n  - rate: 3\n  - rate: 3\n  - rate: 12/11\n")
	out := mustRun(t, "predict", path).stdout
	_, rows := parsePredictTable(t, out)
	want := []predictRow{{"0", "3", "0.182", "keeps up"}, {"1", "3", "0.182", "keeps up"}, {"2", "12/11", "1.000", "critical*"}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows %q, want %q\n%s", rows, want, out)
	}
}

func TestPredictBadInput(t *testing.T) {
	dir := t.TempDir()
	badYAML := filepath.Join(dir, "bad.yaml")
	writeTestFile(t, badYAML, "name: bad\ndie: 2\nduration: 10s\nmachines:\n  - rate: 6\n  - rate: 1\n  - rate: 1\n")
	notYAML := filepath.Join(dir, "junk.yaml")
	writeTestFile(t, notYAML, "machines: [\n")
	cases := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no scenario", []string{"predict"}, "SCENARIO"},
		{"two scenarios", []string{"predict", "A2", "A3"}, "SCENARIO"},
		{"unknown scenario", []string{"predict", "nosuch"}, "nosuch"},
		{"missing file", []string{"predict", filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
		{"die smaller than the machines", []string{"predict", badYAML}, "bad.yaml"},
		{"malformed YAML", []string{"predict", notYAML}, "junk.yaml"},
		{"unknown flag", []string{"predict", "A2", "--seed", "3"}, "unknown flag: --seed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := desim(tc.args...)
			if r.code != exitUsage {
				t.Errorf("desim %s: exit %d, want %d\nstderr:\n%s", strings.Join(tc.args, " "), r.code, exitUsage, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout not empty:\n%s", r.stdout)
			}
			if !strings.HasPrefix(r.stderr, "desim predict: ") || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr %q: want \"desim predict: \" and %q", r.stderr, tc.want)
			}
			noPanic(t, "stderr", r.stderr)
		})
	}
}

func TestPredictHelp(t *testing.T) {
	out := mustRun(t, "predict", "-h").stdout
	for _, s := range []string{"Usage:\n  desim predict SCENARIO [flags]", "ρ > 1", "ρ = 1", "critical", "√t", "only approximate", "      --json "} {
		if !strings.Contains(out, s) {
			t.Errorf("desim predict -h lacks %q:\n%s", s, out)
		}
	}
}

// With --duration, predict prints the expected metrics over a run of that
// length: the finite-horizon model's, as a table and as JSON.
func TestPredictDuration(t *testing.T) {
	out := mustRun(t, "predict", "A3", "--duration", "60s").stdout
	for _, want := range []string{"A3: expected metrics over a run of 60s", "receives", "final_queue", "max_queue and max_jump: not predicted"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	var got struct {
		DurationS float64             `json:"duration_s"`
		Machines  []analysis.Expected `json:"machines"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "predict", "A3", "--duration", "60s", "--json").stdout), &got); err != nil {
		t.Fatal(err)
	}
	s, err := scenarios.Builtin("A3")
	if err != nil {
		t.Fatal(err)
	}
	s.Duration = 60 * time.Second
	want := analysis.PredictRun(s)
	if got.DurationS != 60 || !reflect.DeepEqual(got.Machines, want.Machines) {
		t.Errorf("JSON: %+v\nwant PredictRun's %+v", got, want)
	}
	if got.Machines[2].Ticks != 60 || got.Machines[2].FinalQueue < 50 {
		t.Errorf("A3's slow machine over 60 s: %+v", got.Machines[2])
	}
	// B4's machine 2 (ρ = 0.875) is flagged approximate.
	if out := mustRun(t, "predict", "B4", "--duration", "60s").stdout; !strings.Contains(out, "*: load near 1") {
		t.Errorf("B4: no approximate flag:\n%s", out)
	}
}
