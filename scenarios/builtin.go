package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
)

//go:embed *.yaml
var builtinFS embed.FS

// builtinOrder lists the built-in scenarios in the paper's order.
var builtinOrder = []string{"A1", "A2", "A3", "A4", "A5", "B1", "B2", "B3", "B4", "B2-captioned", "B3-captioned"}

// Names returns the names of the built-in scenarios, in the paper's order.
func Names() []string { return append([]string(nil), builtinOrder...) }

// Source returns the YAML text of a built-in scenario.
func Source(name string) ([]byte, bool) {
	for _, n := range builtinOrder {
		if n == name {
			data, err := builtinFS.ReadFile(name + ".yaml")
			return data, err == nil
		}
	}
	return nil, false
}

// Builtin returns a built-in scenario by name.
func Builtin(name string) (*Scenario, error) {
	data, ok := Source(name)
	if !ok {
		return nil, fmt.Errorf("no built-in scenario %q (built-ins: %s)", name, strings.Join(builtinOrder, ", "))
	}
	return Parse(name+".yaml", data)
}

// Load returns the built-in scenario of that name or, when there is none,
// the scenario in the file at that path.
func Load(nameOrPath string) (*Scenario, error) {
	if _, ok := Source(nameOrPath); ok {
		return Builtin(nameOrPath)
	}
	f, err := os.Open(nameOrPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: neither a built-in scenario (%s) nor a file", nameOrPath, strings.Join(builtinOrder, ", "))
		}
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not a scenario file", nameOrPath)
	}
	if st.Size() > MaxFileSize {
		return nil, &Error{File: nameOrPath, Msg: fmt.Sprintf("file is larger than %d bytes", MaxFileSize)}
	}
	data, err := os.ReadFile(nameOrPath)
	if err != nil {
		return nil, err
	}
	return Parse(nameOrPath, data)
}

// embedded returns the names of every embedded file, sorted; tests compare
// it with builtinOrder.
func embedded() []string {
	entries, _ := builtinFS.ReadDir(".")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}
