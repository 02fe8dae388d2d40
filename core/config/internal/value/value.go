// Package value holds the operations on configuration values as the YAML parser gives them:
// mappings as map[string]any, sequences as []any, scalars as string, bool, int, uint64,
// float64 or nil. Keys are addressed by dotted paths ("train.lr"; list elements as
// "widths[2]").
package value

import (
	"fmt"
	"sort"

	yamlv3 "go.yaml.in/yaml/v3"
)

// Parse parses one YAML value (scalar, flow or block), as a --set value is written.
func Parse(text string) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("invalid YAML value: %v", r)
		}
	}()
	if err := yamlv3.Unmarshal([]byte(text), &v); err != nil {
		return nil, fmt.Errorf("invalid YAML value: %w", err)
	}
	return v, nil
}

// Join returns the dotted path of key below prefix ("" is the top level).
func Join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// IsContainer reports whether v is a mapping or a list.
func IsContainer(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// Describe renders v for "got ..." in errors: null, a quoted string, "a map", "a list", or
// the scalar as Go prints it.
func Describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("%q", v)
	case map[string]any:
		return "a map"
	case []any:
		return "a list"
	}
	return fmt.Sprint(v)
}

// Copy copies the maps and lists of v, so that the copy shares none of them with v.
func Copy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = Copy(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = Copy(e)
		}
		return out
	}
	return v
}

// SortedKeys returns the keys of m in increasing order.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
