package stats

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"desim/analysis"
)

func TestFmtValue(t *testing.T) {
	for _, c := range []struct {
		v       float64
		m       *analysis.Metric
		integer bool
		want    string
	}{
		{588.822, analysis.Receives, false, "588.8"},
		{1800, analysis.Ticks, true, "1800"},
		{1800, analysis.Ticks, false, "1800.0"},
		{0.00923616, analysis.QueueSlope, false, "0.00924"},
		{-1.60584e-07, analysis.QueueSlope, false, "-0.000000161"},
		{-1e-12, analysis.QueueSlope, false, "0.0000"},
		{0.43912, analysis.QueueSlope, false, "0.4391"},
		{-0.00001, analysis.Drift, false, "-0.0000100"},
		{5.99996, analysis.ClockSlope, false, "6.0000"},
		{1.19886, analysis.MeanJump, false, "1.1989"},
		{0, analysis.Drift, false, "0.0000"},
	} {
		if got := fmtValue(c.v, c.m, c.integer); got != c.want {
			t.Errorf("fmtValue(%g, %s, %v) = %q, want %q", c.v, c.m.Key, c.integer, got, c.want)
		}
		if strings.ContainsAny(fmtValue(c.v, c.m, c.integer), "eE") {
			t.Errorf("%g: exponent notation", c.v)
		}
	}
}

// tableOutput is a small sweep output: one scenario, two machines, with a
// prediction far from the mean on one row.
func tableOutput() *Output {
	mk := func(mean, sd float64, pred *float64, z *float64) Summary {
		return Summary{N: 1000, Mean: mean, SD: sd, CI95: sd / 16, Min: mean - 3*sd, Max: mean + 3*sd, MinSeed: 17, MaxSeed: 4711, Predicted: pred, Z: z}
	}
	var ms []MachineOutput
	for i := range 2 {
		mo := MachineOutput{ID: i, Rate: 6, Metrics: make(MetricSummaries, len(analysis.Metrics))}
		for k, m := range analysis.Metrics {
			p, z := 1.0, 0.5
			mo.Metrics[k] = mk(1, 0.1, &p, &z)
			if !m.Predicted() {
				mo.Metrics[k] = mk(1, 0.1, nil, nil)
			}
		}
		ms = append(ms, mo)
	}
	big := -112.0
	far := 12.2 // 11.2 from the mean 1, beyond the resolution of 1 for a count
	ms[1].Metrics[analysis.Receives.Index()].Z = &big
	ms[1].Metrics[analysis.Receives.Index()].Predicted = &far
	ms[1].Metrics[analysis.FinalQueue.Index()].Mean = 40
	return &Output{Scenarios: []ScenarioOutput{{Scenario: "A3", DurationS: 300, Seeds: SeedRange{From: 1, To: 1000}, Runs: 1000, Machines: ms}}}
}

func TestWriteTableOptions(t *testing.T) {
	for _, wide := range []bool{false, true} {
		var b strings.Builder
		if err := WriteTableOptions(&b, tableOutput(), TableOptions{Wide: wide}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for i, line := range strings.Split(out, "\n") {
			if n := utf8.RuneCountInString(line); !wide && n > 100 {
				t.Errorf("line %d is %d columns wide: %q", i+1, n, line)
			}
		}
		// The |z| ≥ 4 row is marked, and only it.
		if got := strings.Count(out, "!\n"); got != 1 {
			t.Errorf("wide=%v: %d marked rows, want 1:\n%s", wide, got, out)
		}
		// max_queue and max_jump have no prediction: no z.
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			if len(f) > 2 && (f[1] == "max_queue" || f[2] == "max_queue") && (f[len(f)-1] != "-" || f[len(f)-2] != "-") {
				t.Errorf("max_queue row shows a prediction or z: %q", line)
			}
		}
		// Ready-to-paste replay commands of the most loaded machine.
		for _, want := range []string{"final queue of machine 1", "desim run A3 --seed 17 --duration 300s", "desim run A3 --seed 4711 --duration 300s"} {
			if !strings.Contains(out, want) {
				t.Errorf("wide=%v: output lacks %q:\n%s", wide, want, out)
			}
		}
		if wide != strings.Contains(out, "(seed)") {
			t.Errorf("wide=%v: seed columns present = %v", wide, !wide)
		}
	}
}

// A row departs when |z| ≥ 4 and the difference exceeds the model's
// resolution; a large z on a difference within it (a mean over many seeds
// resolves finer than the model is meant to) is not marked.
func TestDeparts(t *testing.T) {
	mk := func(mean, pred, z float64) Summary {
		sd := math.Abs(mean-pred) / math.Abs(z) * math.Sqrt(1000) // consistent with z
		return Summary{N: 1000, Mean: mean, SD: sd, Predicted: &pred, Z: &z}
	}
	for _, c := range []struct {
		m    *analysis.Metric
		v    Summary
		want bool
	}{
		{analysis.Receives, mk(100, 102, -6), true},    // 2 counts off
		{analysis.Receives, mk(100, 100.5, -6), false}, // within 1 count
		{analysis.Receives, mk(100, 102, -3.9), false}, // |z| < 4
		{analysis.ClockSlope, mk(5.99, 5.995, -6), true},
		{analysis.Drift, mk(-0.0005, 0.0001, -6), false},   // within 0.001/s
		{analysis.FinalClock, mk(3600, 3600.9, -6), false}, // within 1
		{analysis.FinalClock, mk(3600, 3602, -6), true},
		{analysis.MeanJump, mk(1.2, 1.201, -6), false}, // within 0.2 %
	} {
		if got := Departs(c.m, c.v); got != c.want {
			t.Errorf("%s mean %g predicted %g z %g: departs %v, want %v", c.m, c.v.Mean, *c.v.Predicted, *c.v.Z, got, c.want)
		}
	}
}

// A machine flagged approximate has its predictions marked "~", with a
// footnote, in the table, and "true" in the CSV's last column.
func TestApproximateMarked(t *testing.T) {
	o := tableOutput()
	o.Scenarios[0].Machines[1].Approximate = true
	var b strings.Builder
	if err := WriteTableOptions(&b, o, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	predicted := 0
	for _, m := range analysis.Metrics {
		if m.Predicted() {
			predicted++
		}
	}
	if got := strings.Count(out, "~\n"); got != predicted {
		t.Errorf("%d rows marked ~, want machine 1's %d predicted metrics:\n%s", got, predicted, out)
	}
	if !strings.Contains(out, "~: a load near 1 (0.85 < ρ < 1.15)") {
		t.Errorf("no footnote for ~:\n%s", out)
	}
	var c strings.Builder
	if err := WriteCSV(&c, o); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(c.String()), "\n")
	if !strings.HasSuffix(lines[0], ",z,approximate") || strings.Count(c.String(), ",true\n") != predicted {
		t.Errorf("CSV: header %q, %d rows true, want %d", lines[0], strings.Count(c.String(), ",true\n"), predicted)
	}
}
