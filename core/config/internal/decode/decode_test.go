package decode

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dast-uda/dast/core/config/internal/value"
)

// Base is squashed into opts: its fields are opts' keys.
type Base struct {
	Seed int `koanf:"seed"`
}

// Group is a group of options: null for it is refused.
type Group struct {
	N int `koanf:"n"`
}

// Opt is an optional block (it has Enabled): null for it means off.
type Opt struct {
	On bool `koanf:"on"`
}

func (o Opt) Enabled() bool { return o.On }

type opts struct {
	Base
	Name    string            `koanf:"name"`
	Count   int8              `koanf:"count"`
	Size    uint              `koanf:"size"`
	Rate    float64           `koanf:"rate"`
	Flag    bool              `koanf:"flag"`
	Wait    time.Duration     `koanf:"wait"`
	Addr    netip.Addr        `koanf:"addr"`
	Widths  []int             `koanf:"widths"`
	Pair    [2]float32        `koanf:"pair"`
	Tags    map[string]string `koanf:"tags"`
	Ptr     *int              `koanf:"ptr"`
	Any     any               `koanf:"any"`
	Group   Group             `koanf:"group"`
	Opt     Opt               `koanf:"opt"`
	Untag   int
	Skipped int `koanf:"-"`
	hidden  int
	Bad     fmt.Stringer `koanf:"bad"`
	Keyed   map[int]int  `koanf:"keyed"`
	Chan    chan int     `koanf:"chan"`
}

func defaults() opts {
	return opts{Name: "d", Group: Group{N: 7}, Tags: map[string]string{"keep": "k"}}
}

func TestDecode(t *testing.T) {
	seven := 7
	tests := []struct {
		in      string // a YAML mapping
		text    map[string]string
		want    func(*opts)
		wantErr string
	}{
		{in: "{}", want: func(*opts) {}},
		{in: "{name: x, count: -3, size: 4, rate: 1e-4, flag: true, wait: 1.5s, seed: 9, untag: 2}", want: func(o *opts) {
			o.Name, o.Count, o.Size, o.Rate, o.Flag, o.Wait, o.Seed, o.Untag = "x", -3, 4, 1e-4, true, 1500*time.Millisecond, 9, 2
		}},
		{in: "{rate: 3, count: 2.0}", want: func(o *opts) { o.Rate, o.Count = 3, 2 }},
		{in: "{addr: 10.0.0.1}", want: func(o *opts) { o.Addr = netip.MustParseAddr("10.0.0.1") }},
		{in: "{widths: [1, 2], pair: [0.5, 1], ptr: 7}", want: func(o *opts) { o.Widths, o.Pair, o.Ptr = []int{1, 2}, [2]float32{0.5, 1}, &seven }},
		{in: "{tags: {a: b}, any: {x: [1]}}", want: func(o *opts) {
			o.Tags = map[string]string{"keep": "k", "a": "b"}
			o.Any = map[string]any{"x": []any{1}}
		}},
		{in: "{group: {n: 2}, opt: null, name: null}", want: func(o *opts) { o.Group.N = 2 }},
		// A scalar whose typed text the configuration knows decodes to that text.
		{in: "{name: 2024}", text: map[string]string{"name": "2024"}, want: func(o *opts) { o.Name = "2024" }},
		{in: "{name: 2024}", wantErr: "name: expected string, got 2024"},
		{in: "{nam: x}", wantErr: "nam: unknown key"},
		{in: "{group: {m: 1}}", wantErr: "group.m: unknown key (known: n)"},
		{in: "{group: null}", wantErr: "group: null would reset every option of group to its default"},
		{in: "{count: 300}", wantErr: "count: expected int, got 300"},
		{in: "{count: 1.5}", wantErr: "count: expected int, got 1.5"},
		{in: "{size: -1}", wantErr: "size: expected non-negative int, got -1"},
		{in: "{rate: .inf}", wantErr: "rate: expected a finite float, got +Inf"},
		{in: "{rate: .nan}", wantErr: "rate: expected a finite float, got NaN"},
		{in: "{rate: x}", wantErr: `rate: expected float, got "x"`},
		{in: "{flag: 1}", wantErr: "flag: expected bool, got 1"},
		{in: "{wait: 10}", wantErr: "wait: expected duration (like 10s), got 10"},
		{in: "{wait: soon}", wantErr: `wait: expected duration (like 10s), got "soon"`},
		{in: "{addr: [1]}", wantErr: "addr: expected string, got a list"},
		{in: "{addr: nope}", wantErr: `addr: ParseAddr("nope")`},
		{in: "{widths: 3}", wantErr: "widths: expected list, got 3"},
		{in: "{widths: [1, null]}", wantErr: "widths[1]: expected int, got null"},
		{in: "{widths: [1, a]}", wantErr: `widths[1]: expected int, got "a"`},
		{in: "{pair: [1]}", wantErr: "pair: expected list of 2, got 1 elements"},
		{in: "{tags: [a]}", wantErr: "tags: expected map, got a list"},
		{in: "{tags: {a: [b]}}", wantErr: "tags.a: expected string, got a list"},
		{in: "{group: 3}", wantErr: "group: expected map, got 3"},
		{in: "{bad: x}", wantErr: "bad: unsupported field type fmt.Stringer"},
		{in: "{keyed: {a: 1}}", wantErr: "keyed: unsupported field type map[int]int"},
		{in: "{chan: 1}", wantErr: "chan: unsupported field type chan int"},
		{in: "{skipped: 1}", wantErr: "skipped: unknown key"},
		{in: "{hidden: 1}", wantErr: "hidden: unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			in, err := value.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			d := Decoder{Text: func(key string, _ any) (string, bool) { s, ok := tt.text[key]; return s, ok }}
			got := defaults()
			err = d.DecodeStruct("", in.(map[string]any), reflect.ValueOf(&got).Elem())
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want prefix %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := defaults()
			tt.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decoded\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

// TestErrorNamesKey: errors come from Decoder.Error, with the full dotted key below the one
// decoded, and decoding a null leaves the value as it was.
func TestErrorNamesKey(t *testing.T) {
	errBad := errors.New("bad")
	var keys, msgs []string
	d := Decoder{Error: func(key, msg string) error { keys, msgs = append(keys, key), append(msgs, msg); return errBad }}
	var o opts
	err := d.Decode("seg", map[string]any{"tags": map[string]any{"a": 1.5}}, reflect.ValueOf(&o).Elem())
	if err != errBad || len(keys) != 1 || keys[0] != "seg.tags.a" || msgs[0] != "expected string, got 1.5" {
		t.Errorf("error %v at %q: %q", err, keys, msgs)
	}
	n := 3
	if err := d.Decode("n", nil, reflect.ValueOf(&n).Elem()); err != nil || n != 3 {
		t.Errorf("decoding null: %v, value %d, want 3 unchanged", err, n)
	}
}

// TestAnyIsCopied: a value decoded into an interface field shares no map or list with the input.
func TestAnyIsCopied(t *testing.T) {
	in := map[string]any{"any": map[string]any{"l": []any{1}}}
	var o opts
	if err := (Decoder{}).DecodeStruct("", in, reflect.ValueOf(&o).Elem()); err != nil {
		t.Fatal(err)
	}
	in["any"].(map[string]any)["l"].([]any)[0] = 2
	if got := o.Any.(map[string]any)["l"].([]any)[0]; got != 1 {
		t.Errorf("decoded value changed with its input: %v", got)
	}
}

func TestStructFields(t *testing.T) {
	type Embedded struct {
		E int `koanf:"e"`
	}
	var v struct {
		*Embedded
		A int `koanf:"a"`
		b int
	}
	fields := make(map[string]reflect.Value)
	StructFields(reflect.ValueOf(&v).Elem(), fields)
	if got := value.SortedKeys(fields); !reflect.DeepEqual(got, []string{"a", "e"}) {
		t.Fatalf("keys %v, want [a e]", got)
	}
	if v.Embedded == nil {
		t.Fatal("nil embedded pointer not allocated")
	}
	fields["e"].SetInt(4)
	if v.E != 4 || v.b != 0 {
		t.Errorf("field e not settable through the map: %+v", v)
	}
}

func TestNumbers(t *testing.T) {
	tests := []struct {
		in    any
		i     int64
		iOK   bool
		u     uint64
		uOK   bool
		fOK   bool
		float float64
	}{
		{in: 3, i: 3, iOK: true, u: 3, uOK: true, fOK: true, float: 3},
		{in: -3, i: -3, iOK: true, fOK: true, float: -3},
		{in: int64(math.MinInt64), i: math.MinInt64, iOK: true, fOK: true, float: math.MinInt64},
		{in: uint64(math.MaxUint64), u: math.MaxUint64, uOK: true, fOK: true, float: math.MaxUint64},
		{in: 2.0, i: 2, iOK: true, u: 2, uOK: true, fOK: true, float: 2},
		{in: 2.5, fOK: true, float: 2.5},
		{in: 1e300, fOK: true, float: 1e300},
		{in: "1"},
		{in: true},
	}
	for _, tt := range tests {
		if i, ok := toInt(tt.in); ok != tt.iOK || (ok && i != tt.i) {
			t.Errorf("toInt(%v) = %d, %v", tt.in, i, ok)
		}
		if u, ok := toUint(tt.in); ok != tt.uOK || (ok && u != tt.u) {
			t.Errorf("toUint(%v) = %d, %v", tt.in, u, ok)
		}
		if f, ok := toFloat(tt.in); ok != tt.fOK || (ok && f != tt.float) {
			t.Errorf("toFloat(%v) = %v, %v", tt.in, f, ok)
		}
	}
}

// FuzzDecode checks that no YAML value makes decoding panic, and that a decoded string option
// holds a string the input held.
func FuzzDecode(f *testing.F) {
	f.Add("{name: x, widths: [1, 2], tags: {a: b}, wait: 2s}")
	f.Add("{group: null, opt: null, pair: [1, 2, 3]}")
	f.Add("{any: &a [*a], addr: '::1'}")
	f.Add("{count: 1e400, size: -0, rate: .inf}")
	f.Add("[1, 2]")
	f.Fuzz(func(t *testing.T, text string) {
		in, err := value.Parse(text)
		if err != nil {
			return
		}
		o := defaults()
		err = (Decoder{}).Decode("", in, reflect.ValueOf(&o).Elem())
		if err != nil {
			return
		}
		if m, ok := in.(map[string]any); ok {
			if s, ok := m["name"].(string); ok && o.Name != s {
				t.Errorf("name = %q, want %q", o.Name, s)
			}
		}
	})
}
