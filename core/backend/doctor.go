package backend

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"

	"github.com/dast-uda/dast/core/backend/fastgo"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// Check is one line of `dast doctor`: whether a backend is usable here and why (not).
type Check struct {
	Spec   string
	OK     bool
	Detail string
}

// Doctor tries every backend kind and reports which are usable here: it constructs the pure-Go
// backend and runs a tiny computation on it; it lists the NVIDIA GPUs (nvidia-smi) and the PJRT
// CUDA plugin, and only where a GPU is present loads the plugin to read its PJRT C API version
// (loading a CUDA plugin on a machine without a GPU fails noisily). It creates no XLA client;
// `dast doctor --try xla:cuda` does.
func Doctor() []Check {
	var checks []Check
	checks = append(checks, checkGo())
	g := DetectGPU()
	checks = append(checks, Check{Spec: "gpu", OK: g.Present(), Detail: g.String()})
	if !XLAAvailable {
		checks = append(checks, Check{Spec: "xla", Detail: ErrNoXLA.Error()})
		return checks
	}
	checks = append(checks, checkXLAEnv())
	p, err := FindCUDAPlugin()
	if err != nil {
		return append(checks, Check{Spec: "xla:cuda", Detail: err.Error()})
	}
	return append(checks, checkCUDAPlugin(p, g))
}

// checkXLAEnv reports XLA_FLAGS and the PJRT client options of the environment.
func checkXLAEnv() Check {
	c := Check{Spec: "xla env", OK: true}
	flags := os.Getenv(XLAFlagsEnv)
	if err := CheckXLAFlags(flags); err != nil {
		return Check{Spec: "xla env", Detail: err.Error()}
	}
	parts := []string{fmt.Sprintf("%s=%q", XLAFlagsEnv, flags)}
	opts, err := clientOptions(os.Getenv)
	if err != nil {
		return Check{Spec: "xla env", Detail: err.Error()}
	}
	if opts == nil {
		parts = append(parts, "client options: XLA defaults (set XLA_PYTHON_CLIENT_PREALLOCATE, _MEM_FRACTION, _ALLOCATOR to change)")
	} else {
		keys := make([]string, 0, len(opts))
		for k := range opts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var kv []string
		for _, k := range keys {
			kv = append(kv, fmt.Sprintf("%s=%v", k, opts[k]))
		}
		parts = append(parts, "client options: "+strings.Join(kv, " "))
	}
	c.Detail = strings.Join(parts, "; ")
	return c
}

// checkCUDAPlugin describes the plugin p and, with a GPU present, its PJRT C API version
// against go-xla's header.
func checkCUDAPlugin(p CUDAPlugin, g GPU) Check {
	c := Check{Spec: "xla:cuda"}
	parts := []string{fmt.Sprintf("plugin %s (found via %s)", p.Path, p.How)}
	if p.DataDir != "" {
		parts = append(parts, fmt.Sprintf("CUDA data dir %s (added to %s as %s unless set)", p.DataDir, XLAFlagsEnv, cudaDataDirFlag))
	} else {
		parts = append(parts, fmt.Sprintf("no CUDA data dir (nvvm/libdevice) under %q: set %s=%s=<cuda dir> if compilation cannot find libdevice or ptxas", p.NvidiaDir, XLAFlagsEnv, cudaDataDirFlag))
	}
	if !g.Present() {
		parts = append(parts, "not loaded: "+errNoGPU("the plugin", g).Error())
		c.Detail = strings.Join(parts, "; ")
		return c
	}
	// As New does before loading: otherwise go-xla's own CUDA check, run when the plugin is
	// loaded, may set a wrong --xla_gpu_cuda_data_dir that a later --try would keep.
	notes, err := prepareCUDAEnv(p)
	if err != nil {
		parts = append(parts, err.Error())
		c.Detail = strings.Join(parts, "; ")
		return c
	}
	parts = append(parts, notes...)
	info, err := LoadPluginInfo(p.Path)
	if err != nil {
		parts = append(parts, err.Error())
		c.Detail = strings.Join(parts, "; ")
		return c
	}
	ok, note := PJRTCompat(PJRTHeader, info.Version)
	c.OK = ok
	parts = append(parts, note)
	if len(info.Attributes) > 0 {
		parts = append(parts, "attributes: "+strings.Join(info.Attributes, " "))
	}
	parts = append(parts, "run `dast doctor --try xla:cuda` to create a client and compute on the GPU")
	c.Detail = strings.Join(parts, "; ")
	return c
}

func checkGo() (c Check) {
	c.Spec = "go"
	defer func() {
		if r := recover(); r != nil {
			c.OK, c.Detail = false, fmt.Sprintf("pure-Go backend failed a test computation: %v", r)
		}
	}()
	if err := Try("go"); err != nil {
		return Check{Spec: "go", Detail: err.Error()}
	}
	return Check{Spec: "go", OK: true, Detail: fmt.Sprintf("pure Go (%s), %d CPUs, %s/%s, options %q, fast kernels: %s", runtime.Version(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, DefaultGoOptions, fastgo.Status())}
}

// Try constructs the backend for spec and runs a small matrix product on it, reporting any failure.
func Try(spec string) error {
	_, err := TryDescribe(spec)
	return err
}

// TryDescribe is Try that also returns the backend's description and, for a backend with
// devices other than the host (XLA), the description of device 0, so that a GPU run shows which
// device computed.
func TryDescribe(spec string) (desc string, err error) {
	b, err := New(spec)
	if err != nil {
		return "", err
	}
	defer b.Finalize()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("backend %q: test computation failed: %v", spec, r)
		}
	}()
	e, err := graph.NewExec(b, func(x *graph.Node) *graph.Node {
		return graph.ReduceAllSum(graph.MatMul(x, graph.Transpose(x, 0, 1)))
	})
	if err != nil {
		return "", fmt.Errorf("backend %q: %w", spec, err)
	}
	out, err := e.Exec1([][]float32{{1, 2}, {3, 4}})
	if err != nil {
		return "", fmt.Errorf("backend %q: test computation failed: %w", spec, err)
	}
	// [[1,2],[3,4]] x its transpose = [[5,11],[11,25]], sum 52.
	if got := out.Value().(float32); got != 52 {
		return "", fmt.Errorf("backend %q: test computation gave %v, want 52", spec, got)
	}
	desc = b.Description()
	if !IsPureGo(b) && b.NumDevices() > 0 {
		desc += "; device 0: " + b.DeviceDescription(0)
	}
	return desc, nil
}
