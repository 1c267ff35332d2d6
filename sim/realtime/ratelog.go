package realtime

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// logInterval is the least time between two lines of a rateLog.
const logInterval = time.Second

// maxReasons is how many distinct reasons one line of a rateLog names;
// the others are counted together.
const maxReasons = 4

// rateLog writes diagnostics of one kind (rejected connections, failed
// accepts) at most once per interval, so that a flood of them cannot flood
// the log: the first event after a quiet interval is written at once, and
// those that follow within the interval are counted and written as one
// line when it ends, with their count and reasons. Flush writes what is
// pending and stops further lines.
type rateLog struct {
	logf  func(string, ...any)
	one   string // the first words of a line for one event, e.g. "machine 0: rejected a connection"
	many  string // the same for a count, with one %d, e.g. "machine 0: rejected %d connections"
	every time.Duration
	now   func() time.Time
	// after runs f after d (time.AfterFunc, or a fake in tests) and
	// returns a function that cancels it.
	after func(d time.Duration, f func()) (stop func())

	mu      sync.Mutex
	last    time.Time // when the last line was written; zero before the first
	stop    func()    // cancels the pending line's timer; nil when none is armed
	count   int       // events since the last line
	reasons []reasonCount
	others  int    // events whose reason is not among reasons
	latest  string // the latest event's source
	done    bool
}

type reasonCount struct {
	reason string
	n      int
}

func newRateLog(logf func(string, ...any), one, many string) *rateLog {
	return &rateLog{
		logf: logf, one: one, many: many, every: logInterval, now: time.Now,
		after: func(d time.Duration, f func()) func() {
			t := time.AfterFunc(d, f)
			return func() { t.Stop() }
		},
	}
}

// note records one event from source (an address, or "") for reason.
func (r *rateLog) note(source, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	r.count++
	r.latest = source
	found := false
	for i := range r.reasons {
		if r.reasons[i].reason == reason {
			r.reasons[i].n++
			found = true
			break
		}
	}
	if !found {
		if len(r.reasons) < maxReasons {
			r.reasons = append(r.reasons, reasonCount{reason, 1})
		} else {
			r.others++
		}
	}
	now := r.now()
	if since := now.Sub(r.last); r.last.IsZero() || since >= r.every {
		r.writeLocked(now)
		return
	}
	if r.stop == nil {
		r.stop = r.after(r.every-now.Sub(r.last), r.fire)
	}
}

// fire writes the pending line when its interval has passed.
func (r *rateLog) fire() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stop = nil
	if !r.done && r.count > 0 {
		r.writeLocked(r.now())
	}
}

// flush writes the pending line, if any, and ends the log.
func (r *rateLog) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stop != nil {
		r.stop()
		r.stop = nil
	}
	if !r.done && r.count > 0 {
		r.writeLocked(r.now())
	}
	r.done = true
}

func (r *rateLog) writeLocked(now time.Time) {
	from := ""
	if r.latest != "" {
		from = " from " + r.latest
	}
	if r.count == 1 {
		r.logf("%s%s: %s", r.one, from, r.reasons[0].reason)
	} else {
		var parts []string
		for _, rc := range r.reasons {
			parts = append(parts, fmt.Sprintf("%d× %s", rc.n, rc.reason))
		}
		if r.others > 0 {
			parts = append(parts, fmt.Sprintf("%d× other reasons", r.others))
		}
		what := fmt.Sprintf(r.many, r.count)
		if !r.last.IsZero() {
			what += fmt.Sprintf(" in the last %s", now.Sub(r.last).Round(time.Millisecond))
		}
		r.logf("%s (the latest%s): %s", what, from, strings.Join(parts, "; "))
	}
	r.last = now
	r.count, r.others, r.reasons, r.latest = 0, 0, r.reasons[:0], ""
}
