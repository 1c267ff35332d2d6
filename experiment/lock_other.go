//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package experiment

import (
	"errors"
	"os"
)

// Without flock(2) desim takes no locks: two writers of one run
// directory or one sweep output are not kept apart (see lock.go).

var errNoFlock = errors.New("file locks are not supported on this platform")

func tryFlock(*os.File) error { return errNoFlock }

func flockWait(*os.File, bool) error { return errNoFlock }

// processAlive cannot tell here: every process is taken for alive, so that
// no temporary file of a running writer is ever removed.
func processAlive(int) bool { return true }

func isReadOnly(error) bool { return false }
