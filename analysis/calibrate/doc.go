// Package calibrate estimates a scenario from recorded runs: the library
// behind `desim calibrate`. Fit takes one or more runs of the same
// configuration, as analysis.ReadRun reads them (desim's logs or the
// original Python implementation's), and estimates per machine the nominal
// tick rate, the distribution of each tick's lateness (the overshoot of the
// timing model) and the start offset; for the run as a whole the die R, a
// start spread and the duration. (*Estimate).YAML writes them as a scenario
// file whose comments give each estimate with its uncertainty, and
// (*Estimate).Scenario returns the scenario that file holds.
//
// # The timing model fitted
//
// Machine i ticks at t_0 = start_i and t_{k+1} = t_k + 1/r_i + o_k, with
// o_k ≥ 0 drawn independently (the scenario's gamma by moments). The
// interval between consecutive logged ticks is therefore 1/r_i + o_k, and
// the overshoot samples are o_k = (t_{k+1} − t_k) − 1/r_i.
//
// # Nominal rates
//
// A rate cannot be told from "its period plus a mean overshoot", so the
// rate chosen is the simplest one consistent with overshoots that are
// non-negative and small. With m the machine's mean tick interval (time of
// the last tick − time of the first, over the number of intervals, pooled
// over runs by summing both) and W = Options.MaxOvershoot (default
// DefaultMaxOvershoot, 2 ms), the rate is p/q for the first q of
// Denominators (1, 2, 3, 4, 5, 10, 20, 100, 1000) for which
//
//	p = ⌈q / (m + ε)⌉   and   q/p ≥ m − W,   ε = min(RateSlack/(n − 1), m/1000),
//
// that is: the rate with denominator q whose period q/p is the longest
// period not above m (up to ε: RateSlack, 1 µs, absorbs the rounding of
// the first and last log times, to ns or to Python's float resolution,
// spread over the run's n − 1 intervals), accepted when the mean
// overshoot it implies, m − q/p, is at most W. The rate of each run is
// chosen so, and runs whose rates differ are an error: they are not runs
// of one configuration. With Options.Rates the rates are given instead.
// The rule cannot separate rates whose periods differ by less than W (for
// integer rates above about 1/√W ≈ 22 ticks/s): give those rates.
//
// # Overshoot
//
// Mean, sample standard deviation, minimum and maximum of o_k over all
// intervals of the machine in all runs. The standard error of the mean is
// from batch means: each run's intervals are cut into consecutive batches
// of b = ⌊√n⌋ intervals (n the machine's pooled count; a run's last batch
// may be shorter) and
//
//	se² = B/(B − 1) · Σ_c (S_c − n_c·ō)² / n²
//
// over the B batches with n_c intervals summing to S_c. Batches are
// treated as independent, which allows for the short-range correlation of
// successive intervals that real logs show (the original's runs have
// lag-1 autocorrelations from −0.45 to +0.42, where an independent-sample
// se would be wrong either way). ō ± 2.576·se is an approximate 99 %
// confidence interval for the mean overshoot.
//
// # Start offsets and spread
//
// In each run a machine's start offset is its first tick's time minus the
// run's earliest first tick (so the earliest machine is at 0: logs do not
// show when a run began). Per machine, Machine.Start is the mean over runs.
// If the starts were drawn uniformly from [0, S), a run's range of offsets
// (largest − smallest) is S times a Beta(N − 1, 2) variable with mean
// (N − 1)/(N + 1), so S is estimated without bias by the mean range times
// (N + 1)/(N − 1); its exact 99 % interval uses the largest range M of J
// runs, whose distribution is F(M/S)^J with F the Beta(N − 1, 2) CDF:
// S ∈ [M / F⁻¹(0.995^(1/J)), M / F⁻¹(0.005^(1/J))].
//
// # The die
//
// A tick whose event is not a receive found its queue empty and rolled the
// die (a "free" tick); it sent (to one peer or to all) with probability
// N/R. Pooling the k sends among the n free ticks of every machine and run,
// the log-likelihood of an integer R ≥ N is the binomial
//
//	ℓ(R) = k·ln(N/R) + (n − k)·ln(1 − N/R),
//
// maximised at R̂, the better of ⌊N·n/k⌋ and ⌈N·n/k⌉ (at least N, at most
// sim.MaxFaces; the smaller on a tie). The 99 % likelihood-ratio interval
// is the set of integers {R ≥ N : 2(ℓ(R̂) − ℓ(R)) ≤ 6.635}, 6.635 being the
// 0.99 quantile of χ² with one degree of freedom: an approximate 99 %
// confidence set for R. ℓ is unimodal in R, so the set is an interval. By
// chance R̂ may differ from the configured R (the original's A5 run gives
// 11 where 10 was configured, C1 gives 7 where 6 was); the interval holds
// the truth in about 99 % of runs.
//
// # Duration
//
// The run ended after its latest tick L and before any machine's next tick,
// which is due no earlier than E = min_i (last tick_i + 1/r_i). The duration
// is the roundest time in (L, max(E, L + 1 ms)]: the first multiple of 1 s
// in it, else of 100 ms, 10 ms, 1 ms; a simulation of that duration has the
// same number of ticks as the longest run (times relative to its earliest
// first tick). Shorter runs simply cover less of it.
//
// # What logs cannot identify
//
// Latency: a log line of a receive does not say which send it was, so the
// time a message took cannot be read off; Fit assumes
// scenarios.DefaultLatency (100 µs) and no jitter, and says so.
//
// Errors are *analysis.LogError, "file:line: what is wrong" (line 0, shown
// as "file: ...", when a conclusion about a whole file is at fault).
//
// Imports: analysis, scenarios, sim and gonum's distuv; nothing above.
package calibrate
