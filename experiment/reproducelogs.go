package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"desim/analysis"
	"desim/analysis/calibrate"
	"desim/analysis/report"
	"desim/internal/shell"
	"desim/scenarios"
)

// WriteText writes the validation as "desim validate --logs" prints it: a
// line saying what was judged against what, then the comparisons and the
// verdict (stats.Validation.WriteText).
func (v *LogsValidation) WriteText(w io.Writer) {
	fmt.Fprintf(w, "validate %s: %d recorded run(s) against %d simulated seeds (%d..%d), %s of scenario time each (the recorded runs')\n\n",
		v.Scenario.Name, len(v.Runs), v.SimSeeds.Count(), v.SimSeeds.From, v.SimSeeds.To, scenarios.FormatDuration(v.Scenario.Duration))
	v.Result.WriteText(w)
}

// reproduceLog is a recorded run of ReproduceOptions.Logs as Reproduce
// reads it before anything is simulated: its logs, its calibration, the
// calibrated scenario and the built-in of the same rates and die.
type reproduceLog struct {
	dir, run string
	rec      *Recorded
	est      *calibrate.Estimate
	// yaml is the calibrated scenario file, path its path relative to the
	// report, and scenario the scenario parsed back from it.
	yaml     []byte
	path     string
	scenario *scenarios.Scenario
	// builtin is the built-in scenario's name, "" when none matches.
	builtin string
}

// The paths of a recorded run's files in the report, run being its name.
func logsCalibratedPath(run string) string  { return "calibrated/" + run + ".yaml" }
func logsFigurePath(run string) string      { return "figures/logs-" + run + ".png" }
func logsDesimFigurePath(run string) string { return "figures/logs-" + run + "-desim.png" }

// readReproduceLogs reads and calibrates each run directory of dirs, in
// order, so that bad logs fail Reproduce before it sweeps anything. Each
// run is named after its directory's base name, made a file name
// ([A-Za-z0-9._-]) and unique, even on a file system that ignores case,
// with "-2", "-3"... where two would write the same file.
func readReproduceLogs(dirs []string) ([]*reproduceLog, error) {
	var out []*reproduceLog
	taken := map[string]bool{}
	for _, dir := range dirs {
		st, err := os.Stat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, Inputf("recorded run %s: no such directory", dir)
		case err != nil:
			return nil, Input(err)
		case !st.IsDir():
			return nil, Inputf("recorded run %s: not a directory (a run is a directory of machine-<i>.csv logs)", dir)
		}
		l := &reproduceLog{dir: dir, run: uniqueRun(runName(dir), taken)}
		if l.rec, err = ReadRun(dir); err != nil {
			return nil, err
		}
		if l.est, err = calibrate.Fit([]*analysis.Log{l.rec.Log}, calibrate.Options{}); err != nil {
			return nil, Input(err)
		}
		l.path = logsCalibratedPath(l.run)
		l.yaml = l.est.YAML(l.run + "-calibrated")
		if l.scenario, err = scenarios.Parse(l.path, l.yaml); err != nil {
			return nil, fmt.Errorf("recorded run %s: the calibrated scenario does not read back: %w", dir, err)
		}
		l.builtin = builtinOf(l.est)
		out = append(out, l)
	}
	return out, nil
}

// runName is a run directory's base name as a file name: characters
// outside [A-Za-z0-9._-] become '-' and leading dots go; a name without a
// letter or digit becomes "run".
func runName(dir string) string {
	base := filepath.Base(filepath.Clean(dir))
	if base == "." || base == ".." || base == string(filepath.Separator) {
		if abs, err := filepath.Abs(dir); err == nil {
			base = filepath.Base(abs)
		}
	}
	var b strings.Builder
	for _, c := range base {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	name := strings.TrimLeft(b.String(), ".")
	if !strings.ContainsFunc(name, func(c rune) bool { return c != '.' && c != '_' && c != '-' }) {
		return "run" // no letter or digit: "/", "-"
	}
	return name
}

// uniqueRun returns name, or name-2, name-3... the first whose files
// (calibrated scenario and figures) none of taken's has, compared without
// case, and marks them taken.
func uniqueRun(name string, taken map[string]bool) string {
	files := func(n string) []string {
		return []string{strings.ToLower(logsCalibratedPath(n)), strings.ToLower(logsFigurePath(n)), strings.ToLower(logsDesimFigurePath(n))}
	}
	run := name
	for k := 2; slices.ContainsFunc(files(run), func(f string) bool { return taken[f] }); k++ {
		run = name + "-" + strconv.Itoa(k)
	}
	for _, f := range files(run) {
		taken[f] = true
	}
	return run
}

// builtinOf returns the first built-in scenario (scenarios.Names' order)
// with e's nominal rates, machine by machine, and its maximum-likelihood
// die, "" when none has them.
func builtinOf(e *calibrate.Estimate) string {
	for _, n := range scenarios.Names() {
		s, err := scenarios.Builtin(n)
		if err != nil || s.Die != e.Die.R || len(s.Machines) != len(e.Machines) {
			continue
		}
		same := true
		for i, m := range s.Machines {
			same = same && m.Rate == e.Machines[i].Rate
		}
		if same {
			return n
		}
	}
	return ""
}

// reportInput validates the run against its calibrated scenario and the
// built-in (seeds simulated seeds each), draws its figure and desim's
// seed 1 of the calibrated scenario, and writes the scenario file and the
// figures into set under dir (figures[path] gets each PNG, for the HTML
// page).
func (l *reproduceLog) reportInput(ctx context.Context, seeds int, dir string, set *OutputSet, figures map[string][]byte) (report.LogsInput, error) {
	in := report.LogsInput{
		Run: l.run, Dir: l.dir, Estimate: l.est, Calibrated: l.path, Scenario: l.scenario.Name,
		CalibrateCommand:   shell.Join([]string{"desim", "calibrate", l.dir, "--name", l.scenario.Name, "-o", l.path}),
		Figure:             logsFigurePath(l.run),
		FigureCommand:      shell.Join([]string{"desim", "plot", l.dir, "-o", "logs-" + l.run + ".png"}),
		DesimFigure:        logsDesimFigurePath(l.run),
		DesimFigureCommand: shell.Join([]string{"desim", "run", l.path, "--seed", strconv.FormatUint(l.scenario.Seed, 10), "--plot"}),
		Recorded:           report.FactsOf(l.rec.Log.Machines),
	}
	for _, sub := range []string{"calibrated", "figures"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return in, err
		}
	}
	if err := set.Write(filepath.Join(dir, filepath.FromSlash(l.path)), l.yaml); err != nil {
		return in, err
	}
	validate := func(s *scenarios.Scenario, arg string) (report.LogsValidationInput, error) {
		v, err := ValidateRecorded(ctx, []string{l.dir}, []*analysis.Log{l.rec.Log}, s, seeds)
		if err != nil {
			return report.LogsValidationInput{}, fmt.Errorf("recorded run %s against %s: %w", l.dir, arg, err)
		}
		var text strings.Builder
		v.WriteText(&text)
		return report.LogsValidationInput{Scenario: s.Name, SimSeeds: v.SimSeeds, Result: v.Result, Text: text.String(),
			Command: shell.Join([]string{"desim", "validate", "--logs", l.dir, arg, "--seeds", strconv.Itoa(seeds)})}, nil
	}
	var err error
	if in.Validation, err = validate(l.scenario, l.path); err != nil {
		return in, err
	}
	if l.builtin != "" {
		s, err := scenarios.Builtin(l.builtin)
		if err != nil {
			return in, err
		}
		b, err := validate(s, l.builtin)
		if err != nil {
			return in, err
		}
		in.Builtin = &b
	}

	png, err := RenderFigure(l.rec.Figure(), "png")
	if err != nil {
		return in, fmt.Errorf("recorded run %s: %w", l.dir, err)
	}
	res, err := Simulate(ctx, l.scenario, Options{Records: true})
	if err != nil {
		return in, err
	}
	in.Simulated = report.FactsOf(res.Records)
	desim, err := RenderFigure(FigureOf(l.scenario, res.Records), "png")
	if err != nil {
		return in, fmt.Errorf("%s: %w", l.scenario.Name, err)
	}
	for path, data := range map[string][]byte{in.Figure: png, in.DesimFigure: desim} {
		figures[path] = data
		if err := set.Write(filepath.Join(dir, filepath.FromSlash(path)), data); err != nil {
			return in, err
		}
	}
	return in, nil
}
