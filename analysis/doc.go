// Package analysis measures runs of the scale model, and does nothing
// else: it reads any run's logs, desim's or the original Python
// implementation's (ReadRun); computes per-run metrics in one streaming
// pass over a run's records (Accumulator; summary.json is a Summary),
// each metric declared once, with its key, unit, kind and prediction, in
// Metrics; and predicts them from a mean-field model (Predict,
// Metric.Predict). Its subpackages hold the rest of the measurement:
// statistics over runs, the exact float sums they rest on (exact) and the
// Accumulator's per-record loop (internal/kernel).
//
// Everything above it (sweeps, the report, the figures, the command line)
// builds on it, so it stays at the bottom: it may import sim, scenarios,
// gonum's stat and its own subpackages, and never package figure, the
// plotting libraries, or anything else that imports analysis.
package analysis
