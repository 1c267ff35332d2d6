// Package suggest finds the candidate nearest to a mistyped name, for
// "did you mean" messages.
//
// Imports: the standard library only; any desim package may use it.
package suggest

import "strings"

// Nearest returns the candidate closest to name: the one at the smallest
// edit distance, at most 2, or starting with name (at least 2 characters,
// counted as distance 1); "" when none is that close. Case is ignored;
// ties go to the earlier candidate.
func Nearest(name string, candidates []string) string {
	best, bestD := "", 3
	lname := strings.ToLower(name)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := Distance(lname, lc)
		if len(name) >= 2 && strings.HasPrefix(lc, lname) {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// Distance is the Levenshtein distance between a and b, in bytes.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
