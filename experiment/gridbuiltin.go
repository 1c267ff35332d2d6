package experiment

import (
	"embed"
	"strings"
)

// gridFS holds the built-in grids, grids/<name>.yaml.
//
//go:embed grids/*.yaml
var gridFS embed.FS

// gridOrder is the order in which the built-in grids are listed.
var gridOrder = []string{"slow-machine", "two-slow", "ratio"}

// GridNames returns the names of the built-in grids: slow-machine (6, 6,
// x c/s against the die; holds A3, B3 and B3-captioned), two-slow (6, x,
// x against the die; holds A2, B2 and B2-captioned) and ratio (6, 6, 6/k
// for k = 20 to 1, at dice 4 and 10).
func GridNames() []string { return append([]string(nil), gridOrder...) }

// BuiltinGridName returns the built-in grid's name that name spells in
// any case.
func BuiltinGridName(name string) (string, bool) {
	for _, n := range gridOrder {
		if strings.EqualFold(n, name) {
			return n, true
		}
	}
	return "", false
}

// GridSource returns the file of the built-in grid name (in any case).
func GridSource(name string) ([]byte, bool) {
	n, ok := BuiltinGridName(name)
	if !ok {
		return nil, false
	}
	data, err := gridFS.ReadFile("grids/" + n + ".yaml")
	return data, err == nil
}
