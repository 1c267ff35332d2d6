// Package stats holds desim's statistics over seeds: exact aggregates of
// per-run metrics (Stat, Summary), a sweep's output (Output) and its
// table, CSV and JSON, the mean-field expectation of every metric over a
// run (Predictions), and the comparison of real runs with the simulator's
// distribution (Compare, Validation).
//
// Imports: analysis, analysis/exact, scenarios, sim and gonum's stat
// packages; never experiment, cmd or figures.
package stats

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"desim/analysis"
	"desim/scenarios"
)

// SeedRange is an inclusive range of seeds.
type SeedRange struct {
	From uint64 `json:"from"`
	To   uint64 `json:"to"`
}

// Count returns the number of seeds.
func (r SeedRange) Count() uint64 { return r.To - r.From + 1 }

// Output is a sweep's result: the document printed by --json.
type Output struct {
	Scenarios []ScenarioOutput `json:"scenarios"`
}

// ScenarioOutput is one scenario's aggregate over seeds.
type ScenarioOutput struct {
	Scenario  string          `json:"scenario"`
	DurationS float64         `json:"duration_s"`
	Seeds     SeedRange       `json:"seeds"`
	Runs      int64           `json:"runs"`
	Machines  []MachineOutput `json:"machines"`
}

// MachineOutput is one machine's metrics over seeds.
type MachineOutput struct {
	ID      int             `json:"id"`
	Rate    float64         `json:"rate"`
	Metrics MetricSummaries `json:"metrics"`
	// Approximate marks a machine whose load is near 1 (see
	// analysis.ApproxLow): its predictions are only approximate.
	Approximate bool `json:"approximate,omitempty"`
}

// MetricSummaries are the summaries of analysis.Metrics, in that order.
type MetricSummaries []Summary

// MarshalJSON writes {"ticks":{...},"receives":{...},...} in
// analysis.Metrics' order.
func (m MetricSummaries) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for k, s := range m {
		if k > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:", analysis.Metrics[k].Key)
		v, err := json.Marshal(s)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (m *MetricSummaries) UnmarshalJSON(data []byte) error {
	var raw map[string]Summary
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*m = make(MetricSummaries, len(analysis.Metrics))
	for k, metric := range analysis.Metrics {
		(*m)[k] = raw[metric.Key]
	}
	return nil
}

// Predictions returns the finite-horizon prediction of each metric of
// each machine of s over a run of its duration, pred[machine][metric]:
// the expectation of the metric (analysis.PredictRun), nil where the model
// makes none (max_queue, max_jump).
func Predictions(s *scenarios.Scenario) [][]*float64 {
	pred, _ := predictions(s)
	return pred
}

// predictions is Predictions with each machine's Approximate flag.
func predictions(s *scenarios.Scenario) ([][]*float64, []bool) {
	rp := analysis.PredictRun(s)
	out := make([][]*float64, len(rp.Machines))
	approx := make([]bool, len(rp.Machines))
	for i := range rp.Machines {
		e := &rp.Machines[i]
		approx[i] = e.Approximate
		out[i] = make([]*float64, len(analysis.Metrics))
		for k, m := range analysis.Metrics {
			if v, ok := m.Predict(e); ok {
				out[i][k] = &v
			}
		}
	}
	return out, approx
}

// Summarize returns the output of scenario s from its stats over seeds r
// (st[i][k]: machine i's metric analysis.Metrics[k]), with the
// finite-horizon predictions and z.
func Summarize(s *scenarios.Scenario, st [][]Stat, r SeedRange) ScenarioOutput {
	pred, approx := predictions(s)
	out := ScenarioOutput{
		Scenario:  s.Name,
		DurationS: s.Duration.Seconds(),
		Seeds:     r,
	}
	for i, m := range s.Machines {
		mo := MachineOutput{ID: i, Rate: m.Rate.Float64(), Metrics: make(MetricSummaries, len(analysis.Metrics)), Approximate: approx[i]}
		for k := range analysis.Metrics {
			mo.Metrics[k] = st[i][k].Summarize(pred[i][k])
		}
		if len(st[i]) > 0 {
			out.Runs = st[i][0].N
		}
		out.Machines = append(out.Machines, mo)
	}
	return out
}

// NewStats returns empty stats of every metric of n machines:
// [machine][analysis.Metrics index].
func NewStats(n int) [][]Stat {
	st := make([][]Stat, n)
	for i := range st {
		st[i] = make([]Stat, len(analysis.Metrics))
	}
	return st
}

// Metric returns the summary of metric m.
func (m MachineOutput) Metric(metric *analysis.Metric) Summary { return m.Metrics[metric.Index()] }

// WriteJSON writes the output as indented JSON.
func WriteJSON(w io.Writer, o *Output) error {
	b, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteCSV writes one row per scenario, machine and metric, with a header.
func WriteCSV(w io.Writer, o *Output) error {
	var b bytes.Buffer
	b.WriteString("scenario,duration_s,seed_from,seed_to,runs,machine,rate,metric,n,mean,sd,ci95,min,max,min_seed,max_seed,predicted,z,approximate\n")
	for _, s := range o.Scenarios {
		for _, m := range s.Machines {
			for k, v := range m.Metrics {
				fmt.Fprintf(&b, "%s,%s,%d,%d,%d,%d,%s,%s,%d,%s,%s,%s,%s,%s,%d,%d,%s,%s,%v\n",
					s.Scenario, num(s.DurationS), s.Seeds.From, s.Seeds.To, s.Runs, m.ID, num(m.Rate), analysis.Metrics[k].Key,
					v.N, num(v.Mean), num(v.SD), num(v.CI95), num(v.Min), num(v.Max), v.MinSeed, v.MaxSeed,
					optNum(v.Predicted), optNum(v.Z), m.Approximate && v.Predicted != nil)
			}
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// num formats a float the way encoding/json does (shortest exact form).
func num(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	b, _ := json.Marshal(x)
	return string(b)
}

func optNum(x *float64) string {
	if x == nil {
		return ""
	}
	return num(*x)
}

// Format is an output format of a sweep's result.
type Format int

// The formats of Write.
const (
	FormatTable Format = iota // an aligned table (WriteTableOptions)
	FormatJSON                // indented JSON (WriteJSON)
	FormatCSV                 // one row per scenario, machine and metric (WriteCSV)
)

// FormatOf returns FormatJSON with asJSON, else FormatCSV with asCSV, else
// FormatTable.
func FormatOf(asJSON, asCSV bool) Format {
	switch {
	case asJSON:
		return FormatJSON
	case asCSV:
		return FormatCSV
	}
	return FormatTable
}

// Write writes o in format f.
func Write(w io.Writer, o *Output, f Format) error {
	switch f {
	case FormatJSON:
		return WriteJSON(w, o)
	case FormatCSV:
		return WriteCSV(w, o)
	}
	return WriteTableOptions(w, o, TableOptions{})
}
