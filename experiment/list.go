package experiment

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"desim/scenarios"
)

// WriteScenarioList writes the table of the built-in scenarios ("desim
// scenarios"): name, rates, die, duration and the description's first
// sentence.
func WriteScenarioList(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tRATES (c/s)\tDIE\tDURATION\tDESCRIPTION")
	for _, n := range scenarios.Names() {
		s, err := scenarios.Builtin(n)
		if err != nil {
			return err
		}
		rates := make([]string, len(s.Machines))
		for i, m := range s.Machines {
			rates[i] = m.Rate.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", s.Name, strings.Join(rates, ", "), s.Die, scenarios.FormatDuration(s.Duration), firstSentence(s.Description))
	}
	return tw.Flush()
}

// firstSentence returns s up to and including its first ". ".
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// WriteGridList writes the table of the built-in grids ("desim grids"):
// name, base scenario, axes with their number of values, cells, seeds,
// duration and description.
func WriteGridList(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tBASE\tAXES\tCELLS\tSEEDS\tDURATION\tDESCRIPTION")
	for _, n := range GridNames() {
		g, err := LoadGrid(n, GridOverrides{})
		if err != nil {
			return err
		}
		axes := ""
		for k, ax := range g.Axes {
			if k > 0 {
				axes += " × "
			}
			axes += ax.Field + " (" + strconv.Itoa(len(ax.Values)) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", g.Name, g.Base.Name, axes, g.NumCells(), g.Seeds.Count(),
			scenarios.FormatDuration(g.Base.Duration), g.Description)
	}
	return tw.Flush()
}
