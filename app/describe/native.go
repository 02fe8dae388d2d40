package describe

import "github.com/gomlx/gomlx/backends"

// nativeNamed wraps a backend under a name starting with "xla", so that core/nn builds its
// layers with the native ConvGeneral and MaxPool ops (one node per layer, as XLA and PyTorch
// run them) instead of the pure-Go backend's Gather/Winograd formulations. Graphs built on it
// are only inspected for shapes, never compiled.
type nativeNamed struct{ backends.Backend }

// Name implements backends.Backend.
func (nativeNamed) Name() string { return "xla (shape inference)" }

// NativeLayers returns b renamed so that layer helpers choose their native formulation.
func NativeLayers(b backends.Backend) backends.Backend { return nativeNamed{b} }
