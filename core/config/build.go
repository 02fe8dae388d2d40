package config

import (
	"fmt"
	"reflect"

	"github.com/dast-uda/dast/registry"
)

// Build is Component returning the module as T, the interface its kind's modules implement
// (registry.DeclareKind), with one error message for a module that is not a T.
func Build[T any](t *Tree, path, kind string) (T, error) {
	mod, err := t.Component(path, kind)
	if err != nil {
		var zero T
		return zero, err
	}
	return as[T](t, path, mod)
}

// BuildOf is ComponentOf returning the module as T (see Build).
func BuildOf[T any](t *Tree, path, kind string, b Block) (T, error) {
	mod, err := t.ComponentOf(path, kind, b)
	if err != nil {
		var zero T
		return zero, err
	}
	return as[T](t, path, mod)
}

// As returns mod, built from the block at path, as T, or the error Build returns for a module
// that is not a T.
func As[T any](t *Tree, path string, mod registry.Module) (T, error) { return as[T](t, path, mod) }

func as[T any](t *Tree, path string, mod registry.Module) (T, error) {
	v, ok := mod.(T)
	if !ok {
		return v, &Error{Source: t.sourceOrFile(path), Key: path,
			Msg: fmt.Sprintf("module %q does not implement %v", mod.Module().ID, reflect.TypeFor[T]())}
	}
	return v, nil
}
