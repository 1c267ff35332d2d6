package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"desim/experiment"
	_ "desim/internal/golden" // registers -update for "go test ./... -update"
	"desim/internal/shell"
	"desim/scenarios"
)

// cliGrid is a small grid for the command's tests: 6 cells of 20 seeds of
// 10 s, the first axis setting two machines' rates.
const cliGrid = `name: cli
base: A3
duration: 10s
seeds: 20
vary:
  - field: machines[1,2].rate
    values: [0.5, 2, 6]
  - field: die
    values: [4, 10]
show: {metric: queue_slope, machine: 2}
`

// writeGrid writes a grid file into a new temporary directory.
func writeGrid(t *testing.T, content string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "cli.yaml")
	writeTestFile(t, f, content)
	return f
}

// TestGridsList: "desim grids" lists the built-in grids, one a line.
func TestGridsList(t *testing.T) {
	r := mustRun(t, "grids")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "NAME") {
		t.Fatalf("want a header and 3 grids:\n%s", r.stdout)
	}
	for k, name := range []string{"slow-machine", "two-slow", "ratio"} {
		if f := strings.Fields(lines[k+1]); len(f) == 0 || f[0] != name {
			t.Errorf("line %d: %q, want grid %s", k+2, lines[k+1], name)
		}
	}
	if !strings.Contains(lines[1], "264") || !strings.Contains(lines[3], "50") {
		t.Errorf("cell counts missing (slow-machine 264, ratio 50):\n%s", r.stdout)
	}
}

// TestGridsShow: "desim grids show NAME" prints a grid file that desim
// grid runs.
func TestGridsShow(t *testing.T) {
	r := mustRun(t, "grids", "show", "slow-machine")
	src, ok := experiment.GridSource("slow-machine")
	if !ok || r.stdout != string(src) {
		t.Fatalf("grids show printed something else than the built-in:\n%s", r.stdout)
	}
	f := filepath.Join(t.TempDir(), "slow.yaml")
	writeTestFile(t, f, r.stdout)
	run := mustRun(t, "grid", f, "--seeds", "2", "--duration", "5s", "--quiet")
	if !strings.HasPrefix(run.stdout, "grid slow-machine: ") || !strings.Contains(run.stdout, "264 cells") {
		t.Errorf("the shown grid does not run as slow-machine:\n%s", run.stdout)
	}
	if run.stderr != "" {
		t.Errorf("stderr with --quiet: %s", run.stderr)
	}
	for _, args := range [][]string{{"grids", "show", "nosuch"}, {"grids", "list"}, {"grids", "show"}} {
		if r := desim(args...); r.code != 2 || r.stdout != "" {
			t.Errorf("desim %s: exit %d, stdout %q; want 2 and nothing", strings.Join(args, " "), r.code, r.stdout)
		}
	}
}

// TestGridRefuses: bad grids and flags exit 2, naming the problem, and
// write nothing.
func TestGridRefuses(t *testing.T) {
	bad := writeGrid(t, "base: A3\nvary:\n  - field: speed\n    values: [3]\n")
	good := writeGrid(t, cliGrid)
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"bad grid file", []string{bad}, []string{bad + ":3: vary[0]: unknown field \"speed\""}},
		{"no such grid", []string{"nosuch"}, []string{"nosuch", "built-in grids: slow-machine, two-slow, ratio"}},
		{"no such cell", []string{good, "--cell", "999"}, []string{"no cell 999"}},
		{"negative cell", []string{good, "--cell", "-1"}, []string{"no cell -1"}},
		{"plot format", []string{good, "--plot", "fig.gif"}, []string{"gif"}},
		{"json and csv", []string{good, "--json", "--csv"}, []string{"--json and --csv"}},
		{"bad seeds", []string{good, "--seeds", "0"}, []string{"--seeds"}},
		{"bad duration", []string{good, "--duration", "ten"}, []string{"duration"}},
		{"bad shard", []string{good, "--shard", "2/2"}, []string{"2/2"}},
		{"no grid", nil, []string{"need one GRID"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.json")
			r := desim(append(append([]string{"grid"}, c.args...), "--quiet", "-o", out)...)
			sweepRefused(t, r, out, c.want...)
		})
	}
}

// TestGridCell: --cell N prints the scenario of cell N, which desim reads
// back, named after the grid and the cell.
func TestGridCell(t *testing.T) {
	f := writeGrid(t, cliGrid)
	r := mustRun(t, "grid", f, "--cell", "3")
	s, err := scenarios.Parse("cell.yaml", []byte(r.stdout))
	if err != nil {
		t.Fatalf("the cell does not parse: %v\n%s", err, r.stdout)
	}
	// Cell 3: the second rate (2) and the second die (10).
	if s.Name != "cli.3" || s.Die != 10 || s.Rates()[1] != 2 || s.Rates()[2] != 2 || s.Rates()[0] != 6 || s.Duration != 10*time.Second {
		t.Errorf("cell 3: name %q, die %d, rates %v, duration %v", s.Name, s.Die, s.Rates(), s.Duration)
	}
	// --duration applies to the cell.
	r = mustRun(t, "grid", f, "--cell", "0", "--duration", "3s")
	if s, err := scenarios.Parse("cell.yaml", []byte(r.stdout)); err != nil || s.Duration != 3*time.Second || s.Name != "cli.0" {
		t.Errorf("--cell 0 --duration 3s: %v, %+v", err, s)
	}
}

// TestGridShardMerge: the two shards of a grid, written to files and
// merged, give the bytes of the whole grid in every format.
func TestGridShardMerge(t *testing.T) {
	f := writeGrid(t, cliGrid)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	for k, out := range []string{a, b} {
		r := mustRun(t, "grid", f, "--shard", strconv.Itoa(k)+"/2", "-o", out, "--quiet")
		if r.stdout != "" {
			t.Errorf("with -o, stdout is not empty: %s", r.stdout)
		}
		st, err := experiment.ReadSweepState(out)
		if err != nil {
			t.Fatal(err)
		}
		if st.Grid == nil || st.Shard == nil || *st.Shard != (experiment.Shard{K: k, N: 2}) || !st.Complete {
			t.Errorf("%s: grid %v, shard %v, complete %v", out, st.Grid, st.Shard, st.Complete)
		}
	}
	for _, format := range []string{"--json", "--csv", ""} {
		t.Run("format "+format, func(t *testing.T) {
			grid, merge := []string{"grid", f, "--quiet"}, []string{"merge", a, b}
			if format != "" {
				grid, merge = append(grid, format), append(merge, format)
			}
			want := mustRun(t, grid...).stdout
			if got := mustRun(t, merge...).stdout; got != want {
				t.Errorf("merge differs from the whole grid: %s", sweepFirstDiff(want, got))
			}
		})
	}
	// A grid's shard does not merge with a sweep's.
	sweep := filepath.Join(dir, "sweep.json")
	mustRun(t, "sweep", "A3", "--seeds", "20", "--duration", "10s", "--shard", "1/2", "--quiet", "-o", sweep)
	out := filepath.Join(dir, "merged.json")
	sweepRefused(t, desim("merge", a, sweep, "-o", out), out, "not shards of one sweep")
}

// TestGridPlot: --plot writes the figure as well as the result.
func TestGridPlot(t *testing.T) {
	f := writeGrid(t, cliGrid)
	fig := filepath.Join(t.TempDir(), "grid.png")
	r := mustRun(t, "grid", f, "--plot", fig, "--quiet")
	if !strings.HasPrefix(r.stdout, "grid cli") {
		t.Errorf("no table on stdout:\n%s", r.stdout)
	}
	data, err := os.ReadFile(fig)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 800 {
		t.Errorf("figure of %dx%d pixels, want 1200x800", b.Dx(), b.Dy())
	}
}

// TestGridJSON: --json is a GridResult, agreement included.
func TestGridJSON(t *testing.T) {
	f := writeGrid(t, cliGrid)
	r := mustRun(t, "grid", f, "--json", "--quiet")
	var res experiment.GridResult
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("--json does not parse as a GridResult: %v\n%s", err, r.stdout)
	}
	if res.Grid != "cli" || res.Base != "A3" || res.DurationS != 10 || len(res.Axes) != 2 || len(res.Cells) != 6 || res.Seeds.To != 20 {
		t.Errorf("grid %q base %q duration %v, %d axes, %d cells, seeds %v", res.Grid, res.Base, res.DurationS, len(res.Axes), len(res.Cells), res.Seeds)
	}
	a := res.Agreement
	if a.Rule == "" || a.Target != experiment.AgreementTarget || a.Judged == 0 || a.Judged+a.Excluded != 6*3 || a.Agree > a.Judged ||
		a.Share != float64(a.Agree)/float64(a.Judged) || a.Misses == nil || len(a.Misses) != a.Judged-a.Agree {
		t.Errorf("agreement %+v", a)
	}
	// Every field of the agreement is written, misses too when there are
	// none.
	var doc struct {
		Agreement map[string]json.RawMessage `json:"agreement"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"rule", "judged", "agree", "share", "excluded", "target", "misses"} {
		if v, ok := doc.Agreement[k]; !ok || string(v) == "null" {
			t.Errorf("the agreement's %q is %s", k, v)
		}
	}
	for c, cell := range res.Cells {
		if len(cell.Loads) != 3 || len(cell.Drift) != 3 || len(cell.Values) != 2 || cell.Output.Runs != 20 {
			t.Errorf("cell %d: %+v", c, cell)
		}
	}
}

// TestGridReplay: each miss's replay command sweeps the cell as the grid
// ran it, even when --duration and --seeds replaced the grid file's.
func TestGridReplay(t *testing.T) {
	f := writeGrid(t, strings.Replace(cliGrid, "duration: 10s", "duration: 300s", 1))
	r := mustRun(t, "grid", f, "--json", "--quiet", "--seeds", "3", "--duration", "2s")
	var res experiment.GridResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Agreement.Misses) == 0 {
		t.Fatalf("no misses from 3 runs of 2 s: %+v", res.Agreement)
	}
	m := res.Agreement.Misses[0]
	gridCmd, sweepCmd, ok := strings.Cut(m.Replay, " | ")
	if !ok {
		t.Fatalf("replay %q is not a pipe", m.Replay)
	}
	if want := shell.Join([]string{"desim", "sweep", "-", "--seeds", "1-3"}); sweepCmd != want && !strings.HasPrefix(sweepCmd, want+" ") {
		t.Errorf("replay's sweep %q, want %q", sweepCmd, want)
	}
	args := strings.Fields(gridCmd)
	if len(args) < 5 || args[0] != "desim" || args[1] != "grid" || args[2] != f {
		t.Fatalf("replay's grid command %q", gridCmd)
	}
	cell := mustRun(t, args[1:]...)
	s, err := scenarios.Parse("cell.yaml", []byte(cell.stdout))
	if err != nil {
		t.Fatalf("%s: %v", gridCmd, err)
	}
	dur := s.Duration
	if strings.Contains(sweepCmd, "--duration 2s") {
		dur = 2 * time.Second
	}
	if want := "cli." + strconv.Itoa(m.Cell); s.Name != want || dur.Seconds() != res.DurationS {
		t.Errorf("%s replays %s over %v, but the grid ran %s over %v s", m.Replay, s.Name, dur, want, res.DurationS)
	}
}
