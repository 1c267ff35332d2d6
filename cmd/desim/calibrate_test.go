package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"desim/scenarios"
	"desim/sim"
)

// originalRuns holds the five runs of the original Python implementation
// (A1, A5, B1, B4, C1) that package analysis/calibrate ships as its test
// data, read in place rather than copied: one copy in the repository.
const originalRuns = "../../analysis/calibrate/testdata/original"

// validateSeeds is the number of simulated seeds given to "validate
// --logs" here: one recorded run's smallest p-value among N seeds is
// 2/(N+1), which must be at most Holm's first threshold 0.01/m for a
// family of up to m = 39 comparisons (three machines), so N ≥ 7812. With
// 5000 the output says "power: NONE" (A5: 2/5001 = 4.0e-4 above 3.1e-4).
const validateSeeds = "8000"

// originalMeta reads the rates and die of an original run's meta.json.
func originalMeta(t *testing.T, dir string) (rates []sim.Rate, die int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Rates []float64 `json:"rates_per_s"`
		R     int       `json:"R_random_event"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s/meta.json: %v", dir, err)
	}
	for _, r := range m.Rates {
		rates = append(rates, sim.MustRate(strconv.FormatFloat(r, 'f', -1, 64)))
	}
	return rates, m.R
}

var dieComment = regexp.MustCompile(`(?m)^# die: maximum-likelihood R = (\d+), 99 % likelihood-ratio interval \[(\d+), (\d+)\]`)

// calibrated runs "desim calibrate" on the runs into dir/calibrated.yaml and
// returns the file, the scenario it holds and the die's 99 % interval from
// its comment (which must agree with the scenario's die).
func calibrated(t *testing.T, dir string, runs ...string) (file string, s *scenarios.Scenario, lo, hi int) {
	t.Helper()
	file = filepath.Join(dir, "calibrated.yaml")
	mustRun(t, append(append([]string{"calibrate"}, runs...), "-o", file)...)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s, err = scenarios.Parse(file, b)
	if err != nil {
		t.Fatalf("the calibrated scenario does not load: %v\n%s", err, b)
	}
	m := dieComment.FindSubmatch(b)
	if m == nil {
		t.Fatalf("no die comment in:\n%s", b)
	}
	r, _ := strconv.Atoi(string(m[1]))
	lo, _ = strconv.Atoi(string(m[2]))
	hi, _ = strconv.Atoi(string(m[3]))
	if r != s.Die || lo > r || r > hi {
		t.Errorf("die %d, comment R̂ = %d in [%d, %d]", s.Die, r, lo, hi)
	}
	return file, s, lo, hi
}

// verdicts returns the verdict of every row of a validation table, by
// "machine metric" ("0 clock_slope").
func verdicts(out string) map[string]string {
	v := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		if _, err := strconv.Atoi(f[0]); err != nil {
			continue
		}
		v[f[0]+" "+f[1]] = f[len(f)-1]
	}
	return v
}

// checkPower fails the test unless the validation's output says that its
// seeds can reject something.
func checkPower(t *testing.T, out string) {
	t.Helper()
	if !strings.Contains(out, "\npower: with "+validateSeeds+" simulated seeds") || strings.Contains(out, "power: NONE") {
		t.Errorf("the validation has no power with %s seeds:\n%s", validateSeeds, out)
	}
}

// TestCalibrateOriginalRuns is issue 12's "done when" through the CLI, on
// each shipped run of the original implementation: "desim calibrate RUN"
// exits 0 with meta.json's rates in its YAML and a die whose 99 %
// interval, in the YAML's comment, holds meta.json's R; "desim validate
// --logs RUN CALIBRATED.yaml" exits 0; "desim validate --logs RUN
// BUILTIN" with the plain built-in of the same rates (none for C1) exits
// 1, rejecting the clock slope of every machine at the fastest rate.
func TestCalibrateOriginalRuns(t *testing.T) {
	tests := []struct{ run, builtin string }{
		{"A1", "A1"},
		{"A5", "A5"},
		{"B1", "B1"},
		{"B4", "B4"},
		{"C1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.run, func(t *testing.T) {
			if (raceDetector || strconv.IntSize == 32) && tt.run != "A5" {
				t.Skip("only A5 under the race detector and as a 32-bit program, which slow these validations 17 and 10 times (2 s for all five otherwise): all five run in a plain go test, and experiment's TestOriginalRunsCalibrateValidate validates them in make test's 32-bit run")
			}
			run := filepath.Join(originalRuns, tt.run)
			rates, die := originalMeta(t, run)
			file, s, lo, hi := calibrated(t, t.TempDir(), run)
			if got := s.Rates(); len(got) != len(rates) {
				t.Fatalf("%d machines, meta.json has %d", len(got), len(rates))
			}
			for i, m := range s.Machines {
				if m.Rate != rates[i] {
					t.Errorf("machine %d: rate %s, meta.json says %s", i, m.Rate, rates[i])
				}
				if m.Timing.OvershootMean <= 0 {
					t.Errorf("machine %d: no overshoot (%s) in the calibrated scenario", i, m.Timing.OvershootMean)
				}
			}
			if lo > die || hi < die {
				t.Errorf("die interval [%d, %d] does not hold meta.json's R = %d", lo, hi, die)
			}

			r := desim("validate", "--logs", run, file, "--seeds", validateSeeds)
			if r.code != 0 || !strings.Contains(r.stdout, "\nPASS: ") {
				t.Errorf("validate --logs against the calibrated scenario: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			checkPower(t, r.stdout)

			if tt.builtin == "" {
				return
			}
			b, err := scenarios.Builtin(tt.builtin)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(b.Rates(), s.Rates()) || b.Timed() {
				t.Fatalf("built-in %s: rates %v (timed %v), want the run's %v and no timing", b.Name, b.Rates(), b.Timed(), s.Rates())
			}
			r = desim("validate", "--logs", run, tt.builtin, "--seeds", validateSeeds)
			if r.code != 1 || !strings.Contains(r.stdout, "\nFAIL: ") {
				t.Fatalf("validate --logs against the plain built-in: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			checkPower(t, r.stdout)
			v := verdicts(r.stdout)
			fastest := slices.Max(b.Rates())
			for i, rate := range b.Rates() {
				if rate != fastest {
					continue
				}
				if got := v[fmt.Sprintf("%d clock_slope", i)]; got != "OUTSIDE" && got != "REJECTED" {
					t.Errorf("machine %d (%g c/s): clock_slope verdict %q, want OUTSIDE or REJECTED\n%s", i, rate, got, r.stdout)
				}
			}
		})
	}
}

// ownScenario is a scenario with a known timing model, for calibrating
// desim's own logs: a fractional rate, starts apart, overshoots of
// different sizes.
const ownScenario = `name: own
seed: 1
duration: 60s
die: 5
latency: 100us
jitter: 0s
timing:
  overshoot: {mean: 400us, sd: 120us}
machines:
  - rate: 6
  - rate: 4
    start: 30ms
  - rate: 5/2
    start: 12ms
    timing:
      overshoot: {mean: 1ms, sd: 300us}
`

// TestCalibrateOwnLogs calibrates runs that desim simulated ("desim run
// --out DIR") with a known timing model: the rates come back exactly, the
// die's 99 % interval holds the scenario's, every machine has an
// overshoot, and "desim validate --logs DIR CALIBRATED.yaml" exits 0. Two
// seeds: the statistical recovery (overshoot means within 10 %, starts
// within 5 ms, over seeds) is analysis/calibrate's TestEngineTiming.
func TestCalibrateOwnLogs(t *testing.T) {
	dir := t.TempDir()
	scen := filepath.Join(dir, "own.yaml")
	writeTestFile(t, scen, ownScenario)
	want, err := scenarios.Load(scen)
	if err != nil {
		t.Fatal(err)
	}
	for _, seed := range []string{"1", "2"} {
		t.Run("seed="+seed, func(t *testing.T) {
			if raceDetector && seed != "1" {
				t.Skip("under the race detector one seed: it slows the validation's simulations seventeenfold")
			}
			tmp := t.TempDir()
			run := filepath.Join(tmp, "run")
			mustRun(t, "run", scen, "--seed", seed, "--out", run, "--quiet")
			file, s, lo, hi := calibrated(t, tmp, run)
			if len(s.Machines) != len(want.Machines) {
				t.Fatalf("%d machines, want %d", len(s.Machines), len(want.Machines))
			}
			for i, m := range s.Machines {
				if m.Rate != want.Machines[i].Rate {
					t.Errorf("machine %d: rate %s, want %s", i, m.Rate, want.Machines[i].Rate)
				}
				if m.Timing.OvershootMean <= 0 {
					t.Errorf("machine %d: no overshoot in the calibrated scenario", i)
				}
			}
			if lo > want.Die || hi < want.Die {
				t.Errorf("die interval [%d, %d] does not hold the scenario's %d", lo, hi, want.Die)
			}
			r := desim("validate", "--logs", run, file, "--seeds", validateSeeds)
			if r.code != 0 {
				t.Errorf("validate --logs against the calibrated scenario: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, ", 60s of scenario time each") {
				t.Errorf("not validated over the run's 60s:\n%s", r.stdout)
			}
			checkPower(t, r.stdout)
		})
	}
}

// subMsScenario is a scenario whose machines start less than a
// millisecond apart, as desim's real runs do, and more than the latency
// apart: machine 0 sends on its first tick (a die of 4 faces: with
// probability 3/4), and its message reaches machine 2 before machine 2's
// first tick, which is then a receive. No timing model: the starts alone.
const subMsScenario = `name: subms
seed: 1
duration: 10s
die: 4
latency: 100us
jitter: 0s
machines:
  - rate: 6
  - rate: 4
    start: 250us
  - rate: 2
    start: 400us
`

// TestCalibrateSubMillisecondStarts calibrates desim's own runs of
// subMsScenario and validates each against its calibrated scenario, which
// must pass. It failed for seeds 1 and 3 (and 10 of seeds 1..20) while the
// calibrated scenario rounded each start to 1 ms (fixed in be79a28: to
// 1 µs): all three machines then started at 0, a first tick could no
// longer be a receive, and machine 2's receives, 20 of its 20 ticks in the
// run, lay above every simulated seed's (p = 2.5e-4, rejected). Real runs
// on this host did the same (their machines' first ticks are 0.1–0.5 ms
// apart): see TestCalibrateRealSleepTicker.
func TestCalibrateSubMillisecondStarts(t *testing.T) {
	dir := t.TempDir()
	scen := filepath.Join(dir, "subms.yaml")
	writeTestFile(t, scen, subMsScenario)
	want, err := scenarios.Load(scen)
	if err != nil {
		t.Fatal(err)
	}
	for _, seed := range []string{"1", "2", "3", "4"} {
		t.Run("seed="+seed, func(t *testing.T) {
			if raceDetector && seed != "1" {
				t.Skip("under the race detector one seed: it slows the validation's simulations seventeenfold")
			}
			tmp := t.TempDir()
			run := filepath.Join(tmp, "run")
			mustRun(t, "run", scen, "--seed", seed, "--out", run, "--quiet")
			file, s, _, _ := calibrated(t, tmp, run)
			r := desim("validate", "--logs", run, file, "--seeds", validateSeeds)
			if r.code != 0 {
				var starts []string
				for i, m := range s.Machines {
					starts = append(starts, fmt.Sprintf("machine %d: %s (true %s)", i, m.Start, want.Machines[i].Start))
				}
				t.Errorf("validate --logs against the calibrated scenario: exit %d, want 0; calibrated starts %s\n%s", r.code, strings.Join(starts, ", "), r.stdout)
			}
			checkPower(t, r.stdout)
		})
	}
}

// TestCalibrateRealSleepTicker calibrates a run of "desim real --ticker
// sleep", which ticks as the original implementation did (a period after
// each tick's work), and validates the run against the calibrated
// scenario: the end-to-end check of the timing model. It runs
// processes for 10 s of wall time and is skipped with -short.
//
// Tolerances, wider than for simulated logs because this is a real run on
// a loaded 2-core host: the rates must come back exactly (the rate rule
// allows a mean overshoot up to 2 ms; this host shows 0.1–0.3 ms); every
// machine's mean overshoot must be positive (a sleep never returns early)
// and under 2 ms; the die's 99 % interval must hold the scenario's 4
// (which free ticks there are depends on the run's timing, so this can
// fail by chance, at most 1 % of the time); the starts must be within
// 5 ms of each other (the machines start together; their first ticks
// are 0.1–0.5 ms apart here); "validate --logs" must exit 0.
//
// Before be79a28 the validation failed in some runs (2 of 7 while this
// test was written, each on machine 2's receives: 20 of its 20 ticks), for
// the reason TestCalibrateSubMillisecondStarts shows deterministically;
// with the starts calibrated to 1 µs it passed 8 of 8.
func TestCalibrateRealSleepTicker(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end tests with processes are skipped with -short")
	}
	bin := buildDesim(t, t.TempDir())
	dir := t.TempDir()
	scen := filepath.Join(dir, "small.yaml")
	writeTestFile(t, scen, "name: small\nseed: 1\nduration: 10s\ndie: 4\nmachines:\n  - rate: 6\n  - rate: 4\n  - rate: 2\n")
	want, err := scenarios.Load(scen)
	if err != nil {
		t.Fatal(err)
	}
	// A real run on a loaded host is one draw: the die's 99 % interval
	// misses by chance in 1 % of runs, the validation fails a correct model
	// in at most 1 %, and loopback may beat the assumed 100us latency. One
	// retry makes a chance failure of both attempts rare (about 1e-3),
	// while a systematic fault fails both.
	var problems []string
	for attempt := 1; attempt <= 2; attempt++ {
		problems = sleepTickerAttempt(t, bin, dir, scen, want, attempt)
		if len(problems) == 0 {
			return
		}
		t.Logf("attempt %d:\n%s", attempt, strings.Join(problems, "\n"))
	}
	t.Errorf("both attempts failed; the last:\n%s", strings.Join(problems, "\n"))
}

// sleepTickerAttempt runs the scenario once with the sleep ticker,
// calibrates the run and validates it against its calibration; it returns
// what went wrong.
func sleepTickerAttempt(t *testing.T, bin, dir, scen string, want *scenarios.Scenario, attempt int) []string {
	var problems []string
	errorf := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	run := filepath.Join(dir, fmt.Sprintf("run-%d", attempt))
	p := startDesim(t, bin, "real", scen, "--ticker", "sleep", "--speed", "1", "--duration", "10s", "--out", run)
	if code := p.wait(t); code != 0 {
		t.Fatalf("desim real: exit %d\nstdout:\n%s\nstderr:\n%s", code, p.stdout, p.stderr)
	}
	file, s, lo, hi := calibrated(t, dir, run)
	if len(s.Machines) != len(want.Machines) {
		t.Fatalf("%d machines, want %d", len(s.Machines), len(want.Machines))
	}
	for i, m := range s.Machines {
		if m.Rate != want.Machines[i].Rate {
			errorf("machine %d: rate %s, want %s", i, m.Rate, want.Machines[i].Rate)
		}
		if o := m.Timing.OvershootMean; o <= 0 || o >= 2*time.Millisecond {
			errorf("machine %d: mean overshoot %s, want in (0, 2ms)", i, o)
		}
		if m.Start > 5*time.Millisecond {
			errorf("machine %d: start %s, want within 5ms of the earliest", i, m.Start)
		}
	}
	if lo > want.Die || hi < want.Die {
		errorf("die interval [%d, %d] does not hold the scenario's %d", lo, hi, want.Die)
	}
	r := desim("validate", "--logs", run, file, "--seeds", validateSeeds)
	if r.code != 0 {
		b, _ := os.ReadFile(file)
		errorf("validate --logs against the calibrated scenario: exit %d, want 0\n%s\ncalibrated:\n%s", r.code, r.stdout, b)
	}
	checkPower(t, r.stdout)
	return problems
}

// TestCalibrateBadInput: bad runs and options exit 2 with a message that
// names what is wrong: the file, and the line where one is at fault.
func TestCalibrateBadInput(t *testing.T) {
	dir := t.TempDir()
	a5 := filepath.Join(originalRuns, "A5")

	// A5 with line 5 of machine-1.csv corrupted.
	bad := filepath.Join(dir, "bad")
	if err := os.Mkdir(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		name := fmt.Sprintf("machine-%d.csv", i)
		b, err := os.ReadFile(filepath.Join(a5, name))
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			lines := strings.SplitAfter(string(b), "\n")
			lines[4] = "internal,17960108x59.09,0,5\n"
			b = []byte(strings.Join(lines, ""))
		}
		writeTestFile(t, filepath.Join(bad, name), string(b))
	}

	// A run of 2 machines, and a 2-machine scenario.
	two := filepath.Join(dir, "two.yaml")
	writeTestFile(t, two, "name: two\nseed: 1\nduration: 20s\ndie: 4\nmachines:\n  - rate: 6\n  - rate: 3\n")
	tworun := filepath.Join(dir, "tworun")
	mustRun(t, "run", two, "--out", tworun, "--quiet")

	missing := filepath.Join(dir, "no-such-run")
	tests := []struct {
		name string
		args []string
		want []string // in stderr
	}{
		{"calibrate: no such run", []string{"calibrate", missing}, []string{missing}},
		{"validate: no such run", []string{"validate", "--logs", missing, "A5"}, []string{missing}},
		{"calibrate: malformed line", []string{"calibrate", bad}, []string{filepath.Join(bad, "machine-1.csv") + ":5: ", "17960108x59.09"}},
		{"validate: malformed line", []string{"validate", "--logs", bad, "A5"}, []string{filepath.Join(bad, "machine-1.csv") + ":5: ", "17960108x59.09"}},
		{"calibrate: 3 machines, then 2", []string{"calibrate", a5, tworun}, []string{filepath.Join(tworun, "machine-0.csv") + ": ", "2 machines", "has 3"}},
		{"calibrate: 2 machines, then 3", []string{"calibrate", tworun, a5}, []string{filepath.Join(a5, "machine-0.csv") + ": ", "3 machines", "has 2"}},
		{"validate: 3-machine run, 2-machine scenario", []string{"validate", "--logs", a5, two}, []string{a5 + ": 3 machines", "scenario two has 2"}},
		{"validate: 2-machine run among 3", []string{"validate", "--logs", a5, tworun, "A5"}, []string{tworun + ": 2 machines", "scenario A5 has 3"}},
		{"rates: not a number", []string{"calibrate", a5, "--rates", "6,x,2"}, []string{`--rates "6,x,2"`, `rate "x"`}},
		{"rates: too few", []string{"calibrate", a5, "--rates", "6,4"}, []string{"2 rates given for 3 machines"}},
		{"rates: a machine ticks faster than given", []string{"calibrate", a5, "--rates", "6,4,1.9"}, []string{filepath.Join(a5, "machine-2.csv") + ": ", "faster than the given rate 1.9"}},
		{"max-overshoot: negative", []string{"calibrate", a5, "--max-overshoot", "-1ms"}, []string{"--max-overshoot -1ms"}},
		{"max-overshoot: negative, with =", []string{"calibrate", a5, "--max-overshoot=-1ms"}, []string{"--max-overshoot -1ms"}},
		{"validate: no scenario", []string{"validate", "--logs", a5}, []string{"--logs: need the recorded RUN directories, then the SCENARIO"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := desim(tt.args...)
			if r.code != 2 {
				t.Fatalf("desim %s: exit %d, want 2\nstdout:\n%s\nstderr:\n%s", strings.Join(tt.args, " "), r.code, r.stdout, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, r.stderr)
				}
			}
			if r.stdout != "" {
				t.Errorf("output on stdout:\n%s", r.stdout)
			}
			noPanic(t, "stderr", r.stderr)
		})
	}
}

// raceDetector is set by race_calibrate_test.go in builds with -race.
var raceDetector bool
