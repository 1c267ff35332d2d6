package experiment

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRunIntoAFile: an --out that is a regular file, or lies under one, is
// bad input (exit status 2), and the file is left as it was.
func TestRunIntoAFile(t *testing.T) {
	s, err := Load("A3", Overrides{Duration: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "afile")
	if err := os.WriteFile(file, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{file, filepath.Join(file, "sub")} {
		if _, err := SimulateToDir(context.Background(), s, Dir(dir)); !errors.Is(err, ErrInput) {
			t.Errorf("run into %s: %v, want bad input", dir, err)
		}
	}
	if data, err := os.ReadFile(file); err != nil || string(data) != "keep" {
		t.Errorf("the file changed: %q, %v", data, err)
	}
}
