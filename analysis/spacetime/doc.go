// Package spacetime draws the space-time diagram of a window of a traced
// run, as Lamport drew his: a horizontal line per machine, a dot per tick
// coloured by what the tick did (internal, send, broadcast, receive), an
// arrow per message from the tick that sent it to the tick that received
// it, its wait in the receiver's queue dashed from the time it entered
// the queue, and the Lamport clock by each dot where it fits. Build reads
// the window from the run's logs and messages.csv (package trace); Write
// renders it as PNG, SVG or PDF with gonum/plot, the same bytes for the
// same diagram.
//
// Like package analysis/figure it is presentation: it may import sim,
// analysis/trace and the plotting libraries, and nothing in analysis
// imports it.
package spacetime
