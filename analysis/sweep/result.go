package sweep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"text/tabwriter"

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
}

// MetricSummaries are the summaries of Metrics, in that order.
type MetricSummaries []Summary

// MarshalJSON writes {"ticks":{...},"receives":{...},...} in Metrics'
// order.
func (m MetricSummaries) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for k, s := range m {
		if k > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:", Metrics[k])
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
	*m = make(MetricSummaries, len(Metrics))
	for k, metric := range Metrics {
		(*m)[k] = raw[metric.Key]
	}
	return nil
}

// Predictions returns the mean-field prediction of each metric of each
// machine of s over its duration, pred[machine][metric], nil where the
// model makes none (see analysis.Metric.Predict).
func Predictions(s *scenarios.Scenario) [][]*float64 {
	p := analysis.Predict(s.Rates(), s.Die)
	out := make([][]*float64, len(p))
	for i := range p {
		mc := s.Machines[i]
		h := analysis.Horizon{
			Machines: len(s.Machines),
			Duration: s.Duration.Seconds(),
			Active:   (s.Duration - mc.Start).Seconds(),
			Ticks:    mc.Rate.TicksBefore(int64(s.Duration - mc.Start)),
		}
		out[i] = make([]*float64, len(Metrics))
		for k, m := range Metrics {
			if v, ok := m.Predict(&p[i], &h); ok {
				out[i][k] = &v
			}
		}
	}
	return out
}

// Summarize returns the output of a completed scenario state over seeds r.
func Summarize(st *Scenario, r SeedRange) ScenarioOutput {
	s := st.Scenario
	pred := Predictions(s)
	out := ScenarioOutput{
		Scenario:  s.Name,
		DurationS: s.Duration.Seconds(),
		Seeds:     r,
	}
	for i, m := range s.Machines {
		mo := MachineOutput{ID: i, Rate: m.Rate.Float64(), Metrics: make(MetricSummaries, len(Metrics))}
		for k := range Metrics {
			mo.Metrics[k] = st.Stats[i][k].Summarize(pred[i][k])
		}
		if len(st.Stats[i]) > 0 {
			out.Runs = st.Stats[i][0].N
		}
		out.Machines = append(out.Machines, mo)
	}
	return out
}

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
	b.WriteString("scenario,duration_s,seed_from,seed_to,runs,machine,rate,metric,n,mean,sd,ci95,min,max,min_seed,max_seed,predicted,z\n")
	for _, s := range o.Scenarios {
		for _, m := range s.Machines {
			for k, v := range m.Metrics {
				fmt.Fprintf(&b, "%s,%s,%d,%d,%d,%d,%s,%s,%d,%s,%s,%s,%s,%s,%d,%d,%s,%s\n",
					s.Scenario, num(s.DurationS), s.Seeds.From, s.Seeds.To, s.Runs, m.ID, num(m.Rate), Metrics[k],
					v.N, num(v.Mean), num(v.SD), num(v.CI95), num(v.Min), num(v.Max), v.MinSeed, v.MaxSeed,
					optNum(v.Predicted), optNum(v.Z))
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

// WriteTable writes an aligned table: per scenario, one row per machine and
// metric with mean ± ci95, sd, the extremes with their seeds, the
// prediction and z = (mean − predicted)/(sd/√n).
func WriteTable(w io.Writer, o *Output) error {
	for si, s := range o.Scenarios {
		if si > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s: %d runs (seeds %d-%d), %s s of virtual time each\n", s.Scenario, s.Runs, s.Seeds.From, s.Seeds.To, num(s.DurationS))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "machine\trate\tmetric\tmean\t± ci95\tsd\tmin\t(seed)\tmax\t(seed)\tpredicted\tz\t")
		for _, m := range s.Machines {
			for k, v := range m.Metrics {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%d\t%s\t%s\t\n",
					m.ID, num(m.Rate), Metrics[k], g(v.Mean), g(v.CI95), g(v.SD), g(v.Min), v.MinSeed, g(v.Max), v.MaxSeed,
					optG(v.Predicted), optZ(v.Z))
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, "\nz = (mean − predicted)/(sd/√n): |z| ≫ 3 is where the mean-field model and the simulation part.")
	fmt.Fprintln(w, "Replay an extreme run with: desim run SCENARIO --seed SEED --duration DURATION")
	return nil
}

func g(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }

func optG(x *float64) string {
	if x == nil {
		return "-"
	}
	return g(*x)
}

func optZ(x *float64) string {
	if x == nil {
		return "-"
	}
	return strconv.FormatFloat(*x, 'f', 2, 64)
}
