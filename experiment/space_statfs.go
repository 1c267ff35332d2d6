//go:build linux || darwin || freebsd

package experiment

import (
	"errors"
	"io/fs"
	"path/filepath"
	"syscall"
)

// freeSpace returns the bytes available to this user (statfs(2)'s
// f_bavail blocks) on the file system of dir or, when dir does not exist
// yet, of its nearest existing parent.
func freeSpace(dir string) (int64, bool) {
	p := filepath.Clean(dir)
	for {
		var st syscall.Statfs_t
		err := syscall.Statfs(p, &st)
		if err == nil {
			avail, bsize := int64(st.Bavail), int64(st.Bsize)
			if avail < 0 || bsize <= 0 {
				return 0, true
			}
			return satMul(avail, bsize), true
		}
		parent := filepath.Dir(p)
		if !errors.Is(err, fs.ErrNotExist) || parent == p {
			return 0, false
		}
		p = parent
	}
}
