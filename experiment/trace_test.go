package experiment

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"desim/internal/golden"
	"desim/scenarios"
)

// traceGoldens are the built-ins whose messages.csv of seed 1 for 60 s is
// kept under testdata/golden/<name>/ beside their logs.
var traceGoldens = []string{"A1", "A2", "A3", "B2"}

// loadFor loads a built-in with seed 1 for d.
func loadFor(t testing.TB, name string, d time.Duration) *scenarios.Scenario {
	t.Helper()
	one := uint64(1)
	s, err := Load(name, Overrides{Seed: &one, Duration: d})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A traced run writes messages.csv beside logs that are exactly the
// untraced run's (the golden logs of TestGolden), the same bytes as the
// golden trace; every built-in's trace passes Check against its logs.
func TestTracedRunGoldenAndCheck(t *testing.T) {
	for _, name := range scenarios.Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := loadFor(t, name, time.Minute)
			dir := Dir(filepath.Join(t.TempDir(), "run"))
			sum, err := SimulateToDirTraced(context.Background(), s, dir, true)
			if err != nil {
				t.Fatal(err)
			}
			gold := filepath.Join("..", "testdata", "golden", name)
			for i := range s.Machines {
				if !bytes.Equal(readFile(t, dir.Log(i)), readFile(t, filepath.Join(gold, LogName(i)))) {
					t.Errorf("%s differs from the untraced run's golden log", LogName(i))
				}
			}
			if !bytes.Equal(readFile(t, dir.Summary()), readFile(t, filepath.Join(gold, SummaryFile))) || sum == nil {
				t.Error("summary.json differs from the untraced run's")
			}
			for _, g := range traceGoldens {
				if g == name {
					golden.Check(t, filepath.Join(gold, MessagesFile), readFile(t, dir.Messages()))
				}
			}
			tr, err := OpenTraced(string(dir))
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.Check(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Scenarios with latency, jitter and start offsets: their traces pass
// Check, and a replay from scenario.yaml gives the same bytes.
func TestTracedScenarios(t *testing.T) {
	for name, yaml := range map[string]string{
		"latency": "duration: 90s\ndie: 10\nlatency: 700ms\nmachines:\n  - rate: 6\n  - rate: 1\n  - rate: 2\n",
		"jitter":  "duration: 90s\ndie: 4\nlatency: 1ms\njitter: 900ms\nmachines:\n  - rate: 6\n  - rate: 5\n  - rate: 4\n",
		"offsets": "duration: 60s\ndie: 10\njitter: 30ms\nmachines:\n  - rate: 6\n    start: 1.5s\n  - rate: 1\n  - rate: 5/2\n    start: 333ms\n",
		"zero":    "duration: 30s\ndie: 3\nlatency: 0s\nmachines:\n  - rate: 4\n  - rate: 2\n  - rate: 4\n",
		"four":    "duration: 60s\ndie: 6\nlatency: 50ms\njitter: 200ms\nmachines:\n  - rate: 6\n  - rate: 1\n  - rate: 3\n  - rate: 1/2\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			sc := filepath.Join(tmp, name+".yaml")
			if err := os.WriteFile(sc, []byte(yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := Load(sc, Overrides{})
			if err != nil {
				t.Fatal(err)
			}
			a, b := Dir(filepath.Join(tmp, "a")), Dir(filepath.Join(tmp, "b"))
			if _, err := SimulateToDirTraced(context.Background(), s, a, true); err != nil {
				t.Fatal(err)
			}
			tr, err := OpenTraced(string(a))
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.Check(); err != nil {
				t.Fatal(err)
			}
			replay, err := Load(a.Scenario(), Overrides{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := SimulateToDirTraced(context.Background(), replay, b, true); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{MessagesFile, LogName(0), SummaryFile} {
				if !bytes.Equal(readFile(t, filepath.Join(string(a), f)), readFile(t, filepath.Join(string(b), f))) {
					t.Errorf("replay: %s differs", f)
				}
			}
		})
	}
}

// The trace is written with the run, all or nothing: an interrupted run
// leaves no directory; an untraced run over a traced one removes the
// trace that no longer matches; a traced run over an untraced one adds it.
func TestTracedRunAtomic(t *testing.T) {
	s := loadFor(t, "A3", 20*time.Second)
	tmp := t.TempDir()
	dir := Dir(filepath.Join(tmp, "run"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := SimulateToDirTraced(ctx, s, dir, true); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	if _, err := os.Stat(string(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a cancelled run left %s behind", dir)
	}
	if _, err := SimulateToDirTraced(context.Background(), s, dir, true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir.Messages()); err != nil {
		t.Fatal(err)
	}
	// An interrupted traced run keeps the earlier run whole.
	before := readFile(t, dir.Messages())
	if _, err := SimulateToDirTraced(ctx, loadFor(t, "A3", 30*time.Second), dir, true); err == nil {
		t.Fatal("cancelled run: no error")
	}
	if !bytes.Equal(readFile(t, dir.Messages()), before) {
		t.Error("an interrupted run changed the earlier trace")
	}
	entries, _ := os.ReadDir(string(dir))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	if _, err := SimulateToDirTraced(context.Background(), s, dir, false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir.Messages()); !errors.Is(err, os.ErrNotExist) {
		t.Error("an untraced run kept the earlier run's trace")
	}
	if _, err := OpenTraced(string(dir)); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "--trace") {
		t.Errorf("untraced run: %v, want bad input that asks for --trace", err)
	}
}

// Opening and reading a traced run: bad input for what is not one, or
// does not match its logs; the exports and the diagram write their files.
func TestTracedOpenAndExports(t *testing.T) {
	s := loadFor(t, "A2", 20*time.Second)
	tmp := t.TempDir()
	dir := Dir(filepath.Join(tmp, "run"))
	if _, err := SimulateToDirTraced(context.Background(), s, dir, true); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(tmp, "none"), dir.Log(0), tmp} {
		if _, err := OpenTraced(p); !errors.Is(err, ErrInput) {
			t.Errorf("OpenTraced(%s): %v, want bad input", p, err)
		}
	}
	tr, err := OpenTraced(string(dir))
	if err != nil {
		t.Fatal(err)
	}
	if ex := tr.Export(); ex.Title != "A2, seed 1" || ex.Machines[1].Label != "machine 1 (1 c/s)" || ex.Machines[0].Period != 166666666 || ex.Duration != 20e9 {
		t.Errorf("export info %+v", ex)
	}
	out := filepath.Join(tmp, "out")
	os.Mkdir(out, 0o755)
	if err := tr.WritePerfetto(filepath.Join(out, "run.json"), nil); err != nil {
		t.Fatal(err)
	}
	if err := tr.WriteShiViz(filepath.Join(out, "run.log"), nil); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	if err := tr.WriteShiViz("-", &stdout); err != nil || !bytes.Equal(stdout.Bytes(), readFile(t, filepath.Join(out, "run.log"))) {
		t.Errorf("shiviz to stdout: %v", err)
	}
	for _, f := range []string{"st.png", "st.svg", "st.pdf"} {
		if err := tr.DrawSpacetime(filepath.Join(out, f), SpacetimeFlags{From: "2", To: "8s", Machines: "2,0"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []SpacetimeFlags{{From: "x"}, {To: "-1s"}, {Machines: "0,a"}, {Machines: "7"}, {From: "5", To: "4"}, {From: "30s"}} {
		if err := tr.DrawSpacetime(filepath.Join(out, "bad.png"), f); !errors.Is(err, ErrInput) {
			t.Errorf("%+v: %v, want bad input", f, err)
		}
	}
	if err := tr.DrawSpacetime(filepath.Join(out, "st.gif"), SpacetimeFlags{}); !errors.Is(err, ErrInput) {
		t.Errorf("gif: %v", err)
	}
	entries, _ := os.ReadDir(out)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if fmt.Sprint(names) != "[run.json run.log st.pdf st.png st.svg]" {
		t.Errorf("wrote %v", names)
	}
	// A trace of another run is refused as bad input.
	other := Dir(filepath.Join(tmp, "other"))
	s2 := loadFor(t, "A2", 20*time.Second)
	s2.Seed = 2
	if _, err := SimulateToDirTraced(context.Background(), s2, other, true); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(dir.Messages(), readFile(t, other.Messages()), 0o644)
	if err := tr.Check(); !errors.Is(err, ErrInput) {
		t.Errorf("Check of another run's trace: %v", err)
	}
	if err := tr.WritePerfetto(filepath.Join(out, "x.json"), nil); !errors.Is(err, ErrInput) {
		t.Errorf("export of another run's trace: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "x.json")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a failed export left its file")
	}
}

// tracedA1 writes a traced A1 run of an hour (64,800 ticks) once per
// benchmark.
func tracedA1(b *testing.B) *Traced {
	s := loadFor(b, "A1", time.Hour)
	dir := Dir(filepath.Join(b.TempDir(), "run"))
	if _, err := SimulateToDirTraced(context.Background(), s, dir, true); err != nil {
		b.Fatal(err)
	}
	tr, err := OpenTraced(string(dir))
	if err != nil {
		b.Fatal(err)
	}
	return tr
}

// BenchmarkTracedRun is "desim run A1 --duration 1h" without the command
// line, untraced and traced: logs, summary and, traced, messages.csv into
// a run directory. messages/s counts the trace's lines over the whole
// run's time; the difference between the two is the trace's cost.
func BenchmarkTracedRun(b *testing.B) {
	s := loadFor(b, "A1", time.Hour)
	for _, traced := range []bool{false, true} {
		b.Run(fmt.Sprintf("traced=%v", traced), func(b *testing.B) {
			dir := Dir(filepath.Join(b.TempDir(), "run"))
			if _, err := SimulateToDirTraced(context.Background(), s, dir, true); err != nil {
				b.Fatal(err)
			}
			msgs := int64(bytes.Count(readFile(b, dir.Messages()), []byte{'\n'}) - 1)
			for b.Loop() {
				if _, err := SimulateToDirTraced(context.Background(), s, dir, traced); err != nil {
					b.Fatal(err)
				}
			}
			if traced {
				b.ReportMetric(float64(msgs)*float64(b.N)/b.Elapsed().Seconds(), "messages/s")
			}
		})
	}
}

// BenchmarkExportPerfetto and BenchmarkExportShiViz export a 3600 s A1
// run. Target: under a second each.
func BenchmarkExportPerfetto(b *testing.B) {
	tr := tracedA1(b)
	for b.Loop() {
		if err := writeStream("-", io.Discard, func(w io.Writer) error { return tr.WritePerfetto("-", w) }); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExportShiViz(b *testing.B) {
	tr := tracedA1(b)
	for b.Loop() {
		if err := tr.WriteShiViz("-", io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSpacetime draws the default 10 s window of a 3600 s A1 run to a
// PNG file. Target: under a second.
func BenchmarkSpacetime(b *testing.B) {
	tr := tracedA1(b)
	out := filepath.Join(b.TempDir(), "st.png")
	for b.Loop() {
		if err := tr.DrawSpacetime(out, SpacetimeFlags{}); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzSpacetimeFlags parses arbitrary --from, --to and --machines values:
// nothing panics, every refusal is bad input naming its flag, and what is
// accepted is what time.ParseDuration and strconv.Atoi read.
func FuzzSpacetimeFlags(f *testing.F) {
	for _, c := range [][3]string{
		{"", "", ""}, {"2.5", "1m30s", "2,0"}, {"0", "10", " 1 , 2 "}, {"-1", "", ""}, {"x", "", ""},
		{"", "5s", "0,,1"}, {"1e3", "", "-2"}, {"9223372036", "", "99999999999999999999"}, {"1h", "2h", "0"},
	} {
		f.Add(c[0], c[1], c[2])
	}
	f.Fuzz(func(t *testing.T, from, to, machines string) {
		opt, err := SpacetimeFlags{From: from, To: to, Machines: machines}.options()
		if err != nil {
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "--") {
				t.Fatalf("error %v is not bad input naming its flag", err)
			}
			return
		}
		want := func(s string) int64 {
			if s == "" {
				return 0
			}
			d, err := time.ParseDuration(s)
			if err != nil {
				d, _ = time.ParseDuration(s + "s")
			}
			return int64(d)
		}
		if opt.From != want(from) || opt.To != want(to) || opt.From < 0 || opt.To < 0 || opt.ToSet != (to != "") {
			t.Fatalf("%q %q: %+v", from, to, opt)
		}
		if machines == "" && opt.Machines != nil || machines != "" && len(opt.Machines) != strings.Count(machines, ",")+1 {
			t.Fatalf("machines %q: %v", machines, opt.Machines)
		}
		for _, m := range opt.Machines {
			if m < 0 {
				t.Fatalf("machines %q: %v", machines, opt.Machines)
			}
		}
	})
}
