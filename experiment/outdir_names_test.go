package experiment

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"desim/analysis"
	"desim/sim/realtime"
)

// TestDefaultDirs: out/<name>-seed<N>, with the duration when it was
// given; out/<name>-real-seed<N> for a real run.
func TestDefaultDirs(t *testing.T) {
	s, err := Load("A3", Overrides{Duration: 90 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ got, want Dir }{
		{DefaultRunDir(s, false), Dir(filepath.Join("out", "A3-seed1"))},
		{DefaultRunDir(s, true), Dir(filepath.Join("out", "A3-seed1-90s"))},
		{DefaultRealDir(s), Dir(filepath.Join("out", "A3-real-seed1"))},
	} {
		if c.got != c.want {
			t.Errorf("%s, want %s", c.got, c.want)
		}
	}
	if got, want := Dir("d").Wrote(true), filepath.Join("d", "{machine-*.csv,messages.csv,summary.json,scenario.yaml}"); got != want {
		t.Errorf("traced: %s, want %s", got, want)
	}
	if got, want := Dir("d").Wrote(false), filepath.Join("d", "{machine-*.csv,summary.json,scenario.yaml}"); got != want {
		t.Errorf("untraced: %s, want %s", got, want)
	}
}

// TestRealTexts: the start line, the replay arguments and the result's
// heading, with the ticker named only when it is not the default.
func TestRealTexts(t *testing.T) {
	s, err := Load("A3", Overrides{Duration: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := RealStarted([]int{11, 12, 13}, s, 20), "started 3 machines (pids 11, 12, 13) at speed 20: 60s of scenario time in 3s of wall time"; got != want {
		t.Errorf("RealStarted = %q, want %q", got, want)
	}
	opt := RealOptions{Speed: 2.5}
	if got, want := strings.Join(RealReplay("d", opt), " "), "real "+filepath.Join("d", "scenario.yaml")+" --speed 2.5"; got != want {
		t.Errorf("RealReplay = %q, want %q", got, want)
	}
	opt.Ticker = realtime.TickerSleep
	if got, want := strings.Join(RealReplay("d", opt), " "), "real "+filepath.Join("d", "scenario.yaml")+" --speed 2.5 --ticker sleep"; got != want {
		t.Errorf("RealReplay with the sleep ticker = %q, want %q", got, want)
	}
	res := &RealResult{Summary: &RealSummary{DurationS: 12.34, Machines: []RealMachine{{MachineMetrics: analysis.MachineMetrics{ID: 0}}}}}
	var b bytes.Buffer
	WriteRealResult(&b, s, opt, res)
	if want := "A3, seed 1, stopped after 12.3s of the 60s of scenario time, real mode at speed 2.5, sleep ticker\n"; !strings.HasPrefix(b.String(), want) {
		t.Errorf("heading:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	res.Summary.DurationS = 60
	WriteRealResult(&b, s, RealOptions{Speed: 1}, res)
	var table bytes.Buffer
	res.Summary.WriteTable(&table)
	if want := "A3, seed 1, 60s of scenario time, real mode at speed 1\n" + table.String(); b.String() != want {
		t.Errorf("result:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestStandaloneResultText: the machine's table, its counts and its log.
func TestStandaloneResultText(t *testing.T) {
	r := &StandaloneResult{Metrics: analysis.MachineMetrics{ID: 2}, LogPath: "d/machine-2.csv",
		Stats: realtime.Stats{Overruns: 1, Skipped: 2, Sent: 3, Lost: 4, Received: 5}}
	var b, table bytes.Buffer
	r.WriteText(&b)
	analysis.WriteTable(&table, []analysis.MachineMetrics{r.Metrics})
	want := table.String() + "overruns 1 (skipped ticks 2), messages sent 3, lost 4, received 5\n" +
		"wrote d/machine-2.csv (drift needs every machine's log: gather them in one directory and run \"desim analyze DIR\")\n"
	if b.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestValidateHeading: the opening line, with the note of a capped
// duration.
func TestValidateHeading(t *testing.T) {
	s, err := Load("B2", Overrides{Duration: 600 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	o := ValidateOptions{Real: RealOptions{Speed: 10}, RealRuns: 2, Seeds: 200}
	var b bytes.Buffer
	o.WriteHeading(&b, s, true)
	want := "validate B2: 2 real run(s) at speed 10 against 200 simulated seeds, 600s of scenario time each" +
		" (the scenario's duration capped at 1m0s of wall time per real run; --duration overrides)\n"
	if b.String() != want {
		t.Errorf("heading:\n%s\nwant:\n%s", b.String(), want)
	}
}
