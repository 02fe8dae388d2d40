// Package decode strictly decodes configuration values (maps, lists and scalars as the YAML
// parser gives them, see package value) into Go values: koanf-tagged structs, maps with string
// keys, slices, arrays, strings, bools, numbers, time.Durations and encoding.TextUnmarshalers.
// A key without a field, a value of the wrong type, a float that is not finite and a null that
// would reset a whole group of options are errors naming the key.
package decode

import (
	"encoding"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/dast-uda/dast/core/config/internal/value"
	"github.com/dast-uda/dast/registry"
)

var (
	durationType        = reflect.TypeFor[time.Duration]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// Decoder decodes the values of one configuration, which names the source of a key in errors
// and may know the text a scalar was typed as.
type Decoder struct {
	// Error returns the error for the value at key; msg says what is wrong. Nil: an error
	// "key: msg".
	Error func(key, msg string) error
	// Text returns the text the scalar in at key was typed as, when the configuration knows it
	// (a --set value: --set name=2024 gives a string option "2024", not the int YAML reads),
	// and whether it does.
	Text func(key string, in any) (string, bool)
}

func (d Decoder) errorf(key, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if d.Error == nil {
		return fmt.Errorf("%s: %s", key, msg)
	}
	return d.Error(key, msg)
}

// Decode stores in, the value at key, into out (settable), leaving out unchanged when in is
// null. Struct fields are named by their koanf tag (or lower-cased name); keys without a field
// are errors.
func (d Decoder) Decode(key string, in any, out reflect.Value) error {
	if in == nil {
		return nil
	}
	t := out.Type()
	switch {
	case t == durationType:
		s, ok := in.(string)
		if !ok {
			return d.errorf(key, "expected duration (like 10s), got %s", value.Describe(in))
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
			return d.errorf(key, "expected string, got %s", value.Describe(in))
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
		out.Set(reflect.ValueOf(value.Copy(in)))
	case reflect.Pointer:
		v := reflect.New(t.Elem())
		if !out.IsNil() {
			v.Elem().Set(out.Elem())
		}
		if err := d.Decode(key, in, v.Elem()); err != nil {
			return err
		}
		out.Set(v)
	case reflect.Struct:
		m, ok := in.(map[string]any)
		if !ok {
			return d.errorf(key, "expected map, got %s", value.Describe(in))
		}
		return d.DecodeStruct(key, m, out)
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return d.errorf(key, "unsupported field type %s", t)
		}
		m, ok := in.(map[string]any)
		if !ok {
			return d.errorf(key, "expected map, got %s", value.Describe(in))
		}
		if out.IsNil() {
			out.Set(reflect.MakeMapWithSize(t, len(m)))
		}
		for _, k := range value.SortedKeys(m) {
			mk := reflect.ValueOf(k).Convert(t.Key())
			e := reflect.New(t.Elem()).Elem()
			if old := out.MapIndex(mk); old.IsValid() {
				e.Set(old)
			}
			if err := d.Decode(value.Join(key, k), m[k], e); err != nil {
				return err
			}
			out.SetMapIndex(mk, e)
		}
	case reflect.Slice, reflect.Array:
		l, ok := in.([]any)
		if !ok {
			return d.errorf(key, "expected list, got %s", value.Describe(in))
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
			if err := d.Decode(ek, e, v.Index(i)); err != nil {
				return err
			}
		}
		out.Set(v)
	case reflect.String:
		s, ok := d.scalarText(key, in)
		if !ok {
			return d.errorf(key, "expected string, got %s", value.Describe(in))
		}
		out.SetString(s)
	case reflect.Bool:
		b, ok := in.(bool)
		if !ok {
			return d.errorf(key, "expected bool, got %s", value.Describe(in))
		}
		out.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, ok := toInt(in)
		if !ok || out.OverflowInt(i) {
			return d.errorf(key, "expected int, got %s", value.Describe(in))
		}
		out.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u, ok := toUint(in)
		if !ok || out.OverflowUint(u) {
			return d.errorf(key, "expected non-negative int, got %s", value.Describe(in))
		}
		out.SetUint(u)
	case reflect.Float32, reflect.Float64:
		f, ok := toFloat(in)
		if !ok || out.OverflowFloat(f) {
			return d.errorf(key, "expected float, got %s", value.Describe(in))
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

// DecodeStruct decodes map m, the value at key, into struct value out.
func (d Decoder) DecodeStruct(key string, m map[string]any, out reflect.Value) error {
	fields := make(map[string]reflect.Value)
	StructFields(out, fields)
	for _, k := range value.SortedKeys(m) {
		f, ok := fields[k]
		if !ok {
			return d.errorf(value.Join(key, k), "unknown key%s", knownKeys(fields))
		}
		if m[k] == nil && f.Kind() == reflect.Struct && !optional(f.Type()) {
			// decode leaves a nulled value at its default, which for a group of options (train,
			// eval) means every one of them: a silent reset, not what anyone writes null for.
			return d.errorf(value.Join(key, k), "null would reset every option of %s to its default; remove the key to keep the inherited options, or set the ones you mean", value.Join(key, k))
		}
		if err := d.Decode(value.Join(key, k), m[k], f); err != nil {
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

// StructFields maps the YAML keys of struct v to its settable fields, descending into
// squashed embedded structs (allocating nil embedded pointers).
func StructFields(v reflect.Value, out map[string]reflect.Value) {
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
			StructFields(f, out)
			continue
		}
		out[key] = f
	}
}

// scalarText returns the string for a string field: a YAML string, or the text the scalar
// was typed as when the configuration knows it (so --set name=2024 or name=1e-4 give those
// strings).
func (d Decoder) scalarText(key string, in any) (string, bool) {
	if s, ok := in.(string); ok {
		return s, true
	}
	if d.Text != nil {
		return d.Text(key, in)
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
