package experiment

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"desim/internal/quote"
	"desim/internal/shell"
)

// Locks keep two desim processes from writing one result at once.
//
// A writer holds an advisory lock (flock(2), see lock_unix.go) on a lock
// file for as long as it writes: DIR/.desim.lock for a run directory
// (Dir.Write), OUT.partial.json.lock for a sweep (LockSweep). The lock
// file holds the holder's pid and command line, so that a second writer,
// which does not wait, can say who is in the way. The holder removes the
// file before it releases the lock; a taker checks, once it holds the
// lock, that the file it locked is still the one at the path (else it
// locked a file its holder had just removed, and tries again), so that
// removing it is safe. A killed holder's lock is released by the kernel;
// its file stays until the next writer takes and removes it.
//
// Readers of a run directory do not take the writers' lock (a run may be
// written for hours, and the directory keeps the earlier run meanwhile):
// ReadRun locks the directory itself shared, and Dir.Write's commit, which
// renames the new run's files into place, locks it exclusive, so that a
// reader sees the earlier run or the new one, never a mix.
//
// On a platform or file system without flock the locks are not taken (see
// lock_other.go): desim then behaves as it did without them.

// DirLockFile is the name of a run directory's lock file, present while a
// run is being written into it.
const DirLockFile = ".desim.lock"

// fileLock is a lock file held by this process.
type fileLock struct {
	f    *os.File
	path string
}

// errLockBusy is how tryLockFile reports a lock held by someone else.
var errLockBusy = errors.New("lock held")

// holderWait bounds how long a taker that finds the lock held waits for
// the holder to write its pid into the lock file (it does so right after
// taking the lock), in steps of a millisecond.
const holderWait = 200

// lockFile takes the lock file path without waiting. When another process
// (or another lock of this one) holds it, the error is errLockBusy and
// holder describes the holder ("pid 1234: desim run A1"). A file system
// that cannot lock gives an unlocked fileLock: the write goes on as it
// did without locks.
func lockFile(path string) (l *fileLock, holder string, err error) {
	for attempt := 0; ; attempt++ {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, "", err
		}
		err = tryFlock(f)
		if errors.Is(err, errLockBusy) {
			f.Close()
			h, known := readHolder(path)
			if known || attempt >= holderWait {
				return nil, h, errLockBusy
			}
			time.Sleep(time.Millisecond)
			continue
		}
		// err != nil: locks are not supported here; go on unlocked.
		if err == nil && !stillAt(f, path) {
			f.Close() // locked a file its holder removed: try again
			continue
		}
		l := &fileLock{f: f, path: path}
		if err := l.writeHolder(); err != nil {
			l.unlock()
			return nil, "", err
		}
		return l, "", nil
	}
}

// stillAt reports whether the open file f is the file at path.
func stillAt(f *os.File, path string) bool {
	a, err1 := f.Stat()
	b, err2 := os.Stat(path)
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}

// holderInfo is what a holder writes into its lock file.
func holderInfo() []byte {
	return fmt.Appendf(nil, "pid %d\ncommand %s\n", os.Getpid(), shell.Join(os.Args))
}

func (l *fileLock) writeHolder() error {
	if err := l.f.Truncate(0); err != nil {
		return err
	}
	_, err := l.f.WriteAt(holderInfo(), 0)
	return err
}

// unlock removes the lock file and releases the lock; nil does nothing.
func (l *fileLock) unlock() {
	if l == nil {
		return
	}
	os.Remove(l.path) // before the release: see the comment at the top
	l.f.Close()
}

// readHolder describes the holder of the lock file path from its content.
// known is false when the file does not name a live process yet (its
// holder has not written it, or it is a dead holder's).
func readHolder(path string) (holder string, known bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "another process (it does not say which)", false
	}
	pid, cmd, ok := parseHolder(b)
	if !ok {
		return "another process (it does not say which)", false
	}
	h := "pid " + strconv.Itoa(pid)
	if cmd != "" {
		h += ": " + shown(cmd)
	}
	return h, processAlive(pid)
}

// parseHolder reads "pid N\ncommand C\n".
func parseHolder(b []byte) (pid int, cmd string, ok bool) {
	line, rest, _ := bytes.Cut(b, []byte("\n"))
	num, found := bytes.CutPrefix(line, []byte("pid "))
	if !found {
		return 0, "", false
	}
	pid, ok = parsePid(string(num))
	if !ok {
		return 0, "", false
	}
	line, _, _ = bytes.Cut(rest, []byte("\n"))
	c, _ := bytes.CutPrefix(line, []byte("command "))
	return pid, string(c), true
}

// parsePid reads a process id: decimal digits, no sign, from 1 to 2^31-1.
func parsePid(s string) (int, bool) {
	if s == "" || s[0] == '0' || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 32)
	return int(n), err == nil
}

// shown returns s for a message as it is when it is short and plain, and
// otherwise quoted and cut by quote.Quote: a name or command read from a
// file can be of any length and hold any bytes.
func shown(s string) string {
	if len(s) <= quote.Max && utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return s
	}
	return quote.Quote(s)
}

// lockRunDir takes d's writer lock for Dir.Write. d exists.
func lockRunDir(d Dir) (*fileLock, error) {
	path := filepath.Join(string(d), DirLockFile)
	l, holder, err := lockFile(path)
	if errors.Is(err, errLockBusy) {
		return nil, Inputf("%s is being written by another desim (%s); wait for it to finish, or write to another directory", d, holder)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot lock %s: %w", d, err)
	}
	return l, nil
}

// lockDir locks the directory dir itself, exclusive for a commit or shared
// for a read, waiting for it (commits are short); unlock releases it. A
// directory that cannot be locked (missing, or no flock) is not locked.
func lockDir(dir string, exclusive bool) (unlock func()) {
	f, err := os.Open(dir)
	if err != nil {
		return func() {}
	}
	if err := flockWait(f, exclusive); err != nil {
		f.Close()
		return func() {}
	}
	return func() { f.Close() }
}

// SweepLock is held by a sweep from its start to its end, on the partial
// file PartialPath(out) that an interruption saves it to. Two sweeps with
// the same output would otherwise share one partial file: each would
// report it saved, and the last to be interrupted would overwrite the
// other's runs.
type SweepLock struct {
	partial string
	l       *fileLock
	cleanup func()
}

// LockSweep takes the lock of the sweep writing its output to out (""
// or "-" for standard output, whose partial file is in the current
// directory): the lock file PartialPath(out)+".lock", which Unlock
// removes. Another sweep holding it is bad input naming that sweep. The
// output's directory is made if need be (and removed again by Unlock if
// it is still empty). Where no lock file can be made (a read-only
// directory, where no partial file could be saved either) the sweep goes
// on unlocked.
func LockSweep(out string) (*SweepLock, error) {
	partial := PartialPath(out)
	cleanup, err := Dir(filepath.Dir(partial)).mkdir()
	if err != nil {
		return nil, Inputf("-o %s: cannot make its directory: %w", out, err)
	}
	l, holder, err := lockFile(partial + ".lock")
	switch {
	case errors.Is(err, errLockBusy):
		cleanup()
		what := "writing " + out
		if out == "" || out == "-" {
			what = "writing to standard output in this directory"
		}
		return nil, Inputf("another desim sweep is %s (%s), and would save its partial result to %s too; wait for it to finish, or give another -o", what, holder, partial)
	case errors.Is(err, fs.ErrPermission) || isReadOnly(err):
		cleanup()
		return &SweepLock{partial: partial, cleanup: func() {}}, nil
	case err != nil:
		cleanup()
		return nil, fmt.Errorf("cannot lock %s: %w", partial, err)
	}
	return &SweepLock{partial: partial, l: l, cleanup: cleanup}, nil
}

// Partial returns the sweep's partial file, PartialPath(out).
func (l *SweepLock) Partial() string { return l.partial }

// SaveInterrupted saves the state of an interrupted sweep to its partial
// file and returns the sentence that reports it: "interrupted after D of
// T runs; saved them in FILE".
func (l *SweepLock) SaveInterrupted(s *SweepState) (string, error) {
	if err := WriteFile(l.partial, s.Marshal()); err != nil {
		return "", fmt.Errorf("interrupted, and the partial result could not be saved: %w", err)
	}
	return fmt.Sprintf("interrupted after %s of %s runs; saved them in %s", s.DoneRuns(), s.TotalRuns(), l.partial), nil
}

// Finished is called once the sweep's output is written: it removes the
// partial file the sweep resumed from (resume, "" for none) when that is
// this sweep's own, which has served.
func (l *SweepLock) Finished(resume string) {
	if resume != "" && filepath.Clean(resume) == filepath.Clean(l.partial) {
		os.Remove(resume)
	}
}

// Unlock releases the lock and removes its file.
func (l *SweepLock) Unlock() {
	l.l.unlock()
	l.l = nil
	l.cleanup()
}

// Temporary files (CreateAtomic) are named ".<name>.tmp-<pid>-<random>",
// with the pid of the process writing them, so that one left by a killed
// process can be told from one being written.

// tempPrefix is the start of the name of a temporary file for base made by
// this process.
func tempPrefix(base string) string {
	return "." + base + ".tmp-" + strconv.Itoa(os.Getpid()) + "-"
}

// tempOwner returns the pid in a temporary file's name, ok false for any
// other name.
func tempOwner(name string) (pid int, ok bool) {
	i := strings.LastIndex(name, ".tmp-")
	if !strings.HasPrefix(name, ".") || i < 2 {
		return 0, false
	}
	num, random, found := strings.Cut(name[i+len(".tmp-"):], "-")
	if !found || random == "" || strings.Trim(random, "0123456789") != "" {
		return 0, false
	}
	return parsePid(num)
}

// RemoveStaleTemp removes from dir the temporary files of writers that no
// longer run (a desim killed with SIGKILL, or by a power cut, leaves them)
// and returns their paths and total size. Files of a live process (or of
// one whose pid another process has taken since), files of the old name
// form without a pid, and every other file are left alone.
func RemoveStaleTemp(dir string) (removed []string, bytes int64, err error) {
	return removeStaleTemp(dir, processAlive)
}

func removeStaleTemp(dir string, alive func(pid int) bool) (removed []string, bytes int64, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, 0, err
	}
	dead := map[int]bool{}
	for _, e := range entries {
		pid, ok := tempOwner(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		if _, seen := dead[pid]; !seen {
			dead[pid] = pid != os.Getpid() && !alive(pid)
		}
		if !dead[pid] {
			continue
		}
		p := filepath.Join(dir, e.Name())
		var size int64
		if info, err := e.Info(); err == nil {
			size = info.Size()
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, bytes, err
		}
		removed = append(removed, p)
		bytes += size
	}
	return removed, bytes, nil
}
