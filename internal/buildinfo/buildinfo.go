// Package buildinfo tells which build of desim is running.
//
// Imports: the standard library only.
package buildinfo

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
)

// Version is desim's version: the module version, and the VCS revision
// when the build recorded one.
func Version() string {
	v := "(devel)"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Version != "" {
		v = bi.Main.Version
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		v += " (" + rev + dirty + ")"
	}
	return v
}

// Command returns how to run this desim from a shell: "desim" when that
// name on PATH is this very executable (or when the executable cannot be
// told, as in a test binary), else the executable's absolute path, so
// that a printed command line runs the binary that printed it.
func Command() string {
	exe, err := os.Executable()
	if err != nil || filepath.Base(exe) != "desim" {
		return "desim"
	}
	if p, err := exec.LookPath("desim"); err == nil {
		if a, err1 := filepath.EvalSymlinks(p); err1 == nil {
			if b, err2 := filepath.EvalSymlinks(exe); err2 == nil && a == b {
				return "desim"
			}
		}
	}
	return exe
}
