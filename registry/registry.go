// Package registry is dast's component registry, modelled on Caddy modules and database/sql
// drivers.
//
// A component (segmentor, discriminator, objective, strategy, dataset, ...) is a Go type that
// registers itself in an init function:
//
//	func init() { registry.Register(Module{}) }
//
// Its Module method returns an Info whose ID is "kind.name" and whose New function returns a
// pointer to the component's config struct filled with defaults. The struct's fields, named by
// their `koanf:"..."` tags and documented by `doc:"..."` tags, are the component's YAML
// options. Package core/config looks a component up by kind and name, decodes a YAML block
// strictly into the struct returned by New and runs its optional Validate method.
//
// Each kind is declared once, with the interface its modules implement (DeclareKind, by the
// package defining the interface: core/model, core/train); a module of a declared kind that
// does not implement it fails at registration.
//
// The registry is filled during program initialisation and read afterwards; Register is safe
// for concurrent use so plugins may also register later.
package registry

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
)

// Module is implemented by every registered component.
type Module interface {
	// Module describes the component. It must not depend on the receiver's field values.
	Module() Info
}

// Info describes a registered module.
type Info struct {
	// ID is "kind.name", e.g. "segmentor.small" or "discriminator.corrector". Plugins use
	// three or more parts: "discriminator.<plugin>.<name>". Parts are lower-case letters,
	// digits and underscores, starting with a letter.
	ID string
	// Description is one line shown by "dast registry".
	Description string
	// New returns a pointer to a new config struct filled with defaults.
	New func() Module
}

// Kind returns the part of the ID before the first dot.
func (i Info) Kind() string {
	kind, _, _ := strings.Cut(i.ID, ".")
	return kind
}

// Name returns the part of the ID after the first dot.
func (i Info) Name() string {
	_, name, _ := strings.Cut(i.ID, ".")
	return name
}

// Validator is implemented by module config structs that check their own values. It is called
// after the YAML block has been decoded.
type Validator interface {
	Validate() error
}

// registry is a set of modules keyed by ID. The zero value is not usable; use newRegistry.
type registry struct {
	mu     sync.RWMutex
	mods   map[string]Info
	ifaces map[string]reflect.Type // kind -> the interface its modules implement (DeclareKind)
}

func newRegistry() *registry {
	return &registry{mods: make(map[string]Info), ifaces: make(map[string]reflect.Type)}
}

// std is the process-wide registry used by the package-level functions.
var std = newRegistry()

// Register adds m to the registry. It panics if m's ID is malformed or already registered, or
// if New is missing or does not return a non-nil pointer to a struct with the same ID: like
// database/sql.Register, it is meant to be called from init, where such a mistake is a
// start-up error.
func Register(m Module) {
	if err := std.add(m); err != nil {
		panic(err)
	}
}

// TryRegister is Register returning the error instead of panicking, for modules added at run
// time (plugins).
func TryRegister(m Module) error { return std.add(m) }

// Lookup returns the module with the given ID. For an unknown ID the error lists the names
// registered under that kind and suggests the closest one.
func Lookup(id string) (Info, error) { return std.lookup(id) }

// Kinds returns the kinds with at least one registered module, sorted.
func Kinds() []string { return std.kinds() }

// List returns the modules of one kind sorted by ID.
func List(kind string) []Info { return std.list(kind) }

// Options describes the options of module id, read from its config struct by reflection.
func Options(id string) ([]Option, error) {
	info, err := std.lookup(id)
	if err != nil {
		return nil, err
	}
	cfg := info.New()
	if l, ok := cfg.(OptionLister); ok {
		return l.ListOptions(), nil
	}
	return optionsOf(cfg)
}

// OptionLister is implemented by modules whose options are not (only) the fields of their
// config struct, such as plugin modules whose option schema comes from another process.
// Options returns ListOptions instead of reflecting the struct.
type OptionLister interface {
	ListOptions() []Option
}

// Unregister removes module id, registered at run time by TryRegister, so that a plugin host
// that stops its plugins leaves no module pointing at a dead process. It reports whether id
// was registered.
func Unregister(id string) bool { return std.remove(id) }

func (r *registry) remove(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.mods[id]
	delete(r.mods, id)
	return ok
}

func (r *registry) add(m Module) error {
	if m == nil {
		return fmt.Errorf("registry: Register of a nil module")
	}
	info := m.Module()
	if err := checkID(info.ID); err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	if info.New == nil {
		return fmt.Errorf("registry: module %s: Info.New is nil", info.ID)
	}
	cfg := info.New()
	if err := checkConfig(cfg); err != nil {
		return fmt.Errorf("registry: module %s: New: %w", info.ID, err)
	}
	if got := cfg.Module().ID; got != info.ID {
		return fmt.Errorf("registry: module %s: New returns a module with ID %q", info.ID, got)
	}
	if _, err := optionsOf(cfg); err != nil {
		return fmt.Errorf("registry: module %s: %w", info.ID, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.mods[info.ID]; dup {
		return fmt.Errorf("registry: module %s registered twice", info.ID)
	}
	if iface := r.ifaces[info.Kind()]; iface != nil {
		if err := implements(info, iface); err != nil {
			return err
		}
	}
	r.mods[info.ID] = info
	return nil
}

func (r *registry) lookup(id string) (Info, error) {
	if err := checkID(id); err != nil {
		return Info{}, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if info, ok := r.mods[id]; ok {
		return info, nil
	}
	kind, name, _ := strings.Cut(id, ".")
	var names []string
	for _, info := range r.mods {
		if info.Kind() == kind {
			names = append(names, info.Name())
		}
	}
	if len(names) == 0 {
		kinds := r.kindsLocked()
		msg := fmt.Sprintf("unknown module %q: no %s is registered (kinds: %s)", id, kind, listOrNone(kinds))
		if s := suggest(kind, kinds); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return Info{}, fmt.Errorf("%s", msg)
	}
	sort.Strings(names)
	msg := fmt.Sprintf("unknown %s %q (available: %s)", kind, name, strings.Join(names, ", "))
	if s := suggest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return Info{}, fmt.Errorf("%s", msg)
}

func (r *registry) kinds() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.kindsLocked()
}

func (r *registry) kindsLocked() []string {
	seen := make(map[string]bool)
	var kinds []string
	for _, info := range r.mods {
		if k := info.Kind(); !seen[k] {
			seen[k] = true
			kinds = append(kinds, k)
		}
	}
	sort.Strings(kinds)
	return kinds
}

func (r *registry) list(kind string) []Info {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []Info
	for _, info := range r.mods {
		if info.Kind() == kind {
			out = append(out, info)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
