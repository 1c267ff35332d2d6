package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"desim/scenarios"
)

// atomicFile is an output file written under a temporary name in its
// directory and renamed into place by Commit, so that an interrupted
// command never leaves a truncated result under the final name.
type atomicFile struct {
	*os.File
	path string
}

func createAtomic(path string) (*atomicFile, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return nil, err
	}
	return &atomicFile{File: f, path: path}, nil
}

// finish closes the temporary file and checks that it can replace its
// final name (which must not be a directory).
func (a *atomicFile) finish() error {
	if err := a.File.Close(); err != nil {
		return err
	}
	if err := os.Chmod(a.File.Name(), 0o644); err != nil {
		return err
	}
	if st, err := os.Lstat(a.path); err == nil && st.IsDir() {
		return fmt.Errorf("cannot write %s: it is a directory", a.path)
	}
	return nil
}

// Commit closes the file and renames it to its final name.
func (a *atomicFile) Commit() error {
	if err := a.finish(); err != nil {
		os.Remove(a.File.Name())
		return err
	}
	if err := os.Rename(a.File.Name(), a.path); err != nil {
		os.Remove(a.File.Name())
		return err
	}
	return nil
}

// Abort closes and removes the temporary file.
func (a *atomicFile) Abort() {
	a.File.Close()
	os.Remove(a.File.Name())
}

// writeFileAtomic writes data to path through a temporary file. A path that
// names an existing device, pipe or socket (such as /dev/null or
// /dev/stdout) is written directly: renaming over it would replace it.
func writeFileAtomic(path string, data []byte) error {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() && !st.IsDir() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	f, err := createAtomic(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// outputSet writes several files as one result: each goes to a temporary
// file, and Commit renames them into place only once all are complete.
// Any failure before Commit leaves the directory as it was. A rename that
// fails half way through Commit (rare: the targets were checked first)
// removes the files already renamed, so no mix of two runs remains, but
// the earlier run's files of those names are then gone too.
type outputSet struct {
	files []*atomicFile
	stale []string // files removed on Commit: leftovers of an earlier result
}

// RemoveOnCommit marks files to remove when the set is committed, such as
// the logs of machines an earlier run in the same directory had and this
// one has not.
func (s *outputSet) RemoveOnCommit(paths ...string) { s.stale = append(s.stale, paths...) }

// Create starts the file at path.
func (s *outputSet) Create(path string) (*atomicFile, error) {
	f, err := createAtomic(path)
	if err != nil {
		return nil, err
	}
	s.files = append(s.files, f)
	return f, nil
}

// Write starts the file at path with the content data.
func (s *outputSet) Write(path string, data []byte) error {
	f, err := s.Create(path)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return err
}

// Abort removes every temporary file.
func (s *outputSet) Abort() {
	for _, f := range s.files {
		f.Abort()
	}
	s.files = nil
}

// Commit renames every file into place, or none.
func (s *outputSet) Commit() error {
	for _, f := range s.files {
		if err := f.finish(); err != nil {
			s.Abort()
			return err
		}
	}
	for i, f := range s.files {
		if err := os.Rename(f.File.Name(), f.path); err != nil {
			for _, g := range s.files[:i] {
				os.Remove(g.path)
			}
			for _, g := range s.files[i:] {
				os.Remove(g.File.Name())
			}
			s.files = nil
			return err
		}
	}
	s.files = nil
	for _, p := range s.stale {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	s.stale = nil
	return nil
}

// staleRunFiles returns the files of dir that a run of n machines does not
// write but an earlier run there may have: machine-<i>.csv for i ≥ n and
// figure.png (redrawn by --plot after the commit).
func staleRunFiles(dir string, n int) []string {
	out := []string{filepath.Join(dir, "figure.png")}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		var i int
		if _, err := fmt.Sscanf(e.Name(), "machine-%d.csv", &i); err == nil && i >= n && e.Name() == fmt.Sprintf("machine-%d.csv", i) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out
}

// makeOutDir creates dir (and its parents) and returns a function that
// removes it again if it is still empty: a failed or interrupted command
// leaves no empty directory behind.
func makeOutDir(dir string) (cleanup func(), err error) {
	_, statErr := os.Stat(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return func() {}, err
	}
	if statErr == nil {
		return func() {}, nil // it existed before
	}
	return func() { os.Remove(dir) }, nil // fails, harmlessly, when not empty
}

// writeRunDir writes a run's result into dir as one set: the machines' logs
// machine-<i>.csv, which run fills and for which it returns the content of
// summary.json, and scenario.yaml. Leftovers of an earlier run in dir go
// (see staleRunFiles); on any error nothing of this run stays, and a
// directory made for it is removed.
func writeRunDir(dir string, s *scenarios.Scenario, run func(logs []io.Writer) (summary []byte, err error)) (err error) {
	cleanup, err := makeOutDir(dir)
	if err != nil {
		return err
	}
	var set outputSet
	defer func() {
		if err != nil {
			set.Abort()
			cleanup()
		}
	}()
	logs := make([]io.Writer, len(s.Machines))
	for i := range logs {
		f, err := set.Create(filepath.Join(dir, fmt.Sprintf("machine-%d.csv", i)))
		if err != nil {
			return err
		}
		logs[i] = f
	}
	summary, err := run(logs)
	if err != nil {
		return err
	}
	if err = set.Write(filepath.Join(dir, "summary.json"), summary); err != nil {
		return err
	}
	if err = set.Write(filepath.Join(dir, "scenario.yaml"), scenarios.Marshal(s)); err != nil {
		return err
	}
	set.RemoveOnCommit(staleRunFiles(dir, len(s.Machines))...)
	return set.Commit()
}
