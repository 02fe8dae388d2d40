package plugins

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/plugins/layernet"
	"github.com/dast-uda/dast/plugins/sdk"
	pluginpb "github.com/dast-uda/dast/plugins/sdk/pluginpb"
	"github.com/dast-uda/dast/registry"
)

// Discriminator describes one discriminator of a loaded plugin.
type Discriminator struct {
	// ID is "discriminator.<plugin>.<name>"; configs name it "<plugin>.<name>".
	ID          string
	Name        string
	Description string
	Options     []sdk.Option
	// Layers is the layer list for the default options and one input channel (the load-time
	// dry run).
	Layers []sdk.Layer

	proc *proc
}

// optionByName returns the schema entry of option name.
func (d *Discriminator) optionByName(name string) (sdk.Option, bool) {
	for _, o := range d.Options {
		if o.Name == name {
			return o, true
		}
	}
	return sdk.Option{}, false
}

// Module is the config struct of a plugin discriminator, registered as
// "discriminator.<plugin>.<name>". Its YAML block is {name: <plugin>.<name>, options: {...}};
// the options are checked against the plugin's schema by Validate. It implements
// model.DiscriminatorBuilder by asking the plugin for the layer list.
type Module struct {
	// Options holds the option values, defaults filled in by New.
	Options map[string]any `koanf:"options" doc:"the plugin's options (see the options.* entries)"`

	d *Discriminator
}

// Module implements registry.Module.
func (m Module) Module() registry.Info {
	d := m.d
	return registry.Info{ID: d.ID, Description: d.Description + " [plugin " + d.proc.name + "]", New: func() registry.Module {
		opts := make(map[string]any, len(d.Options))
		for _, o := range d.Options {
			opts[o.Name], _ = sdk.Normalize(o.Type, o.Default)
		}
		return &Module{Options: opts, d: d}
	}}
}

// ListOptions implements registry.OptionLister: the plugin's schema, keyed "options.<name>".
func (m *Module) ListOptions() []registry.Option {
	out := make([]registry.Option, len(m.d.Options))
	for i, o := range m.d.Options {
		out[i] = registry.Option{Key: "options." + o.Name, Type: o.Type.String(), Default: o.Default, Doc: o.Doc}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// values checks m.Options against the schema and returns them normalized.
func (m *Module) values() (sdk.Options, error) {
	out := make(sdk.Options, len(m.d.Options))
	for _, k := range sortedKeys(m.Options) {
		o, ok := m.d.optionByName(k)
		if !ok {
			known := make([]string, len(m.d.Options))
			for i, o := range m.d.Options {
				known[i] = o.Name
			}
			sort.Strings(known)
			return nil, fmt.Errorf("options.%s: unknown option (known: %s)", k, strings.Join(known, ", "))
		}
		v, err := sdk.Normalize(o.Type, m.Options[k])
		if err != nil {
			return nil, fmt.Errorf("options.%s: %w", k, err)
		}
		out[k] = v
	}
	for _, o := range m.d.Options {
		if _, ok := out[o.Name]; !ok {
			out[o.Name], _ = sdk.Normalize(o.Type, o.Default)
		}
	}
	return out, nil
}

// Validate implements registry.Validator: option names and types against the schema.
func (m *Module) Validate() error {
	_, err := m.values()
	return err
}

// NewDiscriminator implements model.DiscriminatorBuilder: it asks the plugin for the layer
// list, validates it and returns a *layernet.Net.
func (m *Module) NewDiscriminator(inChannels int) (model.Discriminator, error) {
	vals, err := m.values()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.d.ID, err)
	}
	return m.d.build(vals, inChannels, 0)
}

// build asks the plugin for the layers for vals and inChannels and checks them (with an
// input size when size > 0).
func (d *Discriminator) build(vals sdk.Options, inChannels, size int) (*layernet.Net, error) {
	if inChannels < 1 || inChannels > layernet.MaxChannels {
		return nil, fmt.Errorf("%s: input channels %d out of range [1, %d]", d.ID, inChannels, layernet.MaxChannels)
	}
	req := make(map[string]*pluginpb.Value, len(vals))
	for _, o := range d.Options {
		v, err := sdk.ValueToProto(o.Type, vals[o.Name])
		if err != nil {
			return nil, fmt.Errorf("%s: options.%s: %w", d.ID, o.Name, err)
		}
		req[o.Name] = v
	}
	layers, err := d.proc.build(d.Name, req, inChannels)
	if err != nil {
		return nil, err
	}
	err = layernet.Check(layers, inChannels, size, size)
	if err == nil && d.proc.version < 2 {
		err = layernet.CheckVersion1(layers)
	}
	if err != nil {
		return nil, d.proc.errorf("discriminator %s: invalid description: %w", d.Name, err)
	}
	return &layernet.Net{ID: d.ID, InChannels: inChannels, Layers: layers}, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
