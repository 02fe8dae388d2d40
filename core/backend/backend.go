// Package backend builds the GoMLX backend named in a dast config.
//
// Specs:
//
//	go                    pure-Go backend (github.com/gomlx/gomlx/backends/simplego) in an
//	                      execution mode that never deadlocks on small machines, with
//	                      float32 matrix products on gonum's SGEMM (package fastgo)
//	go:<options>          pure-Go backend with explicit simplego options
//	xla                   XLA with a PJRT plugin found on PJRT_PLUGIN_LIBRARY_PATH (never downloaded)
//	xla:cuda              XLA with a PJRT CUDA plugin found by FindCUDAPlugin
//	xla:/abs/plugin.so    XLA with exactly that plugin file
//
// GoMLX's own default selection (backends.New) is never used: with no plugin installed it tries
// to download one and panics when offline.
//
// A CUDA plugin (xla:cuda, or a path whose file name says cuda) is loaded only where an NVIDIA
// GPU is visible (DetectGPU); elsewhere New returns an error that says so. Before loading it,
// New checks XLA_FLAGS's form, adds --xla_gpu_cuda_data_dir (the CUDA compiler files beside
// JAX's plugin) unless the user set one, and passes the PJRT client options of the
// XLA_PYTHON_CLIENT_* variables (clientOptions). docs/GPU.md has the details.
package backend

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dast-uda/dast/core/backend/fastgo"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
)

// DefaultGoOptions is the simplego configuration used for the spec "go".
//
// GoMLX's default "dynamic" op scheduling deadlocked in 4 of 4 GAN training steps on a 2-core
// machine (docs/ARCHITECTURE.md, "The pure-Go backend's kernels"); sequential op scheduling
// keeps dast's parallel kernels and never deadlocked (bench/cmd/stress: 0 hangs).
const DefaultGoOptions = "ops_sequential"

// ErrNoXLA is returned for an xla spec when the binary was built with the noxla tag.
var ErrNoXLA = errors.New("this dast binary was built without XLA support (build tag noxla); rebuild with cgo and without -tags noxla")

// Spec is a parsed backend spec.
type Spec struct {
	Kind    string // "go" or "xla"
	Options string // simplego options, or the XLA plugin: "", "cuda" or an absolute path
}

// Parse checks a backend spec without constructing anything.
func Parse(spec string) (Spec, error) {
	s := strings.TrimSpace(spec)
	if s == "" {
		s = "go"
	}
	kind, opts, _ := strings.Cut(s, ":")
	switch kind {
	case "go":
		if opts == "" {
			opts = DefaultGoOptions
		}
		return Spec{Kind: "go", Options: opts}, nil
	case "xla":
		if opts != "" && opts != "cuda" && !strings.HasPrefix(opts, "/") {
			return Spec{}, fmt.Errorf("backend %q: the xla plugin must be empty, \"cuda\" or an absolute path to a PJRT plugin .so, got %q", spec, opts)
		}
		return Spec{Kind: "xla", Options: opts}, nil
	default:
		return Spec{}, fmt.Errorf("backend %q: unknown backend %q (known: go, go:<options>, xla, xla:cuda, xla:/abs/path/plugin.so)", spec, kind)
	}
}

// String renders the spec in the form Parse accepts.
func (s Spec) String() string {
	if s.Options == "" {
		return s.Kind
	}
	return s.Kind + ":" + s.Options
}

// New constructs the backend for spec. The caller owns it and should Finalize it when done.
func New(spec string) (backends.Backend, error) {
	s, err := Parse(spec)
	if err != nil {
		return nil, err
	}
	switch s.Kind {
	case "go":
		fastgo.Install()
		b, err := simplego.New(s.Options)
		if err != nil {
			return nil, fmt.Errorf("backend %q: %w", spec, err)
		}
		return b, nil
	default:
		if !XLAAvailable {
			return nil, fmt.Errorf("backend %q: %w", spec, ErrNoXLA)
		}
		plugin, err := prepareXLA(s.Options)
		if err != nil {
			return nil, fmt.Errorf("backend %q: %w", spec, err)
		}
		b, err := newXLA(plugin)
		if err != nil {
			return nil, fmt.Errorf("backend %q: %w", spec, err)
		}
		return b, nil
	}
}

// prepareXLA resolves the plugin of an xla spec's options ("", "cuda" or an absolute path)
// and, for a CUDA plugin, checks that a GPU is present and readies the environment
// (prepareCUDAEnv). It returns the plugin to load ("" lets go-xla search).
func prepareXLA(opts string) (string, error) {
	if opts == "" {
		return "", nil
	}
	var p CUDAPlugin
	if opts == "cuda" {
		if g := DetectGPU(); !g.Present() {
			return "", errNoGPU("xla:cuda", g)
		}
		found, err := FindCUDAPlugin()
		if err != nil {
			return "", err
		}
		p = found
	} else {
		if _, err := os.Stat(opts); err != nil {
			return "", fmt.Errorf("PJRT plugin file: %w", err)
		}
		if !isCUDAPlugin(opts) {
			return opts, nil
		}
		if g := DetectGPU(); !g.Present() {
			return "", errNoGPU("the CUDA plugin "+opts, g)
		}
		p = cudaPluginAt(opts)
	}
	if _, err := prepareCUDAEnv(p); err != nil {
		return "", err
	}
	return p.Path, nil
}

// IsPureGo reports whether b is GoMLX's pure-Go backend (layers then use dast's own
// differentiable formulations instead of the native convolution and pooling ops).
func IsPureGo(b backends.Backend) bool {
	_, ok := b.(*simplego.Backend)
	return ok
}
