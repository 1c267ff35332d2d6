package main

import (
	"errors"
	"flag"
)

// plotCmd is being written (placeholder so that the command table compiles).
var plotCmd = &command{
	name:    "plot",
	summary: "(not implemented yet)",
	usage:   "plot",
	setup: func(fs *flag.FlagSet) func(e *env, args []string) error {
		return func(e *env, args []string) error { return errors.New("not implemented yet") }
	},
}
