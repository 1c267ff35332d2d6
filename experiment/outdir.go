package experiment

import (
	"fmt"
	"path/filepath"

	"desim/scenarios"
)

// DefaultRunDir is where "desim run" writes a run of s when no directory
// is given: out/<name>-seed<N>, with -<duration> appended when the
// duration was given (withDuration), so that a run of another duration
// gets its own directory.
func DefaultRunDir(s *scenarios.Scenario, withDuration bool) Dir {
	dir := filepath.Join("out", fmt.Sprintf("%s-seed%d", s.Name, s.Seed))
	if withDuration {
		dir += "-" + scenarios.FormatDuration(s.Duration)
	}
	return Dir(dir)
}

// DefaultRealDir is where a real-socket run of s ("desim real", "desim
// machine") writes when no directory is given: out/<name>-real-seed<N>.
func DefaultRealDir(s *scenarios.Scenario) Dir {
	return Dir(filepath.Join("out", fmt.Sprintf("%s-real-seed%d", s.Name, s.Seed)))
}

// Wrote names the files a run wrote into d as a shell brace pattern:
// "DIR/{machine-*.csv,summary.json,scenario.yaml}", with messages.csv
// for a traced run.
func (d Dir) Wrote(traced bool) string {
	files := "{machine-*.csv,summary.json,scenario.yaml}"
	if traced {
		files = "{machine-*.csv,messages.csv,summary.json,scenario.yaml}"
	}
	return filepath.Join(string(d), files)
}
