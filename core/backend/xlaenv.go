package backend

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Environment variables read or written on the XLA path.
const (
	// XLAFlagsEnv holds XLA's own command-line flags; XLA reads it when a plugin creates its
	// first client and aborts the whole process on a flag it does not know.
	XLAFlagsEnv = "XLA_FLAGS"
	// cudaChecksEnv turns off go-xla's CUDA library check, which otherwise may point
	// --xla_gpu_cuda_data_dir at a folder of go-xla's author's machine (go-xla v0.1.4,
	// cudaPluginCheckDrivers); dast sets that flag itself (prepareCUDAEnv).
	cudaChecksEnv = "GOPJRT_CUDA_CHECKS"
	// The PJRT CUDA client options, under the names JAX reads them from.
	preallocateEnv = "XLA_PYTHON_CLIENT_PREALLOCATE"
	memFractionEnv = "XLA_PYTHON_CLIENT_MEM_FRACTION"
	allocatorEnv   = "XLA_PYTHON_CLIENT_ALLOCATOR"
)

// cudaDataDirFlag is the XLA flag naming the CUDA toolkit folder (ptxas, libdevice).
const cudaDataDirFlag = "--xla_gpu_cuda_data_dir"

// CheckXLAFlags checks the form of an XLA_FLAGS value: space-separated --name or --name=value
// tokens. XLA cannot be asked which names it knows without loading a plugin, and it aborts the
// process on an unknown one, so this only catches what is malformed (a token without "--", an
// empty name), naming the token.
func CheckXLAFlags(flags string) error {
	for _, tok := range strings.Fields(flags) {
		name, _, _ := strings.Cut(strings.TrimPrefix(tok, "--"), "=")
		if !strings.HasPrefix(tok, "--") || name == "" || strings.HasPrefix(name, "-") {
			return fmt.Errorf("%s=%q: token %q is not --name or --name=value", XLAFlagsEnv, flags, tok)
		}
	}
	return nil
}

// withCUDADataDir returns flags with --xla_gpu_cuda_data_dir=dir appended, unless flags already
// name one (the user's choice wins) or dir is "". changed says whether it appended.
func withCUDADataDir(flags, dir string) (out string, changed bool) {
	if dir == "" || hasFlag(flags, cudaDataDirFlag) {
		return flags, false
	}
	return strings.TrimSpace(flags + " " + cudaDataDirFlag + "=" + dir), true
}

// hasFlag reports whether flags contain the flag name (as --name or --name=value).
func hasFlag(flags, name string) bool {
	for _, tok := range strings.Fields(flags) {
		if tok == name || strings.HasPrefix(tok, name+"=") {
			return true
		}
	}
	return false
}

// prepareCUDAEnv readies the environment for loading the CUDA plugin p: it checks XLA_FLAGS,
// adds --xla_gpu_cuda_data_dir=p.DataDir to it when the user named none, and turns off
// go-xla's CUDA check (which could set a wrong data dir) unless the user set GOPJRT_CUDA_CHECKS.
// It returns what it changed, for logs and `dast doctor`.
func prepareCUDAEnv(p CUDAPlugin) ([]string, error) {
	var notes []string
	flags := os.Getenv(XLAFlagsEnv)
	if err := CheckXLAFlags(flags); err != nil {
		return nil, err
	}
	if out, changed := withCUDADataDir(flags, p.DataDir); changed {
		if err := os.Setenv(XLAFlagsEnv, out); err != nil {
			return nil, fmt.Errorf("set %s: %w", XLAFlagsEnv, err)
		}
		notes = append(notes, fmt.Sprintf("%s=%q", XLAFlagsEnv, out))
	}
	if _, set := os.LookupEnv(cudaChecksEnv); !set {
		if err := os.Setenv(cudaChecksEnv, "0"); err != nil {
			return nil, fmt.Errorf("set %s: %w", cudaChecksEnv, err)
		}
	}
	return notes, nil
}

// cudaPluginAt describes a CUDA plugin named by its path (xla:/abs/path.so): the NVIDIA
// libraries are looked for where JAX (site-packages/jax_plugins/<plugin dir>/x.so beside
// site-packages/nvidia) and go-xla (<dir>/../nvidia) install them.
func cudaPluginAt(path string) CUDAPlugin {
	p := CUDAPlugin{Path: path, How: "named in the backend spec"}
	dir := filepath.Dir(path)
	for _, nv := range []string{filepath.Join(filepath.Dir(filepath.Dir(dir)), "nvidia"), filepath.Join(filepath.Dir(dir), "nvidia")} {
		if isDir(nv) {
			p.NvidiaDir, p.DataDir = nv, CUDADataDir(nv)
			break
		}
	}
	return p
}

// clientOptions reads the PJRT CUDA client options from the environment variables JAX users
// know (getenv is os.Getenv): XLA_PYTHON_CLIENT_PREALLOCATE (true/false: whether the client
// takes its memory fraction of the GPU up front; XLA's default is true),
// XLA_PYTHON_CLIENT_MEM_FRACTION (0 < f <= 1: that fraction, default 0.75) and
// XLA_PYTHON_CLIENT_ALLOCATOR (default, platform, bfc or cuda_async). Unset variables leave
// XLA's defaults; the result is nil when none is set. Values are typed as PJRT expects them
// (bool, float32, string).
func clientOptions(getenv func(string) string) (map[string]any, error) {
	opts := map[string]any{}
	if v := getenv(preallocateEnv); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("%s=%q: want true or false", preallocateEnv, v)
		}
		opts["preallocate"] = b
	}
	if v := getenv(memFractionEnv); v != "" {
		f, err := strconv.ParseFloat(v, 32)
		if err != nil || !(f > 0 && f <= 1) {
			return nil, fmt.Errorf("%s=%q: want a fraction in (0, 1]", memFractionEnv, v)
		}
		opts["memory_fraction"] = float32(f)
	}
	if v := getenv(allocatorEnv); v != "" {
		switch v {
		case "default", "platform", "bfc", "cuda_async":
			opts["allocator"] = v
		default:
			return nil, fmt.Errorf("%s=%q: want default, platform, bfc or cuda_async", allocatorEnv, v)
		}
	}
	if len(opts) == 0 {
		return nil, nil
	}
	return opts, nil
}

// PJRTVersion is a PJRT C API version.
type PJRTVersion struct{ Major, Minor int }

func (v PJRTVersion) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// PJRTHeader is the PJRT C API version of the header go-xla v0.1.4 (the one in go.mod) compiles
// dast against: PJRT_API_MAJOR and PJRT_API_MINOR of its pkg/pjrt/pjrt_c_api.h (a test reads
// the header to keep this current).
var PJRTHeader = PJRTVersion{0, 83}

// PJRTCompat says whether a plugin of PJRT C API version plugin can work with dast's header:
// the major versions must be equal; within a major version newer plugins accept older callers
// (structs carry their size), and an older plugin lacks the entry points added since.
func PJRTCompat(header, plugin PJRTVersion) (ok bool, note string) {
	switch {
	case plugin.Major != header.Major:
		return false, fmt.Sprintf("incompatible: plugin PJRT C API %s, dast's go-xla header %s (major versions differ)", plugin, header)
	case plugin.Minor == header.Minor:
		return true, fmt.Sprintf("plugin PJRT C API %s = go-xla header %s", plugin, header)
	case plugin.Minor > header.Minor:
		return true, fmt.Sprintf("plugin PJRT C API %s is newer than go-xla's header %s (should work: newer plugins accept older callers)", plugin, header)
	default:
		return true, fmt.Sprintf("plugin PJRT C API %s is older than go-xla's header %s (calls added since %s fail)", plugin, header, plugin)
	}
}
