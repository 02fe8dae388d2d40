//go:build !noxla

package backend

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/xla"
)

// XLAAvailable reports whether this binary includes the XLA backend.
const XLAAvailable = true

func init() {
	// Never download anything at run time.
	xla.EnableAutoInstall(false)
}

func newXLA(plugin string) (b backends.Backend, err error) {
	if plugin == "" {
		if len(xla.GetAvailablePlugins()) == 0 {
			return nil, fmt.Errorf("no PJRT plugin found on PJRT_PLUGIN_LIBRARY_PATH or the standard go-xla folders; name one with xla:/abs/path/plugin.so (dast never downloads plugins)")
		}
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("load PJRT plugin %q: %v", plugin, r)
		}
	}()
	return xla.New(plugin)
}
