// Package sim is the scale model of logical clocks: the pure Machine that
// decides what one tick does, and the virtual-time Engine that drives a set
// of machines deterministically.
//
// # The machine
//
// A Machine holds a Lamport clock and an unbounded FIFO queue of received
// clock values. Tick(face) performs one tick exactly as docs/model.md describes
// the original logical_step:
//
//  1. if the queue is not empty, pop its head m and set C = max(C, m)
//     (a receive; the die is not rolled and face is ignored);
//  2. otherwise, with the die face f in 1..R handed in by the caller:
//     f in 1..N-1 sends C to peer f-1, f = N sends C to every peer, and
//     f > N is an internal event;
//  3. C = C + 1.
//
// The value sent is C before the increment; the queue length reported is
// the length after the pop. Peers are numbered in index order skipping the
// machine itself: peer p of machine i is machine p if p < i, else p+1.
// The machine never reads a clock, sleeps, does I/O or draws randomness: its
// driver asks NeedsRoll, rolls the machine's Die if so, and calls Tick. The
// Step that Tick returns holds the event to log, the value, and the Targets
// to send the value to: the machine indices in index order (peer 0 first
// for a broadcast), never the machine itself.
//
// An EventCodec holds the events' names for a run of n machines: the log
// writer, the log reader of package analysis and the control messages of
// package realtime all use it.
//
// # The engine
//
// Engine runs machines over integer virtual time in nanoseconds. Tick k of
// machine i happens at start_i + floor(k * 1e9 / rate_i) ns, computed from k
// with exact integer arithmetic (see Rate). A machine with a timing model
// (MachineConfig.Overshoot, MachineConfig.StartSpread) instead starts at
// start_i + u_i, u_i uniform in [0, spread_i), and ticks at tick k +
// period_k + o_k, where period_k is the step of the schedule above from
// tick k to tick k+1 and o_k ≥ 0 a whole number of ns drawn from a gamma
// distribution (see Overshoot): the lateness of implementations that
// sleep one period after each tick. Such tick times depend on the seed,
// so the engine generates them as the run goes rather than from a table
// computed once per configuration. The run covers [0, duration): an
// event at exactly duration does not happen. A message sent at time t is
// appended to the receiver's queue at t + latency + U, where U is uniform in
// [0, jitter] ns drawn from the link's own stream, raised if needed to the
// delivery time of the link's previous message, so a link is FIFO like a TCP
// connection.
//
// Simultaneous events are totally ordered:
//
//  1. by virtual time;
//  2. message deliveries before ticks;
//  3. deliveries among themselves by send sequence number (a per-run
//     counter incremented for every copy sent, in the order the copies are
//     sent; a broadcast sends to peer 0 first); deliveries to different
//     receivers commute, so this is the same as ordering them by receiver
//     and then by sequence number;
//  4. ticks among themselves by machine index.
//
// # Randomness
//
// Every random draw comes from a math/rand/v2 PCG stream derived from the
// run's seed by StreamSeed; there is no other source. Machine i rolls its
// die from stream (seed, PurposeDie, i, 0); the link i→j draws its jitter
// from stream (seed, PurposeJitter, i, j); machine i with a timing model
// draws its start offset and then one overshoot per tick interval from
// stream (seed, PurposeTiming, i, 0). A face is drawn from a stream by
// Lemire's multiply-and-reject method (see Die.Roll), which is unbiased and
// platform independent; so are jitter and start offsets (on 64 bits), and
// an overshoot is an integer interpolation in a quantile table built with
// arithmetic that is the same on every platform (see Overshoot).
//
// # Imports
//
// sim is the bottom floor of desim: it imports the standard library and
// desim/internal/quote (for short error messages) only, and no other
// desim package.
package sim

// ModelVersion numbers the behaviour of the model, the engine and their
// random streams: two desims with the same ModelVersion give the same runs
// for the same scenario and seed. It changes whenever a change alters any
// run's records (the golden files under testdata/golden would change too),
// and sweep states record it so that runs of different versions are never
// combined.
const ModelVersion = 1
