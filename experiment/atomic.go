package experiment

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// AtomicFile is an output file written under a temporary name in its
// directory and renamed into place by Commit, so that an interrupted
// command never leaves a truncated result under the final name.
type AtomicFile struct {
	*os.File
	path string
}

// CreateAtomic starts the file path under a temporary name in its
// directory, ".<name>.tmp-<pid>-<random>" with this process's pid (so that
// RemoveStaleTemp can tell a killed writer's leftovers from a live one's);
// Commit renames it into place, Abort removes it.
func CreateAtomic(path string) (*AtomicFile, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, tempPrefix(base)+"*")
	if err != nil {
		return nil, err
	}
	return &AtomicFile{File: f, path: path}, nil
}

// finish flushes the temporary file to the disk and closes it, and checks
// that it can replace its final name (which must not be a directory): a
// file renamed into place after a power cut holds its whole content.
func (a *AtomicFile) finish() error {
	if err := a.File.Sync(); err != nil {
		a.File.Close()
		return err
	}
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
func (a *AtomicFile) Commit() error {
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
func (a *AtomicFile) Abort() {
	a.File.Close()
	os.Remove(a.File.Name())
}

// WriteFile writes data to path through a temporary file. A path that
// names an existing device, pipe or socket (such as /dev/null or
// /dev/stdout) is written directly: renaming over it would replace it.
func WriteFile(path string, data []byte) error {
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
	f, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// OutputSet writes several files as one result: each goes to a temporary
// file, and Commit renames them into place only once all are complete.
// Any failure before Commit leaves the directory as it was. A rename that
// fails half way through Commit (rare: the targets were checked first)
// removes the files already renamed, so no mix of two runs remains, but
// the earlier run's files of those names are then gone too.
type OutputSet struct {
	files []*AtomicFile
	stale []string // files removed on Commit: leftovers of an earlier result
}

// RemoveOnCommit marks files to remove when the set is committed, such as
// the logs of machines an earlier run in the same directory had and this
// one has not.
func (s *OutputSet) RemoveOnCommit(paths ...string) { s.stale = append(s.stale, paths...) }

// Create starts the file at path.
func (s *OutputSet) Create(path string) (*AtomicFile, error) {
	f, err := CreateAtomic(path)
	if err != nil {
		return nil, err
	}
	s.files = append(s.files, f)
	return f, nil
}

// Write starts the file at path with the content data.
func (s *OutputSet) Write(path string, data []byte) error {
	f, err := s.Create(path)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return err
}

// Abort removes every temporary file.
func (s *OutputSet) Abort() {
	for _, f := range s.files {
		f.Abort()
	}
	s.files = nil
}

// Commit renames every file into place, or none.
func (s *OutputSet) Commit() error {
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
	written := make(map[string]bool, len(s.files))
	for _, f := range s.files {
		written[f.path] = true
	}
	s.files = nil
	for _, p := range s.stale {
		if written[p] {
			continue // stale for another run, written by this one
		}
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	s.stale = nil
	return nil
}

// WriteOutput writes data to stdout when path is "" or "-", else to the
// file path atomically (see WriteFile), making its directory if need be.
func WriteOutput(stdout io.Writer, path string, data []byte) error {
	if path == "" || path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return WriteFile(path, data)
}
