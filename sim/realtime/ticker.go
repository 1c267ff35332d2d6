package realtime

import (
	"fmt"
	"strings"
)

// Ticker is how a node schedules its ticks on the wall clock. It is a
// local choice of each machine: the wire protocol does not carry it, and
// the machines of one run may differ. Only the scheduling differs between
// tickers; what a tick does (delivery, die, Tick, sends, record) is the
// same code.
type Ticker int

const (
	// TickerAbsolute, the zero value and default, runs tick k at the
	// instant the schedule gives it, start + (start_i +
	// floor(k·1e9/rate_i)) / speed, computed from k every time: ticks stay
	// in step with the nominal rate, and a tick that finds later ticks
	// already due overruns (see Node).
	TickerAbsolute Ticker = iota
	// TickerSleep runs the first tick at the schedule's instant for k = 0
	// and each later one one period, 1e9/rate_i / speed ns, after the end
	// of the previous tick's work (delivery, die, tick and sends), as an
	// implementation that sleeps a period after each tick does (the
	// original Python one): every tick starts late by the previous tick's
	// work plus the sleep's overshoot, the lateness accumulates, and the
	// machine's effective rate is a little below its nominal rate. There
	// is no catch-up and hence no overrun: Stats.Overruns and Stats.Skipped
	// stay 0.
	TickerSleep
)

// tickerNames are the tickers' names, by value.
var tickerNames = [...]string{TickerAbsolute: "absolute", TickerSleep: "sleep"}

// String returns the ticker's name, "absolute" or "sleep", as ParseTicker
// reads it.
func (t Ticker) String() string {
	if t.valid() {
		return tickerNames[t]
	}
	return fmt.Sprintf("Ticker(%d)", int(t))
}

func (t Ticker) valid() bool { return t >= 0 && int(t) < len(tickerNames) }

// ParseTicker returns the ticker named s: "absolute" or "sleep".
func ParseTicker(s string) (Ticker, error) {
	for t, name := range tickerNames {
		if s == name {
			return Ticker(t), nil
		}
	}
	return 0, fmt.Errorf("ticker %q is not one of %s", s, strings.Join(tickerNames[:], ", "))
}

// Set sets t to the ticker named s (flag.Value and pflag.Value).
func (t *Ticker) Set(s string) error {
	v, err := ParseTicker(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Type names the flag's value in a command's help (pflag.Value).
func (t *Ticker) Type() string { return strings.Join(tickerNames[:], "|") }
