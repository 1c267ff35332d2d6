package main

import (
	"embed"
	"strings"

	"github.com/spf13/cobra"
)

// The commands' long help and examples, one file per command:
// help/<command>.txt holds the description, a line "---", and the
// examples, each shown by "desim COMMAND --help" and in docs/cli.
//
//go:embed help/*.txt
var helpFiles embed.FS

func helpParts(name string) (long, ex string) {
	b, err := helpFiles.ReadFile("help/" + name + ".txt")
	if err != nil {
		panic("desim: no help text for " + name) // a build defect, caught by every test
	}
	long, ex, _ = strings.Cut(string(b), "\n---\n")
	return strings.TrimRight(long, "\n"), strings.TrimRight(ex, "\n")
}

// help returns the command's description.
func help(name string) string { l, _ := helpParts(name); return l }

// examples returns the command's examples.
func examples(name string) string { _, e := helpParts(name); return e }

// command returns the command use ("name ARGS..."), with its one-line
// summary, its help and examples from help/<name>.txt, the check of its
// positional arguments, and run as its code (see env.run).
func (e *env) command(use, short string, check cobra.PositionalArgs, run func(c *cobra.Command, args []string) error) *cobra.Command {
	name, _, _ := strings.Cut(use, " ")
	return &cobra.Command{Use: use, Short: short, Long: help(name), Example: examples(name), Args: check, RunE: e.run(run)}
}
