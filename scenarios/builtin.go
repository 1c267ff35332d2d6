package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"syscall"

	"desim/internal/suggest"
)

//go:embed *.yaml
var builtinFS embed.FS

// builtinOrder lists the built-in scenarios in the paper's order.
var builtinOrder = []string{"A1", "A2", "A3", "A4", "A5", "B1", "B2", "B3", "B4", "B2-captioned", "B3-captioned"}

// Names returns the names of the built-in scenarios, in the paper's order.
func Names() []string { return append([]string(nil), builtinOrder...) }

// BuiltinName returns the canonical name of the built-in scenario called
// name in any case ("a3" and "b2-CAPTIONED" give A3 and B2-captioned).
func BuiltinName(name string) (string, bool) {
	for _, n := range builtinOrder {
		if strings.EqualFold(n, name) {
			return n, true
		}
	}
	return "", false
}

// Source returns the YAML text of a built-in scenario, by its canonical
// name.
func Source(name string) ([]byte, bool) {
	for _, n := range builtinOrder {
		if n == name {
			data, err := builtinFS.ReadFile(name + ".yaml")
			return data, err == nil
		}
	}
	return nil, false
}

// Builtin returns a built-in scenario by its canonical name.
func Builtin(name string) (*Scenario, error) {
	data, ok := Source(name)
	if !ok {
		return nil, fmt.Errorf("no built-in scenario %q (built-ins: %s)", name, strings.Join(builtinOrder, ", "))
	}
	return Parse(name+".yaml", data)
}

// Load returns the built-in scenario of that name or, when there is none,
// the scenario in the file at that path. It is LoadWith with the zero
// Options.
func Load(nameOrPath string) (*Scenario, error) {
	return LoadWith(nameOrPath, Options{})
}

// StdinName is the file name of a scenario read from standard input ("-"):
// its errors read "stdin:LINE: ...", and its default name is stdin.
const StdinName = "stdin"

// LoadWith returns the built-in scenario called nameOrPath in any case
// (under its canonical name) or, when there is none, the scenario read
// from standard input for "-" or from the file at that path, parsed with o
// (see ParseWith).
//
// The file is opened once and read up to MaxFileSize bytes whatever it is
// (a regular file, a device such as /dev/zero, a named pipe, /dev/stdin):
// past that it is an *Error. A path that names nothing gives an error
// matching fs.ErrNotExist that lists the built-ins or suggests the nearest
// one; a directory and a loop of symbolic links give an *Error.
func LoadWith(nameOrPath string, o Options) (*Scenario, error) {
	if name, ok := BuiltinName(nameOrPath); ok {
		return Builtin(name)
	}
	if nameOrPath == "-" {
		r := o.Stdin
		if r == nil {
			r = os.Stdin
		}
		return read(StdinName, r, o)
	}
	f, err := os.Open(nameOrPath)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, notFound(nameOrPath)
		case errors.Is(err, syscall.ELOOP):
			return nil, &Error{File: nameOrPath, Msg: "a loop of symbolic links: following them never reaches a file"}
		}
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, &Error{File: nameOrPath, Msg: "is a directory, not a scenario file"}
	}
	return read(nameOrPath, f, o)
}

// read parses the scenario that r holds, reading at most one byte past
// MaxFileSize (enough to tell that it is too large) whatever r is.
func read(file string, r io.Reader, o Options) (*Scenario, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return ParseWith(file, data, o)
}

// notFoundError is a name that is neither a built-in scenario nor a file.
type notFoundError struct {
	name, near string
}

func (e *notFoundError) Error() string {
	if e.near != "" {
		return fmt.Sprintf("no built-in scenario or file %q; did you mean %s?", e.name, e.near)
	}
	return fmt.Sprintf("no built-in scenario or file %q (built-ins: %s)", e.name, strings.Join(builtinOrder, ", "))
}

func (e *notFoundError) Is(target error) bool { return target == fs.ErrNotExist }

func notFound(name string) error {
	return &notFoundError{name: name, near: suggest.Nearest(name, builtinOrder)}
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
