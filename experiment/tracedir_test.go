package experiment

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestTracedRunDirectory: a traced run writes messages.csv with the rest,
// a second traced run into the same directory keeps its own, and an
// untraced one removes it (it would not match the new logs).
func TestTracedRunDirectory(t *testing.T) {
	s, err := Load("A3", Overrides{Duration: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	dir := Dir(t.TempDir())
	for i, traced := range []bool{true, true, false} {
		if _, err := SimulateToDirTraced(context.Background(), s, dir, traced); err != nil {
			t.Fatal(err)
		}
		_, err := os.Stat(dir.Messages())
		if has := err == nil; has != traced {
			t.Errorf("run %d (traced %v): messages.csv present = %v", i, traced, has)
		}
		entries, _ := os.ReadDir(string(dir))
		for _, e := range entries {
			if e.Name()[0] == '.' && e.Name() != ".desim.lock" {
				t.Errorf("run %d left %s", i, e.Name())
			}
		}
	}
}
