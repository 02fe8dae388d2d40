package sdk

import (
	"reflect"
	"strings"
	"testing"
)

func TestNormalizeAndProtoRoundTrip(t *testing.T) {
	tests := []struct {
		typ     OptionType
		in      any
		want    any
		wantErr string
	}{
		{Int, 3, 3, ""},
		{Int, 4.0, 4, ""},
		{Int, int64(-2), -2, ""},
		{Int, 2.5, nil, "expected int, got 2.5"},
		{Int, "3", nil, "expected int, got string 3"},
		{Float, 2, 2.0, ""},
		{Float, float32(0.5), 0.5, ""},
		{Float, true, nil, "expected float"},
		{Bool, true, true, ""},
		{Bool, 1, nil, "expected bool"},
		{String, "x", "x", ""},
		{String, nil, nil, "expected string, got null"},
		{IntList, []any{1, 2.0}, []int{1, 2}, ""},
		{IntList, []int{}, []int{}, ""},
		{IntList, []any{1, "a"}, nil, "[1]: expected int"},
		{FloatList, []any{1, 0.5}, []float64{1, 0.5}, ""},
		{FloatList, 3, nil, "expected list"},
	}
	for _, tt := range tests {
		got, err := Normalize(tt.typ, tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Normalize(%v, %#v) error %v, want %q", tt.typ, tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Normalize(%v, %#v) = %#v, %v; want %#v", tt.typ, tt.in, got, err, tt.want)
			continue
		}
		p, err := ValueToProto(tt.typ, tt.in)
		if err != nil {
			t.Errorf("ValueToProto(%v, %#v): %v", tt.typ, tt.in, err)
			continue
		}
		back, err := ValueFromProto(tt.typ, p)
		if err != nil || !reflect.DeepEqual(back, tt.want) {
			t.Errorf("round trip of %#v as %v = %#v, %v", tt.in, tt.typ, back, err)
		}
	}
}

func TestNewServerChecks(t *testing.T) {
	build := func(Options, int) ([]Layer, error) { return []Layer{Conv(1, 1, 1, 0)}, nil }
	for _, tt := range []struct {
		name string
		ds   []Discriminator
		want string
	}{
		{"none", nil, "no discriminators"},
		{"empty name", []Discriminator{{Build: build}}, "empty name"},
		{"twice", []Discriminator{{Name: "a", Build: build}, {Name: "a", Build: build}}, `"a" defined twice`},
		{"no build", []Discriminator{{Name: "a"}}, "Build is nil"},
		{"bad default", []Discriminator{{Name: "a", Build: build, Options: []Option{{Name: "w", Type: Int, Default: "x"}}}}, `option "w": default: expected int`},
	} {
		if _, err := NewServer(tt.ds...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: NewServer error %v, want %q", tt.name, err, tt.want)
		}
	}
}
