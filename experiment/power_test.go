package experiment

import (
	"context"
	"strings"
	"testing"
	"time"

	"desim/analysis/stats"
	"desim/scenarios"
)

// Known answers, with the simulator standing in for the real side: on A3
// (300 s, one real run against the default 10000 simulated seeds) a system
// whose die has 8 faces instead of 10 is rejected in at least 18 of 20
// trials, and the model itself passes at least 97 of 100; three real runs
// catch a die of 9 faces more often than one does.
func TestValidatePowerKnownAnswers(t *testing.T) {
	s, err := Load("A3", Overrides{Duration: 300 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	o := ValidateOptions{RealRuns: 1, Seeds: DefaultValidateSeeds}
	alt := func(die int) []Alternative {
		a := clone(s)
		a.Die = die
		return []Alternative{{Name: "die", Scenario: a}}
	}
	// The simulated side once, seeds 2..10001, as ValidatePower draws it.
	ctx := context.Background()
	sims, err := simulateSeeds(ctx, s, stats.SeedRange{From: 2, To: 10001})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := power(ctx, s, o, sims, 10002, 100, []Alternative{{Name: "model", Scenario: s}})
	if err != nil {
		t.Fatal(err)
	}
	if r := rows[0]; r.Trials-r.Rejected < 97 {
		t.Errorf("the model itself passed %d of %d trials, want at least 97", r.Trials-r.Rejected, r.Trials)
	}
	rows, err = power(ctx, s, o, sims, 10002, 20, alt(8))
	if err != nil {
		t.Fatal(err)
	}
	if r := rows[0]; r.Rejected < 18 {
		t.Errorf("a die of 8 faces was rejected in %d of %d trials, want at least 18", r.Rejected, r.Trials)
	}
	var caught [2]int
	for i, k := range []int{1, 3} {
		o.RealRuns = k
		rows, err := power(ctx, s, o, sims, 10002, 40, alt(9))
		if err != nil {
			t.Fatal(err)
		}
		caught[i] = rows[0].Rejected
	}
	if caught[1] < caught[0] || caught[1] < 30 {
		t.Errorf("a die of 9 faces: caught in %d of 40 trials with 1 real run, %d with 3: want more with more runs, and at least 30", caught[0], caught[1])
	}
}

// Alternatives: the die ±1 and ±2 where it keeps N faces, the slowest
// machines 5 % and 10 % faster, and the model itself first.
func TestAlternatives(t *testing.T) {
	s, err := scenarios.Builtin("B2") // 6, 5, 5 c/s, die 4
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range Alternatives(s) {
		names = append(names, a.Name)
		if a.Name == "slowest machine 10% fast" {
			if got := a.Scenario.Machines[1].Rate.String() + " " + a.Scenario.Machines[2].Rate.String() + " " + a.Scenario.Machines[0].Rate.String(); got != "5.5 5.5 6" {
				t.Errorf("10%% fast: rates %s, want 5.5 5.5 6", got)
			}
		}
	}
	want := "the model itself (die 4); die 3 (R-1); die 5 (R+1); die 6 (R+2); slowest machine 5% fast; slowest machine 10% fast"
	if got := strings.Join(names, "; "); got != want {
		t.Errorf("alternatives %q, want %q", got, want)
	}
	if s.Machines[1].Rate.String() != "5" || s.Die != 4 {
		t.Error("Alternatives changed the scenario")
	}
}
