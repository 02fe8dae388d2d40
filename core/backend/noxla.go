//go:build noxla

package backend

import "github.com/gomlx/gomlx/backends"

// XLAAvailable reports whether this binary includes the XLA backend.
const XLAAvailable = false

func newXLA(string) (backends.Backend, error) { return nil, ErrNoXLA }
