package scenarios

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"desim/sim"
)

// timingYAML has a scenario-level timing block and machine overrides, with
// the machines before the timing block: a machine's block is resolved
// against the scenario's wherever the two stand in the file.
const timingYAML = `name: T
duration: 60s
die: 10
machines:
  - rate: 6
  - rate: 6
    timing:
      overshoot: {mean: 1ms}
  - rate: 1
    start: 2s
    timing:
      overshoot: {sd: 0s}
      start_spread: 0s
timing:
  overshoot: {mean: 400us, sd: 120us}
  start_spread: 60ms
`

func TestParseTiming(t *testing.T) {
	s, err := Parse(parseFile, []byte(timingYAML))
	if err != nil {
		t.Fatal(err)
	}
	base := Timing{OvershootMean: 400 * time.Microsecond, OvershootSD: 120 * time.Microsecond, StartSpread: 60 * time.Millisecond}
	want := []Timing{
		base,
		{OvershootMean: time.Millisecond, OvershootSD: 120 * time.Microsecond, StartSpread: 60 * time.Millisecond},
		{OvershootMean: 400 * time.Microsecond},
	}
	if s.Timing != base {
		t.Errorf("scenario timing %+v, want %+v", s.Timing, base)
	}
	for i, w := range want {
		if s.Machines[i].Timing != w {
			t.Errorf("machine %d timing %+v, want %+v", i, s.Machines[i].Timing, w)
		}
	}
	cfg := s.Config(3)
	wantCfg := []sim.MachineConfig{
		{Rate: sim.MustRate("6"), Overshoot: sim.Overshoot{Mean: 400_000, SD: 120_000}, StartSpread: 60e6},
		{Rate: sim.MustRate("6"), Overshoot: sim.Overshoot{Mean: 1_000_000, SD: 120_000}, StartSpread: 60e6},
		{Rate: sim.MustRate("1"), Start: 2e9, Overshoot: sim.Overshoot{Mean: 400_000}},
	}
	if !reflect.DeepEqual(cfg.Machines, wantCfg) {
		t.Errorf("Config machines %+v\nwant %+v", cfg.Machines, wantCfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if !s.Timed() {
		t.Error("Timed() = false")
	}
	checkRoundTrip(t, parseFile, s)

	// A machine block alone, without a scenario-level one.
	s, err = Parse(parseFile, []byte(head+"  - rate: 6\n    timing: {start_spread: 5ms}\n  - rate: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Timing != (Timing{}) || s.Machines[0].Timing != (Timing{StartSpread: 5 * time.Millisecond}) || s.Machines[1].Timing != (Timing{}) {
		t.Errorf("timings %+v, %+v, %+v", s.Timing, s.Machines[0].Timing, s.Machines[1].Timing)
	}
	checkRoundTrip(t, parseFile, s)
}

// timingErrorCases are timing blocks that Parse must reject, with the line
// and a piece of the message.
var timingErrorCases = []struct {
	name string
	yaml string
	line int
	msg  string
}{
	{"timing a scalar", head + twoMachines + "timing: 400us\n", 6, `timing must be a mapping (overshoot: {mean: 400us, sd: 120us}, start_spread: 60ms), found the value "400us"`},
	{"timing null", head + twoMachines + "timing:\n", 6, "timing must be a mapping"},
	{"unknown timing key", head + twoMachines + "timing:\n  overshot: {mean: 1ms}\n", 7, `timing: unknown key "overshot" (known: overshoot, start_spread); did you mean overshoot?`},
	{"duplicate timing key", head + twoMachines + "timing:\n  start_spread: 1ms\n  start_spread: 2ms\n", 8, "timing: start_spread appears twice"},
	{"overshoot a scalar", head + twoMachines + "timing:\n  overshoot: 400us\n", 7, `timing: overshoot must be a mapping ({mean: 400us, sd: 120us}), found the value "400us"`},
	{"overshoot without mean", head + twoMachines + "timing:\n  overshoot: {sd: 1ms}\n", 7, "timing: overshoot needs a mean"},
	{"unknown overshoot key", head + twoMachines + "timing:\n  overshoot: {mean: 1ms, stddev: 1ms}\n", 7, `timing: overshoot: unknown key "stddev" (known: mean, sd)`},
	{"duplicate overshoot key", head + twoMachines + "timing:\n  overshoot:\n    mean: 1ms\n    mean: 2ms\n", 9, "timing: overshoot: mean appears twice"},
	{"mean without unit", head + twoMachines + "timing:\n  overshoot: {mean: 400}\n", 7, `timing: overshoot mean "400" needs a unit`},
	{"mean not a duration", head + twoMachines + "timing:\n  overshoot: {mean: soon}\n", 7, `timing: overshoot mean "soon" is not a duration`},
	{"mean negative", head + twoMachines + "timing:\n  overshoot: {mean: -1us}\n", 7, "timing: overshoot mean -1us is not in [0, 1s]"},
	{"mean above 1s", head + twoMachines + "timing:\n  overshoot: {mean: 1001ms}\n", 7, "timing: overshoot mean 1001ms is not in [0, 1s]"},
	{"sd above 1s", head + twoMachines + "timing:\n  overshoot: {mean: 1s, sd: 2s}\n", 7, "timing: overshoot sd 2s is not in [0, 1s]"},
	{"sd above 10 means", head + twoMachines + "timing:\n  overshoot: {mean: 10us, sd: 101us}\n", 7, "timing: overshoot sd 101us is more than 10 times its mean 10us"},
	{"spread negative", head + twoMachines + "timing:\n  start_spread: -1ms\n", 7, "timing: start_spread -1ms is not in [0, 10^7 s]"},
	{"spread too large", head + twoMachines + "timing:\n  start_spread: 10000001s\n", 7, "timing: start_spread 10000001s is not in [0, 10^7 s]"},
	{"spread past the end", head + "  - rate: 6\n    start: 59s\n  - rate: 1\ntiming:\n  start_spread: 1001ms\n", 4, "machine 0 may start as late as start 59s + start_spread 1001ms, past the end of the run (60s)"},
	{"machine timing a list", head + "  - rate: 6\n    timing: [1ms]\n  - rate: 1\n", 5, "machine 0: timing must be a mapping"},
	{"machine unknown timing key", head + "  - rate: 6\n  - rate: 1\n    timing: {spread: 1ms}\n", 6, `machine 1: timing: unknown key "spread" (known: overshoot, start_spread)`},
	{"machine mean too large", head + "  - rate: 6\n  - rate: 1\n    timing:\n      overshoot: {mean: 2s}\n", 7, "machine 1: timing: overshoot mean 2s is not in [0, 1s]"},
	{"machine sd against the scenario's mean", head + "  - rate: 6\n  - rate: 1\n    timing: {overshoot: {sd: 5ms}}\ntiming:\n  overshoot: {mean: 100us}\n", 6, "machine 1: timing: overshoot sd 5ms is more than 10 times its mean 100us"},
	{"machine spread past the end", head + "  - rate: 6\n  - rate: 1\n    timing: {start_spread: 61s}\n", 5, "machine 1 may start as late as start 0s + start_spread 61s, past the end of the run (60s)"},
}

func TestParseTimingErrors(t *testing.T) {
	for _, c := range timingErrorCases {
		t.Run(c.name, func(t *testing.T) {
			checkParseError(t, c.yaml, c.line, c.msg)
		})
	}
}

// A file's timing problems are reported together with the others.
func TestTimingProblemsInOneGo(t *testing.T) {
	text := "duration: 60s\ndie: 3\ntiming:\n  overshoot: {mean: -1ms, sd: x}\n  start: 1ms\nmachines:\n  - rate: 6\n    timing: {overshoot: {mean: 5s}}\n  - rate: 0\n"
	_, err := Parse(parseFile, []byte(text))
	got := problems(t, err)
	want := []problem{
		{4, "timing: overshoot mean -1ms is not in [0, 1s]"},
		{4, `timing: overshoot sd "x" is not a duration`},
		{5, `timing: unknown key "start" (known: overshoot, start_spread)`},
		{8, "machine 0: timing: overshoot mean 5s is not in [0, 1s]"},
		{9, "machine 1: rate 0 must be positive"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d problems, want %d: %v", len(got), len(want), err)
	}
	for i, w := range want {
		if got[i].Line != w.line || !strings.Contains(got[i].Msg, w.msg) {
			t.Errorf("problem %d = %q, want line %d containing %q", i, got[i], w.line, w.msg)
		}
	}
}

// Marshal writes the scenario-level block with both overshoot fields and
// each machine's block with only what differs from it; a scenario without
// timing is written exactly as before (TestMarshalLayout, the built-ins'
// round trip).
func TestMarshalTimingLayout(t *testing.T) {
	s, err := Parse("m.yaml", []byte(timingYAML))
	if err != nil {
		t.Fatal(err)
	}
	want := `name: T
description: ""
seed: 1
duration: 60s
die: 10
latency: 100us
jitter: 0s
timing:
  overshoot: {mean: 400us, sd: 120us}
  start_spread: 60ms
machines:
  - rate: 6
  - rate: 6
    timing:
      overshoot: {mean: 1ms}
  - rate: 1
    start: 2s
    timing:
      overshoot: {sd: 0s}
      start_spread: 0s
`
	if got := string(Marshal(s)); got != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", got, want)
	}
	// Machine timings set in Go without a scenario-level block.
	s.Timing = Timing{}
	want = strings.Replace(want, "timing:\n  overshoot: {mean: 400us, sd: 120us}\n  start_spread: 60ms\n", "", 1)
	want = strings.Replace(want, "  - rate: 6\n  - rate: 6\n", "  - rate: 6\n    timing:\n      overshoot: {mean: 400us, sd: 120us}\n      start_spread: 60ms\n  - rate: 6\n", 1)
	want = strings.Replace(want, "      overshoot: {mean: 1ms}\n", "      overshoot: {mean: 1ms, sd: 120us}\n      start_spread: 60ms\n", 1)
	want = strings.Replace(want, "      overshoot: {sd: 0s}\n      start_spread: 0s\n", "      overshoot: {mean: 400us}\n", 1)
	if got := string(Marshal(s)); got != want {
		t.Errorf("Marshal without a scenario-level block =\n%s\nwant\n%s", got, want)
	}
	checkRoundTrip(t, "m.yaml", s)
}

// Scenarios with random timing models round-trip through Marshal and Parse.
func TestRoundTripTiming(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	durs := []time.Duration{0, 1, 999, time.Microsecond, 120 * time.Microsecond, 400 * time.Microsecond, time.Millisecond, 60 * time.Millisecond, time.Second}
	randomTiming := func() Timing {
		t := Timing{OvershootMean: durs[r.IntN(len(durs))], StartSpread: durs[r.IntN(len(durs))]}
		if r.IntN(2) == 0 {
			t.OvershootMean = time.Duration(r.Int64N(int64(time.Second) + 1))
		}
		if t.OvershootMean > 0 {
			t.OvershootSD = time.Duration(r.Int64N(int64(min(time.Second, 10*t.OvershootMean)) + 1))
		} else if r.IntN(2) == 0 {
			t.OvershootSD = time.Duration(r.Int64N(int64(time.Second) + 1))
		}
		return t
	}
	for i := range 300 {
		n := 2 + r.IntN(5)
		s := &Scenario{Name: "t" + strconv.Itoa(i), Seed: r.Uint64(), Duration: time.Hour, Die: n + r.IntN(10), Latency: DefaultLatency}
		if r.IntN(2) == 0 {
			s.Timing = randomTiming()
		}
		for range n {
			m := Machine{Rate: sim.MustRate("6"), Timing: s.Timing}
			if r.IntN(2) == 0 {
				m.Timing = randomTiming()
			}
			s.Machines = append(s.Machines, m)
		}
		checkRoundTrip(t, "gen.yaml", s)
	}
}

func TestEffectiveRates(t *testing.T) {
	// Without timing: exactly Rates, bit for bit, for every built-in.
	for _, name := range Names() {
		s, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(s.EffectiveRates(), s.Rates()) {
			t.Errorf("%s: EffectiveRates %v, Rates %v", name, s.EffectiveRates(), s.Rates())
		}
		if s.Effective() != s {
			t.Errorf("%s: Effective() is not s itself", name)
		}
	}
	s, err := Parse(parseFile, []byte(timingYAML))
	if err != nil {
		t.Fatal(err)
	}
	got := s.EffectiveRates()
	for i, want := range []float64{1 / (1.0/6 + 400e-6), 1 / (1.0/6 + 1e-3), 1 / (1 + 400e-6)} {
		if math.Abs(got[i]-want) > 1e-12*want {
			t.Errorf("machine %d: effective rate %v, want %v", i, got[i], want)
		}
	}
	// Exact fractions: 6/(1 + 6·0.0004) = 6/1.0024 = 1500/250.6 = 15000/2506.
	if r := s.Machines[0].EffectiveRate(); r != sim.MustRate("15000/2506") {
		t.Errorf("machine 0: EffectiveRate %s, want 7500/1253", r)
	}
	e := s.Effective()
	if e == s || e.Timed() || e.Timing != (Timing{}) {
		t.Fatalf("Effective() = %+v", e)
	}
	for i, m := range e.Machines {
		want := s.Machines[i].Start + s.Machines[i].Timing.StartSpread/2
		if m.Rate != s.Machines[i].EffectiveRate() || m.Start != want || m.Timing != (Timing{}) {
			t.Errorf("Effective machine %d = %+v, want rate %s start %s", i, m, s.Machines[i].EffectiveRate(), want)
		}
	}
	if err := e.Check(); err != nil {
		t.Errorf("Effective().Check: %v", err)
	}
	if s.Machines[0].Timing.OvershootMean != 400*time.Microsecond {
		t.Error("Effective changed s")
	}
	// A rate whose exact effective rate is no sim.Rate is rounded to 9
	// decimals.
	m := Machine{Rate: sim.MustRate("999999.999999999"), Timing: Timing{OvershootMean: 1}}
	want := 1 / (1/999999.999999999 + 1e-9)
	if got := m.EffectiveRate().Float64(); math.Abs(got-want) > 1e-9 {
		t.Errorf("EffectiveRate = %v, want %v", got, want)
	}
}

func TestSetTimingAndCheck(t *testing.T) {
	s, err := Parse(parseFile, []byte(head+twoMachines))
	if err != nil {
		t.Fatal(err)
	}
	tm := Timing{OvershootMean: time.Millisecond, StartSpread: time.Second}
	s.SetTiming(tm)
	if s.Timing != tm || s.Machines[0].Timing != tm || s.Machines[1].Timing != tm {
		t.Fatalf("SetTiming: %+v", s)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	s.Duration = time.Second
	if err := s.Check(); err != nil {
		t.Errorf("start + spread = duration: %v", err)
	}
	s.Duration = time.Second - 1
	if err := s.Check(); err == nil || !strings.Contains(err.Error(), "machine 0 may start as late as start 0s + start_spread 1s, past the end of the run (999999999ns)") {
		t.Errorf("Check = %v", err)
	}
	s.Duration = time.Hour
	s.Machines[1].Timing.OvershootSD = 11 * time.Millisecond
	if err := s.Check(); err == nil || err.Error() != "machine 1: timing: overshoot sd 11ms is more than 10 times its mean 1ms" {
		t.Errorf("Check = %v", err)
	}
}
