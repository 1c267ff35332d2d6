package scenarios

import (
	"bytes"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"desim/sim"
)

// checkRoundTrip checks that Parse(Marshal(s)) equals s and that Marshal
// is a fixed point: Marshal(Parse(Marshal(s))) == Marshal(s).
func checkRoundTrip(t *testing.T, file string, s *Scenario) {
	t.Helper()
	out := Marshal(s)
	back, err := Parse(file, out)
	if err != nil {
		t.Fatalf("Parse(Marshal(s)): %v\n%s", err, out)
	}
	if !reflect.DeepEqual(back, s) {
		t.Errorf("Parse(Marshal(s)) = %+v\nwant %+v\nfrom:\n%s", back, s, out)
	}
	if again := Marshal(back); !bytes.Equal(again, out) {
		t.Errorf("Marshal is not stable:\n%s\nthen:\n%s", out, again)
	}
}

func TestRoundTripBuiltins(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			s, err := Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			checkRoundTrip(t, name+".yaml", s)
			// Under another file name too: the name is written out.
			checkRoundTrip(t, "elsewhere/scenario.yaml", s)
		})
	}
}

func TestRoundTripHandWritten(t *testing.T) {
	for _, c := range []struct {
		name string
		yaml string
	}{
		{"fraction", "duration: 60s\ndie: 3\nmachines:\n  - rate: 1/3\n  - rate: 2/3\n  - rate: 6\n"},
		{"decimal", "duration: 60s\ndie: 10\nmachines:\n  - rate: 2.5\n  - rate: 0.125\n  - rate: 1e-3\n"},
		{"unreduced fraction", "duration: 60s\ndie: 2\nmachines:\n  - rate: 10/4\n  - rate: 6/3\n"},
		{"starts", "duration: 10s\ndie: 4\nmachines:\n  - rate: 6\n    start: 0.5s\n  - rate: 1\n    start: 1500ms\n  - rate: 1\n    start: 9.999999999s\n"},
		{"jitter and latency", "duration: 1m\ndie: 4\nlatency: 2ms\njitter: 3.5ms\nmachines:\n  - rate: 6\n  - rate: 5\n"},
		{"zero latency", "duration: 1h\ndie: 3\nlatency: 0s\njitter: 1ns\nmachines:\n  - rate: 1000000\n  - rate: 0.000000001\n"},
		{"seed and description", "name: X.y_z-1\nseed: 18446744073709551615\ndescription: \"quotes \\\" and 'single', a\\ttab, a\\nnewline, unicode é ☃, trailing space \"\nduration: 1ns\ndie: 2\nmachines:\n  - rate: 1\n  - rate: 1\n"},
		{"long description", "description: >-\n  " + strings.Repeat("word ", 100) + "\n  #not a comment: - [x]\nduration: 60s\ndie: 3\nmachines:\n  - rate: 6\n  - rate: 1\n"},
		{"leading spaces in description", "description: \"  two leading, two trailing  \"\nduration: 60s\ndie: 3\nmachines:\n  - rate: 6\n  - rate: 1\n"},
		{"description that looks like YAML", "description: \"null\"\nname: \"true\"\nduration: 60s\ndie: 3\nmachines:\n  - rate: 6\n  - rate: 1\n"},
		{"names YAML might read as other types", "name: \"1.5\"\nduration: 60s\ndie: 3\nmachines:\n  - rate: 6\n  - rate: 1\n"},
		{"names YAML might read as indicators", "name: \"-\"\nduration: 60s\ndie: 3\nmachines:\n  - rate: 6\n  - rate: 1\n"},
		{"maximum values", "duration: 10000000s\ndie: 1073741824\nlatency: 10000000s\njitter: 10000000s\nmachines:\n  - rate: 1000000\n    start: 9999999999999999ns\n  - rate: 999999.999999999\n"},
		{"many machines", "duration: 60s\ndie: 1000\nmachines:\n" + strings.Repeat("  - rate: 7/3\n    start: 1us\n", MaxMachines)},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse("hand.yaml", []byte(c.yaml))
			if err != nil {
				t.Fatal(err)
			}
			checkRoundTrip(t, "hand.yaml", s)
		})
	}
}

// TestRoundTripBuiltScenarios round-trips scenarios made in Go rather than
// parsed, as a caller would after a --seed or --duration override.
func TestRoundTripBuiltScenarios(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	rates := []string{"1", "6", "2.5", "1/3", "7/9", "0.001", "1000000", "123.456789", "1/7"}
	for i := 0; i < 200; i++ {
		n := 2 + r.IntN(6)
		s := &Scenario{
			Name:     "gen-" + strconv.Itoa(i),
			Seed:     r.Uint64(),
			Duration: time.Duration(1 + r.Int64N(int64(maxDuration))),
			Die:      n + r.IntN(100),
			Latency:  time.Duration(r.Int64N(int64(time.Second))),
			Jitter:   time.Duration(r.Int64N(int64(time.Second))),
		}
		for j := 0; j < n; j++ {
			m := Machine{Rate: sim.MustRate(rates[r.IntN(len(rates))])}
			if r.IntN(2) == 0 {
				m.Start = time.Duration(r.Int64N(int64(s.Duration)))
			}
			s.Machines = append(s.Machines, m)
		}
		checkRoundTrip(t, "gen.yaml", s)
	}
}

// TestRoundTripNames round-trips every name the name rule allows,
// including those that come from the file name rather than a name key.
func TestRoundTripNames(t *testing.T) {
	const body = "duration: 60s\ndie: 3\nmachines:\n  - rate: 6\n  - rate: 1\n"
	for _, name := range []string{"A1", "a", "-", "--", "---", "...", ".", "_", ".inf", "0x1", "1e3", "y", "on", "true", "nULL"} {
		t.Run(name, func(t *testing.T) {
			s, err := Parse("x.yaml", []byte("name: \""+name+"\"\n"+body))
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != name {
				t.Errorf("name %q, want %q", s.Name, name)
			}
			checkRoundTrip(t, "x.yaml", s)
		})
	}
}

// TestRoundTripNullName round-trips the names YAML reads as null.
//
// "null", "Null" and "NULL" match the name rule [A-Za-z0-9._-]+; Marshal
// must quote them, or YAML would read its own output as null and the
// scenario.yaml of such a run could not be replayed.
func TestRoundTripNullName(t *testing.T) {
	const body = "duration: 60s\ndie: 3\nmachines:\n  - rate: 6\n  - rate: 1\n"
	for _, name := range []string{"null", "Null", "NULL"} {
		t.Run(name, func(t *testing.T) {
			s, err := Parse("x.yaml", []byte("name: \""+name+"\"\n"+body))
			if err != nil {
				t.Fatal(err)
			}
			checkRoundTrip(t, "x.yaml", s)
		})
	}
}

// TestDefaultNameFollowsRule checks the name a scenario gets from its file
// name when it has no name key.
//
// The default, the file's base name without its extension, must follow the
// name rule too (characters it does not allow become '_'), or Marshal would
// write files that Parse rejects.
func TestDefaultNameFollowsRule(t *testing.T) {
	const body = "duration: 60s\ndie: 3\nmachines:\n  - rate: 6\n  - rate: 1\n"
	for _, file := range []string{"my scenario.yaml", "", "dir/é.yaml", "null.yaml", "~.yaml"} {
		t.Run(file, func(t *testing.T) {
			s, err := Parse(file, []byte(body))
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error %v is a %T, not a *Error", err, err)
				}
				return // rejecting the file is one way to keep the rule
			}
			if !namePattern.MatchString(s.Name) {
				t.Errorf("Parse(%q) gave the name %q, which the name rule rejects", file, s.Name)
			}
			checkRoundTrip(t, file, s)
		})
	}
}

func TestMarshalLayout(t *testing.T) {
	s, err := Parse("m.yaml", []byte("name: m\ndescription: two \"quoted\" words\nseed: 9\nduration: 1m30s\ndie: 4\njitter: 1500us\nmachines:\n  - rate: 2.50\n    start: 0s\n  - rate: 2/6\n    start: 250ms\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := `name: m
description: "two \"quoted\" words"
seed: 9
duration: 90s
die: 4
latency: 100us
jitter: 1500us
machines:
  - rate: 2.5
  - rate: 1/3
    start: 250ms
`
	if got := string(Marshal(s)); got != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", got, want)
	}
}

func TestFormatDuration(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{1, "1ns"},
		{7, "7ns"},
		{999, "999ns"},
		{time.Microsecond, "1us"},
		{100 * time.Microsecond, "100us"},
		{1500 * time.Microsecond, "1500us"},
		{time.Millisecond, "1ms"},
		{1500 * time.Millisecond, "1500ms"},
		{time.Second, "1s"},
		{time.Minute, "60s"},
		{time.Hour, "3600s"},
		{5670 * time.Second, "5670s"},
		{1e16, "10000000s"},
		{1e16 + 1, "10000000000000001ns"},
		{-time.Second, "-1s"},
		{-1500 * time.Millisecond, "-1500ms"},
		{-1, "-1ns"},
		{math.MaxInt64, "9223372036854775807ns"},
		{math.MinInt64, "-9223372036854775808ns"},
	} {
		if got := FormatDuration(c.d); got != c.want {
			t.Errorf("FormatDuration(%d) = %q, want %q", int64(c.d), got, c.want)
		}
	}
}

func TestFormatDurationRoundTrip(t *testing.T) {
	values := []time.Duration{0, 1, -1, 999, 1000, 1001, 999999, 1e6, 1e9 - 1, 1e9, 1e9 + 1, 1e16, math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 10000; i++ {
		// Values of every magnitude, some multiples of each unit.
		d := time.Duration(r.Int64N(int64(1) << uint(1+r.IntN(62))))
		switch r.IntN(4) {
		case 1:
			d = d / 1000 * 1000
		case 2:
			d = d / 1e6 * 1e6
		case 3:
			d = d / 1e9 * 1e9
		}
		if r.IntN(2) == 0 {
			d = -d
		}
		values = append(values, d)
	}
	for _, d := range values {
		s := FormatDuration(d)
		back, err := time.ParseDuration(s)
		if err != nil || back != d {
			t.Errorf("FormatDuration(%d) = %q, which ParseDuration reads as %d, %v", int64(d), s, int64(back), err)
			continue
		}
		// The largest exact unit: the number is not a multiple of 1000
		// unless the unit is seconds.
		num := strings.TrimRight(s, "smun")
		if n, _ := strconv.ParseInt(num, 10, 64); n != 0 && n%1000 == 0 && !strings.HasSuffix(s, "0s") {
			t.Errorf("FormatDuration(%d) = %q, not in the largest exact unit", int64(d), s)
		}
	}
}
