package main

import (
	"flag"
	"fmt"
	"text/tabwriter"

	"desim/scenarios"
)

var scenariosCmd = &command{
	name:    "scenarios",
	summary: "list the built-in scenarios, or print one as YAML",
	usage:   "scenarios [show NAME]",
	help: `
Without arguments, lists the built-in scenarios: the paper's nine
experiments as run (A1-A5, B1-B4) and B2 and B3 as the paper captions
them (B2-captioned, B3-captioned).

"desim scenarios show NAME" prints a built-in scenario's YAML, a starting
point for your own:

  desim scenarios show A2 > my.yaml
  desim run my.yaml`,
	setup: func(fs *flag.FlagSet) func(e *env, args []string) error {
		return func(e *env, args []string) error {
			switch {
			case len(args) == 0:
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tRATES (c/s)\tDIE\tDURATION\tDESCRIPTION")
				for _, n := range scenarios.Names() {
					s, err := scenarios.Builtin(n)
					if err != nil {
						return err
					}
					rates := ""
					for i, m := range s.Machines {
						if i > 0 {
							rates += ", "
						}
						rates += m.Rate.String()
					}
					fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", s.Name, rates, s.Die, scenarios.FormatDuration(s.Duration), firstSentence(s.Description))
				}
				return tw.Flush()
			case len(args) == 2 && args[0] == "show":
				data, ok := scenarios.Source(args[1])
				if !ok {
					return usagef("no built-in scenario %q (see \"desim scenarios\")", args[1])
				}
				_, err := e.stdout.Write(data)
				return err
			}
			return usagef("usage: desim %s", "scenarios [show NAME]")
		}
	},
}

// firstSentence returns s up to and including its first ". ".
func firstSentence(s string) string {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '.' && s[i+1] == ' ' {
			return s[:i+1]
		}
	}
	return s
}
