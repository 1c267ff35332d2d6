package experiment

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"desim/scenarios"
)

// spaceTestScenario is a scenario of n machines of the given rate running
// for duration (YAML syntax).
func spaceTestScenario(t *testing.T, n int, rate, duration string) *scenarios.Scenario {
	t.Helper()
	src := fmt.Sprintf("name: big\nseed: 1\ndie: %d\nduration: %s\nmachines:\n%s", max(n, 10), duration, strings.Repeat("  - rate: "+rate+"\n", n))
	s, err := scenarios.Parse("big.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fakeFree is a file system with free bytes free.
func fakeFree(free int64) freeFunc { return func(string) (int64, bool) { return free, true } }

// TestEstimateRunBytesBounds: for every built-in at its own duration and
// for runs with late starts and fractional rates, the estimate counts
// exactly the log lines written and bounds the bytes, within 1.5 times.
func TestEstimateRunBytesBounds(t *testing.T) {
	var scs []*scenarios.Scenario
	for _, name := range scenarios.Names() {
		s, err := scenarios.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		scs = append(scs, s)
	}
	odd, err := scenarios.Parse("odd.yaml", []byte("duration: 1000s\ndie: 4\nmachines:\n  - rate: 1/3\n    start: 999.5s\n  - rate: 2.5\n    start: 1s\n  - rate: 7\n"))
	if err != nil {
		t.Fatal(err)
	}
	scs = append(scs, odd, spaceTestScenario(t, 40, "3", "100s"))
	for _, s := range scs {
		d := Dir(t.TempDir())
		if _, err := SimulateToDir(context.Background(), s, d); err != nil {
			t.Fatal(err)
		}
		var size, lines int64
		for _, e := range dirNames(t, string(d)) {
			b, err := os.ReadFile(filepath.Join(string(d), e))
			if err != nil {
				t.Fatal(err)
			}
			size += int64(len(b))
			if strings.HasPrefix(e, "machine-") {
				lines += int64(bytes.Count(b, []byte("\n")))
			}
		}
		e := estimateRun(s)
		if e.lines != lines {
			t.Errorf("%s: estimated %d log lines, the run wrote %d", s.Name, e.lines, lines)
		}
		if got := EstimateRunBytes(s); got < size || float64(got) > 1.5*float64(size) {
			t.Errorf("%s: estimated %d bytes, the run wrote %d", s.Name, got, size)
		}
	}
}

// TestEstimateRunBytesHuge: 1000 machines of 6 ticks/s for 10^7 s, which
// writes about 1.7 TB: the estimate is the formula's bound.
func TestEstimateRunBytesHuge(t *testing.T) {
	s := spaceTestScenario(t, 1000, "6", "10000000s")
	e := estimateRun(s)
	// 6·10^7 lines a machine; a line of "send 998" + "," +
	// "9999999.833333333" + "," + 9 digits of queue + "," + 11 of clock + "\n".
	if e.lines != 60_000_000_000 || e.line != 8+1+17+1+9+1+11+1 {
		t.Errorf("%d lines of %d bytes, want 60,000,000,000 of 49", e.lines, e.line)
	}
	if got, want := EstimateRunBytes(s), int64(60_000_000_000*49+4096+1024*1000); got != want {
		t.Errorf("EstimateRunBytes = %d, want %d", got, want)
	}
	// The largest run there is: 1000 machines of 10^6 ticks/s for 10^7 s.
	if got := EstimateRunBytes(spaceTestScenario(t, 1000, "1000000", "10000000s")); got != 10_000_000_000_000_000*(8+1+17+1+9+1+17+1)+4096+1024*1000 {
		t.Errorf("the largest run: %d bytes", got)
	}
}

// TestCheckSpace: past the free space is bad input unless forced, which
// warns instead; above 1 GB warns; where the free space is unknown, only
// the size is warned about.
func TestCheckSpace(t *testing.T) {
	unknown := func(string) (int64, bool) { return 0, false }
	for _, c := range []struct {
		name        string
		need        int64
		force       bool
		free        freeFunc
		warn, error string
	}{
		{"fits", 999_000, false, fakeFree(1_000_000), "", ""},
		{"exactly", 1_000_000, false, fakeFree(1_000_000), "", ""},
		{"too big", 2_940_001_028_096, false, fakeFree(500_000_000_000), "",
			"D: the run would write up to 2.9 TB (DETAIL), but its file system has only 500.0 GB free; shorten the duration, lower the rates, free some space, or write anyway with --force"},
		{"too big, forced", 2_940_001_028_096, true, fakeFree(500_000_000_000),
			"the run may write up to 2.9 TB into D (DETAIL), more than the 500.0 GB free there; writing anyway (--force)", ""},
		{"above 1 GB", 1_500_000_000, false, fakeFree(500_000_000_000), "the run will write up to 1.5 GB into D (DETAIL); 500.0 GB are free there", ""},
		{"1 GB", 1_000_000_000, false, fakeFree(500_000_000_000), "", ""},
		{"unknown free space", 1e15, false, unknown, "the run will write up to 1.0 PB into D (DETAIL)", ""},
		{"unknown free space, small", 1e6, false, unknown, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := filepath.Join(t.TempDir(), "run")
			warn, err := checkSpace(d, c.need, "DETAIL", c.force, c.free)
			r := strings.NewReplacer("D:", d+":", "into D", "into "+d)
			if want := r.Replace(c.warn); warn != want {
				t.Errorf("warning %q, want %q", warn, want)
			}
			switch {
			case c.error == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case c.error != "" && (!errors.Is(err, ErrInput) || err.Error() != r.Replace(c.error)):
				t.Errorf("error %v, want bad input:\n%s", err, r.Replace(c.error))
			}
		})
	}
}

// TestSimulateToDirChecksSpace: a run past the free space is refused
// before anything is simulated or written, by default too; Force writes it
// with a warning.
func TestSimulateToDirChecksSpace(t *testing.T) {
	huge := spaceTestScenario(t, 1000, "6", "10000000s")
	d := Dir(filepath.Join(t.TempDir(), "run"))
	_, err := SimulateToDir(context.Background(), huge, d, WriteOptions{free: fakeFree(1_000_000_000_000)})
	want := fmt.Sprintf("%s: the run would write up to 2.9 TB (60,000,000,000 log lines of at most 49 bytes), but its file system has only 1.0 TB free; shorten the duration, lower the rates, free some space, or write anyway with --force", d)
	if !errors.Is(err, ErrInput) || err.Error() != want {
		t.Errorf("SimulateToDir: %v, want bad input:\n%s", err, want)
	}
	if _, err := os.Stat(string(d)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused run's directory: %v, want none", err)
	}

	// By default, with the file system's own free space: 560 PB fit on none.
	if runtime.GOOS == "linux" {
		largest := spaceTestScenario(t, 1000, "1000000", "10000000s")
		if _, err := SimulateToDir(context.Background(), largest, d); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "or write anyway with --force") {
			t.Errorf("SimulateToDir of 560 PB by default: %v, want bad input", err)
		}
		if _, err := os.Stat(string(d)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the refused run's directory: %v, want none", err)
		}
	}

	// Forced past a full disk (that is not full): written, with a warning.
	small := dirTestScenario(t, 2)
	var warnings []string
	opt := WriteOptions{Force: true, free: fakeFree(0), Warn: func(w string) { warnings = append(warnings, w) }}
	if _, err := SimulateToDir(context.Background(), small, d, opt); err != nil {
		t.Fatal(err)
	}
	e := estimateRun(small)
	w := fmt.Sprintf("the run may write up to %s into %s (%d log lines of at most %d bytes), more than the 0 bytes free there; writing anyway (--force)", FormatBytes(e.bytes), d, e.lines, e.line)
	if !slices.Equal(warnings, []string{w}) {
		t.Errorf("warnings %q, want %q", warnings, w)
	}
	lockTestCheckRun(t, d)
}

// TestFreeSpace: the free space of a directory still to be made is its
// parent's file system's.
func TestFreeSpace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("statfs is read on Linux, macOS and FreeBSD only")
	}
	if _, ok := freeSpace(filepath.Join(t.TempDir(), "not", "yet")); !ok {
		t.Error("no free space for a directory to be made")
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 999: "999 bytes", 1000: "1.0 kB", 1_540: "1.5 kB", 999_949: "999.9 kB",
		999_950: "1.0 MB", 1_700_000_000_000: "1.7 TB", 560_000_000_000_000_000: "560.0 PB", 9_223_372_036_854_775_807: "9.2 EB"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
