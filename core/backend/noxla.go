//go:build noxla

package backend

import "github.com/gomlx/gomlx/backends"

// XLAAvailable reports whether this binary includes the XLA backend.
const XLAAvailable = false

func newXLA(string) (backends.Backend, error) { return nil, ErrNoXLA }

// PluginInfo is what a PJRT plugin says about itself once loaded.
type PluginInfo struct {
	Version    PJRTVersion
	Attributes []string
}

// LoadPluginInfo needs the XLA backend: it returns ErrNoXLA in this build.
func LoadPluginInfo(string) (PluginInfo, error) { return PluginInfo{}, ErrNoXLA }
