package main

import (
	"errors"
	"flag"
)

// realCmd is being written (placeholder so that the command table compiles).
var realCmd = &command{
	name:    "real",
	summary: "(not implemented yet)",
	usage:   "real",
	setup: func(fs *flag.FlagSet) func(e *env, args []string) error {
		return func(e *env, args []string) error { return errors.New("not implemented yet") }
	},
}
