package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"desim/analysis"
	"desim/internal/golden"
	"desim/scenarios"
	"desim/sim"
)

// goldenDir is where the golden files of the built-in scenarios live,
// relative to this package's directory.
const goldenDir = "../../testdata/golden"

// TestGolden runs every built-in scenario with seed 1 for 60 s and compares
// its logs, summary.json and scenario.yaml byte for byte with
// testdata/golden/<name>/ ("go test ./cmd/desim -update" rewrites them).
func TestGolden(t *testing.T) {
	names := scenarios.Names()
	if len(names) != 11 {
		t.Errorf("%d built-in scenarios, want the paper's 9 and 2 as captioned: %v", len(names), names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, err := scenarios.Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			r := mustRun(t, "run", name, "--seed", "1", "--duration", "60s", "--out", dir)
			if want := "replay: desim run " + filepath.Join(dir, "scenario.yaml") + "\n"; !strings.HasSuffix(r.stderr, want) {
				t.Errorf("stderr does not end with %q:\n%s", want, r.stderr)
			}
			if strings.Contains(r.stdout, "replay:") || strings.Contains(r.stdout, "wrote ") {
				t.Errorf("status lines on stdout, which is for results:\n%s", r.stdout)
			}
			files := readOutDir(t, dir)
			want := []string{"scenario.yaml", "summary.json"}
			for i := range s.Machines {
				want = append(want, fmt.Sprintf("machine-%d.csv", i))
			}
			var got []string
			for n := range files {
				got = append(got, n)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("files %v, want %v", got, want)
			}
			for _, n := range want {
				golden.Check(t, filepath.Join(goldenDir, name, n), files[n])
			}
			checkRunOutput(t, s, 60, files)
		})
	}
}

// logLine3 is one line of a 3-machine log: docs/model.md's exact event strings,
// the time in seconds with exactly 9 decimals, the queue length and the
// clock.
var logLine3 = regexp.MustCompile(`^(internal|receive |send 0  |send 1  |send 0\+1),(0|[1-9][0-9]*)\.[0-9]{9},(0|[1-9][0-9]*),([1-9][0-9]*)$`)

// checkRunOutput checks the files of a run of s for the given number of
// seconds against docs/model.md's log format and against each other: one line per
// tick at the tick's time, clocks increasing, the summary's counts equal to
// the log's.
func checkRunOutput(t *testing.T, s *scenarios.Scenario, seconds int64, files map[string][]byte) {
	t.Helper()
	var sum analysis.Summary
	if err := json.Unmarshal(files["summary.json"], &sum); err != nil {
		t.Fatalf("summary.json: %v", err)
	}
	if sum.Scenario != s.Name || sum.Seed != 1 || sum.DurationS != float64(seconds) || len(sum.Machines) != len(s.Machines) {
		t.Errorf("summary.json header: scenario %q seed %d duration_s %g, %d machines", sum.Scenario, sum.Seed, sum.DurationS, len(sum.Machines))
	}
	n := len(s.Machines)
	if n != 3 {
		t.Fatalf("%d machines: only 3-machine scenarios are built in", n)
	}
	for i, m := range s.Machines {
		data := files[fmt.Sprintf("machine-%d.csv", i)]
		if len(data) == 0 || data[len(data)-1] != '\n' {
			t.Errorf("machine-%d.csv is empty or does not end in a newline", i)
			continue
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		mm := sum.Machines[i]
		if int64(len(lines)) != mm.Ticks {
			t.Errorf("machine-%d.csv has %d lines, summary says %d ticks", i, len(lines), mm.Ticks)
		}
		// Tick k is at start + floor(k·1e9/rate) ns; count those before
		// the end.
		var want int64
		for k := int64(0); m.Rate.TickTime(k)+int64(m.Start) < seconds*1e9; k++ {
			want++
		}
		if int64(len(lines)) != want {
			t.Errorf("machine %d (rate %s): %d ticks in %d s, want %d", i, m.Rate, len(lines), seconds, want)
		}
		var counts [4]int64 // receive, send, internal, copies
		prevClock, maxJump, maxQueue := int64(0), int64(0), int64(0)
		for k, line := range lines {
			f := logLine3.FindStringSubmatch(line)
			if f == nil {
				t.Errorf("machine-%d.csv line %d: %q is not event,time,queue,clock", i, k+1, line)
				break
			}
			wantTime := string(sim.AppendSeconds(nil, m.Rate.TickTime(int64(k))+int64(m.Start)))
			if tm := line[9 : 9+len(wantTime)]; tm != wantTime {
				t.Errorf("machine-%d.csv line %d: time %s, want %s", i, k+1, tm, wantTime)
			}
			queue, _ := strconv.ParseInt(f[3], 10, 64)
			clock, _ := strconv.ParseInt(f[4], 10, 64)
			if clock <= prevClock {
				t.Errorf("machine-%d.csv line %d: clock %d not above the previous %d", i, k+1, clock, prevClock)
			}
			if k > 0 {
				maxJump = max(maxJump, clock-prevClock)
			}
			maxQueue = max(maxQueue, queue)
			switch f[1] {
			case "receive ":
				counts[0]++
			case "internal":
				counts[2]++
			case "send 0+1":
				counts[1]++
				counts[3] += 2
			default:
				counts[1]++
				counts[3]++
			}
			if f[1] != "receive " {
				// A tick that rolled the die found the queue empty and
				// only adds 1 to the clock.
				if queue != 0 {
					t.Errorf("machine-%d.csv line %d: rolled the die with %d messages queued", i, k+1, queue)
				}
				if clock != prevClock+1 {
					t.Errorf("machine-%d.csv line %d: %q moved the clock from %d to %d", i, k+1, f[1], prevClock, clock)
				}
			}
			prevClock = clock
		}
		if k := len(lines) - 1; k >= 0 {
			last := logLine3.FindStringSubmatch(lines[k])
			if last != nil && (last[4] != strconv.FormatInt(mm.FinalClock, 10) || last[3] != strconv.FormatInt(mm.FinalQueue, 10)) {
				t.Errorf("machine %d: last line %q, summary final_clock %d final_queue %d", i, lines[k], mm.FinalClock, mm.FinalQueue)
			}
		}
		if counts[0] != mm.Receives || counts[1] != mm.Sends || counts[2] != mm.Internals || counts[3] != mm.MessagesSent ||
			maxJump != mm.MaxJump || maxQueue != mm.MaxQueue {
			t.Errorf("machine %d: log has receives %d sends %d internals %d copies %d max_jump %d max_queue %d; summary %+v",
				i, counts[0], counts[1], counts[2], counts[3], maxJump, maxQueue, mm)
		}
		if mm.Rate != m.Rate.Float64() || mm.ID != i {
			t.Errorf("machine %d: summary id %d rate %g, scenario rate %s", i, mm.ID, mm.Rate, m.Rate)
		}
	}
	// scenario.yaml is the scenario as run: it parses to s with seed 1 and
	// the 60 s duration.
	back, err := scenarios.Parse("scenario.yaml", files["scenario.yaml"])
	if err != nil {
		t.Fatalf("scenario.yaml does not parse: %v", err)
	}
	if back.Name != s.Name || back.Seed != 1 || back.Duration.Seconds() != float64(seconds) || back.Die != s.Die ||
		back.Latency != s.Latency || back.Jitter != s.Jitter || !slices.Equal(back.Machines, s.Machines) || back.Description != s.Description {
		t.Errorf("scenario.yaml is not the scenario as run:\n%s", files["scenario.yaml"])
	}
}

// customScenario exercises what the built-ins do not: 4 machines, rates
// that are not integers, start offsets, jitter, a latency that is not the
// default.
const customScenario = `name: custom-4
description: "four machines: fractional rates, offsets and jitter"
seed: 99
duration: 45s
die: 7
latency: 2ms
jitter: 150ms
machines:
  - rate: 2.5
  - rate: 1/3
    start: 250ms
  - rate: 6
    start: 1s
  - rate: 5
`

// TestReplay: running DIR/scenario.yaml gives the same bytes as the run
// that wrote DIR.
func TestReplay(t *testing.T) {
	custom := filepath.Join(t.TempDir(), "custom.yaml")
	writeTestFile(t, custom, customScenario)
	for _, args := range [][]string{
		{"A2", "--seed", "1", "--duration", "60s"},
		{"B3-captioned", "--seed", "424242", "--duration", "90s"},
		{"A5", "--seed", "18446744073709551615", "--duration", "1500ms"},
		{custom},
		{custom, "--seed", "3", "--duration", "1m30s"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			dir, dir2, dir3 := t.TempDir(), t.TempDir(), t.TempDir()
			mustRun(t, append([]string{"run"}, append(args, "--out", dir)...)...)
			first := readOutDir(t, dir)
			r := mustRun(t, "run", filepath.Join(dir, "scenario.yaml"), "--out", dir2)
			if d := sameFiles(first, readOutDir(t, dir2)); d != "" {
				t.Errorf("replay of %s: %s", filepath.Join(dir, "scenario.yaml"), d)
			}
			if !strings.Contains(r.stderr, "replay: desim run "+filepath.Join(dir2, "scenario.yaml")) {
				t.Errorf("replay does not print its own replay command:\n%s", r.stderr)
			}
			// A replay of the replay, flags before the scenario.
			mustRun(t, "run", "--out", dir3, filepath.Join(dir2, "scenario.yaml"))
			if d := sameFiles(first, readOutDir(t, dir3)); d != "" {
				t.Errorf("second replay: %s", d)
			}
		})
	}
}

// runSpec is one run of the determinism tests.
type runSpec struct{ scenario, seed, duration string }

func (r runSpec) args(dir string) []string {
	return []string{"run", r.scenario, "--seed", r.seed, "--duration", r.duration, "--out", dir, "--quiet"}
}

// TestDeterminism: the same run twice gives the same bytes, and 16 runs in
// concurrent goroutines give the same bytes as the same runs one by one.
func TestDeterminism(t *testing.T) {
	custom := filepath.Join(t.TempDir(), "custom.yaml")
	writeTestFile(t, custom, customScenario)
	var specs []runSpec
	names := append(scenarios.Names(), custom)
	for i := range 16 {
		specs = append(specs, runSpec{names[i%len(names)], strconv.Itoa(1 + i*7919), []string{"60s", "45s", "100s"}[i%3]})
	}
	// Two specs repeat one of the others exactly: identical runs sharing
	// the process at the same time.
	specs[14], specs[15] = specs[0], specs[1]

	sequential := make([]map[string][]byte, len(specs))
	for i, sp := range specs {
		dir := t.TempDir()
		mustRun(t, sp.args(dir)...)
		sequential[i] = readOutDir(t, dir)
	}
	// The same run twice.
	again := t.TempDir()
	mustRun(t, specs[0].args(again)...)
	if d := sameFiles(sequential[0], readOutDir(t, again)); d != "" {
		t.Errorf("%v twice: %s", specs[0], d)
	}
	if d := sameFiles(sequential[0], sequential[14]); d != "" {
		t.Errorf("%v twice: %s", specs[0], d)
	}

	dirs := make([]string, len(specs))
	results := make([]mainResult, len(specs))
	for i := range dirs {
		dirs[i] = t.TempDir()
	}
	var wg sync.WaitGroup
	for i, sp := range specs {
		wg.Go(func() { results[i] = desim(sp.args(dirs[i])...) })
	}
	wg.Wait()
	for i, sp := range specs {
		if results[i].code != 0 {
			t.Errorf("%v concurrently: exit %d: %s", sp, results[i].code, results[i].stderr)
			continue
		}
		if d := sameFiles(sequential[i], readOutDir(t, dirs[i])); d != "" {
			t.Errorf("%v concurrently vs alone: %s", sp, d)
		}
	}
}
