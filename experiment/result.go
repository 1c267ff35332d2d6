package experiment

import (
	"bytes"
	"io"

	"desim/analysis/stats"
	"desim/internal/shell"
)

// ResultOptions is how WriteResult writes a complete sweep's or grid's
// result.
type ResultOptions struct {
	// Out is the file written, atomically ("" or "-": stdout).
	Out string
	// Format is JSON, CSV or a table.
	Format stats.Format
	// Wide, for a sweep's table, adds sd, the extremes and their seeds;
	// Command is how to run desim in its replay commands (see
	// stats.TableOptions).
	Wide    bool
	Command string
	// Plot, for a grid, is a file to draw its figure into as well ("":
	// none; see WriteGridFigure).
	Plot string
}

// WriteResult writes the result of a complete state to o.Out or stdout:
// a grid's (see WriteGrid), after its figure when o.Plot is given, or a
// sweep's, as JSON, CSV or a table (100 columns wide, or with everything)
// whose replay commands are quoted for a POSIX shell.
func WriteResult(stdout io.Writer, st *SweepState, o ResultOptions) error {
	var b bytes.Buffer
	if st.Grid != nil {
		res, err := GridResultOf(st)
		if err != nil {
			return err
		}
		if o.Plot != "" {
			if err := WriteGridFigure(o.Plot, res); err != nil {
				return err
			}
		}
		if err := WriteGrid(&b, res, o.Format); err != nil {
			return err
		}
		return WriteOutput(stdout, o.Out, b.Bytes())
	}
	out, err := st.Output()
	if err != nil {
		return err
	}
	if o.Format != stats.FormatTable {
		err = stats.Write(&b, out, o.Format)
	} else {
		err = stats.WriteTableOptions(&b, out, stats.TableOptions{Wide: o.Wide, Command: o.Command, Quote: shell.Quote})
	}
	if err != nil {
		return err
	}
	return WriteOutput(stdout, o.Out, b.Bytes())
}
