package scenarios

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	// Registers the -update flag so that "go test ./... -update" works.
	_ "desim/internal/golden"
)

// builtinWant is docs/model.md's table of the nine experiments as run, the two
// runs as captioned, and the published durations ("≈ 5670 s" and so on;
// a captioned run lasts as long as its base).
var builtinWant = []struct {
	name     string
	rates    []float64
	die      int
	duration time.Duration
	caption  string // the paper's caption, as quoted in the description
	kind     string // "as run", "as captioned" or "" when the run matches its caption
}{
	{"A1", []float64{6, 6, 6}, 10, 5670 * time.Second, `"A1: Three 6c/s; p=7/10"`, ""},
	{"A2", []float64{6, 1, 1}, 10, 660 * time.Second, `"A2: One 6c/s; Two 1c/s; p=7/10"`, ""},
	{"A3", []float64{6, 6, 1}, 10, 590 * time.Second, `"A3: Two 6c/s; One 1c/s; p=7/10"`, ""},
	{"A4", []float64{6, 2, 1}, 10, 520 * time.Second, `"A4: One 6c/s; One 2c/s; One 1c/s; p=7/10"`, ""},
	{"A5", []float64{6, 4, 2}, 10, 455 * time.Second, `"A5: One 6c/s; One 4c/s; One 2c/s; p=7/10"`, ""},
	{"B1", []float64{6, 6, 6}, 4, 385 * time.Second, `"B1: Three 6c/s; p=1/4"`, ""},
	{"B2", []float64{6, 5, 5}, 4, 315 * time.Second, `"B2: One 6c/s; Two 1c/s; p=1/4"`, "as run"},
	{"B3", []float64{6, 6, 5}, 4, 245 * time.Second, `"B3: Two 6c/s; One 1c/s; p=1/4"`, "as run"},
	{"B4", []float64{6, 5, 4}, 4, 175 * time.Second, `"B4: One 6c/s; One 5c/s; One 4c/s; p=1/4"`, ""},
	{"B2-captioned", []float64{6, 1, 1}, 4, 315 * time.Second, `"B2: One 6c/s; Two 1c/s; p=1/4"`, "as captioned"},
	{"B3-captioned", []float64{6, 6, 1}, 4, 245 * time.Second, `"B3: Two 6c/s; One 1c/s; p=1/4"`, "as captioned"},
}

func TestNamesInPaperOrder(t *testing.T) {
	var want []string
	for _, b := range builtinWant {
		want = append(want, b.name)
	}
	if got := Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	// Names returns a copy: changing it changes nothing.
	n := Names()
	n[0] = "changed"
	if Names()[0] != "A1" {
		t.Errorf("Names() shares its slice with the package")
	}
}

func TestEmbeddedFilesAreExactlyTheBuiltins(t *testing.T) {
	want := Names()
	slices.Sort(want)
	if got := embedded(); !slices.Equal(got, want) {
		t.Errorf("embedded files %q, want exactly the built-ins %q", got, want)
	}
}

func TestEveryBuiltinLoads(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			src, ok := Source(name)
			if !ok || len(src) == 0 {
				t.Fatalf("Source(%q) = %d bytes, %v", name, len(src), ok)
			}
			s, err := Builtin(name)
			if err != nil {
				t.Fatalf("Builtin(%q): %v", name, err)
			}
			if s.Name != name {
				t.Errorf("name %q, want %q", s.Name, name)
			}
			l, err := Load(name)
			if err != nil {
				t.Fatalf("Load(%q): %v", name, err)
			}
			if !reflect.DeepEqual(l, s) {
				t.Errorf("Load(%q) = %+v, Builtin = %+v", name, l, s)
			}
			if err := s.Check(); err != nil {
				t.Errorf("Check: %v", err)
			}
			cfg := s.Config(s.Seed)
			if err := cfg.Validate(); err != nil {
				t.Errorf("Config(%d).Validate: %v", s.Seed, err)
			}
		})
	}
}

func TestBuiltinsMatchSpec(t *testing.T) {
	for _, b := range builtinWant {
		t.Run(b.name, func(t *testing.T) {
			s, err := Builtin(b.name)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Rates(); !slices.Equal(got, b.rates) {
				t.Errorf("rates %v, want %v", got, b.rates)
			}
			if s.Die != b.die {
				t.Errorf("die %d, want %d", s.Die, b.die)
			}
			if s.Duration != b.duration {
				t.Errorf("duration %s, want the published %s", s.Duration, b.duration)
			}
			if s.Seed != 1 || s.Latency != DefaultLatency || s.Jitter != 0 {
				t.Errorf("seed %d, latency %s, jitter %s; want 1, %s, 0s", s.Seed, s.Latency, s.Jitter, DefaultLatency)
			}
			for i, m := range s.Machines {
				if m.Start != 0 {
					t.Errorf("machine %d starts at %s, want 0", i, m.Start)
				}
			}
			// The description is folded YAML: compare with single spaces.
			desc := strings.Join(strings.Fields(s.Description), " ")
			if !strings.Contains(desc, b.caption) {
				t.Errorf("description %q does not quote the paper's caption %s", desc, b.caption)
			}
			p := "p(internal) = 7/10"
			if b.die == 4 {
				p = "p(internal) = 1/4"
			}
			if !strings.Contains(desc, p) {
				t.Errorf("description %q does not say %s", desc, p)
			}
			switch b.kind {
			case "as run", "as captioned":
				if !strings.HasPrefix(strings.ToLower(desc), b.kind+":") {
					t.Errorf("description %q does not start with %q", desc, b.kind+":")
				}
				// Each names its counterpart.
				other := b.name + "-captioned"
				if b.kind == "as captioned" {
					other = strings.TrimSuffix(b.name, "-captioned") + " ran rates"
				}
				if !strings.Contains(desc, other) {
					t.Errorf("description %q does not mention %q", desc, other)
				}
			default:
				if !strings.Contains(desc, "matches its caption") {
					t.Errorf("description %q does not say that the run matches its caption", desc)
				}
			}
		})
	}
}

// TestCaptionedDiffersOnlyInRates checks SPEC's caption discrepancy: each
// captioned run is its as-run twin with the slow machines at 1 c/s, and it
// differs from its A counterpart only in the die.
func TestCaptionedDiffersOnlyInRates(t *testing.T) {
	for _, c := range []struct{ captioned, asRun, a string }{
		{"B2-captioned", "B2", "A2"},
		{"B3-captioned", "B3", "A3"},
	} {
		capd, err := Builtin(c.captioned)
		if err != nil {
			t.Fatal(err)
		}
		run, err := Builtin(c.asRun)
		if err != nil {
			t.Fatal(err)
		}
		a, err := Builtin(c.a)
		if err != nil {
			t.Fatal(err)
		}
		if capd.Duration != run.Duration || capd.Die != run.Die || capd.Seed != run.Seed {
			t.Errorf("%s and %s differ in more than rates", c.captioned, c.asRun)
		}
		if slices.Equal(capd.Rates(), run.Rates()) {
			t.Errorf("%s and %s have the same rates %v", c.captioned, c.asRun, capd.Rates())
		}
		if !slices.Equal(capd.Rates(), a.Rates()) || capd.Die == a.Die {
			t.Errorf("%s (rates %v, die %d) should differ from %s (rates %v, die %d) in the die only",
				c.captioned, capd.Rates(), capd.Die, c.a, a.Rates(), a.Die)
		}
	}
}

func TestBuiltinUnknown(t *testing.T) {
	for _, name := range []string{"", "A6", "a1", "B2-Captioned", "A1.yaml", "../A1"} {
		if data, ok := Source(name); ok || data != nil {
			t.Errorf("Source(%q) = %d bytes, %v; want nothing", name, len(data), ok)
		}
		_, err := Builtin(name)
		if err == nil || !strings.Contains(err.Error(), "A1, A2") {
			t.Errorf("Builtin(%q) error %v, want one listing the built-ins", name, err)
		}
	}
}

const loadYAML = `name: mine
duration: 10s
die: 3
machines:
  - rate: 2.5
  - rate: 1/3
    start: 1s
`

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(path, []byte(loadYAML), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("by name", func(t *testing.T) {
		s, err := Load("A3")
		if err != nil {
			t.Fatal(err)
		}
		if s.Name != "A3" || !slices.Equal(s.Rates(), []float64{6, 6, 1}) {
			t.Errorf("Load(A3) = %+v", s)
		}
	})

	t.Run("by path", func(t *testing.T) {
		s, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Parse(path, []byte(loadYAML))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(s, want) {
			t.Errorf("Load(path) = %+v, want %+v", s, want)
		}
		if s.Name != "mine" || s.Duration != 10*time.Second || len(s.Machines) != 2 {
			t.Errorf("Load(path) = %+v", s)
		}
	})

	t.Run("default name from the file", func(t *testing.T) {
		p := filepath.Join(dir, "other-one.yaml")
		if err := os.WriteFile(p, []byte(strings.TrimPrefix(loadYAML, "name: mine\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if s.Name != "other-one" {
			t.Errorf("name %q, want the file's base name other-one", s.Name)
		}
	})

	t.Run("errors name the path", func(t *testing.T) {
		p := filepath.Join(dir, "bad.yaml")
		if err := os.WriteFile(p, []byte("duration: 10s\ndie: 3\nmachines:\n  - rate: 0\n  - rate: 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(p)
		var e *Error
		if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), p+":4: ") {
			t.Errorf("Load(bad) = %v, want a *Error starting %q", err, p+":4: ")
		}
	})

	t.Run("missing", func(t *testing.T) {
		p := filepath.Join(dir, "nope.yaml")
		_, err := Load(p)
		if err == nil {
			t.Fatal("Load of a missing file succeeded")
		}
		msg := err.Error()
		for _, want := range []string{p, "built-in scenario", "A1, A2", "B3-captioned", "file"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not mention %q", msg, want)
			}
		}
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("error %v does not match fs.ErrNotExist", err)
		}
	})

	t.Run("directory", func(t *testing.T) {
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), "directory") || !strings.Contains(err.Error(), dir) {
			t.Errorf("Load(dir) = %v, want an error saying %s is a directory", err, dir)
		}
	})

	t.Run("too large", func(t *testing.T) {
		p := filepath.Join(dir, "big.yaml")
		big := []byte(loadYAML + "# " + strings.Repeat("x", MaxFileSize) + "\n")
		if err := os.WriteFile(p, big, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(p)
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(err.Error(), "larger than") {
			t.Errorf("Load(big) = %v, want a size error", err)
		}
	})
}
