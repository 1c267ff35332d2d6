package report

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"desim/analysis/stats"
)

// gridCase is a fabricated case of a grid: machine 2 of rates 6, 6, slow
// at die 4, with the given queue slope over the whole run.
func gridCase(cell int, slow string, ratio, load, slope, ci float64) FamilyCase {
	return FamilyCase{
		Scenario: fmt.Sprintf("g1.%d", cell), Rates: []string{"6", "6", slow}, Die: 4, Machine: 2, Ratio: ratio, Load: load,
		LateQueueSlope: slope, LateQueueSlopeCI95: ci, Slope: SlopeWholeRun,
		Replay: fmt.Sprintf("desim grid g1 --cell %d | desim sweep - --seeds 1-50", cell),
	}
}

// gridInput is a fabricated grid of four cells with the given cases, 12
// misses and a figure.
func gridInput(cases ...FamilyCase) GridInput {
	g := GridInput{
		Name: "g1", Description: "Two 6 c/s machines and a slower one.", Cells: 4, Seeds: stats.SeedRange{From: 1, To: 50}, Duration: "300s",
		Figure: "figures/grid-g1.png", Command: "desim grid g1 --seeds 50 --duration 300s --plot grid-g1.png",
		Plot:      "a map of the mean queue_slope of machine 2 (messages/s) over 4 cells",
		Boundary:  []string{"ρ = 1 for machine 2 at machines[2].rate ≈ 4.8 c/s with die = 3, ≈ 1.09 c/s with die = 20"},
		Points:    []GridPoint{{Scenario: "A3", At: "machines[2].rate = 1, die = 10"}, {Scenario: "B3", At: "machines[2].rate = 5, die = 4"}},
		Agreement: GridAgreement{Rule: "drifts exactly when ρ ≥ 1", Judged: 783, Agree: 781, Excluded: 9, Share: 781.0 / 783, Target: 0.98, Band: 0.05},
		Cases:     cases,
	}
	for k := range 12 {
		g.Agreement.Misses = append(g.Agreement.Misses, GridMiss{Cell: 40 + k, Label: fmt.Sprintf("machines[2].rate=1 die=%d", 20-k), Machine: 2, Load: 1.09,
			QueueSlope: 0.1031, QueueSlopeCI95: 0.0079, Class: Undetermined, Replay: fmt.Sprintf("desim grid g1 --cell %d | desim sweep - --seeds 1-50", 40+k)})
	}
	return g
}

// TestClaimGeneralOverGrids: with grids, claim 2b is judged over their
// cases, not the family: it fails on a drifting machine less than 10 times
// slower, naming its replay command (and no file), holds when every such
// machine is steady, and is inconclusive with an undetermined one.
func TestClaimGeneralOverGrids(t *testing.T) {
	steadyCases := []FamilyCase{
		gridCase(0, "5", 1.2, 0.5, 0, 0.01),
		gridCase(1, "2", 3, 0.8, 0.01, 0.01),
		gridCase(2, "0.5", 12, 3, 0.9, 0.05), // 12 times slower: not judged
	}
	// A drifting family case that the grids' verdict must not see.
	fam := Family()[7:8] // 6, 6, 4 c/s, die 3
	var probe []stats.ProbeSummary
	for range fam[0].Machines {
		probe = append(probe, stats.ProbeSummary{LateQueueSlope: qs(0.5, 0.01)})
	}
	famIn := []FamilyInput{{Scenario: fam[0], Probe: probe}}

	r := Build(Input{Grids: []GridInput{gridInput(steadyCases...)}, Family: famIn})
	c := claim(t, r, "2b")
	if c.Verdict != Holds {
		t.Errorf("all steady: claim 2b = %s, want holds; %q", c.Verdict, c.Evidence)
	}
	for _, want := range []string{"built-in grids g1 (4 cells, seeds 1–50 of 300s)", "whole run"} {
		if !strings.Contains(c.Judged, want) {
			t.Errorf("judged on %q, want it to name %q", c.Judged, want)
		}
	}
	if !strings.Contains(c.Evidence[0], "of the 2 machines less than 10 times slower: 0 drift, 2 are steady, 0 undetermined") {
		t.Errorf("evidence %q", c.Evidence[0])
	}

	drifting := gridCase(3, "3", 2, 1.3, 0.5, 0.05)
	r = Build(Input{Grids: []GridInput{gridInput(append(steadyCases, drifting)...)}, Family: famIn})
	c = claim(t, r, "2b")
	ev := strings.Join(c.Evidence, "\n")
	if c.Verdict != Fails || !strings.Contains(ev, "counter-example: g1.3, rates 6, 6, 3 c/s, die 4: machine 2, 2 times slower, drifts (queue slope over the whole run 0.500 ± 0.050 msg/s, load ρ = 1.30); replay: desim grid g1 --cell 3 | desim sweep - --seeds 1-50") {
		t.Errorf("one drifting: claim 2b = %s, want fails naming the replay of g1.3; %s", c.Verdict, ev)
	}
	if strings.Contains(ev, "claim2/") {
		t.Errorf("a grid's counter-example cites a scenario file: %s", ev)
	}
	if f := r.Files(); len(f) != 0 {
		t.Errorf("Files() = %v, want none for a grid's counter-example", f)
	}

	unsure := gridCase(3, "3", 2, 1.0, DriftThreshold, 0.02)
	if c := claim(t, Build(Input{Grids: []GridInput{gridInput(append(steadyCases, unsure)...)}}), "2b"); c.Verdict != Inconclusive {
		t.Errorf("one undetermined: claim 2b = %s, want inconclusive; %q", c.Verdict, c.Evidence)
	}

	// The report classifies the cases from their slopes.
	wrong := drifting
	wrong.Class = Steady
	r = Build(Input{Grids: []GridInput{gridInput(append(steadyCases, wrong)...)}})
	if c := claim(t, r, "2b"); c.Verdict != Fails || r.Grids[0].Cases[3].Class != Drifts {
		t.Errorf("a case given as steady with a slope of 0.5 msg/s: claim 2b = %s, class %s; want fails, drifts", c.Verdict, r.Grids[0].Cases[3].Class)
	}

	// Without grids, the family decides, as before.
	if c := claim(t, Build(Input{Family: famIn}), "2b"); c.Verdict != Fails || !strings.Contains(c.Judged, "family") {
		t.Errorf("family only: claim 2b = %s judged on %q, want fails on the family", c.Verdict, c.Judged)
	}
}

// TestClaimGeneralOverGridsListsAtMostTen: over grids, claim 2b lists one
// counter-example per rate ratio, at most MaxCounterExamples, and counts
// the others.
func TestClaimGeneralOverGridsListsAtMostTen(t *testing.T) {
	var cases []FamilyCase
	for k := range 14 {
		cases = append(cases, gridCase(k, "x", 1.5+0.5*float64(k), 1.5, 0.5, 0.05))
	}
	c := claim(t, Build(Input{Grids: []GridInput{gridInput(cases...)}}), "2b")
	ev := strings.Join(c.Evidence, "\n")
	if n := strings.Count(ev, "counter-example: "); n != MaxCounterExamples {
		t.Errorf("%d counter-examples listed, want %d:\n%s", n, MaxCounterExamples, ev)
	}
	if !strings.Contains(ev, "and counter-examples at 4 more rate ratios, up to 8") {
		t.Errorf("the others are not counted:\n%s", ev)
	}
}

var tagRe = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>`)

// wellFormed reports the first unbalanced tag of an HTML page, "" when
// every element but the void ones is closed in order.
func wellFormed(page string) string {
	void := map[string]bool{"meta": true, "img": true, "br": true, "hr": true, "link": true, "input": true}
	var stack []string
	for _, m := range tagRe.FindAllStringSubmatch(page, -1) {
		name := strings.ToLower(m[2])
		switch {
		case void[name]:
		case m[1] == "":
			stack = append(stack, name)
		case len(stack) == 0 || stack[len(stack)-1] != name:
			return fmt.Sprintf("</%s> closes %v", name, stack)
		default:
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return fmt.Sprintf("unclosed %v", stack)
	}
	return ""
}

// TestGridSection: the phase diagrams render in Markdown, HTML and JSON,
// each grid with its figure (inlined in the page, with alt text saying
// where ρ = 1 lies and which of the paper's experiments are in it), its
// command, its agreement and at most MaxGridMisses misses.
func TestGridSection(t *testing.T) {
	in := Input{
		Seeds: stats.SeedRange{From: 1, To: 100}, Duration: "60s", Command: "desim reproduce",
		Scenarios:      []ScenarioInput{input(t, "A3", fast, fast, drifty)},
		Grids:          []GridInput{gridInput(gridCase(0, "5", 1.2, 0.5, 0, 0.01))},
		ValidationNote: "Skipped.",
	}
	in.Scenarios[0].Figure = "figures/A3.png"
	r := Build(in)
	md := string(r.Markdown())
	agreement := "781 of 783 machines (99.7 %), target 98 %: meets the target; 9 within 5 % of ρ = 1 left out"
	for _, want := range []string{
		"## Phase diagrams\n", "### g1\n", "Two 6 c/s machines and a slower one.", "4 cells, each swept over seeds 1–50 of 300s.",
		"](figures/grid-g1.png)", "![Grid g1: a map of the mean queue\\_slope", "machines\\[2\\].rate ≈ 4.8 c/s", "A3 (machines\\[2\\].rate = 1, die = 10) and B3",
		"Figure: `desim grid g1 --seeds 50 --duration 300s --plot grid-g1.png`.",
		"**Agreement with the theory: " + agreement + ".**",
		"- cell 40 (machines[2].rate=1 die=20), machine 2: ρ = 1.090, queue slope 0.103 ± 0.008 msg/s: undetermined; replay: `desim grid g1 --cell 40 | desim sweep - --seeds 1-50`",
		"- and 2 more (report.json lists them all)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	if n := strings.Count(md, "replay: `desim grid g1"); n != MaxGridMisses {
		t.Errorf("Markdown lists %d misses, want %d", n, MaxGridMisses)
	}
	if strings.Index(md, "## Scenarios") > strings.Index(md, "## Phase diagrams") || strings.Index(md, "## Phase diagrams") > strings.Index(md, "## Real sockets") {
		t.Error("the phase diagrams are not between the scenarios and the validation")
	}

	figs := map[string][]byte{"figures/A3.png": tinyPNG(t, 120, 45), "figures/grid-g1.png": tinyPNG(t, 90, 60)}
	page, err := r.HTML(figs)
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	if msg := wellFormed(html); msg != "" {
		t.Errorf("the page is not well formed: %s", msg)
	}
	for _, want := range []string{
		`<section id="grids"><h2>Phase diagrams</h2>`, `<a href="#grids">Phase diagrams</a>`, `<a href="#grid-g1">g1</a>`, `<h3 id="grid-g1">g1</h3>`,
		`<p class="verdict holds">Agreement with the theory: ` + agreement + `.</p>`,
		`<code>desim grid g1 --seeds 50 --duration 300s --plot grid-g1.png</code>`,
		`<li>cell 40 (machines[2].rate=1 die=20), machine 2: ρ = 1.090, queue slope 0.103 ± 0.008 msg/s: undetermined; replay: <code>desim grid g1 --cell 40 | desim sweep - --seeds 1-50</code></li>`,
		`<li>and 2 more (report.json lists them all)</li>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	imgs := imgRe.FindAllString(html, -1)
	if len(imgs) != 2 {
		t.Fatalf("%d images, want 2", len(imgs))
	}
	img := imgs[1]
	for _, want := range []string{`src="data:image/png;base64,`, `width="90" height="60"`, `alt="Grid g1: a map of the mean queue_slope`,
		"ρ = 1 for machine 2 at machines[2].rate ≈ 4.8 c/s", "A3 (machines[2].rate = 1, die = 10) and B3 (machines[2].rate = 5, die = 4)", "The drift verdicts agree with ρ ≥ 1 for " + agreement} {
		if !strings.Contains(img, want) {
			t.Errorf("grid image lacks %q: %.400s", want, img)
		}
	}
	delete(figs, "figures/grid-g1.png")
	if _, err := r.HTML(figs); err == nil || !strings.Contains(err.Error(), "figures/grid-g1.png") {
		t.Errorf("HTML without the grid's figure = %v, want an error naming it", err)
	}

	var back Report
	if err := json.Unmarshal(r.JSON(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Grids) != 1 || back.Grids[0].Name != "g1" || !back.Grids[0].MeetsTarget || len(back.Grids[0].Agreement.Misses) != 12 ||
		len(back.Grids[0].Cases) != 1 || back.Grids[0].Cases[0].Slope != SlopeWholeRun || back.Grids[0].Figure != "figures/grid-g1.png" {
		t.Errorf("report.json's grids: %+v", back.Grids)
	}

	// Below the target, the agreement says so.
	in.Grids[0].Agreement.Agree, in.Grids[0].Agreement.Share = 700, 700.0/783
	figs["figures/grid-g1.png"] = tinyPNG(t, 90, 60)
	page, err = Build(in).HTML(figs)
	if err != nil {
		t.Fatal(err)
	}
	if want := `<p class="verdict fails">Agreement with the theory: 700 of 783 machines (89.4 %), target 98 %: below the target;`; !strings.Contains(string(page), want) {
		t.Errorf("HTML lacks %q", want)
	}
}

// TestNoGridSection: a report without grids has no phase diagrams.
func TestNoGridSection(t *testing.T) {
	r := Build(Input{Scenarios: []ScenarioInput{input(t, "A3", fast, fast, drifty)}})
	page, err := r.HTML(nil)
	if err != nil {
		t.Fatal(err)
	}
	if md := string(r.Markdown()); strings.Contains(md, "Phase diagrams") || strings.Contains(string(page), "Phase diagrams") || strings.Contains(string(r.JSON()), `"grids"`) {
		t.Error("a report without grids shows phase diagrams")
	}
}
