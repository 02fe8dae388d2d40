package backend

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// CUDAPlugin is a PJRT CUDA plugin found on this machine.
type CUDAPlugin struct {
	Path string // absolute path of the .so
	How  string // where it was found, for messages
	// NvidiaDir is the folder with the pip-installed NVIDIA libraries next to the plugin's
	// site-packages ("" when absent).
	NvidiaDir string
	// DataDir is the CUDA toolkit folder XLA compiles with (bin/ptxas, nvvm/libdevice), found
	// under NvidiaDir ("" when absent); see CUDADataDir.
	DataDir string
}

// FindCUDAPlugin looks for a PJRT CUDA plugin: first in the folders of
// PJRT_PLUGIN_LIBRARY_PATH (files named *cuda*.so), then in the Python site-packages of the
// python3 interpreters on PATH (and /usr/bin/python3), where JAX installs
// jax_plugins/xla_cuda*/xla_cuda_plugin.so. The error says everywhere it looked.
func FindCUDAPlugin() (CUDAPlugin, error) {
	return findCUDAPlugin(os.Getenv("PJRT_PLUGIN_LIBRARY_PATH"), sitePackages())
}

// findCUDAPlugin is FindCUDAPlugin over the given PJRT_PLUGIN_LIBRARY_PATH value and
// site-packages folders.
func findCUDAPlugin(env string, sites []string) (CUDAPlugin, error) {
	var looked []string
	if env != "" {
		for _, dir := range filepath.SplitList(env) {
			if dir == "" {
				continue
			}
			looked = append(looked, dir+" (PJRT_PLUGIN_LIBRARY_PATH)")
			matches, _ := filepath.Glob(filepath.Join(dir, "*cuda*.so"))
			sort.Strings(matches)
			if len(matches) > 0 {
				p := CUDAPlugin{Path: matches[0], How: "PJRT_PLUGIN_LIBRARY_PATH"}
				// go-xla's own install layout: <dir>/../nvidia beside the plugin folder.
				if nv := filepath.Join(filepath.Dir(dir), "nvidia"); isDir(nv) {
					p.NvidiaDir = nv
					p.DataDir = CUDADataDir(nv)
				}
				return p, nil
			}
		}
	}
	for _, sp := range sites {
		pattern := filepath.Join(sp, "jax_plugins", "xla_cuda*", "xla_cuda_plugin.so")
		looked = append(looked, pattern)
		matches, _ := filepath.Glob(pattern)
		sort.Sort(sort.Reverse(sort.StringSlice(matches))) // newest CUDA major first
		if len(matches) > 0 {
			p := CUDAPlugin{Path: matches[0], How: "JAX in " + sp}
			if nv := filepath.Join(sp, "nvidia"); isDir(nv) {
				p.NvidiaDir = nv
				p.DataDir = CUDADataDir(nv)
			}
			return p, nil
		}
	}
	if len(looked) == 0 {
		return CUDAPlugin{}, errors.New("no PJRT CUDA plugin: PJRT_PLUGIN_LIBRARY_PATH is unset and no python3 with site-packages was found")
	}
	return CUDAPlugin{}, fmt.Errorf("no PJRT CUDA plugin found; looked in: %s (install JAX with CUDA, or set PJRT_PLUGIN_LIBRARY_PATH, or name the file with xla:/abs/path/plugin.so)", strings.Join(looked, ", "))
}

// CUDADataDir returns the folder under nvidiaDir (pip's site-packages/nvidia) that holds the
// CUDA compiler files XLA needs to compile for a GPU: nvvm/libdevice and bin/ptxas. The wheels
// of CUDA 12 put them in cuda_nvcc/, those of CUDA 13 in cu13/; any other subfolder with
// nvvm/libdevice is accepted too. It returns "" when none has them.
func CUDADataDir(nvidiaDir string) string {
	candidates := []string{filepath.Join(nvidiaDir, "cu13"), filepath.Join(nvidiaDir, "cuda_nvcc"), filepath.Join(nvidiaDir, "cu12")}
	others, _ := filepath.Glob(filepath.Join(nvidiaDir, "*"))
	sort.Strings(others)
	candidates = append(candidates, others...)
	for _, dir := range candidates {
		if isDir(filepath.Join(dir, "nvvm", "libdevice")) {
			return dir
		}
	}
	return ""
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// sitePackages lists the site-packages folders of the python3 interpreters here, without
// importing anything beyond the standard library's site module.
func sitePackages() []string {
	seen := map[string]bool{}
	var out []string
	var pythons []string
	if p, err := exec.LookPath("python3"); err == nil {
		pythons = append(pythons, p)
	}
	pythons = append(pythons, "/usr/bin/python3")
	for _, py := range pythons {
		if _, err := os.Stat(py); err != nil {
			continue
		}
		cmd := exec.Command(py, "-c", "import site,sys; print('\\n'.join(site.getsitepackages()+[site.getusersitepackages()]))")
		b, err := cmd.Output()
		if err != nil {
			continue
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			line = strings.TrimSpace(line)
			if line != "" && !seen[line] {
				seen[line] = true
				out = append(out, line)
			}
		}
	}
	return out
}

// GPU describes the NVIDIA GPUs visible here.
type GPU struct {
	// Devices are the /dev/nvidia<N> device files.
	Devices []string
	// SMI is nvidia-smi's one line per GPU (name, driver, memory), or why it gave none.
	SMI []string
	// SMIErr says why nvidia-smi gave no GPU ("" when it listed some).
	SMIErr string
}

// Present reports whether any GPU is visible (a device file or a GPU listed by nvidia-smi).
func (g GPU) Present() bool { return len(g.Devices) > 0 || len(g.SMI) > 0 }

// String is a one-line description for messages.
func (g GPU) String() string {
	if len(g.SMI) > 0 {
		return strings.Join(g.SMI, "; ")
	}
	dev := "no /dev/nvidia<N> device"
	if len(g.Devices) > 0 {
		dev = strings.Join(g.Devices, ", ")
	}
	return fmt.Sprintf("%s; nvidia-smi: %s", dev, g.SMIErr)
}

// DetectGPU looks for NVIDIA GPUs: the device files /dev/nvidia0, /dev/nvidia1, ... and the
// GPUs nvidia-smi lists (name, driver version, memory). It loads no CUDA library.
func DetectGPU() GPU { return detectGPU("/dev/nvidia[0-9]*", "nvidia-smi") }

func detectGPU(devPattern, smi string) GPU {
	var g GPU
	g.Devices, _ = filepath.Glob(devPattern)
	path, err := exec.LookPath(smi)
	if err != nil {
		g.SMIErr = "not found on PATH"
		return g
	}
	out, err := exec.Command(path, "--query-gpu=index,name,driver_version,memory.total", "--format=csv,noheader").Output()
	if err != nil {
		g.SMIErr = fmt.Sprintf("%s failed: %v", path, err)
		return g
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			g.SMI = append(g.SMI, "GPU "+line)
		}
	}
	if len(g.SMI) == 0 {
		g.SMIErr = "listed no GPU"
	}
	return g
}

// errNoGPU is the error for a CUDA backend (what: "xla:cuda" or the plugin's path) asked for
// on a machine without a GPU.
func errNoGPU(what string, g GPU) error {
	return fmt.Errorf("no NVIDIA GPU on this machine (%s), so %s cannot run; use backend go (--set backend=go) here, or run on a GPU machine", g, what)
}

// isCUDAPlugin reports whether a plugin file is a CUDA one (by its name, as go-xla decides).
func isCUDAPlugin(path string) bool {
	b := strings.ToLower(filepath.Base(path))
	return strings.Contains(b, "cuda") || strings.Contains(b, "nvidia")
}
