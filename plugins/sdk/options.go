package sdk

import (
	"fmt"
	"math"

	pluginpb "github.com/dast-uda/dast/plugins/sdk/pluginpb"
)

// OptionType is the YAML type of an option.
type OptionType int

// Option types. Default values are int, float64, bool, string, []int and []float64
// respectively (other Go integer and float types are converted).
const (
	Int OptionType = iota + 1
	Float
	Bool
	String
	IntList
	FloatList
)

var typeNames = map[OptionType]string{Int: "int", Float: "float", Bool: "bool", String: "string", IntList: "[]int", FloatList: "[]float"}

// String returns the type as "dast registry show" prints it: int, float, bool, string,
// []int, []float.
func (t OptionType) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("OptionType(%d)", int(t))
}

// Option is one option of a discriminator's schema.
type Option struct {
	Name    string
	Type    OptionType
	Default any
	Doc     string
}

// Options holds option values by name, each of its option's Go type (int, float64, bool,
// string, []int, []float64). The getters panic on a missing name or another type: both are
// programming errors of the plugin, since dast fills in every option of the schema.
type Options map[string]any

// Int returns the int option name.
func (o Options) Int(name string) int { return get[int](o, name) }

// Float returns the float option name.
func (o Options) Float(name string) float64 { return get[float64](o, name) }

// Bool returns the bool option name.
func (o Options) Bool(name string) bool { return get[bool](o, name) }

// String returns the string option name.
func (o Options) String(name string) string { return get[string](o, name) }

// Ints returns the []int option name.
func (o Options) Ints(name string) []int { return get[[]int](o, name) }

// Floats returns the []float option name.
func (o Options) Floats(name string) []float64 { return get[[]float64](o, name) }

func get[T any](o Options, name string) T {
	v, ok := o[name]
	if !ok {
		panic(fmt.Sprintf("sdk.Options: no option %q", name))
	}
	t, ok := v.(T)
	if !ok {
		panic(fmt.Sprintf("sdk.Options: option %q is %T, not %T", name, v, t))
	}
	return t
}

// Normalize converts v to the Go type of option type t (int, float64, bool, string, []int,
// []float64). It accepts any Go integer or float type where the value is exact, []any of
// them for lists, and integral floats for ints.
func Normalize(t OptionType, v any) (any, error) {
	switch t {
	case Int:
		return toInt(v)
	case Float:
		return toFloat(v)
	case Bool:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("expected bool, got %s", describe(v))
		}
		return b, nil
	case String:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("expected string, got %s", describe(v))
		}
		return s, nil
	case IntList:
		return toList(v, toInt)
	case FloatList:
		return toList(v, toFloat)
	}
	return nil, fmt.Errorf("unknown option type %d", int(t))
}

func toInt(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case int8, int16, int32, int64, uint8, uint16, uint32, uint64, uint:
		f, _ := toFloat(x)
		return toInt(f)
	case float32:
		return toInt(float64(x))
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return 0, fmt.Errorf("expected int, got %v", x)
		}
		return int(x), nil
	}
	return 0, fmt.Errorf("expected int, got %s", describe(v))
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case int:
		return float64(x), nil
	case int8:
		return float64(x), nil
	case int16:
		return float64(x), nil
	case int32:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case uint:
		return float64(x), nil
	case uint8:
		return float64(x), nil
	case uint16:
		return float64(x), nil
	case uint32:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	}
	return 0, fmt.Errorf("expected float, got %s", describe(v))
}

func toList[T any](v any, conv func(any) (T, error)) ([]T, error) {
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case []T:
		return append([]T{}, x...), nil
	case []int:
		for _, e := range x {
			items = append(items, e)
		}
	case []int64:
		for _, e := range x {
			items = append(items, e)
		}
	case []float64:
		for _, e := range x {
			items = append(items, e)
		}
	default:
		return nil, fmt.Errorf("expected list, got %s", describe(v))
	}
	out := make([]T, len(items))
	for i, e := range items {
		c, err := conv(e)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out[i] = c
	}
	return out, nil
}

func describe(v any) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprintf("%T %v", v, v)
}

// TypeFromProto converts a protocol option type; ok is false for unknown values.
func TypeFromProto(t pluginpb.OptionType) (OptionType, bool) {
	ot := OptionType(t)
	_, ok := typeNames[ot]
	return ot, ok
}

// TypeToProto converts an option type to the protocol's.
func TypeToProto(t OptionType) pluginpb.OptionType { return pluginpb.OptionType(t) }

// ValueToProto encodes a normalized value of type t.
func ValueToProto(t OptionType, v any) (*pluginpb.Value, error) {
	n, err := Normalize(t, v)
	if err != nil {
		return nil, err
	}
	switch x := n.(type) {
	case int:
		return &pluginpb.Value{Kind: &pluginpb.Value_Int{Int: int64(x)}}, nil
	case float64:
		return &pluginpb.Value{Kind: &pluginpb.Value_Float{Float: x}}, nil
	case bool:
		return &pluginpb.Value{Kind: &pluginpb.Value_Bool{Bool: x}}, nil
	case string:
		return &pluginpb.Value{Kind: &pluginpb.Value_String_{String_: x}}, nil
	case []int:
		l := make([]int64, len(x))
		for i, e := range x {
			l[i] = int64(e)
		}
		return &pluginpb.Value{Kind: &pluginpb.Value_Ints{Ints: &pluginpb.IntList{Values: l}}}, nil
	case []float64:
		return &pluginpb.Value{Kind: &pluginpb.Value_Floats{Floats: &pluginpb.FloatList{Values: x}}}, nil
	}
	return nil, fmt.Errorf("unsupported value %s", describe(n))
}

// ValueFromProto decodes v as a value of type t.
func ValueFromProto(t OptionType, v *pluginpb.Value) (any, error) {
	if v == nil || v.Kind == nil {
		return nil, fmt.Errorf("missing value")
	}
	var raw any
	switch k := v.Kind.(type) {
	case *pluginpb.Value_Int:
		raw = k.Int
	case *pluginpb.Value_Float:
		raw = k.Float
	case *pluginpb.Value_Bool:
		raw = k.Bool
	case *pluginpb.Value_String_:
		raw = k.String_
	case *pluginpb.Value_Ints:
		raw = k.Ints.GetValues()
		if raw.([]int64) == nil {
			raw = []int64{}
		}
	case *pluginpb.Value_Floats:
		raw = k.Floats.GetValues()
		if raw.([]float64) == nil {
			raw = []float64{}
		}
	}
	return Normalize(t, raw)
}
