package experiment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	_ "desim/internal/golden" // registers -update for "go test ./... -update"
)

type iv = [2]uint64

// TestIntervalsAdd adds ranges in order: adjacent ones join, overlapping
// ones are refused (and leave the set unchanged).
func TestIntervalsAdd(t *testing.T) {
	for _, c := range []struct {
		name string
		adds []iv
		want Intervals
		err  string // error of the last add, if any
	}{
		{"one", []iv{{1, 10}}, Intervals{{1, 10}}, ""},
		{"single seed", []iv{{5, 5}}, Intervals{{5, 5}}, ""},
		{"disjoint, in order", []iv{{1, 3}, {10, 12}}, Intervals{{1, 3}, {10, 12}}, ""},
		{"disjoint, reversed", []iv{{10, 12}, {1, 3}}, Intervals{{1, 3}, {10, 12}}, ""},
		{"adjacent after", []iv{{1, 3}, {4, 6}}, Intervals{{1, 6}}, ""},
		{"adjacent before", []iv{{4, 6}, {1, 3}}, Intervals{{1, 6}}, ""},
		{"fills a gap", []iv{{1, 3}, {7, 9}, {4, 6}}, Intervals{{1, 9}}, ""},
		{"fills a gap partly, left", []iv{{1, 3}, {8, 9}, {4, 6}}, Intervals{{1, 6}, {8, 9}}, ""},
		{"fills a gap partly, right", []iv{{1, 3}, {8, 9}, {5, 7}}, Intervals{{1, 3}, {5, 9}}, ""},
		{"chunks out of order", []iv{{33, 64}, {97, 128}, {1, 32}, {65, 96}}, Intervals{{1, 128}}, ""},
		{"seed 0", []iv{{0, 0}, {1, 1}}, Intervals{{0, 1}}, ""},
		{"top of uint64", []iv{{math.MaxUint64 - 1, math.MaxUint64}, {math.MaxUint64 - 5, math.MaxUint64 - 2}}, Intervals{{math.MaxUint64 - 5, math.MaxUint64}}, ""},
		{"same range twice", []iv{{1, 10}, {1, 10}}, Intervals{{1, 10}}, "seeds 1-10 are counted twice"},
		{"overlap on the left", []iv{{5, 10}, {1, 5}}, Intervals{{5, 10}}, "seeds 5-5 are counted twice"},
		{"overlap on the right", []iv{{5, 10}, {10, 12}}, Intervals{{5, 10}}, "seeds 10-10 are counted twice"},
		{"inside", []iv{{1, 100}, {40, 50}}, Intervals{{1, 100}}, "seeds 40-50 are counted twice"},
		{"around", []iv{{40, 50}, {1, 100}}, Intervals{{40, 50}}, "seeds 40-50 are counted twice"},
		{"spanning two", []iv{{1, 3}, {7, 9}, {2, 8}}, Intervals{{1, 3}, {7, 9}}, "counted twice"},
		{"empty range", []iv{{5, 4}}, nil, "empty seed range 5-4"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var s Intervals
			var err error
			for i, a := range c.adds {
				err = s.Add(a[0], a[1])
				if err != nil && i < len(c.adds)-1 {
					t.Fatalf("add %v: %v", a, err)
				}
			}
			switch {
			case c.err == "" && err != nil:
				t.Errorf("error %v", err)
			case c.err != "" && err == nil:
				t.Errorf("no error, want %q", c.err)
			case c.err != "" && !strings.Contains(err.Error(), c.err):
				t.Errorf("error %q, want %q", err, c.err)
			}
			if len(s) != 0 || len(c.want) != 0 {
				if !reflect.DeepEqual(s, c.want) {
					t.Errorf("set %v, want %v", s, c.want)
				}
			}
		})
	}
}

// TestIntervalsRandom adds every seed of 1..n in random chunks and orders:
// the set must end as the single interval [1, n], and must always be
// sorted, disjoint and non-adjacent on the way.
func TestIntervalsRandom(t *testing.T) {
	for _, c := range []struct {
		name string
		n    uint64
		seed uint64
	}{
		{"small", 20, 1},
		{"medium", 500, 2},
		{"large", 5000, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(c.seed, 0))
			var parts []iv
			for a := uint64(1); a <= c.n; {
				b := min(a+r.Uint64N(40), c.n)
				parts = append(parts, iv{a, b})
				a = b + 1
			}
			r.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
			var s Intervals
			var count uint64
			for _, p := range parts {
				if err := s.Add(p[0], p[1]); err != nil {
					t.Fatal(err)
				}
				count += p[1] - p[0] + 1
				for i := range s {
					if s[i][0] > s[i][1] || i > 0 && s[i-1][1]+1 >= s[i][0] {
						t.Fatalf("not sorted, disjoint and non-adjacent: %v", s)
					}
				}
				if s.Count() != count {
					t.Fatalf("Count() = %d, want %d", s.Count(), count)
				}
				// Re-adding any part fails.
				if err := s.Add(p[0], p[1]); err == nil {
					t.Fatalf("re-adding %v accepted", p)
				}
			}
			if !reflect.DeepEqual(s, Intervals{{1, c.n}}) {
				t.Errorf("final set %v", s)
			}
		})
	}
}

// TestIntervalsMissing checks the seeds of [from, to] not in the set.
func TestIntervalsMissing(t *testing.T) {
	set := Intervals{{5, 10}, {20, 30}, {32, 32}}
	for _, c := range []struct {
		name     string
		s        Intervals
		from, to uint64
		want     Intervals
	}{
		{"empty set", nil, 1, 100, Intervals{{1, 100}}},
		{"all done", Intervals{{1, 100}}, 1, 100, nil},
		{"range inside a done interval", set, 6, 9, nil},
		{"range before everything", set, 1, 4, Intervals{{1, 4}}},
		{"range after everything", set, 40, 50, Intervals{{40, 50}}},
		{"range in a gap", set, 12, 18, Intervals{{12, 18}}},
		{"the gaps", set, 1, 40, Intervals{{1, 4}, {11, 19}, {31, 31}, {33, 40}}},
		{"starting inside", set, 8, 25, Intervals{{11, 19}}},
		{"ending inside", set, 1, 7, Intervals{{1, 4}}},
		{"exact cover", set, 5, 10, nil},
		{"single seed missing", set, 31, 31, Intervals{{31, 31}}},
		{"single seed done", set, 32, 32, nil},
		{"done beyond the range", Intervals{{1, 1000}}, 50, 60, nil},
		{"to the top of uint64", Intervals{{1, math.MaxUint64 - 1}}, 1, math.MaxUint64, Intervals{{math.MaxUint64, math.MaxUint64}}},
		{"all of uint64 done", Intervals{{0, math.MaxUint64}}, 0, math.MaxUint64, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := c.s.Missing(c.from, c.to)
			if len(got) != 0 || len(c.want) != 0 {
				if !reflect.DeepEqual(got, c.want) {
					t.Errorf("Missing(%d, %d) of %v = %v, want %v", c.from, c.to, c.s, got, c.want)
				}
			}
			// Missing and done partition [from, to].
			if c.to-c.from < 1e6 {
				done := uint64(0)
				for x := c.from; x <= c.to; x++ {
					for _, v := range c.s {
						if v[0] <= x && x <= v[1] {
							done++
						}
					}
				}
				if done+got.Count() != c.to-c.from+1 {
					t.Errorf("%d done + %d missing != %d seeds", done, got.Count(), c.to-c.from+1)
				}
			}
		})
	}
}

// TestIntervalsCountString checks Count and String.
func TestIntervalsCountString(t *testing.T) {
	for _, c := range []struct {
		s     Intervals
		count uint64
		str   string
	}{
		{nil, 0, ""},
		{Intervals{{7, 7}}, 1, "7"},
		{Intervals{{1, 100}}, 100, "1-100"},
		{Intervals{{1, 100}, {200, 300}}, 201, "1-100,200-300"},
		{Intervals{{1, 1}, {3, 3}, {5, 9}}, 7, "1,3,5-9"},
		{Intervals{{1, math.MaxUint64 - 1}}, math.MaxUint64 - 1, fmt.Sprintf("1-%d", uint64(math.MaxUint64-1))},
	} {
		t.Run(c.str, func(t *testing.T) {
			if got := c.s.Count(); got != c.count {
				t.Errorf("Count() = %d, want %d", got, c.count)
			}
			if got := c.s.String(); got != c.str {
				t.Errorf("String() = %q, want %q", got, c.str)
			}
		})
	}
}
