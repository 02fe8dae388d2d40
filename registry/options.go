package registry

import (
	"encoding"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Option describes one YAML option of a module, read from its config struct.
type Option struct {
	// Key is the option's YAML key: the field's koanf tag, or its lower-cased name when
	// untagged. Options of nested structs have dotted keys ("optim.lr").
	Key string
	// Type is a short type name: int, uint, float, string, bool, duration, any, []T,
	// map[string]T.
	Type string
	// Default is the field's value in the struct returned by New.
	Default any
	// Doc is the field's `doc:"..."` tag.
	Doc string
}

// DefaultText renders Default in YAML flow style: 0.5, "", [16, 32], {a: 1}, null.
func (o Option) DefaultText() string { return formatValue(reflect.ValueOf(o.Default)) }

var (
	durationType        = reflect.TypeFor[time.Duration]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// FieldKey returns the YAML key of struct field f of a config struct and whether it is squashed
// (an untagged embedded struct whose fields belong to the parent); ok is false for skipped
// fields (unexported or `koanf:"-"`). Option listings here and the config decoder in core/config
// both use it, so they agree on every key.
func FieldKey(f reflect.StructField) (key string, squash, ok bool) {
	if !f.IsExported() {
		return "", false, false
	}
	tag, hasTag := f.Tag.Lookup("koanf")
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" {
		return "", false, false
	}
	if f.Anonymous && (!hasTag || name == "") {
		t := f.Type
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() == reflect.Struct {
			return "", true, true
		}
	}
	if name == "" {
		name = strings.ToLower(f.Name)
	}
	return name, false, true
}

// optionsOf lists the options of config struct m (a pointer to a struct).
func optionsOf(m Module) ([]Option, error) {
	var out []Option
	if err := walkOptions("", reflect.ValueOf(m).Elem(), &out); err != nil {
		return nil, err
	}
	seen := make(map[string]bool)
	for _, o := range out {
		if seen[o.Key] {
			return nil, fmt.Errorf("config struct %T: option %q appears twice", m, o.Key)
		}
		seen[o.Key] = true
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func walkOptions(prefix string, v reflect.Value, out *[]Option) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		key, squash, ok := FieldKey(f)
		if !ok {
			continue
		}
		fv := v.Field(i)
		if squash {
			if fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					fv = reflect.New(f.Type.Elem()).Elem()
				} else {
					fv = fv.Elem()
				}
			}
			if err := walkOptions(prefix, fv, out); err != nil {
				return err
			}
			continue
		}
		full := prefix + key
		if isStructOption(f.Type) {
			sv := fv
			if sv.Kind() == reflect.Pointer {
				if sv.IsNil() {
					sv = reflect.New(f.Type.Elem()).Elem()
				} else {
					sv = sv.Elem()
				}
			}
			if err := walkOptions(full+".", sv, out); err != nil {
				return err
			}
			continue
		}
		name, err := typeName(f.Type)
		if err != nil {
			return fmt.Errorf("option %s: %w", full, err)
		}
		*out = append(*out, Option{Key: full, Type: name, Default: fv.Interface(), Doc: f.Tag.Get("doc")})
	}
	return nil
}

// isStructOption reports whether t is a (pointer to a) struct whose fields are options.
func isStructOption(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct && !reflect.PointerTo(t).Implements(textUnmarshalerType)
}

// typeName names the YAML type of Go type t, or fails for types the config decoder does not
// support.
func typeName(t reflect.Type) (string, error) {
	if t == durationType {
		return "duration", nil
	}
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return "string", nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return "bool", nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "int", nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "uint", nil
	case reflect.Float32, reflect.Float64:
		return "float", nil
	case reflect.String:
		return "string", nil
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return "any", nil
		}
	case reflect.Pointer:
		return typeName(t.Elem())
	case reflect.Slice, reflect.Array:
		e, err := typeName(t.Elem())
		if err != nil {
			return "", err
		}
		if t.Kind() == reflect.Array {
			return fmt.Sprintf("[%d]%s", t.Len(), e), nil
		}
		return "[]" + e, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			break
		}
		e, err := typeName(t.Elem())
		if err != nil {
			return "", err
		}
		return "map[string]" + e, nil
	case reflect.Struct:
		return "map", nil
	}
	return "", fmt.Errorf("unsupported type %s", t)
}

// formatValue renders v in YAML flow style.
func formatValue(v reflect.Value) string {
	if !v.IsValid() {
		return "null"
	}
	if v.Type() == durationType {
		return v.Interface().(time.Duration).String()
	}
	if s, ok := v.Interface().(fmt.Stringer); ok && v.Kind() != reflect.Pointer {
		return s.String()
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "null"
		}
		return formatValue(v.Elem())
	case reflect.String:
		s := v.String()
		if s == "" || strings.ContainsAny(s, ":#,[]{}'\"\n") || s != strings.TrimSpace(s) {
			return strconv.Quote(s)
		}
		return s
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, v.Type().Bits())
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return "[]"
		}
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = formatValue(v.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprint(k) + ": " + formatValue(v.MapIndex(k))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v.Interface())
}
