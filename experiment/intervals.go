package experiment

import (
	"fmt"
	"sort"
)

// Intervals is a set of seeds as sorted, disjoint, non-adjacent inclusive
// ranges [a, b].
type Intervals [][2]uint64

// Add adds the seeds [a, b]; adding a seed already present is an error
// (a seed counted twice would corrupt the statistics).
func (s *Intervals) Add(a, b uint64) error {
	if a > b {
		return fmt.Errorf("empty seed range %d-%d", a, b)
	}
	v := *s
	i := sort.Search(len(v), func(i int) bool { return v[i][1] >= a })
	if i < len(v) && v[i][0] <= b {
		lo, hi := max(a, v[i][0]), min(b, v[i][1])
		return fmt.Errorf("seeds %d-%d are counted twice", lo, hi)
	}
	v = append(v, [2]uint64{})
	copy(v[i+1:], v[i:])
	v[i] = [2]uint64{a, b}
	// Join with the neighbours when adjacent.
	if i+1 < len(v) && v[i][1]+1 == v[i+1][0] {
		v[i][1] = v[i+1][1]
		v = append(v[:i+1], v[i+2:]...)
	}
	if i > 0 && v[i-1][1]+1 == v[i][0] {
		v[i-1][1] = v[i][1]
		v = append(v[:i], v[i+1:]...)
	}
	*s = v
	return nil
}

// Missing returns the seeds of [from, to] not in s, as intervals.
func (s Intervals) Missing(from, to uint64) Intervals {
	var out Intervals
	next := from
	for _, iv := range s {
		if iv[1] < next {
			continue
		}
		if iv[0] > to {
			break
		}
		if iv[0] > next {
			out = append(out, [2]uint64{next, iv[0] - 1})
		}
		if iv[1] >= to {
			return out
		}
		next = iv[1] + 1
	}
	if next <= to {
		out = append(out, [2]uint64{next, to})
	}
	return out
}

// Count returns the number of seeds in s.
func (s Intervals) Count() uint64 {
	var n uint64
	for _, iv := range s {
		n += iv[1] - iv[0] + 1
	}
	return n
}

// String formats s as "1-100,200-300".
func (s Intervals) String() string {
	out := ""
	for i, iv := range s {
		if i > 0 {
			out += ","
		}
		if iv[0] == iv[1] {
			out += fmt.Sprint(iv[0])
		} else {
			out += fmt.Sprintf("%d-%d", iv[0], iv[1])
		}
	}
	return out
}
