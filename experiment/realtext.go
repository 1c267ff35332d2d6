package experiment

import (
	"fmt"
	"io"
	"strings"

	"desim/analysis"
	"desim/scenarios"
	"desim/sim/realtime"
)

// RealStarted is the line that reports a real run's start: its machines'
// pids, the speed, and the scenario and wall-clock times it will take.
func RealStarted(pids []int, s *scenarios.Scenario, speed float64) string {
	return fmt.Sprintf("started %d machines (pids %s) at speed %s: %s of scenario time in %s of wall time",
		len(pids), strings.Trim(strings.ReplaceAll(fmt.Sprint(pids), " ", ", "), "[]"), FormatSpeed(speed), scenarios.FormatDuration(s.Duration), WallTime(s.Duration, speed))
}

// RealReplay returns the arguments of "desim real" that replay a run of
// opt written into d: its scenario file, the speed and, unless absolute,
// the ticker.
func RealReplay(d Dir, opt RealOptions) []string {
	replay := []string{"real", d.Scenario(), "--speed", FormatSpeed(opt.Speed)}
	if opt.Ticker != realtime.TickerAbsolute {
		replay = append(replay, "--ticker", opt.Ticker.String())
	}
	return replay
}

// WriteRealResult writes a real run's result as "desim real" prints it: a
// heading with the scenario, the seed, the scenario time run (or where
// the run stopped) and the mode (speed, and the ticker unless absolute),
// then the machines' table (RealSummary.WriteTable).
func WriteRealResult(w io.Writer, s *scenarios.Scenario, opt RealOptions, res *RealResult) {
	mode := "real mode at speed " + FormatSpeed(opt.Speed)
	if opt.Ticker != realtime.TickerAbsolute {
		mode += ", " + opt.Ticker.String() + " ticker"
	}
	how := fmt.Sprintf("%s of scenario time", scenarios.FormatDuration(s.Duration))
	if res.Summary.DurationS < s.Duration.Seconds() {
		how = fmt.Sprintf("stopped after %.1fs of the %s", res.Summary.DurationS, how)
	}
	fmt.Fprintf(w, "%s, seed %d, %s, %s\n", s.Name, s.Seed, how, mode)
	res.Summary.WriteTable(w)
}

// WriteText writes what one machine run by hand did, as "desim machine"
// prints it: its metrics' table, its overruns and messages, and where its
// log is.
func (r *StandaloneResult) WriteText(w io.Writer) {
	analysis.WriteTable(w, []analysis.MachineMetrics{r.Metrics})
	st := r.Stats
	fmt.Fprintf(w, "overruns %d (skipped ticks %d), messages sent %d, lost %d, received %d\n", st.Overruns, st.Skipped, st.Sent, st.Lost, st.Received)
	fmt.Fprintf(w, "wrote %s (drift needs every machine's log: gather them in one directory and run \"desim analyze DIR\")\n", r.LogPath)
}
