// Package config loads dast's YAML run configurations.
//
// A configuration file may name a base file (`base: other.yaml`, relative to the including
// file); bases chain, and the child overrides its base: maps merge deeply, lists and scalars
// replace, and an explicit null removes the inherited value (except for a whole options group
// such as `train: null` or `eval: null`, which would silently reset all its options and is an
// error). `--set a.b=c` overrides are applied last; their values are parsed as YAML (`10`,
// `1e-4`, `true`, `[1, 2]`, `foo`); an empty value is an error (write `null` to remove a key).
// Float options must be finite: `.inf` and `.nan` are errors naming the key.
//
// Every leaf value remembers where it came from, so decoding errors name the key and the file
// (or --set): `configs/x.yaml: train.iterationz: unknown key`. Tree.Root decodes the fixed part
// of the schema strictly; Tree.Component resolves a component block through the registry and
// decodes the rest of the block strictly into the module's config struct.
package config

import (
	"bytes"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"

	"github.com/dast-uda/dast/core/config/internal/decode"
	"github.com/dast-uda/dast/core/config/internal/value"
)

// baseKey is the key naming a file's base.
const baseKey = "base"

// Tree is a loaded configuration: the merged YAML of a file, its bases and the --set
// overrides, with the origin of every leaf value. A Tree is not safe for concurrent use.
type Tree struct {
	path  string            // the file given to Load
	files []string          // the base chain, most basic first
	raw   map[string]any    // merged values
	prov  map[string]string // flattened leaf key -> source
	text  map[string]string // --set leaf key -> value text as typed

	// Decoded values, kept: the modules resolved so far by path, and the Root with the value
	// of rewrites when it was decoded (see Root).
	built    map[string][]built
	root     *Root
	rootAt   int
	rewrites int // --set scalars stored back as strings (setLeaf)
}

// Load reads the YAML file at path with its base chain and applies the "key=value" overrides
// in sets, in order.
func Load(path string, sets []string) (*Tree, error) {
	return load(path, sets, func(p string) ([]byte, error) { return file.Provider(p).ReadBytes() })
}

// LoadFS is Load for a config inside fsys (e.g. the configs embedded in the dast binary);
// base paths resolve inside fsys.
func LoadFS(fsys fs.FS, path string, sets []string) (*Tree, error) {
	return load(path, sets, func(p string) ([]byte, error) { return fs.ReadFile(fsys, filepath.ToSlash(p)) })
}

// load is Load with the file reader injected (tests and fuzzing use an in-memory one).
func load(path string, sets []string, read func(string) ([]byte, error)) (*Tree, error) {
	if path == "" {
		return nil, fmt.Errorf("config: no file given")
	}
	layers, err := readChain(path, read)
	if err != nil {
		return nil, err
	}
	empty := len(sets) == 0
	for _, l := range layers {
		empty = empty && len(l.values) == 0
	}
	if empty {
		return nil, &Error{Source: path, Msg: "the configuration is empty (no keys in the file or its bases)"}
	}
	t := &Tree{path: path, prov: make(map[string]string), text: make(map[string]string)}
	k := koanf.New(".")
	for _, l := range layers {
		t.files = append(t.files, l.path)
		if err := k.Load(mapProvider(l.values), nil); err != nil {
			return nil, fmt.Errorf("%s: %w", l.path, err)
		}
		t.record(l.values, l.path)
	}
	for _, s := range sets {
		key, val, text, err := parseSet(s)
		if err != nil {
			return nil, err
		}
		if err := k.Set(key, val); err != nil {
			return nil, fmt.Errorf("--set %s: %w", s, err)
		}
		t.record(nest(key, val), SetSource)
		if !value.IsContainer(val) {
			t.text[key] = text
		}
	}
	t.raw = k.Raw()
	return t, nil
}

// layer is one parsed file of a base chain.
type layer struct {
	path   string
	values map[string]any
}

// readChain reads path and its bases, returning the layers most basic first.
func readChain(path string, read func(string) ([]byte, error)) ([]layer, error) {
	var (
		chain []layer
		seen  = make(map[string]int) // cleaned absolute path -> index in chain
	)
	for cur := path; ; {
		id := cur
		if abs, err := filepath.Abs(cur); err == nil {
			id = abs
		}
		if i, ok := seen[id]; ok {
			names := make([]string, 0, len(chain)-i+1)
			for _, l := range chain[i:] {
				names = append(names, l.path)
			}
			names = append(names, cur)
			return nil, fmt.Errorf("config: base cycle: %s", strings.Join(names, " -> "))
		}
		seen[id] = len(chain)
		b, err := read(cur)
		if err != nil {
			if len(chain) > 0 { // a base: name the file that refers to it
				return nil, &Error{Source: chain[len(chain)-1].path, Key: baseKey, Msg: err.Error()}
			}
			return nil, fmt.Errorf("config: %w", err)
		}
		values, err := parseYAML(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cur, err)
		}
		base, hasBase := values[baseKey]
		delete(values, baseKey)
		chain = append(chain, layer{path: cur, values: values})
		if !hasBase || base == nil {
			break
		}
		name, ok := base.(string)
		if !ok || name == "" {
			return nil, &Error{Source: cur, Key: baseKey, Msg: fmt.Sprintf("expected a file name, got %s", value.Describe(base))}
		}
		if !filepath.IsAbs(name) {
			name = filepath.Join(filepath.Dir(cur), name)
		}
		cur = name
	}
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	return chain, nil
}

// parseYAML parses one YAML document whose top level is a mapping (or empty).
func parseYAML(b []byte) (m map[string]any, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("invalid YAML: %v", r)
		}
	}()
	if len(bytes.TrimSpace(b)) == 0 {
		return map[string]any{}, nil
	}
	m, err = yaml.Parser().Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	if m == nil {
		m = map[string]any{}
	}
	v, err := normalize(m, "")
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

// normalize deep-copies a parsed YAML value, turning every mapping into map[string]any and
// rejecting keys that cannot be addressed with dotted paths.
func normalize(v any, path string) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if err := checkKey(k, path); err != nil {
				return nil, err
			}
			n, err := normalize(e, value.Join(path, k))
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			ks := fmt.Sprint(k)
			if err := checkKey(ks, path); err != nil {
				return nil, err
			}
			n, err := normalize(e, value.Join(path, ks))
			if err != nil {
				return nil, err
			}
			out[ks] = n
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			n, err := normalize(e, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
	return v, nil
}

func checkKey(k, parent string) error {
	if k == "" || strings.ContainsAny(k, ".[]") || strings.TrimSpace(k) != k {
		return &Error{Key: value.Join(parent, k), Msg: fmt.Sprintf("invalid key %q (keys must be non-empty, without '.', '[', ']' or surrounding spaces)", k)}
	}
	return nil
}

// record notes src as the origin of every leaf of values, which has just been merged.
func (t *Tree) record(values map[string]any, src string) {
	leaves := make(map[string]bool)
	flattenLeaves(values, "", leaves)
	keys := make([]string, 0, len(leaves))
	for k := range leaves {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		emptyMap := leaves[k]
		hasChildren := false
		for p := range t.prov {
			if strings.HasPrefix(k, p+".") {
				delete(t.prov, p) // a scalar replaced by a map
			}
			if strings.HasPrefix(p, k+".") {
				if emptyMap {
					hasChildren = true // an empty map merges into the existing one
				} else {
					delete(t.prov, p) // a map replaced by a scalar or list
				}
			}
		}
		if !hasChildren {
			t.prov[k] = src
		}
	}
}

// flattenLeaves adds the dotted keys of the leaves of m to out; the value says whether the
// leaf is an empty map.
func flattenLeaves(m map[string]any, prefix string, out map[string]bool) {
	for k, v := range m {
		key := value.Join(prefix, k)
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			flattenLeaves(sub, key, out)
			continue
		} else if ok {
			out[key] = true
			continue
		}
		out[key] = false
	}
}

// parseSet splits "a.b=value" and parses value as YAML.
func parseSet(s string) (key string, val any, text string, err error) {
	key, text, ok := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if !ok {
		return "", nil, "", fmt.Errorf("--set %s: want key=value", s)
	}
	for part := range strings.SplitSeq(key, ".") {
		if checkKey(part, "") != nil {
			return "", nil, "", fmt.Errorf("--set %s: malformed key %q", s, key)
		}
	}
	if key == baseKey {
		return "", nil, "", fmt.Errorf("--set %s: %q can only be set in a file", s, baseKey)
	}
	if strings.TrimSpace(text) == "" {
		// YAML reads an empty value as null, which would silently reset the key to its default.
		return "", nil, "", fmt.Errorf("--set %s: empty value (write %s=null to remove the key)", s, key)
	}
	v, err := value.Parse(text)
	if err != nil {
		return "", nil, "", fmt.Errorf("--set %s: %w", s, err)
	}
	if v, err = normalize(v, key); err != nil {
		return "", nil, "", fmt.Errorf("--set %s: %w", s, err)
	}
	return key, v, text, nil
}

// nest returns {a: {b: val}} for key "a.b".
func nest(key string, val any) map[string]any {
	parts := strings.Split(key, ".")
	m := map[string]any{parts[len(parts)-1]: val}
	for i := len(parts) - 2; i >= 0; i-- {
		m = map[string]any{parts[i]: m}
	}
	return m
}

// mapProvider is a koanf.Provider of an already parsed map.
type mapProvider map[string]any

func (m mapProvider) ReadBytes() ([]byte, error) {
	return nil, fmt.Errorf("config: map provider has no bytes")
}

func (m mapProvider) Read() (map[string]any, error) { return m, nil }

var _ koanf.Provider = mapProvider(nil)

// Files returns the configuration files read, most basic first.
func (t *Tree) Files() []string { return append([]string(nil), t.files...) }

// Path returns the file given to Load.
func (t *Tree) Path() string { return t.path }

// Source says where the value at key came from: a file path, SetSource, or, for a block whose
// leaves come from several places, their comma-separated list; "" when the key is absent.
func (t *Tree) Source(key string) string {
	key = strings.TrimSuffix(key, ".")
	if src, ok := t.prov[stripIndex(key)]; ok {
		return src
	}
	// A block: collect its leaves' sources, in file order then --set.
	found := make(map[string]bool)
	for p, src := range t.prov {
		if key == "" || strings.HasPrefix(p, stripIndex(key)+".") {
			found[src] = true
		}
	}
	if len(found) > 0 {
		var out []string
		for _, f := range append(t.Files(), SetSource) {
			if found[f] {
				out = append(out, f)
				delete(found, f)
			}
		}
		return strings.Join(out, ", ")
	}
	// An absent key, or one below a scalar: the nearest ancestor's source.
	if i := strings.LastIndex(stripIndex(key), "."); i >= 0 {
		return t.Source(key[:i])
	}
	return ""
}

// setLeaf replaces the value of the existing leaf at dotted key.
func (t *Tree) setLeaf(key string, v any) {
	parent, last := "", key
	if i := strings.LastIndex(key, "."); i >= 0 {
		parent, last = key[:i], key[i+1:]
	}
	if p, ok := t.get(parent); ok {
		if m, ok := p.(map[string]any); ok {
			if old, ok := m[last]; ok && old != v {
				m[last] = v
				t.rewrites++
			}
		}
	}
}

// decoder returns the decoder of t's values: its errors name the source of the key, and a
// string option given as a --set scalar takes the text typed (setText).
func (t *Tree) decoder() decode.Decoder {
	return decode.Decoder{
		Error: func(key, msg string) error { return t.errorf(key, "%s", msg) },
		Text:  t.setText,
	}
}

// setText returns the text the --set scalar in at key was typed as, and stores it back in the
// tree, as the string its option decodes it to (so the resolved YAML holds it as typed).
func (t *Tree) setText(key string, in any) (string, bool) {
	if s, ok := t.text[key]; ok && !value.IsContainer(in) {
		t.setLeaf(key, s)
		return s, true
	}
	return "", false
}

// stripIndex drops list indexes: "a.b[2].c" -> "a.b" (lists are leaves for provenance).
func stripIndex(key string) string {
	if i := strings.IndexByte(key, '['); i >= 0 {
		return key[:i]
	}
	return key
}
