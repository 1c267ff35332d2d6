package main

import (
	"errors"
	"flag"
)

// machineCmd is being written (placeholder so that the command table compiles).
var machineCmd = &command{
	name:    "machine",
	summary: "(not implemented yet)",
	usage:   "machine",
	setup: func(fs *flag.FlagSet) func(e *env, args []string) error {
		return func(e *env, args []string) error { return errors.New("not implemented yet") }
	},
}
