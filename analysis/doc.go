// Package analysis measures runs of the scale model: per-run metrics
// computed in one streaming pass over a run's records (Accumulator), and
// the summary.json that holds them.
package analysis
