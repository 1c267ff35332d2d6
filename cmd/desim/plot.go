package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"desim/analysis"
	"desim/analysis/figure"
	"desim/scenarios"
)

var plotCmd = &command{
	name:    "plot",
	summary: "draw a run's figure: logical clocks and queue lengths against time",
	usage:   "plot RUN... [-o FILE]",
	help: `
Draws the paper's figure of a run: on the left each machine's logical
clock against time, on the right the length of its message queue, one
line per machine in the same colour in both panels, with a legend
"machine i (r c/s)".

RUN is a run directory (machine-<i>.csv, as "desim run" writes) or a list
of log files, one per machine in machine order; desim's logs and the
original Python implementation's are both read, time counted from the
run's earliest line. When the directory holds a scenario.yaml, its name
and description are the title and the legend gives the machines' rates.

The format follows FILE's extension: .png (1200 x 450 pixels), .svg or
.pdf. The default FILE is RUN/figure.png for a directory and figure.png
for a list of files. The file is written under a temporary name and
renamed when complete; its path is printed. Lines are decimated for
drawing only (each pixel column keeps its first, last, lowest and highest
point), so long runs plot quickly and make small vector files.

Examples:
  desim run A2 --out out/A2 && desim plot out/A2
  desim plot out/A2 -o a2.svg
  desim plot logs/machine0.csv logs/machine1.csv logs/machine2.csv -o orig.pdf`,
	setup: func(fs *flag.FlagSet) func(e *env, args []string) error {
		out := fs.String("o", "", "output `FILE`: .png, .svg or .pdf (default RUN/figure.png for a directory, figure.png for files)")
		return func(e *env, args []string) error {
			if len(args) == 0 {
				return usagef("need a RUN: a run directory or a list of log files (see \"desim plot -h\")")
			}
			path := *out
			if path == "" {
				path = "figure.png"
				if len(args) == 1 {
					if st, err := os.Stat(args[0]); err == nil && st.IsDir() {
						path = filepath.Join(args[0], "figure.png")
					}
				}
			}
			format, err := figure.FigureFormat(path)
			if err != nil {
				return usageError{err}
			}
			fig, err := runFigure(args)
			if err != nil {
				return err
			}
			if err := writeFigure(path, fig, format); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "wrote %s\n", path)
			return nil
		}
	},
}

// runFigure reads the run given as a directory or a list of log files and
// returns its figure, titled from RUN/scenario.yaml when there is one.
// Unreadable or malformed input is a usage error (exit 2).
func runFigure(args []string) (*figure.Figure, error) {
	log, s, err := openRun(args)
	if err != nil {
		return nil, err
	}
	fig := logFigure(log)
	if s != nil {
		titleFigure(fig, s)
	}
	return fig, nil
}

// plotRun draws the figure of the run of s that "desim run" just wrote
// into dir, reading its logs back, to dir/figure.png.
func plotRun(dir string) error {
	fig, err := runFigure([]string{dir})
	if err != nil {
		return err
	}
	return writeFigure(filepath.Join(dir, "figure.png"), fig, "png")
}

// logFigure returns the untitled figure of a run, machine i's series with
// ID i.
func logFigure(log *analysis.Log) *figure.Figure {
	fig := &figure.Figure{Series: make([]figure.Series, len(log.Machines))}
	for i, recs := range log.Machines {
		fig.Series[i] = figure.Series{ID: i, Records: recs}
	}
	return fig
}

// titleFigure sets the figure's title, subtitle and rates from s.
func titleFigure(fig *figure.Figure, s *scenarios.Scenario) {
	fig.Title, fig.Subtitle, fig.Duration = s.Name, s.Description, int64(s.Duration)
	for i := range fig.Series {
		if i < len(s.Machines) {
			fig.Series[i].Rate = s.Machines[i].Rate.String()
		}
	}
}

// inputError classifies an error reading a run: malformed or missing input
// is a usage error (exit 2), anything else (a failing disk) a failure.
func inputError(err error) error {
	var le *analysis.LogError
	var pe *fs.PathError
	switch {
	case errors.As(err, &le), errors.Is(err, fs.ErrNotExist):
		return usageError{err}
	case errors.As(err, &pe):
		return err
	}
	return usageError{err}
}

// writeFigure renders fig to path in format, atomically.
func writeFigure(path string, fig *figure.Figure, format string) error {
	var buf bytes.Buffer
	if err := figure.WriteFigure(&buf, fig, format); err != nil {
		return err
	}
	return writeFileAtomic(path, buf.Bytes())
}
