package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"desim/experiment"
	"desim/internal/buildinfo"
	"desim/internal/suggest"
)

// newRoot returns the desim command with every subcommand.
func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:           "desim",
		Short:         "a deterministic simulator of the scale model of logical clocks",
		Long:          help("desim"),
		Example:       examples("desim"),
		Version:       buildinfo.Version(),
		SilenceErrors: true,
		SilenceUsage:  true,
		// The generated CLI reference under docs/cli must not change with
		// the date it was made.
		DisableAutoGenTag: true,
	}
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetVersionTemplate("desim {{.Version}}\n")
	root.SetFlagErrorFunc(flagError)
	root.SuggestionsMinimumDistance = 2
	root.AddCommand(
		newRunCmd(e),
		newScenariosCmd(e),
		newAnalyzeCmd(e),
		newPredictCmd(e),
		newPlotCmd(e),
		newSpacetimeCmd(e),
		newExportCmd(e),
		newSweepCmd(e),
		newMergeCmd(e),
		newGridCmd(e),
		newGridsCmd(e),
		newRealCmd(e),
		newMachineCmd(e),
		newValidateCmd(e),
		newCalibrateCmd(e),
		newReproduceCmd(e),
		newVersionCmd(e),
	)
	// cobra adds its "completion" command when the root executes; added
	// now, it is documented in docs/cli like every other command.
	root.InitDefaultCompletionCmd()
	root.InitDefaultVersionFlag() // also documented in docs/cli
	root.InitDefaultHelpCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "completion":
			// Without a shell, or with one cobra does not know, it is bad
			// usage (exit status 2), not the help and exit status 0.
			c.RunE = func(c *cobra.Command, a []string) error {
				return usagef("need a SHELL: bash, fish, powershell or zsh")
			}
		case "help":
			// An unknown topic is bad usage too, with "did you mean".
			run := c.Run
			c.Run, c.RunE = nil, func(c *cobra.Command, a []string) error {
				if cmd, _, err := c.Root().Find(a); err != nil || cmd == nil {
					msg := fmt.Sprintf("unknown command %q: no help for it", strings.Join(a, " "))
					if s := c.Root().SuggestionsFor(a[0]); len(s) > 0 {
						msg += "\n\nDid you mean this?\n\t" + s[0] + "\n"
					}
					return experiment.Input(errors.New(msg))
				}
				run(c, a)
				return nil
			}
		}
	}
	return root
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print desim's version (also: desim --version)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(e.stdout, "desim %s\n", buildinfo.Version())
			return err
		},
	}
}

// run marks the start of a command's own code (see env.running) and runs
// it.
func (e *env) run(f func(c *cobra.Command, args []string) error) func(c *cobra.Command, args []string) error {
	return func(c *cobra.Command, args []string) error {
		e.running = true
		return f(c, args)
	}
}

// flagError turns a flag parsing error into a usage error, with "did you
// mean" for a mistyped flag name.
func flagError(c *cobra.Command, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		var names []string
		c.Flags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
		if s := suggest.Nearest(name, names); s != "" {
			msg += fmt.Sprintf("\n\nDid you mean this?\n\t--%s\n", s)
		}
	}
	return experiment.Input(errors.New(msg))
}

// args checks the number of positional arguments: between lo and hi (hi <
// 0: no limit), with what to say otherwise.
func args(lo, hi int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, a []string) error {
		if len(a) < lo || hi >= 0 && len(a) > hi {
			return usagef("%s, got %d argument(s) (see \"%s --help\")", what, len(a), c.CommandPath())
		}
		return nil
	}
}
