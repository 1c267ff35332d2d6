package experiment

import (
	"strconv"
	"strings"
	"time"

	"desim/sim"
)

// ParseOverrides reads overrides as a command line gives them: seed an
// unsigned 64-bit decimal, duration in Go syntax (60s, 10m, 1h) and
// positive; "" keeps the scenario's. A bad value is bad input naming the
// flag (--seed, --duration).
func ParseOverrides(seed, duration string) (Overrides, error) {
	var o Overrides
	if seed != "" {
		v, err := strconv.ParseUint(seed, 10, 64)
		if err != nil {
			return o, Inputf("--seed %q is not an unsigned 64-bit integer", seed)
		}
		o.Seed = &v
	}
	if duration != "" {
		d, err := time.ParseDuration(duration)
		if err != nil || d <= 0 {
			return o, Inputf("--duration %q is not a positive duration (Go syntax: 60s, 10m, 1h)", duration)
		}
		o.Duration = d
	}
	return o, nil
}

// ParseRates reads the machines' nominal rates as a command line gives
// them: comma-separated rates in sim.ParseRate's syntax, blanks around
// each ignored; "" is none (to be estimated). A bad rate is bad input
// naming the flag (--rates).
func ParseRates(s string) ([]sim.Rate, error) {
	if s == "" {
		return nil, nil
	}
	var rates []sim.Rate
	for _, f := range strings.Split(s, ",") {
		r, err := sim.ParseRate(strings.TrimSpace(f))
		if err != nil {
			return nil, Inputf("--rates %q: %v", s, err)
		}
		rates = append(rates, r)
	}
	return rates, nil
}
