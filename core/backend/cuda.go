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
	// site-packages ("" when absent); its cuda_nvcc subfolder is XLA's CUDA data dir.
	NvidiaDir string
}

// FindCUDAPlugin looks for a PJRT CUDA plugin: first in the folders of
// PJRT_PLUGIN_LIBRARY_PATH (files named *cuda*.so), then in the Python site-packages of the
// python3 interpreters on PATH (and /usr/bin/python3), where JAX installs
// jax_plugins/xla_cuda*/xla_cuda_plugin.so. The error says everywhere it looked.
func FindCUDAPlugin() (CUDAPlugin, error) {
	var looked []string
	if env := os.Getenv("PJRT_PLUGIN_LIBRARY_PATH"); env != "" {
		for _, dir := range filepath.SplitList(env) {
			looked = append(looked, dir+" (PJRT_PLUGIN_LIBRARY_PATH)")
			matches, _ := filepath.Glob(filepath.Join(dir, "*cuda*.so"))
			sort.Strings(matches)
			if len(matches) > 0 {
				return CUDAPlugin{Path: matches[0], How: "PJRT_PLUGIN_LIBRARY_PATH"}, nil
			}
		}
	}
	for _, sp := range sitePackages() {
		pattern := filepath.Join(sp, "jax_plugins", "xla_cuda*", "xla_cuda_plugin.so")
		looked = append(looked, pattern)
		matches, _ := filepath.Glob(pattern)
		sort.Sort(sort.Reverse(sort.StringSlice(matches))) // newest CUDA major first
		if len(matches) > 0 {
			p := CUDAPlugin{Path: matches[0], How: "JAX in " + sp}
			if fi, err := os.Stat(filepath.Join(sp, "nvidia")); err == nil && fi.IsDir() {
				p.NvidiaDir = filepath.Join(sp, "nvidia")
			}
			return p, nil
		}
	}
	if len(looked) == 0 {
		return CUDAPlugin{}, errors.New("no PJRT CUDA plugin: PJRT_PLUGIN_LIBRARY_PATH is unset and no python3 with site-packages was found")
	}
	return CUDAPlugin{}, fmt.Errorf("no PJRT CUDA plugin found; looked in: %s (install JAX with CUDA, or set PJRT_PLUGIN_LIBRARY_PATH, or name the file with xla:/abs/path/plugin.so)", strings.Join(looked, ", "))
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

// setCUDADataDir points XLA at the CUDA toolkit files (ptxas, libdevice) that pip installs
// beside JAX, unless the user already chose one. go-xla v0.1.4 otherwise may set a hard-coded
// path of its author's machine.
func setCUDADataDir(p CUDAPlugin) {
	flags := os.Getenv("XLA_FLAGS")
	if strings.Contains(flags, "--xla_gpu_cuda_data_dir") || p.NvidiaDir == "" {
		return
	}
	dir := filepath.Join(p.NvidiaDir, "cuda_nvcc")
	if _, err := os.Stat(dir); err != nil {
		return
	}
	os.Setenv("XLA_FLAGS", strings.TrimSpace(flags+" --xla_gpu_cuda_data_dir="+dir))
}
