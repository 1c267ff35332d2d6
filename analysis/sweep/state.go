package sweep

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"strings"

	"desim/scenarios"
	"desim/sim"
)

// StateFormat names the state file format; StateVersion is its version.
const (
	StateFormat  = "desim-sweep-state"
	StateVersion = 1
)

// Shard is shard K of N (0 ≤ K < N) of a seed range.
type Shard struct {
	K int `json:"k"`
	N int `json:"n"`
}

// Range returns the seeds of shard K of N of r: the K-th of N contiguous
// parts, [from + ⌊K·M/N⌋, from + ⌊(K+1)·M/N⌋ − 1] with M seeds in r.
func (s Shard) Range(r SeedRange) (SeedRange, error) {
	m := r.Count()
	if s.N < 1 || s.K < 0 || s.K >= s.N {
		return SeedRange{}, fmt.Errorf("shard %d/%d: need 0 ≤ K < N", s.K, s.N)
	}
	if uint64(s.N) > m {
		return SeedRange{}, fmt.Errorf("shard %d/%d: %d shards for %d seeds leaves some empty", s.K, s.N, s.N, m)
	}
	a := r.From + mulDiv(uint64(s.K), m, uint64(s.N))
	b := r.From + mulDiv(uint64(s.K+1), m, uint64(s.N)) - 1
	return SeedRange{From: a, To: b}, nil
}

// mulDiv returns ⌊a·b/c⌋ for a ≤ c, in 128-bit arithmetic.
func mulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q, _ := bits.Div64(hi, lo, c) // hi < c since a·b ≤ c·b < c·2^64
	return q
}

// State is a sweep's saved state: the partial result written on an
// interruption, or a shard's result. It holds exact sums, so states merge
// to the same bits as an uninterrupted, unsharded sweep.
type State struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Model is sim.ModelVersion of the desim that ran the seeds: runs of
	// different model versions may differ and are never combined.
	Model    int       `json:"model"`
	Complete bool      `json:"complete"` // every seed of the range (or of the shard) is done
	Seeds    SeedRange `json:"seeds"`    // the whole sweep's seeds
	Shard    *Shard    `json:"shard,omitempty"`
	// Scenarios in the order given on the command line.
	Scenarios []StateScenario `json:"scenarios"`
}

// StateScenario is one scenario's state.
type StateScenario struct {
	Name        string    `json:"scenario"`
	Fingerprint string    `json:"fingerprint"`
	YAML        string    `json:"yaml"` // the scenario as run, seed 0
	Done        Intervals `json:"done"`
	Stats       [][]Stat  `json:"stats"` // [machine][metric], metrics in Metrics order
}

// Range returns the seeds this state covers: its shard's, or all.
func (s *State) Range() (SeedRange, error) {
	if s.Shard == nil {
		return s.Seeds, nil
	}
	return s.Shard.Range(s.Seeds)
}

// NewState returns the empty state of a sweep.
func NewState(scs []*scenarios.Scenario, seeds SeedRange, shard *Shard) *State {
	st := &State{Format: StateFormat, Version: StateVersion, Model: sim.ModelVersion, Seeds: seeds, Shard: shard}
	for _, s := range scs {
		c := *s
		c.Seed = 0
		ns := NewScenario(s)
		st.Scenarios = append(st.Scenarios, StateScenario{
			Name: s.Name, Fingerprint: Fingerprint(s), YAML: string(scenarios.Marshal(&c)), Stats: ns.Stats,
		})
	}
	return st
}

// Scenario returns the working state of scenario i, sharing its storage.
func (s *State) Scenario(i int) (*Scenario, error) {
	ss := &s.Scenarios[i]
	sc, err := scenarios.Parse(ss.Name+" (in the sweep state)", []byte(ss.YAML))
	if err != nil {
		return nil, err
	}
	return &Scenario{Scenario: sc, Stats: ss.Stats, Done: ss.Done}, nil
}

// Marshal returns the state as JSON.
func (s *State) Marshal() []byte {
	b, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// ParseState reads a state file's content; file names it in errors.
func ParseState(file string, data []byte) (*State, error) {
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s: not a sweep state file: %v", file, err)
	}
	if s.Format != StateFormat {
		return nil, fmt.Errorf("%s: not a sweep state file (format %q, want %q)", file, s.Format, StateFormat)
	}
	if s.Version != StateVersion {
		return nil, fmt.Errorf("%s: sweep state version %d, this desim reads version %d", file, s.Version, StateVersion)
	}
	if s.Model != sim.ModelVersion {
		return nil, fmt.Errorf("%s: made by a desim whose model version is %d, this one's is %d: its runs would not match, rerun the sweep", file, s.Model, sim.ModelVersion)
	}
	if s.Seeds.From == 0 || s.Seeds.To < s.Seeds.From {
		return nil, fmt.Errorf("%s: bad seed range %d-%d", file, s.Seeds.From, s.Seeds.To)
	}
	r, err := s.Range()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	for i := range s.Scenarios {
		ss := &s.Scenarios[i]
		sc, err := scenarios.Parse(ss.Name, []byte(ss.YAML))
		if err != nil {
			return nil, fmt.Errorf("%s: scenario %d: %v", file, i, err)
		}
		if Fingerprint(sc) != ss.Fingerprint {
			return nil, fmt.Errorf("%s: scenario %s: fingerprint does not match its YAML", file, ss.Name)
		}
		if len(ss.Stats) != len(sc.Machines) {
			return nil, fmt.Errorf("%s: scenario %s: stats for %d machines, scenario has %d", file, ss.Name, len(ss.Stats), len(sc.Machines))
		}
		for m := range ss.Stats {
			if len(ss.Stats[m]) != len(Metrics) {
				return nil, fmt.Errorf("%s: scenario %s: machine %d has %d metrics, want %d", file, ss.Name, m, len(ss.Stats[m]), len(Metrics))
			}
		}
		var check Intervals
		for _, iv := range ss.Done {
			if iv[0] < r.From || iv[1] > r.To {
				return nil, fmt.Errorf("%s: scenario %s: done seeds %d-%d outside %d-%d", file, ss.Name, iv[0], iv[1], r.From, r.To)
			}
			if err := check.Add(iv[0], iv[1]); err != nil {
				return nil, fmt.Errorf("%s: scenario %s: %v", file, ss.Name, err)
			}
		}
		ss.Done = check
		n := int64(check.Count())
		for m := range ss.Stats {
			for k := range ss.Stats[m] {
				if ss.Stats[m][k].N != n {
					return nil, fmt.Errorf("%s: scenario %s: machine %d %s counts %d runs, done seeds are %d", file, ss.Name, m, Metrics[k], ss.Stats[m][k].N, n)
				}
			}
		}
	}
	return &s, nil
}

// SameSweep reports how a and b differ as sweeps (scenarios, durations,
// seed range), ignoring shards and progress; nil when they are the same.
func SameSweep(a, b *State) error {
	if a.Seeds != b.Seeds {
		return fmt.Errorf("seed ranges differ: %d-%d and %d-%d", a.Seeds.From, a.Seeds.To, b.Seeds.From, b.Seeds.To)
	}
	if len(a.Scenarios) != len(b.Scenarios) {
		return fmt.Errorf("different scenarios: %s and %s", names(a), names(b))
	}
	for i := range a.Scenarios {
		if a.Scenarios[i].Fingerprint != b.Scenarios[i].Fingerprint {
			return fmt.Errorf("scenario %d differs: %s and %s (different scenario, duration or parameters)", i+1, a.Scenarios[i].Name, b.Scenarios[i].Name)
		}
	}
	return nil
}

func names(s *State) string {
	var n []string
	for _, x := range s.Scenarios {
		n = append(n, x.Name)
	}
	return strings.Join(n, ",")
}

// Merge combines the states of the N shards of one sweep into the complete
// state of the whole sweep. It refuses states of different sweeps, missing
// or repeated shards, and incomplete shards.
func Merge(files []string, states []*State) (*State, error) {
	if len(states) == 0 {
		return nil, fmt.Errorf("no shard to merge")
	}
	first := states[0]
	n := 1
	if first.Shard != nil {
		n = first.Shard.N
	}
	seen := map[int]string{} // shard K → its file; at most len(states) entries
	for i, s := range states {
		if err := SameSweep(first, s); err != nil {
			return nil, fmt.Errorf("%s and %s are not shards of one sweep: %v", files[0], files[i], err)
		}
		k, sn := 0, 1
		if s.Shard != nil {
			k, sn = s.Shard.K, s.Shard.N
		}
		if sn != n {
			return nil, fmt.Errorf("%s is shard %d/%d but %s is of %d shards", files[i], k, sn, files[0], n)
		}
		if _, dup := seen[k]; dup {
			return nil, fmt.Errorf("shard %d/%d given twice: %s and %s", k, n, seen[k], files[i])
		}
		seen[k] = files[i]
		r, _ := s.Range()
		for _, sc := range s.Scenarios {
			if miss := sc.Done.Missing(r.From, r.To); len(miss) > 0 {
				return nil, fmt.Errorf("%s is incomplete: scenario %s misses seeds %s; finish it with --resume first", files[i], sc.Name, miss)
			}
		}
	}
	if len(seen) < n {
		k := 0
		for seen[k] != "" { // the first missing shard: at most len(states) steps
			k++
		}
		sr, _ := Shard{K: k, N: n}.Range(first.Seeds)
		return nil, fmt.Errorf("shard %d/%d (seeds %d-%d) is missing", k, n, sr.From, sr.To)
	}
	out := &State{Format: StateFormat, Version: StateVersion, Model: sim.ModelVersion, Seeds: first.Seeds, Complete: true}
	for i := range first.Scenarios {
		acc := &Scenario{Stats: make([][]Stat, len(first.Scenarios[i].Stats))}
		for m := range acc.Stats {
			acc.Stats[m] = make([]Stat, len(Metrics))
		}
		for _, s := range states {
			sc := &s.Scenarios[i]
			if err := acc.merge(&Scenario{Stats: sc.Stats, Done: sc.Done}); err != nil {
				return nil, err
			}
		}
		ss := first.Scenarios[i]
		ss.Stats, ss.Done = acc.Stats, acc.Done
		out.Scenarios = append(out.Scenarios, ss)
	}
	return out, nil
}

// Output returns the result of a complete state.
func (s *State) Output() (*Output, error) {
	o := &Output{}
	for i := range s.Scenarios {
		sc, err := s.Scenario(i)
		if err != nil {
			return nil, err
		}
		o.Scenarios = append(o.Scenarios, Summarize(sc, s.Seeds))
	}
	return o, nil
}
