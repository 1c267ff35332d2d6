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
	for k, name := range Metrics {
		(*m)[k] = raw[name]
	}
	return nil
}

// Predictions returns the mean-field prediction of each metric of each
// machine of s over its duration (nil where the model makes none):
//
//	ticks          the exact number of ticks in [start, duration)
//	receives       receive_rate · T      (T = duration − start)
//	sends          send_rate · T
//	internals      internal_rate · T
//	messages_sent  send_rate · T · 2(N−1)/N   (a send face is 1..N: N−1 single
//	               sends and one broadcast of N−1 copies)
//	final_clock    clock_slope · duration
//	final_queue    queue_slope · T
//	clock_slope, queue_slope, drift   as predicted
//	mean_jump      clock_slope / rate
//	max_queue, max_jump               none
func Predictions(s *scenarios.Scenario) [][]*float64 {
	p := analysis.Predict(s.Rates(), s.Die)
	n := float64(len(s.Machines))
	out := make([][]*float64, len(p))
	for i, m := range p {
		mc := s.Machines[i]
		t := (s.Duration - mc.Start).Seconds()
		v := func(x float64) *float64 { return &x }
		out[i] = []*float64{
			v(float64(mc.Rate.TicksBefore(int64(s.Duration - mc.Start)))),
			v(m.ReceiveRate * t),
			v(m.SendRate * t),
			v(m.InternalRate * t),
			v(m.SendRate * t * 2 * (n - 1) / n),
			v(m.ClockSlope * s.Duration.Seconds()),
			v(m.QueueSlope * t),
			nil,
			v(m.ClockSlope),
			v(m.QueueSlope),
			v(m.Drift),
			v(m.ClockSlope / m.Rate),
			nil,
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
