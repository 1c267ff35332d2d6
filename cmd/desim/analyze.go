package main

import (
	"errors"
	"flag"
)

// analyzeCmd is being written (placeholder so that the command table compiles).
var analyzeCmd = &command{
	name:    "analyze",
	summary: "(not implemented yet)",
	usage:   "analyze",
	setup: func(fs *flag.FlagSet) func(e *env, args []string) error {
		return func(e *env, args []string) error { return errors.New("not implemented yet") }
	},
}
