package config

import (
	"encoding"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/dast-uda/dast/registry"
)

var (
	durationType        = reflect.TypeFor[time.Duration]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// decoder strictly decodes merged YAML values into Go values, naming the key and its source
// in errors.
type decoder struct {
	t *Tree
}

func (d decoder) errorf(key, format string, args ...any) error {
	return &Error{Source: d.t.Source(key), Key: key, Msg: fmt.Sprintf(format, args...)}
}

// wrapf is errorf for a message that reports err, which the Error then wraps.
func (d decoder) wrapf(key string, err error, format string, args ...any) error {
	return &Error{Source: d.t.Source(key), Key: key, Msg: fmt.Sprintf(format, args...), Err: err}
}

// decode stores in into out (settable), leaving out unchanged when in is null. Struct fields
// are named by their koanf tag (or lower-cased name); keys without a field are errors.
func (d decoder) decode(key string, in any, out reflect.Value) error {
	if in == nil {
		return nil
	}
	t := out.Type()
	switch {
	case t == durationType:
		s, ok := in.(string)
		if !ok {
			return d.errorf(key, "expected duration (like 10s), got %s", describe(in))
		}
		dur, err := time.ParseDuration(s)
		if err != nil {
			return d.errorf(key, "expected duration (like 10s), got %q", s)
		}
		out.SetInt(int64(dur))
		return nil
	case t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(textUnmarshalerType):
		s, ok := d.scalarText(key, in)
		if !ok {
			return d.errorf(key, "expected string, got %s", describe(in))
		}
		if err := out.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			return d.errorf(key, "%v", err)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return d.errorf(key, "unsupported field type %s", t)
		}
		out.Set(reflect.ValueOf(deepCopy(in)))
	case reflect.Pointer:
		v := reflect.New(t.Elem())
		if !out.IsNil() {
			v.Elem().Set(out.Elem())
		}
		if err := d.decode(key, in, v.Elem()); err != nil {
			return err
		}
		out.Set(v)
	case reflect.Struct:
		m, ok := in.(map[string]any)
		if !ok {
			return d.errorf(key, "expected map, got %s", describe(in))
		}
		return d.decodeStruct(key, m, out)
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return d.errorf(key, "unsupported field type %s", t)
		}
		m, ok := in.(map[string]any)
		if !ok {
			return d.errorf(key, "expected map, got %s", describe(in))
		}
		if out.IsNil() {
			out.Set(reflect.MakeMapWithSize(t, len(m)))
		}
		for _, k := range sortedKeys(m) {
			mk := reflect.ValueOf(k).Convert(t.Key())
			e := reflect.New(t.Elem()).Elem()
			if old := out.MapIndex(mk); old.IsValid() {
				e.Set(old)
			}
			if err := d.decode(join(key, k), m[k], e); err != nil {
				return err
			}
			out.SetMapIndex(mk, e)
		}
	case reflect.Slice, reflect.Array:
		l, ok := in.([]any)
		if !ok {
			return d.errorf(key, "expected list, got %s", describe(in))
		}
		v := out
		if t.Kind() == reflect.Slice {
			v = reflect.MakeSlice(t, len(l), len(l))
		} else if len(l) != t.Len() {
			return d.errorf(key, "expected list of %d, got %d elements", t.Len(), len(l))
		}
		for i, e := range l {
			ek := fmt.Sprintf("%s[%d]", key, i)
			if e == nil {
				return d.errorf(ek, "expected %s, got null", kindName(t.Elem()))
			}
			if err := d.decode(ek, e, v.Index(i)); err != nil {
				return err
			}
		}
		out.Set(v)
	case reflect.String:
		s, ok := d.scalarText(key, in)
		if !ok {
			return d.errorf(key, "expected string, got %s", describe(in))
		}
		out.SetString(s)
	case reflect.Bool:
		b, ok := in.(bool)
		if !ok {
			return d.errorf(key, "expected bool, got %s", describe(in))
		}
		out.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, ok := toInt(in)
		if !ok || out.OverflowInt(i) {
			return d.errorf(key, "expected int, got %s", describe(in))
		}
		out.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u, ok := toUint(in)
		if !ok || out.OverflowUint(u) {
			return d.errorf(key, "expected non-negative int, got %s", describe(in))
		}
		out.SetUint(u)
	case reflect.Float32, reflect.Float64:
		f, ok := toFloat(in)
		if !ok || out.OverflowFloat(f) {
			return d.errorf(key, "expected float, got %s", describe(in))
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return d.errorf(key, "expected a finite float, got %v", f)
		}
		out.SetFloat(f)
	default:
		return d.errorf(key, "unsupported field type %s", t)
	}
	return nil
}

// decodeStruct decodes map m into struct value out.
func (d decoder) decodeStruct(key string, m map[string]any, out reflect.Value) error {
	fields := make(map[string]reflect.Value)
	structFields(out, fields)
	for _, k := range sortedKeys(m) {
		f, ok := fields[k]
		if !ok {
			return d.errorf(join(key, k), "unknown key%s", knownKeys(fields))
		}
		if m[k] == nil && f.Kind() == reflect.Struct && !optional(f.Type()) {
			// decode leaves a nulled value at its default, which for a group of options (train,
			// eval) means every one of them: a silent reset, not what anyone writes null for.
			return d.errorf(join(key, k), "null would reset every option of %s to its default; remove the key to keep the inherited options, or set the ones you mean", join(key, k))
		}
		if err := d.decode(join(key, k), m[k], f); err != nil {
			return err
		}
	}
	return nil
}

// optional reports whether struct type t is an optional block (it has an Enabled method, as
// data.select): null then means "off", which its default is.
func optional(t reflect.Type) bool {
	_, ok := t.MethodByName("Enabled")
	return ok
}

// knownKeys renders " (known: a, b)" for short key lists.
func knownKeys(fields map[string]reflect.Value) string {
	if len(fields) == 0 || len(fields) > 16 {
		return ""
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return " (known: " + strings.Join(keys, ", ") + ")"
}

// structFields maps the YAML keys of struct v to its settable fields, descending into
// squashed embedded structs (allocating nil embedded pointers).
func structFields(v reflect.Value, out map[string]reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		key, squash, ok := registry.FieldKey(t.Field(i))
		if !ok {
			continue
		}
		f := v.Field(i)
		if squash {
			if f.Kind() == reflect.Pointer {
				if f.IsNil() {
					f.Set(reflect.New(f.Type().Elem()))
				}
				f = f.Elem()
			}
			structFields(f, out)
			continue
		}
		out[key] = f
	}
}

// scalarText returns the string for a string field: a YAML string, or, for a --set scalar,
// the text as typed (so --set name=2024 or name=1e-4 give those strings).
func (d decoder) scalarText(key string, in any) (string, bool) {
	if s, ok := in.(string); ok {
		return s, true
	}
	if s, ok := d.t.text[key]; ok && !isContainer(in) {
		d.t.setLeaf(key, s)
		return s, true
	}
	return "", false
}

func toInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int:
		return int64(v), true
	case int64:
		return v, true
	case uint64:
		return int64(v), v <= math.MaxInt64
	case float64:
		if v == math.Trunc(v) && v >= math.MinInt64 && v < math.MaxInt64 {
			return int64(v), true
		}
	}
	return 0, false
}

func toUint(v any) (uint64, bool) {
	switch v := v.(type) {
	case int:
		return uint64(v), v >= 0
	case int64:
		return uint64(v), v >= 0
	case uint64:
		return v, true
	case float64:
		if v == math.Trunc(v) && v >= 0 && v < math.MaxUint64 {
			return uint64(v), true
		}
	}
	return 0, false
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// describe renders a YAML value for "got ..." in errors.
func describe(v any) string {
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

// kindName names the YAML type expected for Go type t.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if t == durationType {
			return "duration"
		}
		return "int"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "non-negative int"
	case reflect.Float32, reflect.Float64:
		return "float"
	case reflect.Slice, reflect.Array:
		return "list"
	case reflect.Map, reflect.Struct:
		return "map"
	}
	return t.Kind().String()
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// deepCopy copies maps and lists so decoded values do not alias the tree.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}
