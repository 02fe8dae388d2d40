package config

import "fmt"

// SetSource is the Source of values given as --set overrides.
const SetSource = "--set"

// Error is a configuration error at one key.
type Error struct {
	// Source is where the offending value came from: a file path, SetSource, a comma-separated
	// list of both when a block mixes them, or "" when unknown (a default).
	Source string
	// Key is the dotted key ("train.iterations"; list elements as "widths[2]"); "" for the
	// whole file.
	Key string
	// Msg says what is wrong.
	Msg string
	// Err is the error Msg reports, when there is one (a module's Validate error, a lookup
	// error): Unwrap returns it, so errors.Is and errors.As see through an Error.
	Err error
}

// Unwrap returns the error e reports, or nil.
func (e *Error) Unwrap() error { return e.Err }

// Error formats e as "file: key: msg", or "key (from --set): msg" for --set values.
func (e *Error) Error() string {
	switch {
	case e.Key == "" && e.Source == "":
		return e.Msg
	case e.Key == "":
		return fmt.Sprintf("%s: %s", e.Source, e.Msg)
	case e.Source == SetSource:
		return fmt.Sprintf("%s (from --set): %s", e.Key, e.Msg)
	case e.Source == "":
		return fmt.Sprintf("%s: %s", e.Key, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.Source, e.Key, e.Msg)
}

// errorf returns the Error at key in t, naming the key's source.
func (t *Tree) errorf(key, format string, args ...any) error {
	return &Error{Source: t.Source(key), Key: key, Msg: fmt.Sprintf(format, args...)}
}

// wrapf is errorf for a message that reports err, which the Error then wraps.
func (t *Tree) wrapf(key string, err error, format string, args ...any) error {
	return &Error{Source: t.Source(key), Key: key, Msg: fmt.Sprintf(format, args...), Err: err}
}
