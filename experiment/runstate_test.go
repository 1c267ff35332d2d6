package experiment

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"desim/analysis/stats"
)

// TestRunStateInterruptedThenResumed interrupts a sweep before it starts:
// RunState saves the partial file and says so in a *StateInterrupted;
// resumed from that file it writes the result (the same bytes as a sweep
// run in one go) and removes its own partial file.
func TestRunStateInterruptedThenResumed(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sweep.txt")
	seeds := stats.SeedRange{From: 1, To: 20}
	newState := func() *SweepState { return NewSweepState(builtins(t, 10*time.Second, "A2"), seeds, nil) }
	var stdout, stderr bytes.Buffer
	o := StateRunOptions{Out: out, Workers: 2, Name: "sweep", Stdout: &stdout, Stderr: &stderr,
		Write: func(*SweepState) error { t.Fatal("an interrupted run wrote its result"); return nil }}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := RunState(ctx, newState(), o)
	var in *StateInterrupted
	if !errors.As(err, &in) || !errors.Is(err, ErrInterrupted) || !errors.Is(err, context.Canceled) {
		t.Fatalf("RunState with a cancelled context: %v, want a *StateInterrupted", err)
	}
	if in.Partial != PartialPath(out) || !strings.HasPrefix(in.Message, "interrupted after ") || !strings.HasSuffix(in.Message, "saved them in "+in.Partial) {
		t.Errorf("interruption %+v", in)
	}
	if _, err := os.Stat(in.Partial); err != nil {
		t.Fatalf("partial file: %v", err)
	}
	var got rendered
	o.Resume = in.Partial
	o.Write = func(st *SweepState) error { got = render(t, st); return nil }
	if err := RunState(context.Background(), newState(), o); err != nil {
		t.Fatal(err)
	}
	if d := sameRendered(got, render(t, sweepState(t, builtins(t, 10*time.Second, "A2"), seeds, nil, 1))); d != "" {
		t.Errorf("resumed result differs from a sweep run in one go: %s", d)
	}
	if _, err := os.Stat(in.Partial); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the partial file stays after the result was written: %v", err)
	}
	if stdout.Len() != 0 || stderr.Len() != 0 {
		t.Errorf("output on stdout %q, stderr %q (not a terminal)", stdout.String(), stderr.String())
	}
}

// TestRunStateShard writes a shard's state, not its result.
func TestRunStateShard(t *testing.T) {
	seeds := stats.SeedRange{From: 1, To: 20}
	var stdout bytes.Buffer
	st := NewSweepState(builtins(t, 10*time.Second, "A2"), seeds, &Shard{K: 1, N: 2})
	err := RunState(context.Background(), st, StateRunOptions{Workers: 1, Name: "sweep", Stdout: &stdout, Stderr: new(bytes.Buffer),
		Write: func(*SweepState) error { t.Fatal("a shard wrote a result"); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseSweepState("shard", stdout.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !back.Complete || back.Shard == nil || back.Shard.K != 1 {
		t.Errorf("shard state %+v", back)
	}
}
