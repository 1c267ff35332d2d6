package layers

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"

	_ "desim/internal/golden" // registers -update for "go test ./... -update"
)

// floor returns the layer of a desim package: higher numbers sit higher.
// Test helpers under internal/ sit beside everything.
func floor(path string) (int, bool) {
	switch {
	case path == "desim/sim" || strings.HasPrefix(path, "desim/sim/"):
		return 0, true
	case path == "desim/scenarios" || strings.HasPrefix(path, "desim/scenarios/"):
		return 1, true
	case path == "desim/analysis/figure" || path == "desim/analysis/spacetime":
		return 3, true // figures sit above measurement, below experiment
	case path == "desim/analysis" || strings.HasPrefix(path, "desim/analysis/"):
		return 2, true
	case path == "desim/experiment" || strings.HasPrefix(path, "desim/experiment/"):
		return 4, true
	case strings.HasPrefix(path, "desim/cmd/"):
		return 5, true
	}
	return 0, false
}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	out, err := exec.Command(goTool, "list", "-deps=false", "-json", "desim/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 8 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

// TestImportsPointDown checks every desim package's non-test imports.
func TestImportsPointDown(t *testing.T) {
	for _, p := range listPackages(t) {
		from, ok := floor(p.ImportPath)
		if !ok {
			continue
		}
		for _, imp := range p.Imports {
			to, ok := floor(imp)
			if ok && to > from {
				t.Errorf("%s imports %s, a floor above it", p.ImportPath, imp)
			}
			if imp == "testing" && !strings.HasPrefix(p.ImportPath, "desim/internal/") {
				t.Errorf("%s imports testing in a file that ships in the binary", p.ImportPath)
			}
		}
	}
}

// TestAnalysisLinksNoFigures checks that measurement does not depend on
// the plotting stack.
func TestAnalysisLinksNoFigures(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	out, err := exec.Command(goTool, "list", "-deps", "desim/analysis", "desim/analysis/stats").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"gonum.org/v1/plot", "codeberg.org/go-pdf/fpdf", "golang.org/x/image", "desim/analysis/figure"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("analysis depends on %s", dep)
			}
		}
	}
}
