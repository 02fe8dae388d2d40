package registry

import (
	"reflect"
	"strings"
	"testing"
)

// widgeter is the interface of the test kind "widget".
type widgeter interface{ Widget() int }

// widget implements widgeter; gadget (kind "widget" too) does not.
type widget struct {
	id string `koanf:"-"`
}

func (w widget) Module() Info {
	id := w.id
	return Info{ID: id, New: func() Module { return &widget{id: id} }}
}
func (*widget) Widget() int { return 1 }

type gadget struct{}

func (gadget) Module() Info {
	return Info{ID: "widget.gadget", New: func() Module { return &gadget{} }}
}

func TestDeclareKind(t *testing.T) {
	iface := reflect.TypeFor[widgeter]()
	tests := []struct {
		name    string
		before  []Module // registered before the declaration
		after   []Module // registered after it
		wantErr string   // of the declaration, or else of the first failing registration
	}{
		{name: "implementing modules", before: []Module{widget{id: "widget.a"}}, after: []Module{widget{id: "widget.b"}}},
		{name: "other kinds unchecked", after: []Module{fake{id: "segmentor.small"}}},
		{name: "wrong module after", after: []Module{gadget{}}, wantErr: "registry: module widget.gadget: *registry.gadget does not implement registry.widgeter, the interface of kind widget"},
		{name: "wrong module before", before: []Module{gadget{}}, wantErr: "registry: module widget.gadget: *registry.gadget does not implement registry.widgeter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRegistry()
			for _, m := range tt.before {
				if err := r.add(m); err != nil {
					t.Fatal(err)
				}
			}
			err := r.declare("widget", iface)
			for _, m := range tt.after {
				if err != nil {
					break
				}
				err = r.add(m)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := r.ifaces["widget"]; got != iface {
					t.Errorf("declared interface = %v, want %v", got, iface)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestDeclareKindMisuse(t *testing.T) {
	r := newRegistry()
	if err := r.declare("widget", reflect.TypeFor[widget]()); err == nil || !strings.Contains(err.Error(), "is not an interface type") {
		t.Errorf("declaring a struct type: %v", err)
	}
	if err := r.declare("Widget", reflect.TypeFor[widgeter]()); err == nil || !strings.Contains(err.Error(), "malformed kind") {
		t.Errorf("declaring a malformed kind: %v", err)
	}
	if err := r.declare("widget", reflect.TypeFor[widgeter]()); err != nil {
		t.Fatal(err)
	}
	if err := r.declare("widget", reflect.TypeFor[widgeter]()); err == nil || !strings.Contains(err.Error(), "declared twice") {
		t.Errorf("declaring twice: %v", err)
	}
}
