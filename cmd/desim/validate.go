package main

import (
	"errors"
	"flag"
)

// validateCmd is being written (placeholder so that the command table compiles).
var validateCmd = &command{
	name:    "validate",
	summary: "(not implemented yet)",
	usage:   "validate",
	setup: func(fs *flag.FlagSet) func(e *env, args []string) error {
		return func(e *env, args []string) error { return errors.New("not implemented yet") }
	},
}
