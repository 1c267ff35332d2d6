package experiment

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"desim/analysis/stats"
	"desim/internal/shell"
	"desim/scenarios"
)

// lockTestHolder is how a loser names this test process as the holder.
func lockTestHolder() string {
	return fmt.Sprintf("pid %d: %s", os.Getpid(), shown(shell.Join(os.Args)))
}

// lockTestHidden returns the names of d's hidden entries (lock and
// temporary files).
func lockTestHidden(t testing.TB, d string) []string {
	t.Helper()
	entries, err := os.ReadDir(d)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}

// lockTestCheckRun checks that d holds one whole run: its scenario has as
// many machines as there are logs, and summary.json is the summary of
// those logs. It reads under the shared lock that ReadRun takes, so that
// summary.json is read with the logs.
func lockTestCheckRun(t testing.TB, d Dir) {
	t.Helper()
	unlock := lockDir(string(d), false)
	defer unlock()
	onDisk, err := os.ReadFile(d.Summary())
	if err != nil {
		t.Errorf("summary.json: %v", err)
		return
	}
	r, err := ReadRun(string(d))
	if err != nil {
		t.Errorf("a mixed directory: %v", err)
		return
	}
	if got := r.Summary().Marshal(); !bytes.Equal(got, onDisk) {
		t.Errorf("a mixed directory: summary.json is not the summary of the %d logs of the %d-machine scenario", len(r.Log.Machines), len(r.Scenario.Machines))
	}
}

// TestDirWriteConcurrentPairs: 50 pairs of writers, of a 2-machine and a
// 4-machine run, into one directory at once, while a reader reads it.
// Each writer either writes its whole run or fails with bad input that
// names the holder; the reader and the directory after each pair never
// show a mix, and no lock or temporary file stays.
func TestDirWriteConcurrentPairs(t *testing.T) {
	small, big := dirTestScenario(t, 2), dirTestScenario(t, 4)
	d := Dir(filepath.Join(t.TempDir(), "run"))
	stop := make(chan struct{})
	var readerDone sync.WaitGroup
	readerDone.Add(1)
	reads := 0
	go func() {
		defer readerDone.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := os.Stat(d.Summary()); err == nil {
				lockTestCheckRun(t, d)
				reads++
			}
		}
	}()
	busy := 0
	for pair := range 50 {
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, s := range []*scenarios.Scenario{small, big} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = SimulateToDir(context.Background(), s, d)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err == nil {
				continue
			}
			busy++
			want := fmt.Sprintf("%s is being written by another desim (%s); wait for it to finish, or write to another directory", d, lockTestHolder())
			if !errors.Is(err, ErrInput) || err.Error() != want {
				t.Fatalf("pair %d, writer %d: %v (bad input: %v), want bad input:\n%s", pair, i, err, errors.Is(err, ErrInput), want)
			}
		}
		if errs[0] != nil && errs[1] != nil {
			t.Fatalf("pair %d: both writers failed", pair)
		}
		lockTestCheckRun(t, d)
		if h := lockTestHidden(t, string(d)); len(h) > 0 {
			t.Fatalf("pair %d: left %v", pair, h)
		}
	}
	close(stop)
	readerDone.Wait()
	t.Logf("%d of 100 writers found the directory busy; %d reads", busy, reads)
}

// TestDirWriteBusyNamesHolder: a writer that finds the directory being
// written fails at once, with bad input naming the holder's pid and
// command, and writes nothing; once the holder is done, the lock file is
// gone and the directory can be written again.
func TestDirWriteBusyNamesHolder(t *testing.T) {
	d := Dir(t.TempDir())
	inside, release := make(chan struct{}), make(chan struct{})
	holderErr := make(chan error)
	go func() {
		holderErr <- d.Write(dirTestScenario(t, 2), func(w *RunWriter) ([]byte, error) {
			close(inside)
			<-release
			return []byte("holder"), nil
		})
	}()
	<-inside
	b, err := os.ReadFile(filepath.Join(string(d), DirLockFile))
	if want := fmt.Sprintf("pid %d\ncommand %s\n", os.Getpid(), shell.Join(os.Args)); err != nil || string(b) != want {
		t.Errorf("the lock file holds %q, %v; want %q", b, err, want)
	}
	err = d.Write(dirTestScenario(t, 4), func(w *RunWriter) ([]byte, error) {
		t.Error("the second writer fills its run")
		return nil, nil
	})
	want := fmt.Sprintf("%s is being written by another desim (%s); wait for it to finish, or write to another directory", d, lockTestHolder())
	if !errors.Is(err, ErrInput) || err.Error() != want {
		t.Errorf("second writer: %v, want bad input:\n%s", err, want)
	}
	close(release)
	if err := <-holderErr; err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(d.Summary()); string(b) != "holder" {
		t.Errorf("summary.json %q, want the holder's", b)
	}
	if h := lockTestHidden(t, string(d)); len(h) > 0 {
		t.Errorf("left %v", h)
	}
	if _, err := SimulateToDir(context.Background(), dirTestScenario(t, 4), d); err != nil {
		t.Errorf("a write after the holder ended: %v", err)
	}
	lockTestCheckRun(t, d)
}

// TestDirWriteKilledHolder: the lock file of a writer killed with SIGKILL
// (its lock released by the kernel, its file left) does not stop the next
// writer, which removes it when done.
func TestDirWriteKilledHolder(t *testing.T) {
	d := Dir(t.TempDir())
	lf := filepath.Join(string(d), DirLockFile)
	if err := os.WriteFile(lf, []byte("pid 999999999\ncommand desim run A1 --duration 10000000s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := SimulateToDir(context.Background(), dirTestScenario(t, 2), d); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(lf); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dead holder's lock file: %v, want it removed", err)
	}
}

// lockChildEnv carries a child process's work: DIR MACHINES ROUNDS.
const lockChildEnv = "DESIM_LOCK_TEST_CHILD"

// TestLockChildProcess is the child of TestDirWriteTwoProcesses: it writes
// ROUNDS runs of MACHINES machines into DIR and prints "ok" or
// "busy MESSAGE" for each. Without the variable it does nothing.
func TestLockChildProcess(t *testing.T) {
	work := os.Getenv(lockChildEnv)
	if work == "" {
		return
	}
	f := strings.Fields(work)
	n, _ := strconv.Atoi(f[1])
	rounds, _ := strconv.Atoi(f[2])
	s := dirTestScenario(t, n)
	for range rounds {
		_, err := SimulateToDir(context.Background(), s, Dir(f[0]))
		switch {
		case err == nil:
			fmt.Println("ok")
		case errors.Is(err, ErrInput):
			fmt.Println("busy " + err.Error())
		default:
			fmt.Println("error " + err.Error())
		}
	}
}

// TestDirWriteTwoProcesses: two processes write runs of 2 and 4 machines
// into one directory, 30 times each, while this one reads it. No read
// and not the end result is a mix; every refusal names the other process.
func TestDirWriteTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two child processes")
	}
	d := Dir(t.TempDir())
	if _, err := SimulateToDir(context.Background(), dirTestScenario(t, 3), d); err != nil {
		t.Fatal(err)
	}
	type child struct {
		cmd *exec.Cmd
		out bytes.Buffer
	}
	var children []*child
	for _, n := range []int{2, 4} {
		c := &child{cmd: exec.Command(os.Args[0], "-test.run=^TestLockChildProcess$", "-test.count=1")}
		c.cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d 30", lockChildEnv, d, n))
		c.cmd.Stdout = &c.out
		c.cmd.Stderr = &c.out
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		children = append(children, c)
	}
	done := make(chan error, 2)
	for _, c := range children {
		go func() { done <- c.cmd.Wait() }()
	}
	for running := 2; running > 0; {
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("child: %v", err)
			}
			running--
		default:
			lockTestCheckRun(t, d)
		}
	}
	busy := 0
	for i, c := range children {
		other := children[1-i].cmd.Process.Pid
		sc := bufio.NewScanner(&c.out)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "ok" || strings.HasPrefix(line, "PASS") || strings.HasPrefix(line, "ok "):
			case strings.HasPrefix(line, "busy "):
				busy++
				if want := fmt.Sprintf("is being written by another desim (pid %d: ", other); !strings.Contains(line, want) {
					t.Errorf("child %d: %q does not name the other child (%s)", i, line, want)
				}
			default:
				t.Errorf("child %d: %s", i, line)
			}
		}
	}
	lockTestCheckRun(t, d)
	if h := lockTestHidden(t, string(d)); len(h) > 0 {
		t.Errorf("left %v", h)
	}
	t.Logf("%d of 60 writes found the directory busy", busy)
}

// TestSweepLock: a second sweep with the same output fails with bad input
// naming the first; the lock file is removed when the first ends, and a
// directory made for the output is removed if the sweep left it empty.
func TestSweepLock(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "new", "out.json")
	l, err := LockSweep(out)
	if err != nil {
		t.Fatal(err)
	}
	if l.Partial() != out+".partial.json" {
		t.Errorf("Partial() = %s", l.Partial())
	}
	_, err = LockSweep(out)
	want := fmt.Sprintf("another desim sweep is writing %s (%s), and would save its partial result to %s.partial.json too; wait for it to finish, or give another -o", out, lockTestHolder(), out)
	if !errors.Is(err, ErrInput) || err.Error() != want {
		t.Errorf("second sweep: %v, want bad input:\n%s", err, want)
	}
	other, err := LockSweep(filepath.Join(dir, "new", "other.json"))
	if err != nil {
		t.Fatalf("a sweep with another output: %v", err)
	}
	other.Unlock()
	l.Unlock()
	if _, err := os.Stat(filepath.Join(dir, "new")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the output's directory made for the sweep: %v, want it removed", err)
	}
	l, err = LockSweep(out)
	if err != nil {
		t.Fatalf("after the first sweep ended: %v", err)
	}
	l.Unlock()

	// Standard output: the partial file is in the current directory.
	t.Chdir(dir)
	a, err := LockSweep("")
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockSweep("-")
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "another desim sweep is writing to standard output in this directory") {
		t.Errorf("a second sweep to standard output: %v", err)
	}
	a.Unlock()
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("%s holds %v after the sweeps, want nothing", dir, names)
	}
}

// TestSaveInterruptedHugeTotals: "desim sweep A3 A1 --seeds
// 1-18446744073709551615" interrupted reports its runs exactly, though
// they are 2·(2^64−1), beyond uint64.
func TestSaveInterruptedHugeTotals(t *testing.T) {
	st := NewSweepState(builtins(t, 10e9, "A3", "A1"), stats.SeedRange{From: 1, To: math.MaxUint64}, nil)
	if got := st.TotalRuns(); got != "36893488147419103230" {
		t.Errorf("TotalRuns = %s, want 36893488147419103230", got)
	}
	if got := st.Todo(); got != math.MaxUint64 {
		t.Errorf("Todo = %d, want the most a uint64 holds", got)
	}
	st.Scenarios[0].Done = Intervals{{1, 40}}
	st.Scenarios[1].Done = Intervals{{1, 24}}
	out := filepath.Join(t.TempDir(), "out.json")
	l, err := LockSweep(out)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	msg, err := l.SaveInterrupted(st)
	if want := "interrupted after 64 of 36893488147419103230 runs; saved them in " + out + ".partial.json"; err != nil || msg != want {
		t.Errorf("SaveInterrupted: %q, %v; want %q", msg, err, want)
	}
	if b, err := os.ReadFile(out + ".partial.json"); err != nil || !bytes.Equal(b, st.Marshal()) {
		t.Errorf("the partial file: %v", err)
	}
	// Both scenarios all but done: more runs done than a uint64 holds.
	st.Scenarios[0].Done = Intervals{{1, math.MaxUint64 - 1}}
	st.Scenarios[1].Done = Intervals{{2, math.MaxUint64}}
	if got := st.DoneRuns(); got != "36893488147419103228" {
		t.Errorf("DoneRuns = %s, want 36893488147419103228", got)
	}
	if got := st.Todo(); got != 2 {
		t.Errorf("Todo = %d, want 2", got)
	}
}

// TestRemoveStaleTemp: Dir.Write removes the temporary files of writers
// that no longer run, and only those.
func TestRemoveStaleTemp(t *testing.T) {
	d := Dir(t.TempDir())
	me := os.Getpid()
	dead := []string{
		".machine-0.csv.tmp-999999999-12345", // no such pid (above any pid_max)
		".summary.json.tmp-999999999-7",
		".machine-1.csv.tmp-424242-99", // dead for the fake below
	}
	kept := []string{
		fmt.Sprintf(".machine-0.csv.tmp-%d-1", me), // this process: live
		".machine-0.csv.tmp-1-5",                   // init: live
		".machine-3.csv.tmp123",                    // the old form, without a pid
		".machine-4.csv.tmp-0-5", ".machine-4.csv.tmp--5-5", ".x.tmp-999999999-", ".x.tmp-999999999-ab", "x.tmp-999999999-1",
		"notes.txt",
	}
	for _, n := range append(slices.Clone(dead), kept...) {
		if err := os.WriteFile(filepath.Join(string(d), n), []byte("0123456789"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	alive := func(pid int) bool { return pid != 424242 && processAlive(pid) }
	removed, size, err := removeStaleTemp(string(d), alive)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range removed {
		names = append(names, filepath.Base(p))
	}
	slices.Sort(names)
	slices.Sort(dead)
	if !slices.Equal(names, dead) || size != 30 {
		t.Errorf("removed %v (%d bytes), want %v (30 bytes)", names, size, dead)
	}
	want := slices.Sorted(slices.Values(kept))
	if got := dirNames(t, string(d)); !slices.Equal(got, want) {
		t.Errorf("left %v, want %v", got, want)
	}

	// Through Dir.Write, with the real check of the pid.
	if err := os.WriteFile(filepath.Join(string(d), dead[0]), make([]byte, 2000), 0o644); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	opt := WriteOptions{Warn: func(w string) { warnings = append(warnings, w) }}
	if _, err := SimulateToDir(context.Background(), dirTestScenario(t, 2), d, opt); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(string(d), dead[0])); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Dir.Write left the dead writer's %s", dead[0])
	}
	for _, n := range kept {
		if _, err := os.Stat(filepath.Join(string(d), n)); err != nil {
			t.Errorf("Dir.Write removed %s: %v", n, err)
		}
	}
	if w := fmt.Sprintf("removed 1 temporary file (2.0 kB) that killed writers had left in %s", d); !slices.Equal(warnings, []string{w}) {
		t.Errorf("warnings %q, want %q", warnings, w)
	}
}

// TestCreateAtomicNamesPid: a temporary file carries its writer's pid.
func TestCreateAtomicNamesPid(t *testing.T) {
	f, err := CreateAtomic(filepath.Join(t.TempDir(), "machine-0.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	name := filepath.Base(f.Name())
	if pid, ok := tempOwner(name); !ok || pid != os.Getpid() || !strings.HasPrefix(name, fmt.Sprintf(".machine-0.csv.tmp-%d-", os.Getpid())) {
		t.Errorf("temporary file %s: owner %d, %v; want .machine-0.csv.tmp-%d-<random>", name, pid, ok, os.Getpid())
	}
}
