package report

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"desim/analysis"
	"desim/analysis/calibrate"
	"desim/analysis/stats"
	"desim/sim"
)

// logsValidationOf returns a validation of one recorded run whose clock
// slopes lie at real (every simulated seed at 6, an exact comparison) and
// whose receives lie inside a spread.
func logsValidationOf(name string, real float64) LogsValidationInput {
	exact := stats.NewBand([]float64{6, 6, 6})
	spread := stats.NewBand(slices.Repeat([]float64{1, 2, 3}, 1000))
	v := &stats.Validation{Seeds: 3000, Fastest: 6}
	for m := range 2 {
		v.Comparisons = append(v.Comparisons,
			stats.Comparison{Machine: m, Metric: analysis.Receives, Real: []float64{2}, Band: spread, Res: 1},
			stats.Comparison{Machine: m, Metric: analysis.ClockSlope, Real: []float64{real}, Band: exact, Res: 0.006})
	}
	return LogsValidationInput{Scenario: name, Command: "desim validate --logs logs/X " + name + " --seeds 3000",
		SimSeeds: stats.SeedRange{From: 1, To: 3000}, Result: v, Text: "validate " + name + ": the table\n"}
}

// logsInput returns a recorded run of two machines, 6 and 3 c/s, die R̂
// 7: its clock slopes lie at calibrated against its calibrated scenario
// (6 passes), at 5.99 against the built-in (when builtin), which fails.
func logsInput(run string, calibrated float64, builtin bool) LogsInput {
	e := &calibrate.Estimate{
		Runs: []calibrate.Run{{Span: 72.9341}},
		Machines: []calibrate.Machine{
			{Rate: sim.MustRate("6"), Ticks: 438, Overshoot: calibrate.Overshoot{Mean: 230.4e-6, SE: 4e-6}},
			{Rate: sim.MustRate("3"), Ticks: 219, Overshoot: calibrate.Overshoot{Mean: 209e-6, SE: 5.02e-6}, Start: 2.4e-3},
		},
		Die:      calibrate.Die{N: 2, R: 7, Lo: 6, Hi: 8, Sends: 100, Free: 350},
		Duration: 73 * time.Second,
	}
	in := LogsInput{
		Run: run, Dir: "logs/" + run, Estimate: e, Calibrated: "calibrated/" + run + ".yaml", Scenario: run + "-calibrated",
		CalibrateCommand: "desim calibrate logs/" + run + " --name " + run + "-calibrated -o calibrated/" + run + ".yaml",
		Validation:       logsValidationOf(run+"-calibrated", calibrated),
		Figure:           "figures/logs-" + run + ".png", FigureCommand: "desim plot logs/" + run + " -o logs-" + run + ".png",
		DesimFigure: "figures/logs-" + run + "-desim.png", DesimFigureCommand: "desim run calibrated/" + run + ".yaml --seed 1 --plot",
		Recorded:  PlotFacts{End: 72.93, Clocks: []int64{438, 430}, MaxQueues: []int64{1, 16}},
		Simulated: PlotFacts{End: 72.96, Clocks: []int64{438, 431}, MaxQueues: []int64{2, 14}},
	}
	if builtin {
		b := logsValidationOf("B9", 5.99)
		in.Builtin = &b
	}
	return in
}

// TestLogsSection: the recorded runs render in Markdown, HTML and JSON,
// each with its estimates, both validations (or the note that no built-in
// matches), its two figures side by side with alt text, and the commands
// of each step.
func TestLogsSection(t *testing.T) {
	in := Input{
		Seeds: stats.SeedRange{From: 1, To: 100}, Duration: "60s", Command: "desim reproduce --logs logs/A1 --logs logs/C1",
		Scenarios:      []ScenarioInput{input(t, "A3", fast, fast, drifty)},
		ValidationNote: "Skipped.",
		Logs:           []LogsInput{logsInput("A1", 6, true), logsInput("C1", 6, false)},
	}
	in.Scenarios[0].Figure = "figures/A3.png"
	r := Build(in)
	md := string(r.Markdown())
	for _, want := range []string{
		"## The original implementation's runs\n", "### A1\n", "### C1\n",
		"Recorded run `logs/A1`: 2 machines, 72.934 s from the earliest first tick to the latest tick. Calibrated to [calibrated/A1.yaml](calibrated/A1.yaml) (scenario A1-calibrated): `desim calibrate logs/A1 --name A1-calibrated -o calibrated/A1.yaml`.",
		"| machine | rate (c/s) | ticks | overshoot mean ± se (µs) | start (ms) |\n|---|---|---|---|---|\n| 0 | 6 | 438 | 230.4 ± 4.0 | 0.00 |\n| 1 | 3 | 219 | 209.0 ± 5.0 | 2.40 |\n",
		"Die: R̂ = 7, 99 % interval [6, 8] (100 sends among 350 free ticks); duration 73s.",
		"**Against the calibrated scenario A1-calibrated: PASS: none of 4 comparisons rejected.**\n\n`desim validate --logs logs/X A1-calibrated --seeds 3000`\n\n```\nvalidate A1-calibrated: the table\n```",
		"**Against the plain built-in B9: FAIL: 2 of 4 comparisons rejected (machine 0 clock\\_slope, machine 1 clock\\_slope); expected without a timing model, and not a failure of the report.**",
		"No built-in scenario has rates 6, 3 c/s and die 7, so there is no plain built-in to judge the run against.",
		"![A1 as recorded: the logical clock (left) and the message queue length (right) against time of machines 0 (6 c/s) and 1 (3 c/s), over 72.9 s; the clocks end at 438 and 430 and the longest queues are 1 and 16.](figures/logs-A1.png) " +
			"![desim's seed 1 of A1-calibrated, the scenario calibrated to A1: the logical clock (left) and the message queue length (right) against time of machines 0 (6 c/s) and 1 (3 c/s), over 73.0 s; the clocks end at 438 and 431 and the longest queues are 2 and 14.](figures/logs-A1-desim.png)",
		"Left, the recorded run: `desim plot logs/A1 -o logs-A1.png`. Right, desim's seed 1 of the calibrated scenario: `desim run calibrated/A1.yaml --seed 1 --plot`.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	if strings.Index(md, "## Real sockets") > strings.Index(md, "## The original implementation's runs") || strings.Index(md, "### A1\n") > strings.Index(md, "### C1\n") {
		t.Error("the recorded runs are not after the validation, in the order given")
	}
	if strings.Count(md, "Against the plain built-in") != 1 {
		t.Error("C1, which no built-in matches, has a built-in validation")
	}

	figs := map[string][]byte{"figures/A3.png": tinyPNG(t, 120, 45)}
	for _, l := range in.Logs {
		figs[l.Figure], figs[l.DesimFigure] = tinyPNG(t, 100, 40), tinyPNG(t, 100, 50)
	}
	page, err := r.HTML(figs)
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	if msg := wellFormed(html); msg != "" {
		t.Errorf("the page is not well formed: %s", msg)
	}
	ids := map[string]int{}
	for _, m := range idRe.FindAllStringSubmatch(html, -1) {
		ids[m[1]]++
	}
	for _, id := range []string{"logs", "logs-A1", "logs-C1", "logs-A1-caption"} {
		if ids[id] != 1 {
			t.Errorf("id %q used %d times, want once", id, ids[id])
		}
	}
	for _, want := range []string{
		`<section id="logs"><h2>The original implementation's runs</h2>`, `<a href="#logs">The original implementation&#39;s runs</a>`,
		`<a href="#logs-A1">A1: PASS</a>`, `<a href="#logs-C1">C1: PASS</a>`, `<h3 id="logs-A1">A1</h3>`,
		`Calibrated to <a href="calibrated/A1.yaml">calibrated/A1.yaml</a> (scenario A1-calibrated) by <code>desim calibrate logs/A1 --name A1-calibrated -o calibrated/A1.yaml</code>.`,
		`<caption id="logs-A1-caption">`, `<tr><th scope="row">1</th><td>3</td><td>219</td><td>209.0 ± 5.0</td><td>2.40</td></tr>`,
		`<p class="verdict holds">Against the calibrated scenario A1-calibrated: PASS: none of 4 comparisons rejected.</p>`,
		`<p class="verdict">Against the plain built-in B9: FAIL: 2 of 4 comparisons rejected (machine 0 clock_slope, machine 1 clock_slope); expected without a timing model, and not a failure of the report.</p>`,
		`<pre>validate B9: the table` + "\n</pre>",
		`<p>No built-in scenario has rates 6, 3 c/s and die 7, so there is no plain built-in to judge the run against.</p>`,
		`<figcaption>A1 as recorded, drawn by <code>desim plot logs/A1 -o logs-A1.png</code>.</figcaption>`,
		`<figcaption>desim's seed 1 of the calibrated scenario A1-calibrated, drawn by <code>desim run calibrated/A1.yaml --seed 1 --plot</code>.</figcaption>`,
		`.figrow{display:flex;flex-wrap:wrap;`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	// Both figures of a run in one row that wraps, each a <figure>.
	if n := strings.Count(html, `<div class="figrow"><figure><img `); n != 2 || strings.Count(html, "</figure>\n<figure><img ") != 2 {
		t.Errorf("%d rows of two figures, want 2", n)
	}
	imgs := imgRe.FindAllString(html, -1)
	if len(imgs) != 5 {
		t.Fatalf("%d images, want 5", len(imgs))
	}
	for k, want := range []string{`alt="A1 as recorded: the logical clock`, `alt="desim&#39;s seed 1 of A1-calibrated, the scenario calibrated to A1: `, `alt="C1 as recorded`, `alt="desim&#39;s seed 1 of C1-calibrated`} {
		if img := imgs[1+k]; !strings.Contains(img, want) || !strings.Contains(img, `src="data:image/png;base64,`) || !strings.Contains(img, `width="100" height="`) {
			t.Errorf("image %d lacks %q: %.300s", 1+k, want, img)
		}
	}
	if n := strings.Count(html, "<table"); n != 1+len(r.Scenarios)+len(r.Logs) || len(tableRe.FindAllString(html, -1)) != n {
		t.Errorf("%d tables, want each in a scroll container: the overview, a scenario and a recorded run's estimates each", n)
	}
	delete(figs, "figures/logs-C1-desim.png")
	if _, err := r.HTML(figs); err == nil || !strings.Contains(err.Error(), "figures/logs-C1-desim.png") {
		t.Errorf("HTML without C1's desim figure = %v, want an error naming it", err)
	}

	var back Report
	if err := json.Unmarshal(r.JSON(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Logs) != 2 {
		t.Fatalf("report.json: %d recorded runs, want 2", len(back.Logs))
	}
	a1, c1 := back.Logs[0], back.Logs[1]
	if a1.Run != "A1" || a1.Calibrated != "calibrated/A1.yaml" || a1.Estimate.Die != 7 || a1.Estimate.DieLo != 6 || a1.Estimate.DieHi != 8 ||
		a1.Estimate.Duration != "73s" || len(a1.Estimate.Machines) != 2 || a1.Estimate.Machines[1].Rate != "3" || a1.Estimate.Machines[0].OvershootMean != 230.4e-6 ||
		a1.Estimate.Machines[1].Start != 2.4e-3 || !slices.Equal(a1.Estimate.Rates, []string{"6", "3"}) ||
		!a1.Validation.Passed || a1.Validation.Verdict != LogsPass || a1.Validation.Comparisons != 4 || len(a1.Validation.Rejected) != 0 ||
		a1.Builtin == nil || a1.Builtin.Passed || a1.Builtin.Verdict != LogsFail || !slices.Equal(a1.Builtin.Rejected, []string{"machine 0 clock_slope", "machine 1 clock_slope"}) ||
		a1.Builtin.Text != "validate B9: the table\n" || a1.DesimFigure != "figures/logs-A1-desim.png" || a1.Simulated.MaxQueues[1] != 14 || a1.BuiltinNote != "" {
		t.Errorf("report.json's A1: %+v", a1)
	}
	if c1.Builtin != nil || !strings.Contains(c1.BuiltinNote, "No built-in") || !c1.Validation.Passed {
		t.Errorf("report.json's C1: %+v", c1)
	}
	if fs := back.Failures(); len(fs) != 0 {
		t.Errorf("a built-in's failure fails the report: %q", fs)
	}
}

// TestFailures: what fails the report is a real-socket validation FAILED
// on the model and a recorded run that fails against its calibrated
// scenario; not an INCONCLUSIVE validation, nor a plain built-in's
// failure.
func TestFailures(t *testing.T) {
	band := stats.NewBand(slices.Repeat([]float64{1, 2, 3}, 1000))
	real := func(x float64, overruns ...string) ValidationInput {
		return ValidationInput{Scenario: "A3", Result: &stats.Validation{Seeds: 3000, Fastest: 6, Overruns: overruns,
			Comparisons: []stats.Comparison{{Machine: 0, Metric: analysis.Receives, Real: []float64{x}, Band: band}}}}
	}
	for _, c := range []struct {
		name string
		in   Input
		want []string
	}{
		{"nothing", Input{}, nil},
		{"built-in fails", Input{Logs: []LogsInput{logsInput("A1", 6, true)}}, nil},
		{"inconclusive", Input{Validation: []ValidationInput{real(9, "overran")}}, nil},
		{"real fails", Input{Validation: []ValidationInput{real(9)}}, []string{"the simulator FAILED its validation against real sockets on A3"}},
		{"calibrated fails", Input{Logs: []LogsInput{logsInput("A1", 6, true), logsInput("C1", 5.9, false)}},
			[]string{"recorded run C1 FAILS against its calibrated scenario calibrated/C1.yaml: 2 of 4 comparisons rejected"}},
	} {
		if got := Build(c.in).Failures(); !slices.Equal(got, c.want) {
			t.Errorf("%s: failures %q, want %q", c.name, got, c.want)
		}
	}
}

// TestNoLogsSection: a report without recorded runs has no such section.
func TestNoLogsSection(t *testing.T) {
	r := Build(Input{Scenarios: []ScenarioInput{input(t, "A3", fast, fast, drifty)}})
	page, err := r.HTML(nil)
	if err != nil {
		t.Fatal(err)
	}
	if md := string(r.Markdown()); strings.Contains(md, "original implementation") || strings.Contains(string(page), "original implementation") || strings.Contains(string(r.JSON()), `"original_runs"`) {
		t.Error("a report without recorded runs shows their section")
	}
}

// TestFactsOf: a figure's facts are each machine's last clock and longest
// queue, and the last tick's time.
func TestFactsOf(t *testing.T) {
	f := FactsOf([][]sim.Record{
		{{At: 1e9, Clock: 1, Queue: 2}, {At: 2e9, Clock: 5, Queue: 0}},
		{{At: 0.5e9, Clock: 3, Queue: 1}, {At: 2.5e9, Clock: 4, Queue: 3}},
		nil,
	})
	if f.End != 2.5 || !slices.Equal(f.Clocks, []int64{5, 4, 0}) || !slices.Equal(f.MaxQueues, []int64{2, 3, 0}) {
		t.Errorf("facts %+v", f)
	}
}
