package experiment

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"desim/analysis"
	"desim/analysis/report"
	"desim/analysis/stats"
	"desim/scenarios"
)

// The scenarios Reproduce validates against real sockets, and how: 60 s of
// scenario time at speed 20 (3 s of wall time), one real run against 200
// simulated seeds.
var (
	ReproduceValidate = []string{"A3", "B2"}
	reproduceValidate = ValidateOptions{Real: RealOptions{Speed: 20}, RealRuns: 1, Seeds: DefaultValidateSeeds}
)

const reproduceValidateDuration = 60 * time.Second

// ReproduceOptions are the settings of Reproduce.
type ReproduceOptions struct {
	// Dir receives figures/<name>.png, REPORT.md, REPORT.html and
	// report.json.
	Dir string
	// Seeds is the number of seeds (1..Seeds) swept per scenario, at least
	// 2; Duration the virtual time of every run.
	Seeds    uint64
	Duration time.Duration
	// NoReal skips the validation against real sockets.
	NoReal bool
	// Workers runs seeds in parallel (0: one per CPU).
	Workers int
	// Launcher starts the real runs' machines (nil: in-process).
	Launcher Launcher
	// Status, if not nil, receives one line per step; Progress is handed
	// to the sweeps (see SweepOptions).
	Status   io.Writer
	Progress func(runs int)
	// Command is the command line that made the report, quoted in it.
	Command string
	// GridSeeds is the number of seeds (1..GridSeeds) every cell of the
	// built-in grids runs, 0 or at least 2; GridDuration the virtual time
	// of each of their runs. 0 keeps each grid's own (200 seeds of 300 s),
	// for which their agreement target is stated.
	GridSeeds    uint64
	GridDuration time.Duration
	// Family runs claim 2's fixed family (report.Family) instead of the
	// built-in grids: the report then has no phase diagrams and judges
	// claim 2b over the family.
	Family bool
	// Logs are recorded runs, one directory of machine-<i>.csv logs each
	// (desim's format or the original's), for the section "The original
	// implementation's runs": each calibrated on its own, validated
	// against its calibrated scenario and the built-in of its rates and
	// die, and drawn beside desim's seed 1 of the calibrated scenario.
	Logs []string
	// LogSeeds is the number of simulated seeds of those validations (0:
	// DefaultValidateSeeds).
	LogSeeds int
}

// Reproduce regenerates the paper's evidence and tells what holds: for
// every built-in scenario (with seed 1 and o.Duration) it draws the figure
// of seed 1, sweeps seeds 1..o.Seeds beside the mean-field prediction,
// runs every built-in grid (see ReproduceGrids) and draws its figure into
// figures/grid-<name>.png (or, with o.Family, runs claim 2's family
// instead), validates the simulator against real sockets on
// ReproduceValidate (unless o.NoReal), calibrates and validates each
// recorded run of o.Logs, writing its calibrated scenario into
// calibrated/<run>.yaml and its figures into figures/logs-<run>.png and
// figures/logs-<run>-desim.png (<run> its directory's base name, made
// unique), and writes the report (see package report) into o.Dir, all
// files or none. Bad logs are bad input, found before anything runs.
func Reproduce(ctx context.Context, o ReproduceOptions) (*report.Report, error) {
	if o.Seeds < 2 {
		return nil, Inputf("%d seeds: need at least 2 for confidence intervals", o.Seeds)
	}
	if o.Duration <= 0 {
		return nil, Inputf("duration %s is not positive", o.Duration)
	}
	logSeeds := o.LogSeeds
	if logSeeds == 0 {
		logSeeds = DefaultValidateSeeds
	}
	if logSeeds < 2 || logSeeds > 1_000_000 {
		return nil, Inputf("%d log seeds: need 2..1000000 simulated seeds to validate a recorded run against", o.LogSeeds)
	}
	logs, err := readReproduceLogs(o.Logs)
	if err != nil {
		return nil, err
	}
	say := func(format string, args ...any) {
		if o.Status != nil {
			fmt.Fprintf(o.Status, format, args...)
		}
	}
	var grids []*Grid
	if !o.Family {
		if grids, err = ReproduceGrids(o); err != nil {
			return nil, err
		}
	}
	var scs []*scenarios.Scenario
	seed := uint64(1)
	for _, n := range scenarios.Names() {
		s, err := Load(n, Overrides{Seed: &seed, Duration: o.Duration})
		if err != nil {
			return nil, err
		}
		scs = append(scs, s)
	}
	var set OutputSet
	defer set.Abort()
	if err := os.MkdirAll(filepath.Join(o.Dir, "figures"), 0o755); err != nil {
		return nil, err
	}
	dur := o.Duration.String()
	if d := scenarios.FormatDuration(o.Duration); d != "" {
		dur = d
	}

	say("desim reproduce: figures of seed 1 (%d scenarios)\n", len(scs))
	figures := map[string][]byte{}
	in := report.Input{Seeds: stats.SeedRange{From: 1, To: o.Seeds}, Duration: dur, Command: o.Command}
	for _, s := range scs {
		res, err := Simulate(ctx, s, Options{Records: true})
		if err != nil {
			return nil, err
		}
		png, err := RenderFigure(FigureOf(s, res.Records), "png")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name, err)
		}
		rel := "figures/" + s.Name + ".png"
		figures[rel] = png
		if err := set.Write(filepath.Join(o.Dir, filepath.FromSlash(rel)), png); err != nil {
			return nil, err
		}
		in.Scenarios = append(in.Scenarios, report.ScenarioInput{
			Scenario: s, Figure: rel,
			FigureCommand: fmt.Sprintf("desim run %s --seed 1 --duration %s --plot", s.Name, dur),
			Predict:       analysis.Predict(s.EffectiveRates(), s.Die),
		})
	}

	say("desim reproduce: sweeping seeds 1-%d of %d scenarios\n", o.Seeds, len(scs))
	for i, s := range scs {
		st := NewSweepScenario(s)
		if err := Sweep(ctx, st, 1, o.Seeds, SweepOptions{Workers: o.Workers, Progress: o.Progress}); err != nil {
			return nil, err
		}
		in.Scenarios[i].Sweep = stats.Summarize(s, st.Stats, in.Seeds)
		probe, err := RunProbe(ctx, s, in.Seeds, report.QueueBound, o.Workers)
		if err != nil {
			return nil, err
		}
		in.Scenarios[i].Probe = probe
	}
	for _, g := range grids {
		say("desim reproduce: grid %s, %d cells of %d seeds\n", g.Name, g.NumCells(), g.Seeds.Count())
		st, err := NewGridState(g, nil)
		if err != nil {
			return nil, err
		}
		if _, err := st.Run(ctx, SweepOptions{Workers: o.Workers, Progress: o.Progress}); err != nil {
			return nil, err
		}
		res, err := GridResultOf(st)
		if err != nil {
			return nil, err
		}
		png, err := RenderGridFigure(res, "png")
		if err != nil {
			return nil, fmt.Errorf("grid %s: %w", g.Name, err)
		}
		rel := "figures/grid-" + g.Name + ".png"
		figures[rel] = png
		if err := set.Write(filepath.Join(o.Dir, filepath.FromSlash(rel)), png); err != nil {
			return nil, err
		}
		gi, err := gridReportInput(res, rel)
		if err != nil {
			return nil, err
		}
		in.Grids = append(in.Grids, gi)
	}
	if o.Family {
		say("desim reproduce: claim 2's family, %d scenarios of %d seeds\n", len(report.Family()), report.FamilySeeds)
		for _, s := range report.Family() {
			probe, err := RunProbe(ctx, s, stats.SeedRange{From: 1, To: report.FamilySeeds}, report.QueueBound, o.Workers)
			if err != nil {
				return nil, err
			}
			in.Family = append(in.Family, report.FamilyInput{Scenario: s, Probe: probe})
		}
	}

	if o.NoReal {
		in.ValidationNote = "Skipped (--no-real). Run \"desim reproduce\" without --no-real, or \"desim validate A3\", to compare the simulator with real sockets."
	} else {
		for _, name := range ReproduceValidate {
			say("desim reproduce: validating %s against real sockets\n", name)
			s, err := Load(name, Overrides{Duration: reproduceValidateDuration})
			if err != nil {
				return nil, err
			}
			v, err := validateOnBusyHost(ctx, name, s, o.Launcher, say, Validate)
			if err != nil {
				return nil, fmt.Errorf("validating %s: %w", name, err)
			}
			in.Validation = append(in.Validation, v)
		}
	}

	for _, l := range logs {
		say("desim reproduce: recorded run %s, calibrated and validated against %d simulated seeds\n", l.dir, logSeeds)
		li, err := l.reportInput(ctx, logSeeds, o.Dir, &set, figures)
		if err != nil {
			return nil, err
		}
		in.Logs = append(in.Logs, li)
	}

	r := report.Build(in)
	for path, data := range r.Files() { // the claim's counter-examples, claim2/*.yaml
		if err := os.MkdirAll(filepath.Dir(filepath.Join(o.Dir, filepath.FromSlash(path))), 0o755); err != nil {
			return nil, err
		}
		if err := set.Write(filepath.Join(o.Dir, filepath.FromSlash(path)), data); err != nil {
			return nil, err
		}
	}
	html, err := r.HTML(figures)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{"REPORT.md", r.Markdown()}, {"report.json", r.JSON()}, {"REPORT.html", html}} {
		if err := set.Write(filepath.Join(o.Dir, f.name), f.data); err != nil {
			return nil, err
		}
	}
	if err := set.Commit(); err != nil {
		return nil, err
	}
	return r, nil
}

// validateOnBusyHost validates s against real sockets. A validation that
// fails while a real run overran (the host stalled the machines, which says
// nothing about the model) is tried again, at most twice, the second time
// at half the speed; if it still overruns, its verdict is INCONCLUSIVE
// (report.ValidationInput.Verdict).
func validateOnBusyHost(ctx context.Context, name string, s *scenarios.Scenario, launcher Launcher, say func(string, ...any),
	validate func(context.Context, *scenarios.Scenario, ValidateOptions) (*Validation, error)) (report.ValidationInput, error) {
	vo := reproduceValidate
	vo.Real.Launcher = launcher
	var in report.ValidationInput
	for attempt := 1; attempt <= 3; attempt++ {
		if attempt == 3 {
			vo.Real.Speed /= 2
		}
		v, err := validate(ctx, s, vo)
		in = report.ValidationInput{Scenario: name, Attempts: attempt,
			Command: fmt.Sprintf("desim validate %s --duration %s --speed %s --seeds %d --real-runs %d",
				name, scenarios.FormatDuration(s.Duration), FormatSpeed(vo.Real.Speed), vo.Seeds, vo.RealRuns)}
		if err != nil {
			return in, err
		}
		in.RealSeeds, in.SimSeeds, in.Result, in.Stalls = v.RealSeeds, v.SimSeeds, v.Result, len(v.Result.Overruns)
		if v.Passed() || len(v.Result.Overruns) == 0 {
			return in, nil
		}
		if attempt < 3 {
			say("desim reproduce: %s overran %d time(s) on this host; trying again\n", name, len(v.Result.Overruns))
		}
	}
	return in, nil
}
