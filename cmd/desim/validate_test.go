package main

import (
	"strings"
	"testing"
)

// Bad usage of desim validate is exit status 2, before anything runs.
func TestValidateBadInput(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"validate"}, "need a SCENARIO"},
		{[]string{"validate", "A3", "A2"}, "need exactly one SCENARIO (recorded runs go with --logs)"},
		{[]string{"validate", "--logs", "A3"}, "--logs: need the recorded RUN directories, then the SCENARIO"},
		{[]string{"validate", "--logs", "nosuchdir", "A3"}, "nosuchdir"},
		{[]string{"validate", "nosuch"}, "no built-in scenario or file"},
		{[]string{"validate", "A3", "--seeds", "1"}, "1 simulated seeds is not in 2..1000000"},
		{[]string{"validate", "A3", "--real-runs", "0"}, "0 real runs is not in 1..1000"},
		{[]string{"validate", "A3", "--speed", "0"}, "is not in (0, 10000]"},
		{[]string{"validate", "A3", "--speed", "9000"}, "the limit is 20000"},
		{[]string{"validate", "A3", "--duration", "0s"}, "duration"},
		{[]string{"validate", "A3", "--seed", "18446744073709551615"}, "too large"},
	}
	for _, c := range cases {
		r := desim(c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("desim %s: exit %d, stderr %q; want 2 and %q", strings.Join(c.args, " "), r.code, r.stderr, c.want)
		}
		noPanic(t, "stderr", r.stderr)
	}
}
