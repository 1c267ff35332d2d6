package experiment

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseStateQuotesHugeValues: a tampered state file with a value of
// 100 KB or 1 MB gives an error that shows at most quote.Max bytes of it
// and says how long the rest is, not one that repeats it.
func TestParseStateQuotesHugeValues(t *testing.T) {
	good := smallState(t, nil).Marshal()
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"a 100 KB sum", mutate(t, good, func(m map[string]any) { stat0(m, 0, 0, 0)["sum"] = strings.Repeat("z", 100_000) }),
			`exact: "` + strings.Repeat("z", 80) + `"… (and 99,920 more bytes) is not a hexadecimal integer`},
		{"a 100 KB sum out of range", mutate(t, good, func(m map[string]any) { stat0(m, 0, 0, 0)["sumsq"] = "1" + strings.Repeat("0", 99_999) }),
			`exact: sum "1` + strings.Repeat("0", 79) + `"… (and 99,920 more bytes) is out of range`},
		{"a 1 MB format", mutate(t, good, func(m map[string]any) { m["format"] = strings.Repeat("f", 1<<20) }),
			`not a sweep state file (format "` + strings.Repeat("f", 80) + `"… (and 1,048,496 more bytes), want "desim-sweep-state")`},
		{"a 1 MB scenario name", mutate(t, good, func(m map[string]any) { scen(m, 1)["scenario"] = strings.Repeat("A", 1<<20) }),
			`scenario 1 is named "` + strings.Repeat("A", 80) + `"… (and 1,048,496 more bytes), but its YAML names it A3`},
		{"a name that is not its YAML's", mutate(t, good, func(m map[string]any) { scen(m, 1)["scenario"] = "A4" }),
			`scenario 1 is named A4, but its YAML names it A3`},
		{"a name with a newline", mutate(t, good, func(m map[string]any) { scen(m, 1)["scenario"] = "A3\nforged line" }),
			`scenario 1 is named "A3\nforged line", but its YAML names it A3`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseSweepState("shard-1.json", c.data)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrInput) || !strings.HasPrefix(err.Error(), "shard-1.json: ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error (%d bytes):\n  %s\nwant bad input naming the file, with\n  %s", len(err.Error()), cut(err.Error(), 400), c.want)
			}
			if len(err.Error()) > 400 {
				t.Errorf("the error is %d bytes long", len(err.Error()))
			}
		})
	}
}

// cut returns at most n bytes of s, for a test's message.
func cut(s string, n int) string { return s[:min(len(s), n)] }

// TestReadSweepState: a state file that cannot be read is bad input.
func TestReadSweepState(t *testing.T) {
	f := filepath.Join(t.TempDir(), "s.json")
	if _, err := ReadSweepState(f); !errors.Is(err, ErrInput) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v, want bad input", err)
	}
	good := smallState(t, nil).Marshal()
	if err := os.WriteFile(f, good, 0o644); err != nil {
		t.Fatal(err)
	}
	if st, err := ReadSweepState(f); err != nil || string(st.Marshal()) != string(good) {
		t.Errorf("ReadSweepState: %v", err)
	}
}

// TestShown: names and commands from files appear as they are when short
// and plain, quoted and cut otherwise.
func TestShown(t *testing.T) {
	for in, want := range map[string]string{
		"A3":                       "A3",
		"desim run A1 --out x":     "desim run A1 --out x",
		"":                         "",
		"a\nb":                     `"a\nb"`,
		"\xff":                     `"\xff"`,
		"tab\there":                `"tab\there"`,
		strings.Repeat("n", 81):    `"` + strings.Repeat("n", 80) + `"… (and 1 more bytes)`,
		"ünïcödé":                  "ünïcödé",
		"\u202enoitcerid thgir-ot": `"\u202enoitcerid thgir-ot"`,
	} {
		if got := shown(in); got != want {
			t.Errorf("shown(%q) = %s, want %s", in, got, want)
		}
	}
}
