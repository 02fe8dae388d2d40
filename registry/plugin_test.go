package registry

import (
	"reflect"
	"testing"
)

// lister is a module whose options come from ListOptions, as for plugins.
type lister struct {
	Options map[string]any `koanf:"options"`
}

func (lister) Module() Info {
	return Info{ID: "discriminator.testplugin.lister", Description: "listed options",
		New: func() Module { return &lister{} }}
}

func (*lister) ListOptions() []Option {
	return []Option{{Key: "options.width", Type: "int", Default: 64, Doc: "width"}}
}

func TestOptionListerAndUnregister(t *testing.T) {
	if err := TryRegister(lister{}); err != nil {
		t.Fatal(err)
	}
	id := lister{}.Module().ID
	opts, err := Options(id)
	if err != nil {
		t.Fatal(err)
	}
	want := []Option{{Key: "options.width", Type: "int", Default: 64, Doc: "width"}}
	if !reflect.DeepEqual(opts, want) {
		t.Errorf("Options = %+v, want %+v", opts, want)
	}
	if !Unregister(id) {
		t.Errorf("Unregister(%s) = false for a registered module", id)
	}
	if _, err := Lookup(id); err == nil {
		t.Errorf("Lookup(%s) after Unregister succeeded", id)
	}
	if Unregister(id) {
		t.Errorf("second Unregister(%s) = true", id)
	}
	if err := TryRegister(lister{}); err != nil {
		t.Errorf("TryRegister after Unregister: %v", err)
	}
	Unregister(id)
}
