package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteFileAtomicSpecialFile: a FIFO (like /dev/null or a pipe given
// as -o) is written into, never replaced by a rename.
func TestWriteFileAtomicSpecialFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	got := make(chan []byte)
	go func() {
		data, _ := os.ReadFile(fifo)
		got <- data
	}()
	if err := writeFileAtomic(fifo, []byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	if data := <-got; string(data) != "hello\n" {
		t.Errorf("read %q from the FIFO", data)
	}
	st, err := os.Lstat(fifo)
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", st.Mode(), err)
	}
}
