package experiment

import (
	"fmt"
	"path/filepath"

	"desim/analysis/report"
	"desim/internal/shell"
)

// ReproduceCommand returns the command line that makes the report of o,
// as the report quotes it (ReproduceOptions.Command): the flags that
// decide its results, with duration and gridDuration as the user wrote
// them (gridDuration "" when not given). The defaults of --grid-seeds
// (0), --no-real and --log-seeds are left out.
func ReproduceCommand(o ReproduceOptions, duration, gridDuration string) string {
	cmd := fmt.Sprintf("desim reproduce --seeds %d --duration %s", o.Seeds, duration)
	if o.GridSeeds > 0 {
		cmd += fmt.Sprintf(" --grid-seeds %d", o.GridSeeds)
	}
	if gridDuration != "" {
		cmd += " --grid-duration " + gridDuration
	}
	if o.NoReal {
		cmd += " --no-real"
	}
	for _, l := range o.Logs {
		cmd += " " + shell.Join([]string{"--logs", l})
	}
	if o.LogSeeds != DefaultValidateSeeds {
		cmd += fmt.Sprintf(" --log-seeds %d", o.LogSeeds)
	}
	return cmd
}

// ReproduceWrote names what Reproduce wrote into dir for r, as a shell
// brace pattern: "DIR/{REPORT.md,REPORT.html,report.json,figures/}", with
// calibrated/ when r has recorded runs.
func ReproduceWrote(dir string, r *report.Report) string {
	files := "{REPORT.md,REPORT.html,report.json,figures/}"
	if len(r.Logs) > 0 {
		files = "{REPORT.md,REPORT.html,report.json,figures/,calibrated/}"
	}
	return filepath.Join(dir, files)
}
