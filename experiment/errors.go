package experiment

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// ErrInput marks bad input: a scenario, log, state file or option that
// cannot be used as given. Nothing was done, and the message says what to
// fix. Test with errors.Is(err, ErrInput).
var ErrInput = errors.New("bad input")

// inputError is an error that matches ErrInput and whatever it wraps.
type inputError struct{ err error }

func (e inputError) Error() string        { return e.err.Error() }
func (e inputError) Unwrap() []error      { return []error{ErrInput, e.err} }
func (e inputError) Is(target error) bool { return target == ErrInput }

// Input marks err as bad input (nil stays nil).
func Input(err error) error {
	if err == nil || errors.Is(err, ErrInput) {
		return err
	}
	return inputError{err}
}

// Inputf is fmt.Errorf for bad input: the result matches ErrInput and, with
// %w, what it wraps.
func Inputf(format string, args ...any) error {
	return inputError{fmt.Errorf(format, args...)}
}

// PanicError is a panic recovered in one of the package's goroutines (a
// sweep's worker, an in-process machine), returned as an error so that the
// caller decides what to do; it is a bug in desim.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("internal error: %v\n%s", e.Value, e.Stack)
}

// recovered turns a recovered panic value into a *PanicError (nil stays
// nil).
func recovered(r any) error {
	if r == nil {
		return nil
	}
	return &PanicError{Value: r, Stack: debug.Stack()}
}
