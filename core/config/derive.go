package config

import (
	"fmt"
	"reflect"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"

	"github.com/dast-uda/dast/core/config/internal/value"
	"github.com/dast-uda/dast/registry"
)

// Edit is one change Tree.Derive makes to a configuration: Set or Unset.
type Edit struct {
	key    string
	value  any
	remove bool
}

// Set is the Edit that stores value at dotted key ("train.lr"), creating the maps on its way
// and replacing what was there (a block is replaced whole, not merged). value is stored as a
// file holding its YAML would store it: a Block or a struct of koanf-tagged fields as a map, a
// []float64 as a list.
func Set(key string, value any) Edit { return Edit{key: key, value: value} }

// Unset is the Edit that removes key (nothing when it is absent), so that its default
// applies.
func Unset(key string) Edit { return Edit{key: key, remove: true} }

// String renders e as "key=value" or "-key".
func (e Edit) String() string {
	if e.remove {
		return "-" + e.key
	}
	return fmt.Sprintf("%s=%v", e.key, e.value)
}

// Derive returns a new tree holding t's values with edits applied in order; t is unchanged.
// path names the new tree: it is its Path, and the source of the values the edits set (for a
// staged run, the file the stage's configuration is written to). Keys the edits leave alone
// keep their values, sources and --set text. Nothing is decoded: errors in the values surface
// when the new tree is (Root, Component, Validate).
func (t *Tree) Derive(path string, edits ...Edit) (*Tree, error) {
	n := &Tree{
		path:  path,
		files: append(t.Files(), path),
		raw:   value.Copy(t.raw).(map[string]any),
		prov:  make(map[string]string, len(t.prov)),
		text:  make(map[string]string, len(t.text)),
	}
	for k, v := range t.prov {
		n.prov[k] = v
	}
	for k, v := range t.text {
		n.text[k] = v
	}
	for _, e := range edits {
		if err := n.apply(e); err != nil {
			return nil, fmt.Errorf("config: derive %s: %s: %w", path, e.key, err)
		}
	}
	return n, nil
}

// apply makes edit e on t's values and provenance.
func (t *Tree) apply(e Edit) error {
	parts := strings.Split(e.key, ".")
	for _, p := range parts {
		if err := checkKey(p, ""); err != nil {
			return fmt.Errorf("malformed key")
		}
	}
	if e.key == baseKey {
		return fmt.Errorf("%q can only be set in a file", baseKey)
	}
	var v any
	if !e.remove {
		var err error
		if v, err = plain(e.value, e.key); err != nil {
			return err
		}
	}
	m := t.raw
	for i, p := range parts[:len(parts)-1] {
		next, ok := m[p]
		if !ok || next == nil {
			if e.remove {
				return nil
			}
			next = map[string]any{}
			m[p] = next
		}
		sub, ok := next.(map[string]any)
		if !ok {
			return fmt.Errorf("%s is %s, not a map", strings.Join(parts[:i+1], "."), value.Describe(next))
		}
		m = sub
	}
	t.forget(e.key)
	last := parts[len(parts)-1]
	if e.remove {
		delete(m, last)
		return nil
	}
	m[last] = v
	t.record(nest(e.key, v), t.path)
	return nil
}

// forget drops the provenance and --set text of key and of every key below it.
func (t *Tree) forget(key string) {
	for _, m := range []map[string]string{t.prov, t.text} {
		for k := range m {
			if k == key || strings.HasPrefix(k, key+".") {
				delete(m, k)
			}
		}
	}
}

// plain returns v as the YAML parser gives the text v marshals to: maps as map[string]any,
// lists as []any, numbers as int or float64. Structs are refused: their YAML keys are not
// their koanf keys.
func plain(v any, key string) (any, error) {
	if k := reflect.ValueOf(v).Kind(); k == reflect.Struct || k == reflect.Pointer {
		return nil, fmt.Errorf("a %T value: give a map, a list or a scalar", v)
	}
	b, err := yamlv3.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal %T: %w", v, err)
	}
	out, err := value.Parse(string(b))
	if err != nil {
		return nil, err
	}
	return normalize(out, key)
}

// BlockOf returns the block of module name whose config struct is T, holding the entries of b
// that are options of T (its fields' koanf keys, squashed embedded structs included): b's
// options re-addressed to a module that takes a part of them (strategy.dast's block becomes
// its stages' strategy.da block). The entries are copies.
func BlockOf[T any](b Block, name string) Block {
	keys := map[string]bool{}
	optionKeys(reflect.TypeFor[T](), keys)
	out := Block{"name": name}
	for k, v := range b {
		if keys[k] && k != "name" {
			out[k] = value.Copy(v)
		}
	}
	return out
}

// optionKeys adds the koanf keys of struct type st's fields to out.
func optionKeys(st reflect.Type, out map[string]bool) {
	if st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	if st.Kind() != reflect.Struct {
		return
	}
	for i := range st.NumField() {
		key, squash, ok := registry.FieldKey(st.Field(i))
		switch {
		case !ok:
		case squash:
			optionKeys(st.Field(i).Type, out)
		default:
			out[key] = true
		}
	}
}
