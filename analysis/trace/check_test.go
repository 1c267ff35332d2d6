package trace_test

import (
	"errors"
	"strings"
	"testing"

	"desim/analysis"
	"desim/analysis/trace"
	"desim/sim"
)

// Every built-in scenario (seed 1, 60 s) and every variant passes Check,
// and Scan's counts agree with the engine's.
func TestCheckEveryRun(t *testing.T) {
	for name, cfg := range allConfigs(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			files := tracedRun(t, cfg)
			if err := trace.Check(files, &cfg); err != nil {
				t.Fatal(err)
			}
			if err := trace.Check(files, nil); err != nil {
				t.Fatalf("without the configuration: %v", err)
			}
			e, _ := sim.New(cfg)
			if err := e.Run(nil); err != nil {
				t.Fatal(err)
			}
			st := e.Stats()
			var ticks, sent, received, unreceived int64
			err := trace.Scan(files, trace.Options{Vector: true, Duration: cfg.Duration}, trace.Handler{
				Tick: func(tk *trace.Tick) error {
					ticks++
					sent += int64(len(tk.To))
					if tk.Msg != nil {
						received++
					}
					return nil
				},
				Unreceived: func(*sim.Message, []int64) error { unreceived++; return nil },
			})
			if err != nil {
				t.Fatal(err)
			}
			if ticks != st.Ticks || sent != st.Sent || received+unreceived != sent {
				t.Errorf("scan: %d ticks, %d sent, %d received, %d not; engine %+v", ticks, sent, received, unreceived, st)
			}
		})
	}
}

// mutate rewrites line k (from 1) of a file with f.
func mutate(t *testing.T, path string, k int, f func(fields []string) []string) {
	t.Helper()
	lines := strings.Split(string(read(t, path)), "\n")
	lines[k-1] = strings.Join(f(strings.Split(lines[k-1], ",")), ",")
	write(t, path, []byte(strings.Join(lines, "\n")))
}

// findLine returns the number (from 1) of the first line of path for
// which ok holds, failing the test if there is none.
func findLine(t *testing.T, path string, ok func(fields []string) bool) int {
	t.Helper()
	for k, l := range strings.Split(string(read(t, path)), "\n") {
		if k > 0 && l != "" && ok(strings.Split(l, ",")) {
			return k + 1
		}
	}
	t.Fatalf("%s: no such line", path)
	return 0
}

// A broken trace or log fails Check with an *analysis.LogError that says
// what is wrong: every rule of Check can fail.
func TestCheckFindsBreakage(t *testing.T) {
	received := func(f []string) bool { return f[6] == "received" }
	queued := func(f []string) bool { return f[6] == "queued" }
	cases := []struct {
		name   string
		cfg    string // variant or built-in
		break_ func(t *testing.T, files trace.Files)
		want   string
	}{
		{"value", "A2", func(t *testing.T, f trace.Files) {
			k := findLine(t, f.Messages, func(x []string) bool { return received(x) && x[4] != "0" })
			mutate(t, f.Messages, k, func(x []string) []string { x[4] = "0"; return x })
		}, "the logs send it"},
		{"receive clock", "A2", func(t *testing.T, f trace.Files) {
			mutate(t, f.Messages, findLine(t, f.Messages, received), func(x []string) []string { x[8] += "0"; return x })
		}, "clock"},
		{"receiver", "A3", func(t *testing.T, f trace.Files) {
			mutate(t, f.Messages, findLine(t, f.Messages, received), func(x []string) []string {
				x[2] = map[string]string{"0": "1", "1": "2", "2": "0"}[x[2]]
				if x[1] == x[2] {
					x[2] = map[string]string{"0": "1", "1": "2", "2": "0"}[x[2]]
				}
				return x
			})
		}, ""},
		{"queue time late", "A2", func(t *testing.T, f trace.Files) {
			mutate(t, f.Messages, findLine(t, f.Messages, received), func(x []string) []string { x[5] = x[3][:len(x[3])-1] + "9"; return x })
		}, "entered the queue"},
		{"state", "A2", func(t *testing.T, f trace.Files) {
			mutate(t, f.Messages, findLine(t, f.Messages, queued), func(x []string) []string { x[6] = "in_flight"; return x })
		}, "is in_flight with queue_time"},
		{"queue length in the log", "A2", func(t *testing.T, f trace.Files) {
			k := findLine(t, f.Logs[1], func(x []string) bool { return x[0] == "receive " && x[2] != "0" })
			mutate(t, f.Logs[1], k, func(x []string) []string { x[2] = "0"; return x })
		}, "queue length"},
		{"missing line", "B2", func(t *testing.T, f trace.Files) {
			k := findLine(t, f.Messages, received)
			lines := strings.Split(string(read(t, f.Messages)), "\n")
			write(t, f.Messages, []byte(strings.Join(append(lines[:k-1], lines[k:]...), "\n")))
		}, ""},
		{"extra line", "B2", func(t *testing.T, f trace.Files) {
			data := read(t, f.Messages)
			last := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			l := last[len(last)-1]
			write(t, f.Messages, append(data, l+"\n"...))
		}, ""},
		{"truncated", "B2", func(t *testing.T, f trace.Files) {
			data := read(t, f.Messages)
			write(t, f.Messages, data[:len(data)-3])
		}, "truncated"},
		{"fifo", "jitter", func(t *testing.T, f trace.Files) {
			// Two received messages of one link exchange identities.
			lines := strings.Split(string(read(t, f.Messages)), "\n")
			for a := 1; a < len(lines); a++ {
				x := strings.Split(lines[a], ",")
				if len(x) < 9 || x[6] != "received" {
					continue
				}
				for b := a + 1; b < len(lines) && b < a+40; b++ {
					y := strings.Split(lines[b], ",")
					if len(y) == 9 && y[6] == "received" && y[1] == x[1] && y[2] == x[2] && y[4] != x[4] {
						x[0], y[0], x[3], y[3], x[4], y[4] = y[0], x[0], y[3], x[3], y[4], x[4]
						lines[a], lines[b] = strings.Join(x, ","), strings.Join(y, ",")
						write(t, f.Messages, []byte(strings.Join(lines, "\n")))
						return
					}
				}
			}
			t.Fatal("no two received messages on one link")
		}, ""},
		{"other seed", "A1", func(t *testing.T, f trace.Files) {
			cfg := builtin(t, "A1", 60e9)
			cfg.Seed = 2
			write(t, f.Messages, read(t, tracedRun(t, cfg).Messages))
		}, ""},
		{"header", "A1", func(t *testing.T, f trace.Files) {
			mutate(t, f.Messages, 1, func(x []string) []string { x[0] = "sequence"; return x })
		}, "header"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfgs := allConfigs(t)
			cfg := cfgs[c.cfg]
			files := tracedRun(t, cfg)
			c.break_(t, files)
			err := trace.Check(files, &cfg)
			var le *analysis.LogError
			if !errors.As(err, &le) {
				t.Fatalf("got %v (%T), want an *analysis.LogError", err, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
}

// Scan stops without an error when its handler says ErrStop, and passes
// on any other error.
func TestScanStop(t *testing.T) {
	files := tracedRun(t, builtin(t, "A3", 60e9))
	n := 0
	err := trace.Scan(files, trace.Options{}, trace.Handler{Tick: func(*trace.Tick) error {
		n++
		if n == 10 {
			return trace.ErrStop
		}
		return nil
	}})
	if err != nil || n != 10 {
		t.Errorf("stop: %v after %d ticks", err, n)
	}
	boom := errors.New("boom")
	err = trace.Scan(files, trace.Options{}, trace.Handler{Tick: func(*trace.Tick) error { return boom }})
	if !errors.Is(err, boom) {
		t.Errorf("got %v, want boom", err)
	}
	files.Messages += ".missing"
	if err := trace.Scan(files, trace.Options{}, trace.Handler{}); err == nil {
		t.Error("no error without messages.csv")
	}
}
