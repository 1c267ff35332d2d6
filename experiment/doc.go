// Package experiment is desim as a library: the application layer between
// the command line (cmd/desim) and the model (sim, scenarios) and its
// measurement (analysis).
//
// It owns what an experiment does with the model:
//
//   - Simulate and Simulator: one run in the virtual-time engine, the
//     single place where a run is set up (logs, metrics, records);
//   - Dir: a run directory, written and read (machine-<i>.csv,
//     summary.json, scenario.yaml, figure.*), atomically;
//   - Real: the real-socket coordinator, with a Launcher that starts each
//     machine as an OS process (ProcessLauncher) or as a goroutine with its
//     own loopback listener (InProcessLauncher), and ServeMachine, the
//     machine side of its control protocol;
//   - Sweep: many seeds of a scenario aggregated exactly, with shards,
//     merge and resume (SweepState);
//   - Validate: real runs against the simulator's distribution over seeds;
//   - Reproduce: the paper's experiments, figures, sweeps, validation and
//     report in one call.
//
// Errors are wrapped with %w; input errors (a bad scenario, a malformed
// log, a wrong flag value handed in Options) match ErrInput with
// errors.Is, an interrupted run matches context.Canceled, and a real run
// whose machine died is a *MachineDeath. Exit statuses are the command
// line's business, not this package's.
//
//   - Grid (library only so far): grid files over one or two scenario
//     fields, and every cell swept (issue 13's core; no command yet).
//
// Imports: sim, sim/realtime, scenarios, analysis and its sub-packages,
// gopkg.in/yaml.v3 (grid files) and the standard library. Nothing here
// imports cmd/desim or testing.
package experiment
