package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"desim/analysis/report"
	"desim/experiment"
	"desim/scenarios"
)

// TestReproduce runs "desim reproduce" with few seeds and a short duration
// and checks the report: every file, section and claim, and the JSON's
// numbers in the Markdown; with three recorded runs, one of which fails
// against its calibrated scenario, so that the report is written and
// desim reproduce exits 1.
func TestReproduce(t *testing.T) {
	dir := t.TempDir()
	// Two of the original's runs: A1, which the plain built-in A1 fails,
	// and C1, whose rates and die no built-in has; and A1 with machine 0's
	// clock jumping by 5 once, which its calibrated scenario fails (its
	// final clock and jumps, exact in every simulated run).
	original := filepath.Join("..", "..", "analysis", "calibrate", "testdata", "original")
	a1, c1, bad := filepath.Join(original, "A1"), filepath.Join(original, "C1"), jumpedRun(t, filepath.Join(original, "A1"))
	args := []string{"reproduce", "--seeds", "20", "--duration", "60s", "--grid-seeds", "3", "--grid-duration", "5s", "--no-real", "--quiet", "--out", dir,
		"--logs", a1 + "," + c1, "--logs", bad, "--log-seeds", "200"}
	r := desim(args...)
	// The report is written, and the run that fails against its
	// calibrated scenario fails it.
	if want := "desim reproduce: recorded run A1-2 FAILS against its calibrated scenario calibrated/A1-2.yaml: 3 of 39 comparisons rejected: see the report"; r.code != exitFailure || !strings.Contains(r.stderr, want) {
		t.Fatalf("desim %s: exit %d, want 1 and %q\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, want, r.stdout, r.stderr)
	}
	for _, id := range []string{"1 ", "2a", "2b", "3a", "3b", "4 "} {
		if !strings.Contains(r.stdout, "claim "+id) {
			t.Errorf("stdout lacks claim %s:\n%s", id, r.stdout)
		}
	}
	figs := scenarios.Names()
	for _, g := range experiment.GridNames() {
		figs = append(figs, "grid-"+g)
	}
	for _, n := range figs {
		png, err := os.ReadFile(filepath.Join(dir, "figures", n+".png"))
		if err != nil || len(png) < 1000 || string(png[1:4]) != "PNG" {
			t.Errorf("figures/%s.png: %d bytes, %v", n, len(png), err)
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, "REPORT.md"))
	if err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(dir, "REPORT.html"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep report.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report.json does not parse: %v", err)
	}
	if len(rep.Scenarios) != len(scenarios.Names()) || len(rep.Claims) != 6 {
		t.Fatalf("report.json: %d scenarios, %d claims", len(rep.Scenarios), len(rep.Claims))
	}
	if len(rep.Grids) != len(experiment.GridNames()) {
		t.Fatalf("report.json: %d grids, want %d", len(rep.Grids), len(experiment.GridNames()))
	}
	var judged []string
	for k, g := range rep.Grids {
		if g.Name != experiment.GridNames()[k] {
			t.Fatalf("grid %d is %s, want %s", k, g.Name, experiment.GridNames()[k])
		}
		if !strings.Contains(string(md), "### "+g.Name+"\n") || !strings.Contains(string(md), "](figures/grid-"+g.Name+".png)") ||
			!strings.Contains(string(md), "`desim grid "+g.Name+" --seeds 3 --duration 5s --plot grid-"+g.Name+".png`") ||
			!strings.Contains(string(md), "**Agreement with the theory: "+g.Agreement.Summary()+".**") {
			t.Errorf("REPORT.md lacks the section of grid %s, its figure, its command or its agreement", g.Name)
		}
		// The agreement is computed: it covers every machine of every
		// cell, its misses are the machines whose verdict is not ρ ≥ 1.
		a := g.Agreement
		if a.Judged+a.Excluded != 3*g.Cells || a.Judged-a.Agree != len(a.Misses) || a.Share != float64(a.Agree)/float64(a.Judged) || a.Target != 0.98 {
			t.Errorf("grid %s: %d judged + %d left out of %d machines, %d agree, %d misses, share %g", g.Name, a.Judged, a.Excluded, 3*g.Cells, a.Agree, len(a.Misses), a.Share)
		}
		for _, m := range a.Misses {
			agrees := m.Class != report.Undetermined && (m.Class == report.Drifts) == (m.Load >= 1)
			if math.Abs(m.Load-1) <= a.Band || agrees || !strings.HasSuffix(m.Replay, " | desim sweep - --seeds 1-3") {
				t.Errorf("grid %s: miss %+v", g.Name, m)
			}
		}
		if len(g.Cases) == 0 || g.Cases[0].Slope != report.SlopeWholeRun || !strings.HasPrefix(g.Cases[0].Replay, "desim grid "+g.Name+" --duration 5s --cell ") {
			t.Errorf("grid %s: claim 2b's cases %+v", g.Name, g.Cases)
		}
		judged = append(judged, fmt.Sprintf("%s (%d cells, seeds 1–3 of 5s)", g.Name, g.Cells))
	}
	for _, c := range rep.Claims {
		if c.ID == "2b" && !strings.Contains(c.Judged, "built-in grids "+judged[0]+", "+judged[1]+" and "+judged[2]) {
			t.Errorf("claim 2b judged on %q, want the grids %q", c.Judged, judged)
		}
	}
	for _, want := range []string{"## Overview", "## The paper's claims", "## The B2/B3 caption discrepancy", "## Scenarios", "## Phase diagrams", "## Real sockets against the simulator",
		"--grid-seeds 3 --grid-duration 5s --no-real"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("REPORT.md lacks %q", want)
		}
	}
	for _, c := range rep.Claims {
		if !strings.Contains(string(md), "### Claim "+c.ID+": ") || !strings.Contains(string(md), "**Verdict: "+strings.ToUpper(string(c.Verdict))+".**") {
			t.Errorf("REPORT.md lacks claim %s or its verdict %s", c.ID, c.Verdict)
		}
		if !strings.Contains(string(html), "Claim "+c.ID+":") {
			t.Errorf("REPORT.html lacks claim %s", c.ID)
		}
	}
	for _, s := range rep.Scenarios {
		if !strings.Contains(string(md), "### "+s.Name+"\n") || !strings.Contains(string(md), "![") {
			t.Errorf("REPORT.md lacks the section of %s", s.Name)
		}
		if s.Runs != 20 {
			t.Errorf("%s: %d runs, want 20", s.Name, s.Runs)
		}
		for _, m := range s.Machines {
			// The overview row of each machine shows the JSON's numbers.
			row := "| " + s.Name + " | " + strings.Join(s.Rates, ", ") + " | "
			cs := fmtCIForTest(m.ClockSlope, m.ClockSlopeCI95)
			qs := fmtCIForTest(m.QueueSlope, m.QueueSlopeCI95)
			found := false
			for _, line := range strings.Split(string(md), "\n") {
				if strings.HasPrefix(line, row) && strings.Contains(line, cs) && strings.Contains(line, qs) {
					found = true
				}
			}
			if !found {
				t.Errorf("REPORT.md has no overview row of %s machine %d with clock slope %s and queue slope %s", s.Name, m.ID, cs, qs)
			}
		}
	}
	if !strings.Contains(string(html), "data:image/png;base64,") {
		t.Error("REPORT.html does not inline its figures")
	}
	checkReproduceLogs(t, dir, rep, r.stdout, string(md), string(html), a1, c1, bad)
	// Nothing else is left in the directories (no temporary files).
	for _, d := range []string{dir, filepath.Join(dir, "figures"), filepath.Join(dir, "calibrated")} {
		entries, err := os.ReadDir(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				t.Errorf("%s: temporary file %s left behind", d, e.Name())
			}
		}
	}
}

// jumpedRun copies the recorded run in dir to a directory of the same
// name, with machine 0's logical clock 4 ahead from its 100th tick on: a
// jump of 5 that no run of the model makes on A1's equal machines.
func jumpedRun(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), filepath.Base(dir))
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		name := fmt.Sprintf("machine-%d.csv", i)
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(data), "\n")
		for k := 99; i == 0 && k < len(lines) && lines[k] != ""; k++ {
			j := strings.LastIndexByte(lines[k], ',')
			clock, err := strconv.Atoi(strings.TrimSpace(lines[k][j+1:]))
			if err != nil {
				t.Fatalf("%s:%d: %v", name, k+1, err)
			}
			lines[k] = lines[k][:j+1] + strconv.Itoa(clock+4) + "\n"
		}
		if err := os.WriteFile(filepath.Join(out, name), []byte(strings.Join(lines, "")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// checkReproduceLogs checks the section of the recorded runs a1, c1 and
// bad in a report made in dir: A1 passes against its calibrated scenario
// and fails against the plain built-in A1 on its clock slopes, which does
// not fail the report; no built-in has C1's rates and die; bad, named
// A1-2 beside A1, fails against its calibrated scenario, which fails the
// report. Each run's calibrated scenario is a scenario file and its two
// figures are PNGs.
func checkReproduceLogs(t *testing.T, dir string, rep report.Report, stdout, md, html, a1, c1, bad string) {
	t.Helper()
	for _, want := range []string{
		"recorded run A1: calibrated PASS, plain built-in A1 FAIL (expected without a timing model)\n",
		"recorded run C1: calibrated PASS, no built-in of its rates and die\n",
		"recorded run A1-2: calibrated FAIL, plain built-in A1 FAIL (expected without a timing model)\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if len(rep.Logs) != 3 || rep.Logs[0].Run != "A1" || rep.Logs[1].Run != "C1" || rep.Logs[2].Run != "A1-2" {
		t.Fatalf("report.json: recorded runs %+v, want A1, C1 and A1-2", rep.Logs)
	}
	l1, l3, l2 := rep.Logs[0], rep.Logs[1], rep.Logs[2]
	if l2.Validation.Passed || !slices.Equal(l2.Validation.Rejected, []string{"machine 0 final_clock", "machine 0 mean_jump", "machine 0 max_jump"}) || l2.Dir != bad {
		t.Errorf("report.json's A1-2: %+v", l2.Validation)
	}
	if !l1.Validation.Passed || l1.Validation.Comparisons != 39 || l1.Builtin == nil || l1.Builtin.Scenario != "A1" || l1.Builtin.Passed ||
		!slices.Contains(l1.Builtin.Rejected, "machine 0 clock_slope") || l1.Builtin.SimSeeds.Count() != 200 || l1.Dir != a1 ||
		!slices.Equal(l1.Estimate.Rates, []string{"6", "6", "6"}) || l1.Estimate.Die != 10 || l1.Estimate.DieLo > 10 || l1.Estimate.DieHi < 10 {
		t.Errorf("report.json's A1: %+v, built-in %+v", l1, l1.Builtin)
	}
	if !l3.Validation.Passed || l3.Builtin != nil || !strings.Contains(l3.BuiltinNote, "No built-in scenario has rates 6, 3, 2 c/s and die 7") ||
		l3.Estimate.Die != 7 || l3.Estimate.DieLo > 6 {
		t.Errorf("report.json's C1: %+v", l3)
	}
	if fs := rep.Failures(); len(fs) != 1 || !strings.HasPrefix(fs[0], "recorded run A1-2 FAILS") {
		t.Errorf("the report fails with %q, want A1-2 alone", fs)
	}
	for _, l := range rep.Logs {
		s, err := scenarios.Load(filepath.Join(dir, filepath.FromSlash(l.Calibrated)))
		if err != nil || l.Calibrated != "calibrated/"+l.Run+".yaml" || s.Name != l.Scenario || s.Die != l.Estimate.Die || !s.Timed() {
			t.Errorf("%s: %v", l.Calibrated, err)
		}
		for _, f := range []string{l.Figure, l.DesimFigure} {
			png, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
			if err != nil || len(png) < 1000 || string(png[1:4]) != "PNG" {
				t.Errorf("%s: %d bytes, %v", f, len(png), err)
			}
		}
		if l.Figure != "figures/logs-"+l.Run+".png" || l.DesimFigure != "figures/logs-"+l.Run+"-desim.png" {
			t.Errorf("%s's figures %s and %s", l.Run, l.Figure, l.DesimFigure)
		}
		for _, want := range []string{"### " + l.Run + "\n", "](" + l.Figure + ") ![", "`" + l.Validation.Command + "`", "`" + l.CalibrateCommand + "`"} {
			if !strings.Contains(md, want) {
				t.Errorf("REPORT.md lacks %q", want)
			}
		}
		if !strings.Contains(html, `<h3 id="logs-`+l.Run+`">`+l.Run+`</h3>`) || !strings.Contains(html, `<a href="#logs-`+l.Run+`">`+l.Run+`: `+l.Validation.Verdict+`</a>`) {
			t.Errorf("REPORT.html lacks %s's section or its entry in the contents", l.Run)
		}
	}
	for _, want := range []string{"## The original implementation's runs", "--logs " + a1 + " --logs " + c1 + " --logs " + bad + " --log-seeds 200",
		"**Against the calibrated scenario A1-2-calibrated: FAIL: 3 of 39 comparisons rejected (machine 0 final\\_clock, machine 0 mean\\_jump, machine 0 max\\_jump).**"} {
		if !strings.Contains(md, want) {
			t.Errorf("REPORT.md lacks %q", want)
		}
	}
	if !strings.Contains(md, "**Against the plain built-in A1: FAIL: 6 of 39 comparisons rejected (machine 0 clock\\_slope, machine 0 drift,") {
		t.Error("REPORT.md does not say which comparisons the plain built-in A1 fails")
	}
	if n := strings.Count(html, `<div class="figrow"><figure>`); n != 3 {
		t.Errorf("REPORT.html has %d rows of figures, want one per recorded run", n)
	}
}

func fmtCIForTest(m, c float64) string {
	f := func(x float64) string {
		s := strconvFormat(x)
		if s == "-0.000" {
			return "0.000"
		}
		return s
	}
	return f(m) + " ± " + f(c)
}

func TestReproduceBadFlags(t *testing.T) {
	// In a directory of its own: a flag wrongly accepted would write the
	// report to out/reproduce.
	t.Chdir(t.TempDir())
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"reproduce", "extra"}, "takes no arguments"},
		{[]string{"reproduce", "--seeds", "1"}, "1 seeds: need at least 2"},
		{[]string{"reproduce", "--seeds", "-1"}, `invalid argument "-1" for "--seeds"`},
		{[]string{"reproduce", "--duration", "0s"}, `--duration "0s" is not a positive duration`},
		{[]string{"reproduce", "--duration", "abc"}, `--duration "abc"`},
		{[]string{"reproduce", "--workers", "-1"}, "--workers -1: need at least 1 (or 0 for one per CPU)"},
		{[]string{"reproduce", "--grid-seeds", "1"}, "1 grid seeds: need at least 2"},
		{[]string{"reproduce", "--grid-duration", "0s"}, `--grid-duration "0s" is not a positive duration`},
		{[]string{"reproduce", "--no-rael"}, "unknown flag: --no-rael"},
	} {
		r := desim(c.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("desim %s: exit %d, stderr %q; want 2 and %q", strings.Join(c.args, " "), r.code, r.stderr, c.want)
		}
		noPanic(t, "stderr", r.stderr)
	}
	if _, err := os.Stat("out"); !os.IsNotExist(err) {
		t.Errorf("bad flags wrote out/ (stat: %v)", err)
	}
}

func strconvFormat(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) }
