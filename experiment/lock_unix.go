//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package experiment

import (
	"errors"
	"os"
	"syscall"
)

// tryFlock takes an exclusive flock(2) on f without waiting: errLockBusy
// when another open file holds it, another error when the file system
// cannot lock.
func tryFlock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return errLockBusy
		}
		return err
	}
}

// flockWait takes a shared or exclusive flock(2) on f, waiting for it.
func flockWait(f *os.File, exclusive bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// processAlive reports whether the process pid exists: kill(pid, 0) fails
// with ESRCH only for a pid that no process has. (EPERM means a process of
// another user: alive.)
func processAlive(pid int) bool {
	if pid <= 0 {
		return true // never a process of its own: not ours to judge
	}
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// isReadOnly reports an error of a read-only file system.
func isReadOnly(err error) bool { return errors.Is(err, syscall.EROFS) }
