package main

import (
	"flag"
	"os"

	"desim/analysis/sweep"
)

var mergeCmd = &command{
	name:    "merge",
	summary: "combine the shards of a sweep into its result",
	usage:   "merge SHARD.json... [--json | --csv] [-o FILE]",
	help: `
Combines the state files written by "desim sweep --shard K/N -o FILE" into
the sweep's result, exactly the bytes an unsharded sweep prints (table,
--json or --csv). Refuses files that are not shards of one sweep: different
scenarios, durations or seed ranges, a shard given twice, a missing shard,
or an incomplete one (finish it with "desim sweep ... --resume FILE").

Example:
  desim merge shard-0.json shard-1.json shard-2.json shard-3.json --json -o result.json`,
	setup: func(fs *flag.FlagSet) func(e *env, args []string) error {
		asJSON := fs.Bool("json", false, "print JSON")
		asCSV := fs.Bool("csv", false, "print CSV")
		out := fs.String("o", "", "write the result to FILE (atomically) instead of stdout")
		return func(e *env, args []string) error {
			if len(args) == 0 {
				return usagef("need the shard files to merge (see \"desim merge -h\")")
			}
			if *asJSON && *asCSV {
				return usagef("--json and --csv exclude each other")
			}
			states := make([]*sweep.State, len(args))
			for i, f := range args {
				data, err := os.ReadFile(f)
				if err != nil {
					return usageError{err}
				}
				if states[i], err = sweep.ParseState(f, data); err != nil {
					return usageError{err}
				}
			}
			merged, err := sweep.Merge(args, states)
			if err != nil {
				return usageError{err}
			}
			return writeSweepOutput(e, merged, *out, *asJSON, *asCSV)
		}
	},
}
