package analysis

import (
	"math"

	"desim/scenarios"
)

// Expected is the expectation of one machine's metrics over runs of a
// scenario's duration: what the mean of the metric over many seeds tends
// to (see PredictRun). The fields are named as in MachineMetrics.
type Expected struct {
	ID   int     `json:"id"`
	Rate float64 `json:"rate"`
	// Load is the asymptotic model's ρ (Predict), which says whether the
	// machine drifts in the long run.
	Load float64 `json:"load"`
	// Approximate is set for loads in (ApproxLow, ApproxHigh).
	Approximate  bool    `json:"approximate"`
	Ticks        float64 `json:"ticks"`
	Receives     float64 `json:"receives"`
	Sends        float64 `json:"sends"`
	Internals    float64 `json:"internals"`
	MessagesSent float64 `json:"messages_sent"`
	FinalClock   float64 `json:"final_clock"`
	FinalQueue   float64 `json:"final_queue"`
	ClockSlope   float64 `json:"clock_slope"`
	QueueSlope   float64 `json:"queue_slope"`
	Drift        float64 `json:"drift"`
	MeanJump     float64 `json:"mean_jump"`
}

// Tolerance is how far the mean over seeds of metric m may lie from its
// finite-horizon prediction, given the mean and its standard error se:
// 4 standard errors, or where that is tinier, the model's resolution —
// 1 for a count or level, 0.001/s for a slope, 0.2 % of the mean for
// mean_jump. Outside
// the approximate band every prediction of the built-in scenarios, and of
// made-up ones with 4–6 machines, fractional rates, latency, jitter and
// start offsets, meets it over 1000 seeds at 60 s and 600 s
// (docs/statistics.md; predict_run_test.go holds it in CI).
func Tolerance(m *Metric, mean, se float64) float64 {
	floor := 0.002 * math.Abs(mean)
	switch {
	case m.Kind.Integer():
		floor = 1
	case m.Kind == KindSlope:
		floor = 0.001
	}
	return math.Max(4*se, floor)
}

// RunPrediction is the finite-horizon prediction of a scenario (see
// PredictRun).
type RunPrediction struct {
	DurationS float64 `json:"duration_s"`
	// EvolvedS is the virtual time over which the model was computed tick
	// by tick: the duration, unless the run is too long for that (see
	// MaxEvolveOps); beyond it every machine's per-tick expectations are
	// extended linearly: fitted on the second half of the evolved span
	// when that is 30 s or more, at the long-run model's rates otherwise.
	EvolvedS float64    `json:"evolved_s"`
	Machines []Expected `json:"machines"`
}

// fitSpan is the shortest second half of an evolved span, in ns, whose
// trend PredictRun extends; a shorter one is extended at the long-run
// model's rates.
const fitSpan = 30e9

// MaxEvolveOps bounds the work of PredictRun: the number of cell updates
// of the machines' distributions (about a nanosecond each). Beyond it the
// remaining time is extrapolated (RunPrediction.EvolvedS).
const MaxEvolveOps = 1 << 28

// PredictRun returns the expectation of every predicted metric of every
// machine of s over a run of s.Duration, with its start offsets, latency
// and jitter: the finite-horizon counterpart of Predict.
//
// The model follows the run tick by tick, in the engine's order of
// events, but instead of one run it carries for every machine a
// probability distribution over two numbers: its queue length q and the
// clock P it would have after popping everything queued (P is the clock
// itself when the queue is empty). Both change exactly as in the machine:
//
//   - a message of value V arriving: q ← q+1, P ← max(P, V) + 1;
//   - a tick with q = 0 (free, probability f): P ← P+1, and it sends its
//     clock P to each given peer with probability exactly 2/R;
//   - a tick with q ≥ 1: q ← q−1, P unchanged (the pop was counted in P).
//
// A message arriving when the queue holds q is popped exactly q ticks
// later (every tick pops while the queue is not empty), and the clock
// after that pop is the P just computed; the expected clock at every tick
// is summed from these, and from the free ticks. The one approximation is
// mean-field: the message a sender sends at a tick is taken to be present
// with probability f·2/R, with the value distribution of its clock given
// that it is free, independently of the receiver's state and of the
// sender's other messages. Expected counts are then sums over ticks
// (receives 1−f, sends f·N/R, internals f·(R−N)/R, messages f·2(N−1)/R),
// and since every slope is a least-squares fit over the machine's fixed
// tick times, a linear function of the per-tick values, its expectation
// is the same fit of the expected clock or queue at every tick. A message
// still in flight or queued at the end is not received, as in a run.
// Jitter is spread over the receiver's ticks as if the pieces were
// independent (exact without jitter; latency and start offsets are exact).
//
// Near ρ = 1 (Expected.Approximate) the mean-field queue is too short:
// it misses the bunching of arrivals.
//
// A scenario with a timing model (scenarios.Timing) is approximated by
// s.Effective(): every machine ticking regularly at its effective rate
// 1/(1/rate + mean overshoot) from its mean start, start + start_spread/2.
// This keeps the mean tick rates, hence the loads and the long-run slopes,
// but not the randomness of the tick times; Expected.Rate is then the
// effective rate, and drift is taken against the fastest effective rate
// (the fastest clock's long-run slope).
func PredictRun(s *scenarios.Scenario) *RunPrediction {
	m := newHModel(s.Effective())
	m.evolve(MaxEvolveOps, math.MaxInt64)
	return m.result()
}

// hState is one machine's joint distribution of (q, d): the queue length
// q and the lag d = ref − P of its drained clock P behind the reference
// clock ref (the fastest rate's ticks so far). rows[j] holds q = q0+j, its
// own window of lags: cell x of a row has lag row.d0 + x + off.
//
// A machine whose queue can no longer empty (every row below prodBelow
// weighs less than prodEps) switches to a product form: the distribution
// of q (pq[j] for q = q0+j) times one distribution h of d, updated by
// their exact marginal rules. It drops the correlation between q and d,
// which only the clock at a pop could see, and costs a row instead of a
// table per event.
type hState struct {
	q0   int
	rows []hRow
	off  int
	ref  int64 // the reference the lags are measured against
	pool [][]float64

	prod bool
	pq   []float64
	h    hRow
}

// The switch to the product form (see hState).
const (
	prodRows  = 32
	prodBelow = 4
	prodEps   = 1e-6
)

// hRow is one row of a distribution: the weights of consecutive lags.
type hRow struct {
	d0 int
	v  []float64
}

// get returns a zeroed slice of n cells from the pool.
func (s *hState) get(n int) []float64 {
	if k := len(s.pool); k > 0 {
		b := s.pool[k-1]
		if cap(b) >= n {
			s.pool = s.pool[:k-1]
			b = b[:n]
			clear(b)
			return b
		}
	}
	return make([]float64, n, n+4)
}

func (s *hState) put(b []float64) {
	if cap(b) > 0 {
		s.pool = append(s.pool, b[:0])
	}
}

// hEps is the weight below which a cell at the edge of a row, or a row at
// the edge of the distribution, is dropped.
const hEps = 1e-15

// trim drops edge cells and rows of negligible weight.
func (s *hState) trim() {
	if s.prod {
		s.h = trimRow(s.h)
		lo, hi := 0, len(s.pq)
		for hi-lo > 1 && s.pq[hi-1] < hEps {
			hi--
		}
		for hi-lo > 1 && s.pq[lo] < hEps {
			lo++
		}
		s.pq = s.pq[lo:hi]
		s.q0 += lo
		return
	}
	for j := range s.rows {
		r := &s.rows[j]
		lo, hi := 0, len(r.v)
		for hi > lo && r.v[hi-1] < hEps {
			hi--
		}
		for lo < hi && r.v[lo] < hEps {
			lo++
		}
		if lo > 0 || hi < len(r.v) {
			r.v = r.v[lo:hi]
			r.d0 += lo
		}
	}
	// Rows emptied at the top or the bottom (a queue that can no longer be
	// that short or that long) go; one row always stays.
	for len(s.rows) > 1 && mass(s.rows[len(s.rows)-1].v) < hEps {
		s.put(s.rows[len(s.rows)-1].v)
		s.rows = s.rows[:len(s.rows)-1]
	}
	for len(s.rows) > 1 && mass(s.rows[0].v) < hEps {
		s.put(s.rows[0].v)
		s.rows = s.rows[1:]
		s.q0++
	}
}

func mass(v []float64) (m float64) {
	for _, x := range v {
		m += x
	}
	return m
}

// trimRow drops a row's edge cells of negligible weight.
func trimRow(r hRow) hRow {
	lo, hi := 0, len(r.v)
	for hi > lo && r.v[hi-1] < hEps {
		hi--
	}
	for lo < hi && r.v[lo] < hEps {
		lo++
	}
	return hRow{d0: r.d0 + lo, v: r.v[lo:hi]}
}

// toProd switches to the product form when the machine drifts (its load
// is above ApproxHigh, so that its queue runs away), its queue can no
// longer empty and the table is large. Near ρ = 1 the queue comes back to
// zero, and the product form would misplace the clock of a free tick.
func (s *hState) toProd(load float64) {
	if s.prod || len(s.rows) < prodRows || load <= ApproxHigh {
		return
	}
	var low float64
	for j := range min(len(s.rows), max(0, prodBelow-s.q0)) {
		low += mass(s.rows[j].v)
	}
	if low >= prodEps {
		return
	}
	var h hRow
	s.pq = make([]float64, len(s.rows))
	for j, r := range s.rows {
		s.pq[j] = mass(r.v)
		h = s.add(h, hRow{d0: r.d0, v: append(s.get(0), r.v...)})
	}
	tot := mass(h.v)
	for i := range h.v {
		h.v[i] /= tot
	}
	s.h, s.rows, s.prod = h, nil, true
}

// freeRow returns the distribution of d on a free tick, and its weight
// (the probability of a free tick).
func (s *hState) freeRow() (hRow, float64) {
	switch {
	case s.q0 > 0:
		return hRow{}, 0
	case s.prod:
		// The clock of a free tick is P less the pops it was counted
		// ahead by: the product form forgot them, so take the mean queue
		// (its weight is below prodEps anyway).
		h := s.h
		h.d0 += int(math.Round(s.meanQueue()))
		return h, s.pq[0]
	}
	return s.rows[0], 1
}

// meanQueue returns the expected queue length.
func (s *hState) meanQueue() (eq float64) {
	if s.prod {
		for j, w := range s.pq {
			eq += float64(w * float64(s.q0+j))
		}
		return eq
	}
	for j, row := range s.rows {
		eq += float64(mass(row.v) * float64(s.q0+j))
	}
	return eq
}

// cells returns the number of cells held.
func (s *hState) cells() (n int) {
	if s.prod {
		return len(s.pq) + len(s.h.v)
	}
	for _, r := range s.rows {
		n += len(r.v)
	}
	return n
}

// hMsg is a message in flight: present with probability Σg·pi, its value's
// lag behind the reference at the send being g0+j with weight g[j].
type hMsg struct {
	seq      int64 // send order
	from, to int64 // delivery times (ns) between which it arrives: [from, to]
	done     int64 // delivered up to this time (exclusive of later)
	ref      int64 // the reference at the send
	pi       float64
	g        []float64
	gsuf     []float64 // gsuf[j] = Σ_{j' ≥ j} g[j']
	g0       int
}

// hMachine is one machine's tick schedule, state and per-tick sums.
type hMachine struct {
	start int64
	ticks int64 // in the run
	k     int64 // next tick
	st    hState
	inbox []*hMsg
	// Per tick (evolved ticks only): expected clock after the tick, its
	// probability mass (1 when complete), expected queue after the tick,
	// and the probability that the tick was free.
	ex, exm, eq, free []float64
	times             []int64
}

type hModel struct {
	s       *scenarios.Scenario
	n       int
	dur     int64
	lat     int64
	jit     int64
	R       float64
	fast    int // index of a fastest machine
	ms      []hMachine
	heap    tickHeap
	seq     int64
	ops     int64
	evolved int64     // all ticks before this time were evolved
	load    []float64 // the asymptotic model's ρ of every machine
}

// tickHeap orders machines by their next tick: time, then index.
type tickHeap []hTick

type hTick struct {
	t  int64
	id int
}

func (a hTick) less(b hTick) bool { return a.t < b.t || a.t == b.t && a.id < b.id }

func (h tickHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		c := l
		if r := l + 1; r < len(h) && h[r].less(h[l]) {
			c = r
		}
		if !h[c].less(h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

func newHModel(s *scenarios.Scenario) *hModel {
	n := len(s.Machines)
	m := &hModel{s: s, n: n, dur: int64(s.Duration), lat: int64(s.Latency), jit: int64(s.Jitter), R: float64(s.Die)}
	for i, mc := range s.Machines {
		if mc.Rate.Float64() > s.Machines[m.fast].Rate.Float64() {
			m.fast = i
		}
	}
	m.ms = make([]hMachine, n)
	for _, p := range Predict(s.Rates(), s.Die) {
		m.load = append(m.load, p.Load)
	}
	r0 := m.ref(0)
	for i, mc := range s.Machines {
		hm := &m.ms[i]
		hm.start = int64(mc.Start)
		hm.ticks = mc.Rate.TicksBefore(m.dur - hm.start)
		hm.st = hState{rows: []hRow{{d0: int(r0), v: []float64{1}}}, ref: r0}
		if hm.ticks > 0 {
			m.heap = append(m.heap, hTick{hm.start, i})
		}
	}
	for i := len(m.heap)/2 - 1; i >= 0; i-- {
		m.heap.down(i)
	}
	return m
}

// ref is the reference clock at time t: the ticks at or before t of a
// machine of the fastest rate started at 0.
func (m *hModel) ref(t int64) int64 { return m.s.Machines[m.fast].Rate.TicksBefore(t + 1) }

// evolve runs the model tick by tick until the end of the run, or until
// the time until, or until it has done maxOps cell updates (then to the
// end of that instant), whichever comes first.
func (m *hModel) evolve(maxOps, until int64) {
	stop := min(until, m.dur)
	for len(m.heap) > 0 {
		t, i := m.heap[0].t, m.heap[0].id
		if t >= stop {
			break
		}
		m.tick(i, t)
		hm := &m.ms[i]
		if hm.k < hm.ticks {
			m.heap[0].t = hm.start + m.s.Machines[i].Rate.TickTime(hm.k)
		} else {
			m.heap[0] = m.heap[len(m.heap)-1]
			m.heap = m.heap[:len(m.heap)-1]
		}
		m.heap.down(0)
		if m.ops > maxOps {
			stop = min(stop, t+1)
		}
	}
	m.evolved = stop
}

// grow extends the per-tick slices to hold tick k.
func (hm *hMachine) grow(k int64) {
	for int64(len(hm.ex)) <= k {
		hm.ex = append(hm.ex, 0)
		hm.exm = append(hm.exm, 0)
	}
}

// tick evolves machine i's tick at time t: deliveries due, then the tick.
func (m *hModel) tick(i int, t int64) {
	hm := &m.ms[i]
	k := hm.k
	hm.k++
	x := &hm.st
	r := m.ref(t)
	x.off += int(r - x.ref)
	x.ref = r
	hm.grow(k)
	hm.times = append(hm.times, t)
	m.deliver(hm, k, t, r)

	var free, sumD float64
	frow, scale := x.freeRow()
	for d, v := range frow.v {
		v = float64(v * scale)
		free += v
		sumD += float64(v * float64(frow.d0+x.off+d))
	}
	// A free tick's clock is P+1 = ref − d + 1.
	hm.ex[k] += float64(free*float64(r+1)) - sumD
	hm.exm[k] += free
	hm.free = append(hm.free, free)
	if free > 0 {
		row := frow.v
		g := make([]float64, len(row))
		for j, v := range row {
			g[j] = float64(v * scale)
		}
		suf := make([]float64, len(g)+1)
		for j := len(g) - 1; j >= 0; j-- {
			suf[j] = suf[j+1] + g[j]
		}
		for j := range m.n {
			if j == i {
				continue
			}
			m.ms[j].inbox = append(m.ms[j].inbox, &hMsg{
				seq: m.seq, from: t + m.lat, to: t + m.lat + m.jit, done: t + m.lat - 1,
				ref: r, pi: 2 / m.R, g: g, gsuf: suf, g0: frow.d0 + x.off,
			})
			m.seq++
		}
	}
	m.ops += int64(x.cells())
	x.tickState()
	hm.eq = append(hm.eq, x.meanQueue())
	x.trim()
	x.toProd(m.load[i])
}

// deliver applies the messages due at machine hm's tick k at time t (the
// reference being r), in the order the engine delivers them.
func (m *hModel) deliver(hm *hMachine, k int64, t, r int64) {
	keep := hm.inbox[:0]
	for idx, msg := range hm.inbox {
		if msg.from > t {
			keep = append(keep, hm.inbox[idx:]...)
			break
		}
		// The share of its arrival times in (done, t].
		w := m.arrived(msg, t) - m.arrived(msg, msg.done)
		msg.done = t
		if w > 0 {
			m.ops += int64(hm.st.cells() + len(hm.st.rows)*len(msg.g))
			hm.arrive(msg, float64(w*msg.pi), r, k)
		}
		if msg.to > t {
			keep = append(keep, msg)
		}
	}
	for j := len(keep); j < len(hm.inbox); j++ {
		hm.inbox[j] = nil
	}
	hm.inbox = keep
}

// arrived returns the probability that a message arrives at or before t.
func (m *hModel) arrived(msg *hMsg, t int64) float64 {
	if t < msg.from {
		return 0
	}
	if t >= msg.to {
		return 1
	}
	return float64(t-msg.from+1) / float64(msg.to-msg.from+1)
}

// arrive applies one message, present with weight c·g[j] with value lag
// g0+j, at tick k with the reference r: where present, q ← q+1 and
// d ← min(d, dv) − 1; the clock at the tick that will pop it (k + q, the
// queue being q before it) is registered.
func (hm *hMachine) arrive(msg *hMsg, c float64, r int64, k int64) {
	x := &hm.st
	gl := msg.g0 + int(r-msg.ref) - x.off // lag of g[0] now, in row units
	gh := gl + len(msg.g) - 1
	gtot := msg.gsuf[0]
	stay := 1 - float64(c*gtot)
	if x.prod {
		hm.arriveProd(msg, c, r, k, gl, gh, gtot, stay)
		return
	}
	top := len(x.rows) - 1
	x.rows = append(x.rows, hRow{})
	// From the top down, so that each row's old weights are still there
	// when the row above takes its moved share.
	for j := top; j >= 0; j-- {
		old := x.rows[j]
		mv, sumX, sumM := x.moved(old, msg, gl, gh, gtot, c, r)
		if pop := k + int64(x.q0+j); pop < hm.ticks {
			hm.grow(pop)
			hm.ex[pop] += sumX
			hm.exm[pop] += sumM
		}
		up := &x.rows[j+1]
		if j == top {
			*up = mv
		} else {
			*up = x.add(*up, mv)
		}
		for i := range old.v {
			old.v[i] = float64(old.v[i] * stay)
		}
	}
}

// arriveProd is arrive in the product form: the marginals of q and d
// are updated exactly, and the clock at a pop is the same for every q.
func (hm *hMachine) arriveProd(msg *hMsg, c float64, r int64, k int64, gl, gh int, gtot, stay float64) {
	x := &hm.st
	mv, sumX, sumM := x.moved(x.h, msg, gl, gh, gtot, c, r)
	for j, w := range x.pq {
		if pop := k + int64(x.q0+j); pop < hm.ticks {
			hm.grow(pop)
			hm.ex[pop] += float64(w * sumX)
			hm.exm[pop] += float64(w * sumM)
		}
	}
	for i := range x.h.v {
		x.h.v[i] = float64(x.h.v[i] * stay)
	}
	x.h = x.add(x.h, mv)
	move := float64(c * gtot)
	x.pq = append(x.pq, 0)
	for j := len(x.pq) - 1; j > 0; j-- {
		x.pq[j] = float64(x.pq[j]*stay) + float64(x.pq[j-1]*move)
	}
	x.pq[0] = float64(x.pq[0] * stay)
}

// moved returns c times the row's weights moved by a present message
// (d ← min(d, dv) − 1), the expected clock after its pop, P = ref − d,
// summed over them, and their total.
func (x *hState) moved(row hRow, msg *hMsg, gl, gh int, gtot, c float64, r int64) (hRow, float64, float64) {
	dlo, dhi := row.d0, row.d0+len(row.v)-1
	if len(row.v) == 0 {
		return hRow{d0: dlo}, 0, 0
	}
	elo, ehi := min(dlo, gl), min(dhi, gh)
	out := hRow{d0: elo - 1, v: x.get(ehi - elo + 1)}
	// Suffix sums of the row: vs(e) = Σ_{d ≥ e} v(d).
	var tail float64 // Σ_{d > e} v(d), built from the top
	for e := dhi; e > ehi && e >= dlo; e-- {
		tail += row.v[e-dlo]
	}
	var sumX, sumM float64
	base := float64(r) - float64(x.off)
	for e := ehi; e >= elo; e-- {
		var ve, ge, gs float64
		if e >= dlo {
			ve = row.v[e-dlo]
		}
		switch {
		case e < gl:
			gs = gtot
		case e <= gh:
			ge = msg.g[e-gl]
			gs = msg.gsuf[e-gl]
		}
		w := float64(float64(float64(ve*gs)+float64(ge*tail)) * c)
		out.v[e-elo] = w
		sumM += w
		sumX += float64(w * (base - float64(e-1)))
		tail += ve
	}
	return out, sumX, sumM
}

// add returns a + b, reusing a's storage when b fits in its window.
func (x *hState) add(a, b hRow) hRow {
	if len(b.v) == 0 {
		return a
	}
	if len(a.v) == 0 {
		x.put(a.v)
		return b
	}
	lo := min(a.d0, b.d0)
	hi := max(a.d0+len(a.v), b.d0+len(b.v))
	if lo == a.d0 && hi == a.d0+len(a.v) {
		for i, w := range b.v {
			a.v[b.d0-lo+i] += w
		}
		x.put(b.v)
		return a
	}
	out := hRow{d0: lo, v: x.get(hi - lo)}
	for i, w := range a.v {
		out.v[a.d0-lo+i] += w
	}
	for i, w := range b.v {
		out.v[b.d0-lo+i] += w
	}
	x.put(a.v)
	x.put(b.v)
	return out
}

// tickState applies a tick: a free tick advances P (d−1), a busy one pops
// (q−1).
func (s *hState) tickState() {
	if s.q0 > 0 {
		s.q0--
		return
	}
	if s.prod {
		// The free share advances its d; q = 0 and 1 merge into 0.
		f := s.pq[0]
		sh := hRow{d0: s.h.d0 - 1, v: append(s.get(0), s.h.v...)}
		for i := range sh.v {
			sh.v[i] = float64(sh.v[i] * f)
		}
		for i := range s.h.v {
			s.h.v[i] = float64(s.h.v[i] * (1 - f))
		}
		s.h = s.add(s.h, sh)
		if len(s.pq) > 1 {
			s.pq[1] += s.pq[0]
			s.pq = s.pq[1:]
		}
		return
	}
	r0 := s.rows[0]
	r0.d0--
	if len(s.rows) == 1 {
		s.rows[0] = r0
		return
	}
	s.rows[1] = s.add(s.rows[1], r0)
	s.rows[0] = hRow{}
	s.rows = s.rows[1:]
}

// result turns the per-tick expectations into the metrics' expectations,
// extending them linearly past the evolved span.
func (m *hModel) result() *RunPrediction {
	asym := Predict(m.s.Rates(), m.s.Die)
	fastest := m.s.Machines[m.fast].Rate.Float64()
	out := &RunPrediction{DurationS: m.s.Duration.Seconds(), EvolvedS: float64(m.evolved) / 1e9}
	n := float64(m.n)
	for i := range m.ms {
		hm := &m.ms[i]
		rate := m.s.Machines[i].Rate
		e := Expected{ID: i, Rate: rate.Float64(), Load: asym[i].Load, Ticks: float64(hm.ticks)}
		e.Approximate = e.Load > ApproxLow && e.Load < ApproxHigh
		ke := int64(len(hm.times))
		var free float64
		for _, f := range hm.free {
			free += f
		}
		// Least-squares sums over u = t − tc (seconds).
		var tc float64
		if ke > 0 {
			tc = float64(hm.times[0])
		}
		var su, suu, sx, sux, sq, suq float64
		for k := int64(0); k < ke; k++ {
			u := (float64(hm.times[k]) - tc) / 1e9
			su += u
			suu += float64(u * u)
			sx += hm.ex[k]
			sux += float64(u * hm.ex[k])
			sq += hm.eq[k]
			suq += float64(u * hm.eq[k])
		}
		lastX, lastQ := 0.0, 0.0
		if ke > 0 {
			lastX, lastQ = hm.ex[ke-1], hm.eq[ke-1]
		}
		if rest := hm.ticks - ke; rest > 0 {
			// Fit the second half of the evolved span.
			from := ke / 2
			var fs float64
			ax, bx := asym[i].ClockSlope, 0.0
			aq, bq := asym[i].QueueSlope, 0.0
			fbar := (asym[i].SendRate + asym[i].InternalRate) / e.Rate
			// The fit needs a second half long enough to be past the
			// start-up (fitSpan); otherwise the long-run model's rates,
			// which are the exact stationary rates of a machine that keeps
			// up, carry on from the last evolved tick.
			if ke-from >= 8 && float64(hm.times[ke-1]-hm.times[from]) >= fitSpan {
				ax, bx = fitLine(hm.times[from:ke], hm.ex[from:ke], tc)
				aq, bq = fitLine(hm.times[from:ke], hm.eq[from:ke], tc)
				for _, f := range hm.free[from:ke] {
					fs += f
				}
				fbar = fs / float64(ke-from)
			} else {
				// Too short: the long-run slopes from the last values.
				u := 0.0
				if ke > 0 {
					u = (float64(hm.times[ke-1]) - tc) / 1e9
				}
				bx, ax = ax, lastX-ax*u
				bq, aq = aq, lastQ-aq*u
			}
			free += fbar * float64(rest)
			period := 1 / e.Rate
			u0 := (float64(hm.start+rate.TickTime(ke)) - tc) / 1e9
			cnt := float64(rest)
			eu := cnt*u0 + period*cnt*(cnt-1)/2
			euu := cnt*u0*u0 + u0*period*cnt*(cnt-1) + period*period*(cnt-1)*cnt*(2*cnt-1)/6
			su += eu
			suu += euu
			sx += ax*cnt + bx*eu
			sux += ax*eu + bx*euu
			sq += aq*cnt + bq*eu
			suq += aq*eu + bq*euu
			ul := (float64(hm.start+rate.TickTime(hm.ticks-1)) - tc) / 1e9
			lastX, lastQ = ax+bx*ul, aq+bq*ul
		}
		e.Receives = float64(hm.ticks) - free
		e.Sends = free * n / m.R
		e.Internals = free * (m.R - n) / m.R
		e.MessagesSent = free * 2 * (n - 1) / m.R
		e.FinalClock, e.FinalQueue = lastX, lastQ
		if hm.ticks > 1 {
			cnt := float64(hm.ticks)
			den := suu - su*su/cnt
			if den > 0 {
				e.ClockSlope = (sux - su*sx/cnt) / den
				e.QueueSlope = (suq - su*sq/cnt) / den
			}
			first := 0.0
			if ke > 0 {
				first = hm.ex[0]
			}
			e.MeanJump = (lastX - first) / (cnt - 1)
		}
		e.Drift = e.ClockSlope - fastest
		out.Machines = append(out.Machines, e)
	}
	return out
}

// fitLine returns a, b of the least-squares line y = a + b·u, u = (t − tc)
// in seconds.
func fitLine(ts []int64, ys []float64, tc float64) (a, b float64) {
	var su, suu, sy, suy float64
	for k, t := range ts {
		u := (float64(t) - tc) / 1e9
		su += u
		suu += float64(u * u)
		sy += ys[k]
		suy += float64(u * ys[k])
	}
	c := float64(len(ts))
	b = (suy - su*sy/c) / (suu - su*su/c)
	return sy/c - b*su/c, b
}
