package experiment

import (
	"path/filepath"
	"testing"

	"desim/analysis/report"
)

// TestReproduceCommand: the seeds and duration always, the other flags
// only when they differ from their defaults, a recorded run's directory
// quoted for the shell.
func TestReproduceCommand(t *testing.T) {
	for _, c := range []struct {
		o            ReproduceOptions
		dur, gridDur string
		want         string
	}{
		{ReproduceOptions{Seeds: 1000, LogSeeds: DefaultValidateSeeds}, "300s", "", "desim reproduce --seeds 1000 --duration 300s"},
		{ReproduceOptions{Seeds: 20, GridSeeds: 5, NoReal: true, Logs: []string{"runs/a", "my run"}, LogSeeds: 7}, "10s", "5s",
			"desim reproduce --seeds 20 --duration 10s --grid-seeds 5 --grid-duration 5s --no-real --logs runs/a --logs 'my run' --log-seeds 7"},
	} {
		if got := ReproduceCommand(c.o, c.dur, c.gridDur); got != c.want {
			t.Errorf("ReproduceCommand(%+v) =\n%s\nwant\n%s", c.o, got, c.want)
		}
	}
}

func TestReproduceWrote(t *testing.T) {
	dir := filepath.Join("out", "reproduce")
	if got, want := ReproduceWrote(dir, &report.Report{}), filepath.Join(dir, "{REPORT.md,REPORT.html,report.json,figures/}"); got != want {
		t.Errorf("without recorded runs: %s, want %s", got, want)
	}
	r := &report.Report{Logs: []report.LogsReport{{Run: "r"}}}
	if got, want := ReproduceWrote(dir, r), filepath.Join(dir, "{REPORT.md,REPORT.html,report.json,figures/,calibrated/}"); got != want {
		t.Errorf("with recorded runs: %s, want %s", got, want)
	}
}
