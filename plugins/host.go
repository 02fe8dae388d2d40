// Package plugins loads third-party discriminators from out-of-process plugins.
//
// A plugin is an executable written with package plugins/sdk. The host starts it through
// hashicorp/go-plugin (magic-cookie handshake with a protocol version, gRPC transport,
// automatic mTLS, optional SHA-256 verification), asks it to describe its discriminators (a
// name, a description and an option schema each) and registers each as the registry module
// "discriminator.<plugin>.<name>". When a configuration builds one, the host asks the plugin
// for the concrete layer graph for the option values and input channel count, validates it
// and builds it itself with core/nn (package plugins/layernet): plugins never run in the
// training loop.
//
// Protocol versions are negotiated in the handshake. Version 1 is a sequence of conv, relu,
// leaky_relu and tanh layers (what dast's first SDK wrote); version 2 adds named layers with
// inputs and the types add, concat, avg_pool, max_pool, upsample, self_attention and
// instance_norm. The host offers both, so version-1 plugins keep loading; the SDK offers both
// too and, on a host that speaks only version 1, refuses a version-2 graph with an error that
// says to upgrade dast.
//
// Every failure (missing or non-executable file, checksum mismatch, crash at start or during
// the handshake, wrong cookie or protocol version, no answer within the timeout, an invalid
// description) is an error naming the plugin and the cause, and leaves no plugin process
// running. Host.Close stops all plugins and unregisters their modules; on Linux the kernel
// also kills plugins whose host dies.
package plugins

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/plugins/layernet"
	"github.com/dast-uda/dast/plugins/sdk"
	"github.com/dast-uda/dast/registry"
)

// Limits on a plugin's description.
const (
	MaxDiscriminators = 32
	MaxOptions        = 64
)

// Config says which plugins to start.
type Config struct {
	// Plugins are executables named in the configuration, with optional checksums.
	Plugins []config.PluginRef
	// Dirs are directories whose executable regular files (not hidden) are all plugins.
	Dirs []string
	// Timeout bounds a plugin's start and each answer; 0 means config.DefaultPluginTimeout.
	Timeout time.Duration
	// ProbeSize, when > 0, is the input size (ProbeSize x ProbeSize) of the load-time dry run
	// of every discriminator with its default options: a stride chain that shrinks it below
	// one pixel fails the load. 0 skips the size check (layernet.Net.Apply still checks real
	// inputs).
	ProbeSize int

	// protocols are the protocol versions offered; nil means 1 to sdk.ProtocolVersion. Tests
	// set {1} to stand for a host that predates version 2.
	protocols []int
}

// FromRoot returns the plugin settings of a run configuration.
func FromRoot(r *config.Root) Config {
	return Config{Plugins: r.Plugins, Dirs: r.PluginDirs, Timeout: r.PluginTimeout}
}

func (c Config) versions() []int {
	if c.protocols != nil {
		return c.protocols
	}
	v := make([]int, sdk.ProtocolVersion)
	for i := range v {
		v[i] = i + 1
	}
	return v
}

func (c Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return config.DefaultPluginTimeout
}

// Discover lists the plugin executables of c: the named ones first, in order, then the
// executable regular files of each directory sorted by name (hidden files skipped). A path
// named twice is listed once, with the checksum of its named entry.
func Discover(c Config) ([]config.PluginRef, error) {
	var out []config.PluginRef
	seen := make(map[string]bool)
	add := func(ref config.PluginRef) error {
		abs, err := filepath.Abs(ref.Path)
		if err != nil {
			return fmt.Errorf("plugin %s: %w", ref.Path, err)
		}
		if !seen[abs] {
			seen[abs] = true
			out = append(out, config.PluginRef{Path: abs, SHA256: ref.SHA256})
		}
		return nil
	}
	for _, ref := range c.Plugins {
		if err := add(ref); err != nil {
			return nil, err
		}
	}
	for _, dir := range c.Dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("plugin directory: %w", err)
		}
		for _, e := range entries {
			if e.Name()[0] == '.' {
				continue
			}
			info, err := e.Info()
			if err != nil || !info.Mode().IsRegular() || info.Mode().Perm()&0o111 == 0 {
				continue
			}
			if err := add(config.PluginRef{Path: filepath.Join(dir, e.Name())}); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Plugin describes a running plugin.
type Plugin struct {
	Name   string
	Path   string
	SHA256 string
	PID    int
	// Protocol is the negotiated protocol version.
	Protocol int
	// Discriminators in the order the plugin described them.
	Discriminators []*Discriminator
}

// Host owns the running plugins of a process.
type Host struct {
	mu      sync.Mutex
	plugins []*Plugin
	procs   []*proc
	ids     []string
	closed  bool
}

// Load starts the plugins of cfg, validates their descriptions (with a dry run of each
// discriminator on its default options) and registers their discriminators. On error every
// plugin started so far is stopped and nothing stays registered. Call Close when done.
func Load(ctx context.Context, cfg Config, log *zap.Logger) (*Host, error) {
	if log == nil {
		log = zap.NewNop()
	}
	refs, err := Discover(cfg)
	if err != nil {
		return nil, err
	}
	h := &Host{}
	names := make(map[string]string)
	for _, ref := range refs {
		if name, err := pluginName(ref.Path); err == nil {
			if prev, dup := names[name]; dup {
				return nil, fmt.Errorf("plugins %s and %s have the same name %q", prev, ref.Path, name)
			}
			names[name] = ref.Path
		}
	}
	for _, ref := range refs {
		pl, p, err := open(ctx, ref, cfg, log)
		if err != nil {
			h.Close()
			return nil, err
		}
		h.procs = append(h.procs, p)
		h.plugins = append(h.plugins, pl)
		for _, d := range pl.Discriminators {
			if err := registry.TryRegister(Module{d: d}); err != nil {
				h.Close()
				return nil, p.errorf("register %s: %w", d.ID, err)
			}
			h.ids = append(h.ids, d.ID)
		}
		log.Info("plugin loaded", zap.String("plugin", pl.Name), zap.String("path", pl.Path), zap.Int("discriminators", len(pl.Discriminators)))
	}
	return h, nil
}

// Inspect starts the plugin at path (checking sum when not empty), describes it with a dry
// run of each discriminator and stops it. Nothing is registered.
func Inspect(ctx context.Context, path, sum string, timeout time.Duration, log *zap.Logger) (*Plugin, error) {
	if log == nil {
		log = zap.NewNop()
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	pl, p, err := open(ctx, config.PluginRef{Path: abs, SHA256: sum}, Config{Timeout: timeout}, log)
	if err != nil {
		return nil, err
	}
	p.kill(true)
	return pl, nil
}

// open starts one plugin and checks its description; on error the process is stopped.
func open(ctx context.Context, ref config.PluginRef, cfg Config, log *zap.Logger) (*Plugin, *proc, error) {
	p, err := start(ctx, ref.Path, ref.SHA256, cfg.timeout(), cfg.versions(), log)
	if err != nil {
		return nil, nil, err
	}
	pl, err := describe(p, cfg.ProbeSize)
	if err != nil {
		p.kill(false)
		return nil, nil, err
	}
	return pl, p, nil
}

// describe asks p for its discriminators, checks the description and dry-runs each one.
func describe(p *proc, probeSize int) (*Plugin, error) {
	resp, err := p.describe()
	if err != nil {
		return nil, err
	}
	infos := resp.GetDiscriminators()
	if len(infos) == 0 {
		return nil, p.errorf("invalid description: no discriminators")
	}
	if len(infos) > MaxDiscriminators {
		return nil, p.errorf("invalid description: %d discriminators exceed the limit of %d", len(infos), MaxDiscriminators)
	}
	pl := &Plugin{Name: p.name, Path: p.path, SHA256: p.sum, PID: p.pid, Protocol: p.version}
	seen := make(map[string]bool)
	for _, info := range infos {
		name := info.GetName()
		if !layernet.ValidName(name) {
			return nil, p.errorf("invalid description: discriminator name %q (want a lower-case letter followed by letters, digits or '_')", name)
		}
		if seen[name] {
			return nil, p.errorf("invalid description: discriminator %q described twice", name)
		}
		seen[name] = true
		d := &Discriminator{ID: "discriminator." + p.name + "." + name, Name: name, Description: info.GetDescription(), proc: p}
		if len(info.GetOptions()) > MaxOptions {
			return nil, p.errorf("invalid description: discriminator %s: %d options exceed the limit of %d", name, len(info.GetOptions()), MaxOptions)
		}
		optSeen := make(map[string]bool)
		for _, o := range info.GetOptions() {
			if !layernet.ValidName(o.GetName()) || optSeen[o.GetName()] {
				return nil, p.errorf("invalid description: discriminator %s: bad or repeated option name %q", name, o.GetName())
			}
			optSeen[o.GetName()] = true
			t, ok := sdk.TypeFromProto(o.GetType())
			if !ok {
				return nil, p.errorf("invalid description: discriminator %s: option %s: unknown type %v", name, o.GetName(), o.GetType())
			}
			def, err := sdk.ValueFromProto(t, o.GetDefault())
			if err != nil {
				return nil, p.errorf("invalid description: discriminator %s: option %s: default: %w", name, o.GetName(), err)
			}
			d.Options = append(d.Options, sdk.Option{Name: o.GetName(), Type: t, Default: def, Doc: o.GetDoc()})
		}
		defaults := make(sdk.Options, len(d.Options))
		for _, o := range d.Options {
			defaults[o.Name] = o.Default
		}
		net, err := d.build(defaults, 1, probeSize)
		if err != nil {
			return nil, err
		}
		d.Layers = net.Layers
		pl.Discriminators = append(pl.Discriminators, d)
	}
	return pl, nil
}

// Plugins returns the loaded plugins sorted by name.
func (h *Host) Plugins() []*Plugin {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := append([]*Plugin(nil), h.plugins...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Close unregisters the plugins' discriminators and stops every plugin process, waiting for
// them to exit. It is safe to call more than once and on a nil Host.
func (h *Host) Close() error {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	ids, procs := h.ids, h.procs
	h.mu.Unlock()
	for _, id := range ids {
		registry.Unregister(id)
	}
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.kill(true)
		}()
	}
	wg.Wait()
	return nil
}
