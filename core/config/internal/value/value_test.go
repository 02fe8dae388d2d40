package value

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		text    string
		want    any
		wantErr string
	}{
		{text: "10", want: 10},
		{text: "1e-4", want: 1e-4},
		{text: "true", want: true},
		{text: "foo", want: "foo"},
		{text: "'10'", want: "10"},
		{text: "null", want: nil},
		{text: "[1, a]", want: []any{1, "a"}},
		{text: "{a: {b: 1}}", want: map[string]any{"a": map[string]any{"b": 1}}},
		{text: "- x\n- y\n", want: []any{"x", "y"}},
		{text: "18446744073709551615", want: uint64(18446744073709551615)},
		{text: "[1", wantErr: "invalid YAML value: "},
		{text: "{a: 1, a: 2}", wantErr: "invalid YAML value: "},
	}
	for _, tt := range tests {
		got, err := Parse(tt.text)
		if tt.wantErr != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%q) error = %v, want prefix %q", tt.text, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %#v, %v, want %#v", tt.text, got, err, tt.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{nil, "null"},
		{"x", `"x"`},
		{map[string]any{"a": 1}, "a map"},
		{[]any{1}, "a list"},
		{3, "3"},
		{1.5, "1.5"},
		{true, "true"},
	}
	for _, tt := range tests {
		if got := Describe(tt.v); got != tt.want {
			t.Errorf("Describe(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestJoinAndIsContainer(t *testing.T) {
	if got := Join("", "a"); got != "a" {
		t.Errorf(`Join("", "a") = %q`, got)
	}
	if got := Join("a.b", "c"); got != "a.b.c" {
		t.Errorf(`Join("a.b", "c") = %q`, got)
	}
	for v, want := range map[string]bool{"map": true, "list": true, "string": false, "nil": false} {
		in := map[string]any{"map": map[string]any{}, "list": []any{}, "string": "s", "nil": nil}[v]
		if got := IsContainer(in); got != want {
			t.Errorf("IsContainer(%s) = %v", v, got)
		}
	}
}

func TestCopy(t *testing.T) {
	in := map[string]any{"a": []any{map[string]any{"b": 1}}, "s": "x"}
	out := Copy(in).(map[string]any)
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("Copy = %v, want %v", out, in)
	}
	out["a"].([]any)[0].(map[string]any)["b"] = 2
	out["s"] = "y"
	if in["a"].([]any)[0].(map[string]any)["b"] != 1 || in["s"] != "x" {
		t.Errorf("changing the copy changed the original: %v", in)
	}
	if Copy(nil) != nil || Copy(3) != 3 {
		t.Error("Copy of a scalar is not the scalar")
	}
}

func TestSortedKeys(t *testing.T) {
	if got := SortedKeys(map[string]int{"b": 1, "a": 2, "c": 3}); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("SortedKeys = %v", got)
	}
	if got := SortedKeys(map[string]any(nil)); len(got) != 0 {
		t.Errorf("SortedKeys(nil) = %v", got)
	}
}

// FuzzParse checks that no text makes Parse panic, and that what it parses copies to an equal
// value.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"10", "[1, {a: b}]", "a: &x [*x]", "? [a]\n: 1\n", "!!binary x", "{a: 1e400}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		v, err := Parse(text)
		if err != nil {
			return
		}
		_ = Describe(v)
		if c := Copy(v); !reflect.DeepEqual(c, v) && !hasNaN(v) {
			t.Errorf("Copy(%#v) = %#v", v, c)
		}
	})
}

// hasNaN reports whether v holds a NaN (not equal to itself, so not DeepEqual to its copy).
func hasNaN(v any) bool {
	switch v := v.(type) {
	case float64:
		return v != v
	case map[string]any:
		for _, e := range v {
			if hasNaN(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if hasNaN(e) {
				return true
			}
		}
	}
	return false
}
