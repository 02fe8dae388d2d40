package registry

import (
	"strings"
	"testing"
	"time"
)

// fake is a configurable test module.
type fake struct {
	id    string `koanf:"-"`
	Width int    `koanf:"width" doc:"channels of the first layer"`
}

func (f fake) Module() Info {
	id := f.id
	return Info{ID: id, Description: "fake " + id, New: func() Module { return &fake{id: id, Width: 8} }}
}

// noNew has an Info without New.
type noNew struct{}

func (noNew) Module() Info { return Info{ID: "segmentor.nonew"} }

// badNew returns a non-pointer from New.
type badNew struct{}

func (badNew) Module() Info {
	return Info{ID: "segmentor.badnew", New: func() Module { return badNew{} }}
}

// otherID returns a config struct with another ID.
type otherID struct{}

func (otherID) Module() Info {
	return Info{ID: "segmentor.other", New: func() Module { return &fake{id: "segmentor.else"} }}
}

func TestAdd(t *testing.T) {
	tests := []struct {
		name    string
		mods    []Module
		wantErr string // substring of the error of the last add; "" for success
	}{
		{"ok", []Module{fake{id: "segmentor.small"}}, ""},
		{"plugin id", []Module{fake{id: "discriminator.myplugin.fancy"}}, ""},
		{"duplicate", []Module{fake{id: "segmentor.small"}, fake{id: "segmentor.small"}}, "registered twice"},
		{"no dot", []Module{fake{id: "small"}}, "want kind.name"},
		{"upper case", []Module{fake{id: "segmentor.Small"}}, "malformed"},
		{"empty part", []Module{fake{id: "segmentor..x"}}, "malformed"},
		{"leading digit", []Module{fake{id: "segmentor.1x"}}, "malformed"},
		{"nil New", []Module{noNew{}}, "Info.New is nil"},
		{"non-pointer New", []Module{badNew{}}, "want a non-nil pointer to a struct"},
		{"mismatched ID", []Module{otherID{}}, `ID "segmentor.else"`},
		{"nil module", []Module{nil}, "nil module"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRegistry()
			var err error
			for _, m := range tt.mods {
				err = r.add(m)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("add: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("add error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestRegisterPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Register of a malformed ID did not panic")
		}
	}()
	Register(fake{id: "Bad"})
}

func TestLookup(t *testing.T) {
	r := newRegistry()
	for _, id := range []string{"segmentor.small", "segmentor.vgg16", "discriminator.corrector", "discriminator.discoverer"} {
		if err := r.add(fake{id: id}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		id      string
		wantErr string
	}{
		{"segmentor.small", ""},
		{"discriminator.corrector", ""},
		{"segmentor.smal", `unknown segmentor "smal" (available: small, vgg16); did you mean "small"?`},
		{"segmentor.vgg19", `did you mean "vgg16"?`},
		{"segmentor.resnet101", `unknown segmentor "resnet101" (available: small, vgg16)`},
		{"discriminator.corector", `did you mean "corrector"?`},
		{"segmentr.small", `no segmentr is registered (kinds: discriminator, segmentor); did you mean "segmentor"?`},
		{"strategy.dast", `no strategy is registered`},
		{"small", "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			info, err := r.lookup(tt.id)
			if tt.wantErr == "" {
				if err != nil || info.ID != tt.id {
					t.Fatalf("lookup = %v, %v; want %s", info.ID, err, tt.id)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("lookup error = %v, want it to contain %q", err, tt.wantErr)
			}
			if strings.Contains(tt.wantErr, "did you mean") == false && strings.Contains(err.Error(), "did you mean") {
				t.Errorf("unexpected suggestion in %q", err)
			}
		})
	}
}

func TestKindsAndList(t *testing.T) {
	r := newRegistry()
	ids := []string{"strategy.dast", "segmentor.vgg16", "segmentor.small", "discriminator.p.x"}
	for _, id := range ids {
		if err := r.add(fake{id: id}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := strings.Join(r.kinds(), ","), "discriminator,segmentor,strategy"; got != want {
		t.Errorf("kinds = %s, want %s", got, want)
	}
	var got []string
	for _, info := range r.list("segmentor") {
		got = append(got, info.ID)
	}
	if strings.Join(got, ",") != "segmentor.small,segmentor.vgg16" {
		t.Errorf("list(segmentor) = %v", got)
	}
	if l := r.list("dataset"); len(l) != 0 {
		t.Errorf("list(dataset) = %v, want empty", l)
	}
	info := r.list("discriminator")[0]
	if info.Kind() != "discriminator" || info.Name() != "p.x" {
		t.Errorf("Kind, Name = %q, %q", info.Kind(), info.Name())
	}
}

type level string

func (l *level) UnmarshalText(b []byte) error { *l = level(b); return nil }

type Common struct {
	Seed int `koanf:"seed" doc:"random seed"`
}

type Optim struct {
	LR float64 `koanf:"lr"`
}

type rich struct {
	Common
	Widths   []int              `koanf:"widths" doc:"channels per stage"`
	Name     string             `koanf:"name"`
	Scale    float32            `koanf:"scale"`
	Enabled  bool               `koanf:"enabled"`
	Every    time.Duration      `koanf:"every"`
	Level    level              `koanf:"level"`
	Weights  map[string]float64 `koanf:"weights"`
	Optim    Optim              `koanf:"optim"`
	Untagged uint8
	Extra    any    `koanf:"extra"`
	skipped  int    //nolint:unused // unexported fields are not options
	Hidden   string `koanf:"-"`
}

func (rich) Module() Info {
	return Info{ID: "segmentor.rich", New: func() Module {
		return &rich{Common: Common{Seed: 3}, Widths: []int{16, 32}, Scale: 0.5, Every: 10 * time.Second,
			Weights: map[string]float64{"b": 2, "a": 1}, Optim: Optim{LR: 1e-4}}
	}}
}

func TestOptions(t *testing.T) {
	opts, err := optionsOf(rich{}.Module().New())
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ key, typ, def, doc string }{
		{"enabled", "bool", "false", ""},
		{"every", "duration", "10s", ""},
		{"extra", "any", "null", ""},
		{"level", "string", `""`, ""},
		{"name", "string", `""`, ""},
		{"optim.lr", "float", "0.0001", ""},
		{"scale", "float", "0.5", ""},
		{"seed", "int", "3", "random seed"},
		{"untagged", "uint", "0", ""},
		{"weights", "map[string]float", "{a: 1, b: 2}", ""},
		{"widths", "[]int", "[16, 32]", "channels per stage"},
	}
	if len(opts) != len(want) {
		t.Fatalf("got %d options %+v, want %d", len(opts), opts, len(want))
	}
	for i, w := range want {
		o := opts[i]
		if o.Key != w.key || o.Type != w.typ || o.DefaultText() != w.def || o.Doc != w.doc {
			t.Errorf("option %d = {%s %s %s %q}, want {%s %s %s %q}", i, o.Key, o.Type, o.DefaultText(), o.Doc, w.key, w.typ, w.def, w.doc)
		}
	}
}

type unsupported struct {
	C chan int `koanf:"c"`
}

func (unsupported) Module() Info {
	return Info{ID: "segmentor.unsupported", New: func() Module { return &unsupported{} }}
}

func TestAddRejectsUnsupportedOptionType(t *testing.T) {
	err := newRegistry().add(unsupported{})
	if err == nil || !strings.Contains(err.Error(), "option c: unsupported type chan int") {
		t.Fatalf("add error = %v", err)
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		in    string
		cands []string
		want  string
	}{
		{"smal", []string{"small", "vgg16"}, "small"},
		{"x", []string{"small"}, ""},
		{"dst", []string{"dast", "da"}, "dast"},
		{"ds", []string{"da"}, "da"},
		{"resnet", []string{"resnet101"}, ""},
		{"", []string{"a"}, ""},
		{"abc", nil, ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, tt.cands); got != tt.want {
			t.Errorf("suggest(%q, %v) = %q, want %q", tt.in, tt.cands, got, tt.want)
		}
	}
}
