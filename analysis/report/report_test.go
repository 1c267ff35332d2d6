package report

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"desim/analysis"
	"desim/analysis/stats"
	_ "desim/internal/golden" // registers -update for "go test ./... -update"
	"desim/scenarios"
	"desim/sim"
)

// qs is a queue-slope summary with the given mean and CI half-width.
func qs(mean, ci float64) stats.Summary { return stats.Summary{N: 100, Mean: mean, CI95: ci} }

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		mean, ci float64
		want     Class
	}{
		{0.2, 0.01, Drifts},
		{DriftThreshold + 0.011, 0.01, Drifts}, // CI just above the threshold
		{DriftThreshold + 0.009, 0.01, Undetermined},
		{DriftThreshold, 0.0, Undetermined}, // on the threshold
		{DriftThreshold - 0.009, 0.01, Undetermined},
		{DriftThreshold - 0.011, 0.01, Steady}, // CI just below
		{0, 0, Steady},
		{-0.001, 0.0005, Steady},
	} {
		if got := Classify(qs(c.mean, c.ci)); got != c.want {
			t.Errorf("Classify(mean %g ± %g) = %s, want %s", c.mean, c.ci, got, c.want)
		}
	}
}

// machine is a synthetic machine of a scenario input: its rate and the
// means and CI half-widths of its queue slope (whole run and second half
// alike), drift, max queue and window drift over wruns runs (100 when 0).
type machine struct {
	rate           string
	q, qci         float64
	drift, dci     float64
	maxQueue, load float64
	wd, wdci       float64
	wruns          int64
}

// input builds a scenario input with the given machines (die 10).
func input(t *testing.T, name string, ms ...machine) ScenarioInput {
	t.Helper()
	s := &scenarios.Scenario{Name: name, Die: 10, Duration: 60e9}
	so := stats.ScenarioOutput{Scenario: name, Runs: 100}
	var pred []analysis.MachinePrediction
	var probe []stats.ProbeSummary
	for i, m := range ms {
		s.Machines = append(s.Machines, scenarios.Machine{Rate: sim.MustRate(m.rate)})
		mo := stats.MachineOutput{ID: i, Rate: s.Machines[i].Rate.Float64(), Metrics: make(stats.MetricSummaries, len(analysis.Metrics))}
		set := func(name string, v stats.Summary) {
			for k, n := range analysis.Metrics {
				if n.Key == name {
					mo.Metrics[k] = v
				}
			}
		}
		set("queue_slope", qs(m.q, m.qci))
		set("drift", qs(m.drift, m.dci))
		set("clock_slope", qs(6+m.drift, m.dci))
		set("max_queue", qs(m.maxQueue, 0))
		so.Machines = append(so.Machines, mo)
		pred = append(pred, analysis.MachinePrediction{ID: i, Rate: mo.Rate, Load: m.load})
		wruns := m.wruns
		if wruns == 0 {
			wruns = 100
		}
		wd := qs(m.wd, m.wdci)
		wd.N = wruns
		probe = append(probe, stats.ProbeSummary{LateQueueSlope: qs(m.q, m.qci), WindowDrift: wd, WindowSeconds: qs(20, 1), Runs: 100})
	}
	return ScenarioInput{Scenario: s, Sweep: so, Predict: pred, Probe: probe}
}

var (
	fast   = machine{rate: "6", load: 0.2, maxQueue: 2}
	drifty = machine{rate: "1", q: 0.2, qci: 0.01, drift: -1, dci: 0.02, maxQueue: 60, load: 1.2, wd: -1, wdci: 0.05}
	steady = machine{rate: "2", q: 0, qci: 0.001, drift: 0, dci: 0.001, maxQueue: 4, load: 0.6, wd: -0.05, wdci: 0.01}
	unsure = machine{rate: "1", q: DriftThreshold, qci: 0.02, drift: -0.1, dci: 0.2, maxQueue: 8, load: 1.0}
)

func claim(t *testing.T, r *Report, id string) Claim {
	t.Helper()
	for _, c := range r.Claims {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no claim %s", id)
	return Claim{}
}

func TestClaimSlowMachinesDrift(t *testing.T) {
	for _, c := range []struct {
		name   string
		slowA2 machine
		want   Verdict
	}{
		{"drifting", drifty, Holds},
		{"steady", machine{rate: "1", q: 0, qci: 0.001, maxQueue: 3, load: 0.9}, Fails},
		{"undetermined", unsure, Inconclusive},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Build(Input{Scenarios: []ScenarioInput{
				input(t, "A2", fast, c.slowA2, drifty),
				input(t, "A3", fast, fast, drifty),
			}})
			if got := claim(t, r, "1"); got.Verdict != c.want {
				t.Errorf("claim 1 = %s, want %s; evidence %q", got.Verdict, c.want, got.Evidence)
			}
		})
	}
	// A machine 4 times slower than the fastest is not "an order of
	// magnitude slower": it is not judged by claim 1.
	r := Build(Input{Scenarios: []ScenarioInput{input(t, "A2", fast, machine{rate: "1.5", load: 0.1, maxQueue: 1}, drifty)}})
	if c := claim(t, r, "1"); c.Verdict != Holds || len(c.Evidence) != 1 {
		t.Errorf("claim 1 with a 4x slower steady machine = %s %q, want holds on one machine", c.Verdict, c.Evidence)
	}
	r = Build(Input{Scenarios: []ScenarioInput{input(t, "B1", fast, fast)}})
	if c := claim(t, r, "1"); c.Verdict != Inconclusive {
		t.Errorf("claim 1 without A2 and A3 = %s, want inconclusive", c.Verdict)
	}
}

func TestClaimModestMachineSteady(t *testing.T) {
	for _, c := range []struct {
		name string
		m    machine
		want Verdict
	}{
		{"steady", steady, Holds},
		{"drifting", machine{rate: "2", q: DriftThreshold + 0.02, qci: 0.01, drift: -0.5, dci: 0.01, maxQueue: 20, load: 1.1}, Fails},
		{"undetermined", machine{rate: "2", q: DriftThreshold, qci: 0.01, maxQueue: 9, load: 1}, Inconclusive},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Build(Input{Scenarios: []ScenarioInput{input(t, "A4", fast, c.m, drifty)}})
			if got := claim(t, r, "2a"); got.Verdict != c.want {
				t.Errorf("claim 2a = %s, want %s; evidence %q", got.Verdict, c.want, got.Evidence)
			}
		})
	}
}

func TestClaimLowerP(t *testing.T) {
	better := machine{rate: "1", q: 0.1, qci: 0.01, drift: -0.5, dci: 0.02, maxQueue: 30, load: 1.1}
	worse := machine{rate: "1", q: 2, qci: 0.01, drift: -4, dci: 0.02, maxQueue: 600, load: 3}
	// Within the CIs of drifty (-1 ± 0.02): no clear difference.
	same := machine{rate: "1", q: 0.21, qci: 0.01, drift: -1.01, dci: 0.02, maxQueue: 60, load: 1.2}
	for _, c := range []struct {
		name  string
		b, b3 machine
		want  Verdict
	}{
		{"mitigated", better, better, Holds},
		{"worse", worse, worse, Fails},
		{"one worse", better, worse, Fails},
		{"no clear difference", same, better, Inconclusive},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Build(Input{Scenarios: []ScenarioInput{
				input(t, "A2", fast, drifty, drifty),
				input(t, "A3", fast, fast, drifty),
				input(t, "B2-captioned", fast, c.b, c.b),
				input(t, "B3-captioned", fast, fast, c.b3),
			}})
			if got := claim(t, r, "3b"); got.Verdict != c.want {
				t.Errorf("claim 3b = %s, want %s; evidence %q", got.Verdict, c.want, got.Evidence)
			}
			if got := claim(t, r, "3a"); got.Verdict != Inconclusive {
				t.Errorf("claim 3a without B2 and B3 = %s, want inconclusive", got.Verdict)
			}
		})
	}
	// The runs as made differ in rates as well: the evidence says so.
	r := Build(Input{Scenarios: []ScenarioInput{
		input(t, "A2", fast, drifty, drifty),
		input(t, "B2", fast, machine{rate: "5", load: 0.6, maxQueue: 3}, machine{rate: "5", load: 0.6, maxQueue: 3}),
	}})
	c := claim(t, r, "3a")
	if c.Verdict != Holds || !strings.Contains(strings.Join(c.Evidence, "\n"), "rates differ") {
		t.Errorf("claim 3a as made = %s %q, want holds with rates differing", c.Verdict, c.Evidence)
	}
}

func TestClaimQueueBound(t *testing.T) {
	// A drifting machine whose clock falls behind while its queue is under
	// the bound breaks the claim; one that keeps up there does not.
	lagging := drifty
	keeping := drifty
	keeping.wd, keeping.wdci = -0.05, 0.02
	unclear := drifty
	unclear.wd, unclear.wdci = -LagThreshold, 0.1
	few := drifty
	few.wruns = MinWindows - 1
	for _, c := range []struct {
		name string
		m    machine
		want Verdict
	}{
		{"drifting while under the bound", lagging, Fails},
		{"keeping up while under the bound", keeping, Holds},
		{"cannot tell", unclear, Inconclusive},
		{"too few windows", few, Inconclusive},
		{"only steady machines", steady, Inconclusive},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Build(Input{Scenarios: []ScenarioInput{input(t, "X", fast, c.m)}})
			if got := claim(t, r, "4"); got.Verdict != c.want {
				t.Errorf("claim 4 = %s, want %s; evidence %q", got.Verdict, c.want, got.Evidence)
			}
		})
	}
	// A steady machine is not judged, however its window looks.
	odd := steady
	odd.wd = -3
	r := Build(Input{Scenarios: []ScenarioInput{input(t, "X", fast, keeping, odd)}})
	if got := claim(t, r, "4"); got.Verdict != Holds {
		t.Errorf("claim 4 with a lagging steady machine = %s, want holds; evidence %q", got.Verdict, got.Evidence)
	}
	// Without the per-run time series it cannot be judged.
	in := input(t, "X", fast, lagging)
	in.Probe = nil
	if got := claim(t, Build(Input{Scenarios: []ScenarioInput{in}}), "4"); got.Verdict != Inconclusive {
		t.Errorf("claim 4 without a probe = %s, want inconclusive", got.Verdict)
	}
	// The load rule's misclassifications are counted.
	r = Build(Input{Scenarios: []ScenarioInput{input(t, "X", fast, machine{rate: "1", q: 0.3, qci: 0.01, drift: -1, dci: 0.01, maxQueue: 80, load: 0.9, wd: -1, wdci: 0.1})}})
	if ev := strings.Join(claim(t, r, "4").Evidence, "\n"); !strings.Contains(ev, "load rule (drifts ⟺ ρ > 1) misclassifies 1 of 2") {
		t.Errorf("claim 4 evidence %q does not count the load rule's miss", ev)
	}
}

// TestClaimGeneral: claim 2b over a family with made-up probes fails on a
// drifting machine less than 10 times slower, naming it with its replay
// command, and holds when every such machine is steady.
func TestClaimGeneral(t *testing.T) {
	fam := Family()
	if len(fam) != 105 {
		t.Errorf("%d scenarios in the family, want 105", len(fam))
	}
	probe := func(s *scenarios.Scenario, slope float64) []stats.ProbeSummary {
		var out []stats.ProbeSummary
		for range s.Machines {
			out = append(out, stats.ProbeSummary{LateQueueSlope: qs(slope, 0.01)})
		}
		return out
	}
	var in []FamilyInput
	for _, s := range fam[:20] {
		in = append(in, FamilyInput{Scenario: s, Probe: probe(s, 0)})
	}
	if c := claim(t, Build(Input{Family: in}), "2b"); c.Verdict != Holds {
		t.Errorf("all steady: claim 2b = %s, want holds; %q", c.Verdict, c.Evidence)
	}
	in[15].Probe = probe(in[15].Scenario, 0.5)
	r := Build(Input{Family: in})
	c := claim(t, r, "2b")
	name := in[15].Scenario.Name
	if c.Verdict != Fails || !strings.Contains(strings.Join(c.Evidence, "\n"), "desim sweep claim2/"+name+".yaml --seeds 100 --duration 120s") {
		t.Errorf("one drifting: claim 2b = %s, want fails naming %s; %q", c.Verdict, name, c.Evidence)
	}
	if f := r.Files(); len(f) != 1 || !strings.Contains(string(f["claim2/"+name+".yaml"]), "name: "+name) {
		t.Errorf("files %v, want the counter-example's scenario", f)
	}
	in[15].Probe = probe(in[15].Scenario, DriftThreshold)
	if c := claim(t, Build(Input{Family: in}), "2b"); c.Verdict != Inconclusive {
		t.Errorf("one undetermined: claim 2b = %s, want inconclusive", c.Verdict)
	}
	if c := claim(t, Build(Input{}), "2b"); c.Verdict != Inconclusive {
		t.Errorf("no family: claim 2b = %s, want inconclusive", c.Verdict)
	}
}

// TestRenderings checks that every section and claim is in the Markdown and
// HTML, and that the JSON parses and holds the Markdown's numbers.
func TestRenderings(t *testing.T) {
	in := Input{
		Seeds: stats.SeedRange{From: 1, To: 100}, Duration: "60s", Command: "desim reproduce --seeds 100",
		Scenarios: []ScenarioInput{
			input(t, "A2", fast, drifty, drifty), input(t, "A3", fast, fast, drifty), input(t, "A4", fast, steady, drifty),
			input(t, "B2", fast, steady, steady), input(t, "B3", fast, fast, steady),
			input(t, "B2-captioned", fast, drifty, drifty), input(t, "B3-captioned", fast, fast, drifty),
		},
		ValidationNote: "Skipped.",
	}
	in.Scenarios[0].Figure = "figures/A2.png"
	r := Build(in)
	md := string(r.Markdown())
	for _, want := range []string{"## Overview", "## The paper's claims", "## The B2/B3 caption discrepancy", "## Scenarios", "## Real sockets against the simulator",
		"### Claim 1:", "### Claim 2a:", "### Claim 2b:", "### Claim 3a:", "### Claim 3b:", "### Claim 4:", "![A2](figures/A2.png)", "Skipped."} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	html, err := r.HTML(map[string][]byte{"figures/A2.png": {0x89, 'P', 'N', 'G'}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h2>Overview</h2>", "Claim 3b:", "data:image/png;base64,iVBORw=="} {
		if !strings.Contains(string(html), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	var back Report
	if err := json.Unmarshal(r.JSON(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Claims) != 6 || len(back.Scenarios) != len(in.Scenarios) {
		t.Fatalf("JSON has %d claims and %d scenarios", len(back.Claims), len(back.Scenarios))
	}
	for _, c := range back.Claims {
		if !strings.Contains(md, "**Verdict: "+strings.ToUpper(string(c.Verdict))+".**") {
			t.Errorf("claim %s's verdict %s is not in the Markdown", c.ID, c.Verdict)
		}
	}
	for _, s := range back.Scenarios {
		for _, m := range s.Machines {
			row := "| " + s.Name + " | " + strings.Join(s.Rates, ", ")
			if !strings.Contains(md, row) || !strings.Contains(md, fmtCI(m.QueueSlope, m.QueueSlopeCI95)) {
				t.Errorf("%s machine %d: the Markdown lacks its row or queue slope %s", s.Name, m.ID, fmtCI(m.QueueSlope, m.QueueSlopeCI95))
			}
		}
	}
}

// raceInternal is set under the race detector (race_internal_test.go).
var raceInternal bool

// realInput builds the report's input as desim reproduce does, for every
// built-in scenario at duration d (0: each one's own) and seeds 1..n: the
// sweep (per-run metrics over seeds, with predictions), the long-run
// prediction and the probe; and claim 2's family, which is the same for
// every d and n.
func realInput(t testing.TB, d time.Duration, n uint64, family []FamilyInput) Input {
	t.Helper()
	r := stats.SeedRange{From: 1, To: n}
	in := Input{Seeds: r, Duration: fmt.Sprint(d), Family: family}
	for _, name := range scenarios.Names() {
		s, err := scenarios.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		if d > 0 {
			s.Duration = d
		}
		eng, err := sim.New(s.Config(1))
		if err != nil {
			t.Fatal(err)
		}
		acc := analysis.NewAccumulator(len(s.Machines))
		probe := stats.NewProbe(s, QueueBound)
		st := stats.NewStats(len(s.Machines))
		for seed := r.From; seed <= r.To; seed++ {
			eng.Reset(seed)
			acc.Reset()
			if err := eng.Run(sim.Sinks{acc, probe}); err != nil {
				t.Fatal(err)
			}
			probe.EndRun(seed)
			for i, mm := range acc.Metrics(s.Rates()) {
				for k, m := range analysis.Metrics {
					st[i][k].Add(m.Value(&mm), seed)
				}
			}
		}
		in.Scenarios = append(in.Scenarios, ScenarioInput{Scenario: s, Sweep: stats.Summarize(s, st, r),
			Predict: analysis.Predict(s.Rates(), s.Die), Probe: probe.Machines()})
	}
	return in
}

var (
	familyOnce sync.Once
	familyIn   []FamilyInput
)

// realFamily runs claim 2's family once per test binary.
func realFamily(t testing.TB) []FamilyInput {
	familyOnce.Do(func() {
		for _, s := range Family() {
			p, err := runProbe(s, stats.SeedRange{From: 1, To: FamilySeeds}, QueueBound)
			if err != nil {
				t.Fatal(err)
			}
			familyIn = append(familyIn, FamilyInput{Scenario: s, Probe: p})
		}
	})
	return familyIn
}

// TestVerdictsStable: every claim's verdict is the same at 30 s, 60 s,
// 300 s and the published durations, with 200 and with 1000 seeds (with
// -short, the race detector or 32 bits, 30 s and 300 s with 200); and they
// are the verdicts the data call for: 1 holds, 2a holds, 2b fails, 3a
// holds, 3b fails, 4 fails.
func TestVerdictsStable(t *testing.T) {
	family := realFamily(t)
	want := map[string]Verdict{"1": Holds, "2a": Holds, "2b": Fails, "3a": Holds, "3b": Fails, "4": Fails}
	type setting struct {
		d time.Duration
		n uint64
	}
	settings := []setting{{30 * time.Second, 200}, {60 * time.Second, 200}, {300 * time.Second, 200}, {0, 200}, {30 * time.Second, 1000}, {60 * time.Second, 1000}, {300 * time.Second, 1000}, {0, 1000}}
	if testing.Short() || raceInternal || runtime.GOARCH == "386" {
		// 7 s here, a minute as a 32-bit program and two under the race
		// detector: there, the cheap ends.
		settings = []setting{{30 * time.Second, 200}, {300 * time.Second, 200}}
	}
	for _, c := range settings {
		r := Build(realInput(t, c.d, c.n, family))
		var got []string
		for _, cl := range r.Claims {
			got = append(got, cl.ID+" "+string(cl.Verdict))
			if cl.Verdict != want[cl.ID] {
				t.Errorf("duration %v, %d seeds: claim %s %s, want %s\n  rule: %s\n  %s", c.d, c.n, cl.ID, cl.Verdict, want[cl.ID], cl.Rule, strings.Join(cl.Evidence, "\n  "))
			}
		}
		t.Logf("duration %v (0: published), %d seeds: %s", c.d, c.n, strings.Join(got, ", "))
	}
}
