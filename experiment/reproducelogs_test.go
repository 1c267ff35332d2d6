package experiment

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"desim/analysis/calibrate"
	"desim/analysis/report"
	"desim/scenarios"
	"desim/sim"
)

// originalRun is a run of the original implementation shipped with the
// calibrate package's tests.
func originalRun(name string) string {
	return filepath.Join("..", "analysis", "calibrate", "testdata", "original", name)
}

// TestReproduceLogInput: two of the original's runs as Reproduce reads,
// validates and draws them: A1 passes against its calibrated scenario and
// fails against the plain built-in A1 on its clock slopes; no built-in has
// C1's rates and die. The calibrated scenario file reads back as the
// scenario validated, and the figures are PNGs, all written only on
// commit.
func TestReproduceLogInput(t *testing.T) {
	logs, err := readReproduceLogs([]string{originalRun("A1"), originalRun("C1")})
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 2 || logs[0].run != "A1" || logs[1].run != "C1" || logs[0].builtin != "A1" || logs[1].builtin != "" {
		t.Fatalf("runs %q and %q, built-ins %q and %q; want A1 (A1) and C1 (none)", logs[0].run, logs[1].run, logs[0].builtin, logs[1].builtin)
	}
	dir := t.TempDir()
	var set OutputSet
	defer set.Abort()
	figures := map[string][]byte{}
	var ins []report.LogsInput
	for _, l := range logs {
		in, err := l.reportInput(context.Background(), 50, dir, &set, figures)
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, in)
	}
	if _, err := os.Stat(filepath.Join(dir, "calibrated", "A1.yaml")); !os.IsNotExist(err) {
		t.Errorf("calibrated/A1.yaml written before the commit (stat: %v)", err)
	}
	if err := set.Commit(); err != nil {
		t.Fatal(err)
	}
	a1, c1 := ins[0], ins[1]
	if !a1.Validation.Result.Passed() || a1.Builtin == nil || a1.Builtin.Result.Passed() || a1.Builtin.Scenario != "A1" ||
		!strings.Contains(a1.Builtin.Text, "clock_slope    5.99171                           6.00000   0.00000    0.006  exact              -        -  OUTSIDE") {
		t.Errorf("A1: calibrated passed %v, built-in %+v", a1.Validation.Result.Passed(), a1.Builtin)
	}
	if !c1.Validation.Result.Passed() || c1.Builtin != nil {
		t.Errorf("C1: calibrated passed %v, built-in %+v", c1.Validation.Result.Passed(), c1.Builtin)
	}
	dirA1 := originalRun("A1")
	for _, c := range []struct{ got, want string }{
		{a1.CalibrateCommand, "desim calibrate " + dirA1 + " --name A1-calibrated -o calibrated/A1.yaml"},
		{a1.Validation.Command, "desim validate --logs " + dirA1 + " calibrated/A1.yaml --seeds 50"},
		{a1.Builtin.Command, "desim validate --logs " + dirA1 + " A1 --seeds 50"},
		{a1.FigureCommand, "desim plot " + dirA1 + " -o logs-A1.png"},
		{a1.DesimFigureCommand, "desim run calibrated/A1.yaml --seed 1 --plot"},
		{a1.Validation.Text[:strings.Index(a1.Validation.Text, "\n")], "validate A1-calibrated: 1 recorded run(s) against 50 simulated seeds (1..50), 73s of scenario time each (the recorded runs')"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
	for _, in := range ins {
		s, err := scenarios.Load(filepath.Join(dir, filepath.FromSlash(in.Calibrated)))
		if err != nil {
			t.Fatalf("%s: %v", in.Calibrated, err)
		}
		if s.Name != in.Scenario || s.Die != in.Estimate.Die.R || s.Duration != 73*time.Second || !s.Timed() {
			t.Errorf("%s: scenario %s, die %d, %s, timed %v", in.Calibrated, s.Name, s.Die, s.Duration, s.Timed())
		}
		for _, f := range []string{in.Figure, in.DesimFigure} {
			png, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
			if err != nil || len(png) < 1000 || string(png[1:4]) != "PNG" || !slices.Equal(png, figures[f]) {
				t.Errorf("%s: %d bytes, %v", f, len(png), err)
			}
		}
		if len(in.Recorded.Clocks) != 3 || len(in.Simulated.Clocks) != 3 || in.Recorded.End < 72 || in.Simulated.End < 72 {
			t.Errorf("%s: figure facts %+v and %+v", in.Run, in.Recorded, in.Simulated)
		}
	}
	// The calibrated file is desim calibrate's, byte for byte.
	e, err := Calibrate([]string{dirA1}, calibrate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "calibrated", "A1.yaml")); !slices.Equal(got, e.YAML("A1-calibrated")) {
		t.Error("calibrated/A1.yaml is not what desim calibrate --name A1-calibrated writes")
	}
}

// TestReproduceLogsBadInput: a missing run, a file, bad logs and too few
// seeds are bad input, found before Reproduce sweeps or writes anything.
func TestReproduceLogsBadInput(t *testing.T) {
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "machine-0.csv"), []byte("internal,1.5,0,1\nnot a line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, "machine-1.csv"), []byte("internal,1.5,0,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		logs  []string
		seeds int
		want  string
	}{
		{[]string{"no/such/run"}, 0, "recorded run no/such/run: no such directory"},
		{[]string{filepath.Join(bad, "machine-0.csv")}, 0, "not a directory"},
		{[]string{originalRun("A1"), bad}, 0, filepath.Join(bad, "machine-0.csv") + ":2"},
		{[]string{originalRun("A1")}, 1, "1 log seeds: need 2..1000000"},
		{[]string{originalRun("A1")}, -3, "-3 log seeds"},
	} {
		out := filepath.Join(t.TempDir(), "report")
		_, err := Reproduce(context.Background(), ReproduceOptions{Dir: out, Seeds: 2, Duration: time.Second, NoReal: true, Logs: c.logs, LogSeeds: c.seeds})
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("logs %q, %d seeds: %v; want bad input with %q", c.logs, c.seeds, err, c.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("logs %q: the report's directory was made (stat: %v)", c.logs, err)
		}
	}
}

// TestRunNames: a run is named after its directory, as a file name,
// unique even where a file system ignores case, and where one run's
// figure would be another's.
func TestRunNames(t *testing.T) {
	taken := map[string]bool{}
	var got []string
	for _, dir := range []string{"logs/A1", "other/A1/", "logs/a1", "runs/A1-desim", "my run's logs", ".hidden", "/"} {
		got = append(got, uniqueRun(runName(dir), taken))
	}
	if want := []string{"A1", "A1-2", "a1-3", "A1-desim-2", "my-run-s-logs", "hidden", "run"}; !slices.Equal(got, want) {
		t.Errorf("run names %q, want %q", got, want)
	}
	t.Chdir(t.TempDir())
	if got, want := runName("."), runName(must(os.Getwd())); got != want || got == "" || got == "." {
		t.Errorf("runName(\".\") = %q, want the working directory's name %q", got, want)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestBuiltinOf: the built-in of a calibration is the first with its
// rates, machine by machine, and its die.
func TestBuiltinOf(t *testing.T) {
	est := func(die int, rates ...string) *calibrate.Estimate {
		e := &calibrate.Estimate{Die: calibrate.Die{R: die}}
		for _, r := range rates {
			e.Machines = append(e.Machines, calibrate.Machine{Rate: sim.MustRate(r)})
		}
		return e
	}
	for _, c := range []struct {
		e    *calibrate.Estimate
		want string
	}{
		{est(10, "6", "6", "6"), "A1"},
		{est(4, "6", "6", "6"), "B1"},
		{est(10, "6", "4", "2"), "A5"},
		{est(11, "6", "4", "2"), ""},
		{est(7, "6", "3", "2"), ""},
		{est(10, "2", "4", "6"), ""},
		{est(10, "6", "6"), ""},
	} {
		if got := builtinOf(c.e); got != c.want {
			t.Errorf("builtinOf(die %d, %d machines) = %q, want %q", c.e.Die.R, len(c.e.Machines), got, c.want)
		}
	}
}
