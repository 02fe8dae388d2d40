package registry

import (
	"fmt"
	"reflect"
	"sort"
)

// DeclareKind declares kind and the interface T its modules implement: the config struct New
// returns (a pointer) must implement T. The package that defines T declares its kind in init,
// once:
//
//	func init() { registry.DeclareKind[SegmentorBuilder]("segmentor") }
//
// Modules of kind registered before or after the declaration are checked against T: Register
// panics (TryRegister returns the error) for a module that does not implement it, and
// DeclareKind panics when an already-registered one does not. A kind nobody declares is not
// checked. DeclareKind panics if T is not an interface type or kind is declared twice.
func DeclareKind[T any](kind string) {
	if err := std.declare(kind, reflect.TypeFor[T]()); err != nil {
		panic(err)
	}
}

// KindInterface returns the interface declared for kind, or nil when it is not declared.
func KindInterface(kind string) reflect.Type {
	std.mu.RLock()
	defer std.mu.RUnlock()
	return std.ifaces[kind]
}

func (r *registry) declare(kind string, iface reflect.Type) error {
	if !validPart(kind) {
		return fmt.Errorf("registry: malformed kind %q: a lower-case letter followed by lower-case letters, digits or '_'", kind)
	}
	if iface.Kind() != reflect.Interface {
		return fmt.Errorf("registry: kind %s: %v is not an interface type", kind, iface)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, dup := r.ifaces[kind]; dup {
		return fmt.Errorf("registry: kind %s declared twice (%v, then %v)", kind, old, iface)
	}
	var ids []string
	for id, info := range r.mods {
		if info.Kind() == kind {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		if err := implements(r.mods[id], iface); err != nil {
			return err
		}
	}
	r.ifaces[kind] = iface
	return nil
}

// implements reports whether the config struct of info implements iface, with the one error
// message of a module that does not.
func implements(info Info, iface reflect.Type) error {
	cfg := info.New()
	if !reflect.TypeOf(cfg).Implements(iface) {
		return fmt.Errorf("registry: module %s: %T does not implement %v, the interface of kind %s", info.ID, cfg, iface, info.Kind())
	}
	return nil
}
