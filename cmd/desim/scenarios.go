package main

import (
	"github.com/spf13/cobra"

	"desim/experiment"
	"desim/scenarios"
)

func newScenariosCmd(e *env) *cobra.Command {
	c := e.command("scenarios [show NAME]", "list the built-in scenarios, or print one as YAML",
		args(0, 2, "usage: desim scenarios [show NAME]"),
		func(c *cobra.Command, a []string) error {
			switch {
			case len(a) == 0:
				return experiment.WriteScenarioList(e.stdout)
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
