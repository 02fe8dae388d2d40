//go:build !noxla

package backend

import (
	"fmt"
	"os"
	"sort"

	"github.com/gomlx/go-xla/pkg/pjrt"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/xla"
)

// XLAAvailable reports whether this binary includes the XLA backend.
const XLAAvailable = true

func init() {
	// Never download anything at run time.
	xla.EnableAutoInstall(false)
}

// newXLA constructs the XLA backend on plugin ("" for the first one go-xla finds, or an
// absolute path), with the PJRT client options of the environment (clientOptions).
func newXLA(plugin string) (b backends.Backend, err error) {
	if plugin == "" {
		if len(xla.GetAvailablePlugins()) == 0 {
			return nil, fmt.Errorf("no PJRT plugin found on PJRT_PLUGIN_LIBRARY_PATH or the standard go-xla folders; name one with xla:/abs/path/plugin.so (dast never downloads plugins)")
		}
	}
	opts, err := clientOptions(os.Getenv)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("load PJRT plugin %q: %v", plugin, r)
		}
	}()
	if opts == nil {
		return xla.New(plugin)
	}
	return xla.NewWithOptions(plugin, pjrt.NamedValuesMap(opts))
}

// PluginInfo is what a PJRT plugin says about itself once loaded (no client is created, so no
// device is touched).
type PluginInfo struct {
	Version    PJRTVersion
	Attributes []string // "name=value", sorted
}

// LoadPluginInfo loads the plugin file at path and reads its PJRT C API version and
// attributes. Loading a CUDA plugin needs the NVIDIA driver libraries, so callers do it only
// where a GPU is present.
func LoadPluginInfo(path string) (info PluginInfo, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("load PJRT plugin %s: %v", path, r)
		}
	}()
	p, err := pjrt.GetPlugin(path)
	if err != nil {
		return PluginInfo{}, fmt.Errorf("load PJRT plugin %s: %w", path, err)
	}
	major, minor := p.Version()
	info.Version = PJRTVersion{major, minor}
	for k, v := range p.Attributes() {
		info.Attributes = append(info.Attributes, fmt.Sprintf("%s=%v", k, v))
	}
	sort.Strings(info.Attributes)
	return info, nil
}
