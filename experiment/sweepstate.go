package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"desim/analysis"
	"desim/analysis/stats"
	"desim/internal/quote"
	"desim/scenarios"
	"desim/sim"
)

// SweepStateFormat names the sweep state file format; SweepStateVersion
// is its version.
const (
	SweepStateFormat  = "desim-sweep-state"
	SweepStateVersion = 1
)

// Shard is shard K of N (0 ≤ K < N) of a seed range.
type Shard struct {
	K int `json:"k"`
	N int `json:"n"`
}

// Range returns the seeds of shard K of N of r: the K-th of N contiguous
// parts, [from + ⌊K·M/N⌋, from + ⌊(K+1)·M/N⌋ − 1] with M seeds in r.
func (s Shard) Range(r stats.SeedRange) (stats.SeedRange, error) {
	m := r.Count()
	if s.N < 1 || s.K < 0 || s.K >= s.N {
		return stats.SeedRange{}, fmt.Errorf("shard %d/%d: need 0 ≤ K < N", s.K, s.N)
	}
	if uint64(s.N) > m {
		return stats.SeedRange{}, fmt.Errorf("shard %d/%d: %d shards for %d seeds leaves some empty", s.K, s.N, s.N, m)
	}
	a := r.From + mulDiv(uint64(s.K), m, uint64(s.N))
	b := r.From + mulDiv(uint64(s.K+1), m, uint64(s.N)) - 1
	return stats.SeedRange{From: a, To: b}, nil
}

// mulDiv returns ⌊a·b/c⌋ for a ≤ c, in 128-bit arithmetic.
func mulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q, _ := bits.Div64(hi, lo, c) // hi < c since a·b ≤ c·b < c·2^64
	return q
}

// SweepState is a sweep's saved state: the partial result written on an
// interruption, or a shard's result. It holds exact sums, so states merge
// to the same bits as an uninterrupted, unsharded sweep.
type SweepState struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Model is sim.ModelVersion of the desim that ran the seeds: runs of
	// different model versions may differ and are never combined.
	Model    int             `json:"model"`
	Complete bool            `json:"complete"` // every seed of the range (or of the shard) is done
	Seeds    stats.SeedRange `json:"seeds"`    // the whole sweep's seeds
	Shard    *Shard          `json:"shard,omitempty"`
	// Grid, for the state of a grid (see NewGridState), describes the
	// grid; its cells are the scenarios, in cell order.
	Grid *GridSpec `json:"grid,omitempty"`
	// Scenarios in the order given on the command line.
	Scenarios []StateScenario `json:"scenarios"`
	// parsed holds the scenarios NewSweepState was given, so that Run
	// need not parse their YAML again (a grid has hundreds); nil for a
	// state read from a file.
	parsed []*scenarios.Scenario
}

// StateScenario is one scenario's state.
type StateScenario struct {
	Name        string         `json:"scenario"`
	Fingerprint string         `json:"fingerprint"`
	YAML        string         `json:"yaml"` // the scenario as run, seed 0
	Done        Intervals      `json:"done"`
	Stats       [][]stats.Stat `json:"stats"` // [machine][metric], metrics in Metrics order
}

// Range returns the seeds this state covers: its shard's, or all.
func (s *SweepState) Range() (stats.SeedRange, error) {
	if s.Shard == nil {
		return s.Seeds, nil
	}
	return s.Shard.Range(s.Seeds)
}

// NewSweepState returns the empty state of a sweep.
func NewSweepState(scs []*scenarios.Scenario, seeds stats.SeedRange, shard *Shard) *SweepState {
	st := &SweepState{Format: SweepStateFormat, Version: SweepStateVersion, Model: sim.ModelVersion, Seeds: seeds, Shard: shard, parsed: scs}
	for _, s := range scs {
		c := *s
		c.Seed = 0
		y := scenarios.Marshal(&c)
		ns := NewSweepScenario(s)
		st.Scenarios = append(st.Scenarios, StateScenario{
			Name: s.Name, Fingerprint: fingerprintOf(y), YAML: string(y), Stats: ns.Stats,
		})
	}
	return st
}

// Scenario returns the working state of scenario i, sharing its storage.
func (s *SweepState) Scenario(i int) (*SweepScenario, error) {
	ss := &s.Scenarios[i]
	if i < len(s.parsed) {
		c := *s.parsed[i]
		c.Seed = 0 // as the YAML has it
		return &SweepScenario{Scenario: &c, Stats: ss.Stats, Done: ss.Done}, nil
	}
	sc, err := scenarios.Parse(ss.Name+" (in the sweep state)", []byte(ss.YAML))
	if err != nil {
		return nil, err
	}
	return &SweepScenario{Scenario: sc, Stats: ss.Stats, Done: ss.Done}, nil
}

// Marshal returns the state as JSON.
func (s *SweepState) Marshal() []byte {
	b, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// ReadSweepState reads the state file file (see ParseSweepState); a file
// that cannot be read is bad input too.
func ReadSweepState(file string) (*SweepState, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, Input(err)
	}
	return ParseSweepState(file, data)
}

// ParseSweepState reads a state file's content; file names it in errors.
// Values from the file are quoted in errors with at most quote.Max of
// their bytes, however long they are.
func ParseSweepState(file string, data []byte) (*SweepState, error) {
	var s SweepState
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, Inputf("%s: not a sweep state file: %w", file, err)
	}
	if s.Format != SweepStateFormat {
		return nil, Inputf("%s: not a sweep state file (format %s, want %q)", file, quote.Quote(s.Format), SweepStateFormat)
	}
	if s.Version != SweepStateVersion {
		return nil, Inputf("%s: sweep state version %d, this desim reads version %d", file, s.Version, SweepStateVersion)
	}
	if s.Model != sim.ModelVersion {
		return nil, Inputf("%s: made by a desim whose model version is %d, this one's is %d: its runs would not match, rerun the sweep", file, s.Model, sim.ModelVersion)
	}
	if s.Seeds.From == 0 || s.Seeds.To < s.Seeds.From {
		return nil, Inputf("%s: bad seed range %d-%d", file, s.Seeds.From, s.Seeds.To)
	}
	r, err := s.Range()
	if err != nil {
		return nil, Inputf("%s: %w", file, err)
	}
	for i := range s.Scenarios {
		ss := &s.Scenarios[i]
		sc, err := scenarios.Parse(shown(ss.Name), []byte(ss.YAML))
		if err != nil {
			return nil, Inputf("%s: scenario %d: %w", file, i, err)
		}
		if sc.Name != ss.Name {
			return nil, Inputf("%s: scenario %d is named %s, but its YAML names it %s", file, i, shown(ss.Name), shown(sc.Name))
		}
		if Fingerprint(sc) != ss.Fingerprint {
			return nil, Inputf("%s: scenario %s: fingerprint does not match its YAML", file, shown(ss.Name))
		}
		if len(ss.Stats) != len(sc.Machines) {
			return nil, Inputf("%s: scenario %s: stats for %d machines, scenario has %d", file, shown(ss.Name), len(ss.Stats), len(sc.Machines))
		}
		for m := range ss.Stats {
			if len(ss.Stats[m]) != len(analysis.Metrics) {
				return nil, Inputf("%s: scenario %s: machine %d has %d metrics, want %d", file, shown(ss.Name), m, len(ss.Stats[m]), len(analysis.Metrics))
			}
		}
		var check Intervals
		for _, iv := range ss.Done {
			if iv[0] < r.From || iv[1] > r.To {
				return nil, Inputf("%s: scenario %s: done seeds %d-%d outside %d-%d", file, shown(ss.Name), iv[0], iv[1], r.From, r.To)
			}
			if err := check.Add(iv[0], iv[1]); err != nil {
				return nil, Inputf("%s: scenario %s: %w", file, shown(ss.Name), err)
			}
		}
		ss.Done = check
		n := int64(check.Count())
		for m := range ss.Stats {
			for k := range ss.Stats[m] {
				if ss.Stats[m][k].N != n {
					return nil, Inputf("%s: scenario %s: machine %d %s counts %d runs, done seeds are %d", file, shown(ss.Name), m, analysis.Metrics[k].Key, ss.Stats[m][k].N, n)
				}
			}
		}
	}
	if s.Grid != nil {
		if err := s.Grid.check(&s); err != nil {
			return nil, Inputf("%s: %w", file, err)
		}
	}
	return &s, nil
}

// SameSweep reports how a and b differ as sweeps (scenarios, durations,
// seed range), ignoring shards and progress; nil when they are the same.
func SameSweep(a, b *SweepState) error {
	if a.Seeds != b.Seeds {
		return fmt.Errorf("seed ranges differ: %d-%d and %d-%d", a.Seeds.From, a.Seeds.To, b.Seeds.From, b.Seeds.To)
	}
	if (a.Grid == nil) != (b.Grid == nil) || a.Grid != nil && !a.Grid.equal(b.Grid) {
		return fmt.Errorf("different grids: %s and %s", a.Grid.name(), b.Grid.name())
	}
	if len(a.Scenarios) != len(b.Scenarios) {
		return fmt.Errorf("different scenarios: %s and %s", names(a), names(b))
	}
	for i := range a.Scenarios {
		if a.Scenarios[i].Fingerprint != b.Scenarios[i].Fingerprint {
			return fmt.Errorf("scenario %d differs: %s and %s (different scenario, duration or parameters)", i+1, shown(a.Scenarios[i].Name), shown(b.Scenarios[i].Name))
		}
	}
	return nil
}

func names(s *SweepState) string {
	var n []string
	for _, x := range s.Scenarios {
		n = append(n, shown(x.Name))
	}
	return strings.Join(n, ",")
}

// MergeSweepFiles reads the shard files of one sweep or grid (see
// ReadSweepState) and merges them (MergeSweeps).
func MergeSweepFiles(files []string) (*SweepState, error) {
	states := make([]*SweepState, len(files))
	for i, f := range files {
		var err error
		if states[i], err = ReadSweepState(f); err != nil {
			return nil, err
		}
	}
	return MergeSweeps(files, states)
}

// MergeSweeps combines the states of the N shards of one sweep into the complete
// state of the whole sweep. It refuses states of different sweeps, missing
// or repeated shards, and incomplete shards.
func MergeSweeps(files []string, states []*SweepState) (*SweepState, error) {
	if len(states) == 0 {
		return nil, Inputf("no shard to merge")
	}
	first := states[0]
	n := 1
	if first.Shard != nil {
		n = first.Shard.N
	}
	seen := map[int]string{} // shard K → its file; at most len(states) entries
	for i, s := range states {
		if err := SameSweep(first, s); err != nil {
			return nil, Inputf("%s and %s are not shards of one sweep: %w", files[0], files[i], err)
		}
		k, sn := 0, 1
		if s.Shard != nil {
			k, sn = s.Shard.K, s.Shard.N
		}
		if sn != n {
			return nil, Inputf("%s is shard %d/%d but %s is of %d shards", files[i], k, sn, files[0], n)
		}
		if _, dup := seen[k]; dup {
			return nil, Inputf("shard %d/%d given twice: %s and %s", k, n, seen[k], files[i])
		}
		seen[k] = files[i]
		r, _ := s.Range()
		for _, sc := range s.Scenarios {
			if miss := sc.Done.Missing(r.From, r.To); len(miss) > 0 {
				return nil, Inputf("%s is incomplete: scenario %s misses seeds %s; finish it with --resume first", files[i], shown(sc.Name), shown(miss.String()))
			}
		}
	}
	if len(seen) < n {
		k := 0
		for seen[k] != "" { // the first missing shard: at most len(states) steps
			k++
		}
		sr, _ := Shard{K: k, N: n}.Range(first.Seeds)
		return nil, Inputf("shard %d/%d (seeds %d-%d) is missing", k, n, sr.From, sr.To)
	}
	out := &SweepState{Format: SweepStateFormat, Version: SweepStateVersion, Model: sim.ModelVersion, Seeds: first.Seeds, Complete: true, Grid: first.Grid}
	for i := range first.Scenarios {
		acc := &SweepScenario{Stats: stats.NewStats(len(first.Scenarios[i].Stats))}
		for _, s := range states {
			sc := &s.Scenarios[i]
			if err := acc.merge(&SweepScenario{Stats: sc.Stats, Done: sc.Done}); err != nil {
				return nil, err
			}
		}
		ss := first.Scenarios[i]
		ss.Stats, ss.Done = acc.Stats, acc.Done
		out.Scenarios = append(out.Scenarios, ss)
	}
	return out, nil
}

// Output returns the result of a complete state. The scenarios'
// summaries (each with its finite-horizon prediction, the costly part)
// are computed on one goroutine per CPU; each is independent of the
// others, so the result does not depend on their number.
func (s *SweepState) Output() (*stats.Output, error) {
	o := &stats.Output{Scenarios: make([]stats.ScenarioOutput, len(s.Scenarios))}
	errs := make([]error, len(s.Scenarios))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.NumCPU(), len(s.Scenarios)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(s.Scenarios); i = int(next.Add(1) - 1) {
				sc, err := s.Scenario(i)
				if err != nil {
					errs[i] = err
					continue
				}
				o.Scenarios[i] = stats.Summarize(sc.Scenario, sc.Stats, s.Seeds)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return o, nil
}

// Todo returns the number of runs still to do, or math.MaxUint64 when
// there are more (2 scenarios of 2^64-1 seeds are 2^65-2 runs).
func (s *SweepState) Todo() uint64 {
	r, _ := s.Range()
	var n uint64
	for _, sc := range s.Scenarios {
		var carry uint64
		n, carry = bits.Add64(n, sc.Done.Missing(r.From, r.To).Count(), 0)
		if carry != 0 {
			return math.MaxUint64
		}
	}
	return n
}

// DoneRuns returns the number of runs done, in decimal: like TotalRuns,
// it can pass 2^64.
func (s *SweepState) DoneRuns() string {
	n := new(big.Int)
	for _, sc := range s.Scenarios {
		n.Add(n, new(big.Int).SetUint64(sc.Done.Count()))
	}
	return n.String()
}

// TotalRuns returns the number of runs of the whole sweep (or shard), in
// decimal since it can pass 2^64: seeds × scenarios.
func (s *SweepState) TotalRuns() string {
	r, _ := s.Range()
	t := new(big.Int).SetUint64(r.Count())
	return t.Mul(t, big.NewInt(int64(len(s.Scenarios)))).String()
}

// Run runs every seed of the state's range (or shard) not yet done, scenario
// after scenario (see Sweep), and returns the events simulated. On
// ErrInterrupted the state holds exactly the completed runs, marked
// incomplete; otherwise it is complete.
func (s *SweepState) Run(ctx context.Context, opt SweepOptions) (events int64, err error) {
	r, err := s.Range()
	if err != nil {
		return 0, Input(err)
	}
	s.Complete = false
	for i := range s.Scenarios {
		sc, err := s.Scenario(i)
		if err != nil {
			return events, err
		}
		err = Sweep(ctx, sc, r.From, r.To, opt)
		s.Scenarios[i].Done = sc.Done
		events += sc.Events
		if err != nil {
			return events, err
		}
	}
	s.Complete = true
	return events, nil
}

// PartialPath is where an interrupted sweep writing to out saves its
// completed runs: out.partial.json, or desim-sweep.partial.json when the
// output goes to standard output ("" or "-").
func PartialPath(out string) string {
	if out == "" || out == "-" {
		return "desim-sweep.partial.json"
	}
	return out + ".partial.json"
}

// ResumeSweep reads the partial state saved in file and checks that it is
// a state of the sweep that state describes (same scenarios, durations,
// seeds and shard). Anything else is bad input.
func ResumeSweep(state *SweepState, file string) (*SweepState, error) {
	saved, err := ReadSweepState(file)
	if err != nil {
		return nil, err
	}
	if err := SameSweep(state, saved); err != nil {
		return nil, Inputf("%s is from a different sweep: %w", file, err)
	}
	if (saved.Shard == nil) != (state.Shard == nil) || state.Shard != nil && *saved.Shard != *state.Shard {
		return nil, Inputf("%s is from a different shard", file)
	}
	return saved, nil
}

// ParseSeeds reads a seed range written "A-B" (seeds A..B) or as a count
// "N" (seeds 1..N); seeds start at 1.
func ParseSeeds(s string) (stats.SeedRange, error) {
	bad := Inputf("--seeds %q: want a range A-B or a count N (seeds 1..N), seeds from 1", s)
	if a, b, ok := strings.Cut(s, "-"); ok {
		from, err1 := strconv.ParseUint(a, 10, 64)
		to, err2 := strconv.ParseUint(b, 10, 64)
		if err1 != nil || err2 != nil || from == 0 || to < from {
			return stats.SeedRange{}, bad
		}
		return stats.SeedRange{From: from, To: to}, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return stats.SeedRange{}, bad
	}
	return stats.SeedRange{From: 1, To: n}, nil
}

// ParseShard reads a shard written "K/N" (0 ≤ K < N) of the seeds r; ""
// means no shard (nil). A shard that would be empty is bad input.
func ParseShard(s string, r stats.SeedRange) (*Shard, error) {
	if s == "" {
		return nil, nil
	}
	a, b, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || k < 0 || k >= n {
		return nil, Inputf("--shard %q: want K/N with 0 <= K < N, e.g. 0/4", s)
	}
	sh := &Shard{K: k, N: n}
	if _, err := sh.Range(r); err != nil {
		return nil, Input(err)
	}
	return sh, nil
}
