package analysis

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// Summary is the content of a run's summary.json: the per-machine metrics
// of one run (see MachineMetrics).
type Summary struct {
	Scenario  string           `json:"scenario"`
	Seed      uint64           `json:"seed"`
	DurationS float64          `json:"duration_s"` // virtual time of the run, s
	Machines  []MachineMetrics `json:"machines"`
}

// Marshal returns the summary as indented JSON ending in a newline.
func (s *Summary) Marshal() []byte {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic(err) // plain numbers and strings always marshal
	}
	return append(b, '\n')
}

// ReadSummary reads a summary.json.
func ReadSummary(path string) (*Summary, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s Summary
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, nil
}

// WriteTable prints the metrics as an aligned table: machine, rate and
// the metrics of Metrics that have a column.
func WriteTable(w io.Writer, ms []MachineMetrics) {
	b := []byte(fmt.Sprintf("%7s %6s", "machine", "rate"))
	for _, m := range Metrics {
		if m.column > 0 {
			b = fmt.Appendf(b, " %*s", m.column, m.Key)
		}
	}
	b = append(b, '\n')
	for i := range ms {
		mm := &ms[i]
		b = fmt.Appendf(b, "%7d %6.4g", mm.ID, mm.Rate)
		for _, m := range Metrics {
			switch {
			case m.column == 0:
			case m.integer != nil:
				b = fmt.Appendf(b, " %*d", m.column, m.integer(mm))
			default:
				b = fmt.Appendf(b, " %*.4f", m.column, m.real(mm))
			}
		}
		b = append(b, '\n')
	}
	w.Write(b)
}
