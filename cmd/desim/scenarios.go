package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"desim/scenarios"
)

func newScenariosCmd(e *env) *cobra.Command {
	c := e.command("scenarios [show NAME]", "list the built-in scenarios, or print one as YAML",
		args(0, 2, "usage: desim scenarios [show NAME]"),
		func(c *cobra.Command, a []string) error {
			switch {
			case len(a) == 0:
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
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
			case len(a) == 2 && a[0] == "show":
				name, _ := scenarios.BuiltinName(a[1]) // any case
				data, ok := scenarios.Source(name)
				if !ok {
					return usagef("no built-in scenario %q (see \"desim scenarios\")", a[1])
				}
				_, err := e.stdout.Write(data)
				return err
			}
			return usagef("usage: desim scenarios [show NAME]")
		})
	return c
}

// firstSentence returns s up to and including its first ". ".
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}
