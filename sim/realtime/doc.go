// Package realtime runs the scale model on the wall clock, over TCP: the
// validation backend of desim. It is a second driver of the same pure
// sim.Machine the virtual-time engine drives — NeedsRoll, the machine's
// sim.Die (same streams and seed derivation as the simulator), Tick or
// TickBy, Deliver — so what it checks is the code the simulator runs, not
// a copy of it.
//
// One Node is one machine. It listens on a TCP address; every machine
// dials every other one (one connection per ordered pair, the sender
// dials the receiver), so a node reads n−1 inbound connections and writes
// n−1 outbound ones. Its ticks are scheduled on the wall clock at
//
//	start + (start_i + floor(k·1e9/rate_i)) / speed
//
// and logged in scenario time, (wall − start) × speed, so its records are
// directly comparable with the simulator's (see Node for the timing and
// overrun rules). Config.Ticker TickerSleep schedules them instead as an
// implementation that sleeps one period after each tick's work does, late
// by the work and the sleep's overshoot, lateness accumulating (see
// Ticker). The scenario's latency and jitter do not apply: the network
// provides both.
//
// # Wire protocol
//
// A connection opens with a HelloSize-byte hello naming the sender and the
// receiver and carrying the run's Token; the receiver answers a hello it
// accepts with an AckSize-byte acknowledgement, and the sender counts the
// link as up only then. The connection then carries one FrameSize-byte
// frame per message, the clock as an int64 little-endian (the original
// implementation's payload), and, when the sender has finished its run,
// EndFrame; see Hello, ReadAck and FrameReader. This is version 2 of the
// protocol: version 1 had neither the acknowledgement nor the end frame,
// so a sender could not tell a refused connection from an accepted one,
// nor a receiver a finished peer from a dead one. Every read is a full
// read (a TCP read may return fewer bytes than asked).
//
// A connection whose hello is malformed, late (Config.HelloTimeout, two
// seconds), addressed to another machine or carries another token is
// closed without an answer, and so is any connection beyond the slots for
// connections awaiting their hello (64 in all, 8 per source address, more
// for large runs); rejected connections are logged at most once a second,
// with a count. A dialler retries with backoff until its hello is
// acknowledged or the connect timeout passes. Garbage (a negative or
// non-increasing clock) or a half frame closes that connection and is
// logged; the machine keeps running, but a link that broke — a failed
// write, a connection closed without the end frame, a peer not finished
// the connect timeout plus two seconds after the end — leaves the run
// incomplete (Stats.BrokenLinks), and the command line reports it with a
// non-zero exit status.
//
// # Control protocol
//
// The coordinator of a real run (experiment.Real) runs each machine as a
// child process ("desim machine --control") or as a goroutine
// (experiment.InProcessLauncher), and talks to it with one line of text
// per message on its standard input and output: see Msg, AppendMsg and
// ParseMsg.
//
// Imports: sim and the standard library only; the coordinator of a real
// run (package experiment) sits above it.
package realtime
