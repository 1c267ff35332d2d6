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
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &s, nil
}

// WriteTable prints the metrics as an aligned table.
func WriteTable(w io.Writer, ms []MachineMetrics) {
	fmt.Fprintf(w, "%7s %6s %8s %8s %7s %9s %11s %10s %9s %11s %11s %8s %9s %8s\n",
		"machine", "rate", "ticks", "receives", "sends", "internals", "final_clock", "final_queue", "max_queue",
		"clock_slope", "queue_slope", "drift", "mean_jump", "max_jump")
	for _, m := range ms {
		fmt.Fprintf(w, "%7d %6.4g %8d %8d %7d %9d %11d %10d %9d %11.4f %11.4f %8.4f %9.4f %8d\n",
			m.ID, m.Rate, m.Ticks, m.Receives, m.Sends, m.Internals, m.FinalClock, m.FinalQueue, m.MaxQueue,
			m.ClockSlope, m.QueueSlope, m.Drift, m.MeanJump, m.MaxJump)
	}
}
