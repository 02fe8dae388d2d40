package config

import (
	"fmt"
	"reflect"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"

	"github.com/dast-uda/dast/core/config/internal/decode"
	"github.com/dast-uda/dast/core/config/internal/value"
	"github.com/dast-uda/dast/registry"
)

// get returns the value at dotted path and whether it exists.
func (t *Tree) get(path string) (any, bool) {
	var cur any = t.raw
	if path == "" {
		return cur, true
	}
	for part := range strings.SplitSeq(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// Has reports whether a non-null value exists at path ("discriminators.corrector").
func (t *Tree) Has(path string) bool {
	v, ok := t.get(path)
	return ok && v != nil
}

// Component builds the module configured by the block at path: it reads the block's name,
// looks up "kind.name" in the registry, calls New and strictly decodes the block's other keys
// into the result, then runs its Validate method if it has one. Errors name the key and the
// file it came from. Build returns the result as the kind's interface.
//
// A block is decoded once per tree: Validate and every later Component or ComponentOf of the
// same block at the same path and kind return the module built first. Modules are
// configuration; treat them as read-only.
func (t *Tree) Component(path, kind string) (registry.Module, error) {
	v, ok := t.get(path)
	if !ok || v == nil {
		return nil, &Error{Source: t.sourceOrFile(path), Key: path, Msg: fmt.Sprintf("missing %s block", kind)}
	}
	return t.resolve(path, kind, v)
}

// ComponentOf is Component for a block already decoded into a module's options, typically
// a Block field whose default applies when the configuration omits it (a strategy's
// objective, say). path is where the block lives in the configuration; errors name it and
// its source.
func (t *Tree) ComponentOf(path, kind string, b Block) (registry.Module, error) {
	if b == nil {
		return nil, &Error{Source: t.sourceOrFile(path), Key: path, Msg: fmt.Sprintf("missing %s block", kind)}
	}
	return t.resolve(path, kind, map[string]any(b))
}

// built is a module the tree resolved: its kind, the block it was decoded from (a copy, as the
// block stood after decoding) and the module.
type built struct {
	kind  string
	block map[string]any
	mod   registry.Module
}

// resolve returns the module a block with v's contents at path resolved to before, or builds
// it and keeps it. A block is compared by value: the block read again from the tree, or a copy
// decoded into a module's Block field, finds the module built from it. Decoding depends only on
// the block, its path (the --set text of its keys) and the registry, so the kept module is the
// one building again would give.
func (t *Tree) resolve(path, kind string, v any) (registry.Module, error) {
	for _, b := range t.built[path] {
		if b.kind == kind && reflect.DeepEqual(b.block, v) {
			return b.mod, nil
		}
	}
	mod, err := t.build(path, kind, v)
	if err != nil {
		return nil, err
	}
	if t.built == nil {
		t.built = make(map[string][]built)
	}
	// build may have rewritten --set scalars of the block in the tree (setText); the copy
	// is taken after it, so the block read again from the tree matches.
	t.built[path] = append(t.built[path], built{kind: kind, block: value.Copy(v).(map[string]any), mod: mod})
	return mod, nil
}

// sourceOrFile is Source(key), or the file given to Load when no source knows the key (it is
// absent from every file): the configuration the user pointed at is the one lacking it.
func (t *Tree) sourceOrFile(key string) string {
	if src := t.Source(key); src != "" {
		return src
	}
	return t.path
}

// build resolves block value v found at path as a module of kind.
func (t *Tree) build(path, kind string, v any) (registry.Module, error) {
	block, ok := v.(map[string]any)
	if !ok {
		return nil, t.errorf(path, "expected a %s block {name: ..., ...}, got %s", kind, value.Describe(v))
	}
	nameKey := value.Join(path, "name")
	name, ok := block["name"].(string)
	if !ok {
		msg := "missing module name"
		if n := block["name"]; n != nil {
			msg = fmt.Sprintf("expected a module name, got %s", value.Describe(n))
		}
		if names := moduleNames(kind); names != "" {
			msg += " (available: " + names + ")"
		}
		return nil, t.errorf(nameKey, "%s", msg)
	}
	info, err := registry.Lookup(kind + "." + name)
	if err != nil {
		return nil, t.wrapf(nameKey, err, "%v", err)
	}
	mod := info.New()
	rest := make(map[string]any, len(block))
	for k, e := range block {
		if k != "name" {
			rest[k] = e
		}
	}
	pv := reflect.ValueOf(mod)
	if pv.Kind() != reflect.Pointer || pv.IsNil() || pv.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("%s: module %s: New returned %T, want a pointer to a struct", path, info.ID, mod)
	}
	if err := t.decoder().DecodeStruct(path, rest, pv.Elem()); err != nil {
		return nil, err
	}
	if val, ok := mod.(registry.Validator); ok {
		if err := val.Validate(); err != nil {
			return nil, t.wrapf(path, err, "%s: %v", info.ID, err)
		}
	}
	return mod, nil
}

func moduleNames(kind string) string {
	var names []string
	for _, info := range registry.List(kind) {
		names = append(names, info.Name())
	}
	return strings.Join(names, ", ")
}

// Validate checks the whole configuration before any compute: the fixed part (Root) and every
// component block present, each resolved with its kind (data.* -> dataset, discriminators.* ->
// discriminator, segmentor, strategy). Blocks nested in a component's options (non-nil Block
// fields after decoding, defaults included, such as a strategy's objective) are resolved too:
// their kind is the field's `kind:"..."` tag, else its key when that is a registered kind.
// The modules it builds are kept: Component and ComponentOf return them afterwards, so a
// validated configuration is decoded once.
func (t *Tree) Validate() error {
	r, err := t.Root()
	if err != nil {
		return err
	}
	for _, path := range t.blockPaths(r) {
		v, _ := t.get(path)
		if err := t.validateBlock(path, KindOf(path), v); err != nil {
			return err
		}
	}
	return nil
}

// validateBlock resolves block value v at path and, recursively, its nested blocks.
func (t *Tree) validateBlock(path, kind string, v any) error {
	mod, err := t.resolve(path, kind, v)
	if err != nil {
		return err
	}
	kinds := make(map[string]bool)
	for _, k := range registry.Kinds() {
		kinds[k] = true
	}
	sv := reflect.ValueOf(mod).Elem()
	fields := make(map[string]reflect.Value)
	decode.StructFields(sv, fields)
	tags := make(map[string]string)
	nestedKinds(sv.Type(), tags)
	for _, key := range value.SortedKeys(fields) {
		if fields[key].Type() != blockType {
			continue
		}
		sub := value.Join(path, key)
		k := tags[key]
		if k == "" && kinds[key] {
			k = key
		}
		b := fields[key].Interface().(Block)
		if k == "" || b == nil {
			continue
		}
		if err := t.validateBlock(sub, k, map[string]any(b)); err != nil {
			return err
		}
	}
	return nil
}

var blockType = reflect.TypeFor[Block]()

// nestedKinds maps the keys of struct type st's fields to their `kind` tags.
func nestedKinds(st reflect.Type, out map[string]string) {
	for i := range st.NumField() {
		f := st.Field(i)
		key, squash, ok := registry.FieldKey(f)
		if !ok {
			continue
		}
		if squash {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			nestedKinds(ft, out)
			continue
		}
		if k := f.Tag.Get("kind"); k != "" {
			out[key] = k
		}
	}
}

// KindOf returns the registry kind of the component block at path: "dataset" under data,
// "discriminator" under discriminators, else the path's first element.
func KindOf(path string) string {
	if path == "data.select.restyle" {
		return "restyler"
	}
	first, _, _ := strings.Cut(path, ".")
	switch first {
	case "data":
		return "dataset"
	case "discriminators":
		return "discriminator"
	}
	return first
}

// YAML returns the resolved configuration (bases merged, base keys removed, --set applied)
// with sorted keys, as stored in a run directory. Call it after Validate: --set scalars that
// decoded into string options (--set name=2024) are then stored as the strings typed, so
// loading the YAML again gives the same configuration.
func (t *Tree) YAML() ([]byte, error) {
	b, err := yamlv3.Marshal(t.raw)
	if err != nil {
		return nil, fmt.Errorf("config: marshal: %w", err)
	}
	return b, nil
}
