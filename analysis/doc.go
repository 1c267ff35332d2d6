// Package analysis measures runs of the scale model: it reads any run's
// logs, desim's or the original Python implementation's (ReadRun),
// computes per-run metrics in one streaming pass over a run's records
// (Accumulator; summary.json is a Summary), and predicts them from a
// mean-field model (Predict).
package analysis
