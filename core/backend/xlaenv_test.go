package backend

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestCheckXLAFlags(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
	}{
		{"", ""},
		{"--xla_gpu_autotune_level=0", ""},
		{"  --a=1   --b  --c=x=y ", ""},
		{"xla_gpu_autotune_level=0", `"xla_gpu_autotune_level=0"`},
		{"--a=1 -b", `"-b"`},
		{"--=3", `"--=3"`},
		{"---a", `"---a"`},
	}
	for _, tt := range tests {
		err := CheckXLAFlags(tt.in)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("CheckXLAFlags(%q) = %v, want nil", tt.in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), XLAFlagsEnv) {
			t.Errorf("CheckXLAFlags(%q) = %v, want an error naming %s and %s", tt.in, err, XLAFlagsEnv, tt.wantErr)
		}
	}
}

func FuzzCheckXLAFlags(f *testing.F) {
	for _, s := range []string{"", "--a=1 --b", "x", "--xla_gpu_cuda_data_dir=/x", "-- --"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, flags string) {
		if CheckXLAFlags(flags) != nil {
			return
		}
		out, _ := withCUDADataDir(flags, "/opt/cuda")
		if err := CheckXLAFlags(out); err != nil {
			t.Fatalf("valid %q became invalid %q: %v", flags, out, err)
		}
		if !hasFlag(out, cudaDataDirFlag) {
			t.Fatalf("%q has no %s", out, cudaDataDirFlag)
		}
	})
}

func TestWithCUDADataDir(t *testing.T) {
	tests := []struct {
		flags, dir, want string
		changed          bool
	}{
		{"", "/sp/nvidia/cu13", "--xla_gpu_cuda_data_dir=/sp/nvidia/cu13", true},
		{"--xla_gpu_autotune_level=0", "/d", "--xla_gpu_autotune_level=0 --xla_gpu_cuda_data_dir=/d", true},
		{"--xla_gpu_cuda_data_dir=/mine", "/d", "--xla_gpu_cuda_data_dir=/mine", false},
		{"--xla_gpu_cuda_data_dir_other=1", "/d", "--xla_gpu_cuda_data_dir_other=1 --xla_gpu_cuda_data_dir=/d", true},
		{"--a=1", "", "--a=1", false},
	}
	for _, tt := range tests {
		got, changed := withCUDADataDir(tt.flags, tt.dir)
		if got != tt.want || changed != tt.changed {
			t.Errorf("withCUDADataDir(%q, %q) = %q, %v; want %q, %v", tt.flags, tt.dir, got, changed, tt.want, tt.changed)
		}
	}
}

func TestClientOptions(t *testing.T) {
	tests := []struct {
		env     map[string]string
		want    map[string]any
		wantErr string
	}{
		{nil, nil, ""},
		{map[string]string{preallocateEnv: "false"}, map[string]any{"preallocate": false}, ""},
		{map[string]string{preallocateEnv: "true", memFractionEnv: "0.5", allocatorEnv: "bfc"},
			map[string]any{"preallocate": true, "memory_fraction": float32(0.5), "allocator": "bfc"}, ""},
		{map[string]string{preallocateEnv: "nope"}, nil, preallocateEnv},
		{map[string]string{memFractionEnv: "1.5"}, nil, memFractionEnv},
		{map[string]string{memFractionEnv: "0"}, nil, memFractionEnv},
		{map[string]string{allocatorEnv: "magic"}, nil, `"magic"`},
	}
	for _, tt := range tests {
		got, err := clientOptions(func(k string) string { return tt.env[k] })
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("clientOptions(%v) error = %v, want it to contain %q", tt.env, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("clientOptions(%v) = %v, %v; want %v", tt.env, got, err, tt.want)
			continue
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("clientOptions(%v)[%s] = %#v, want %#v", tt.env, k, got[k], v)
			}
		}
	}
}

func TestPJRTCompat(t *testing.T) {
	h := PJRTVersion{0, 83}
	for _, tt := range []struct {
		plugin PJRTVersion
		ok     bool
		word   string
	}{{PJRTVersion{0, 83}, true, "="}, {PJRTVersion{0, 90}, true, "newer"}, {PJRTVersion{0, 70}, true, "older"}, {PJRTVersion{1, 0}, false, "incompatible"}} {
		ok, note := PJRTCompat(h, tt.plugin)
		if ok != tt.ok || !strings.Contains(note, tt.word) || !strings.Contains(note, tt.plugin.String()) {
			t.Errorf("PJRTCompat(%s, %s) = %v, %q; want %v and %q", h, tt.plugin, ok, note, tt.ok, tt.word)
		}
	}
}

// mkdirs creates the folders under root.
func mkdirs(t *testing.T, root string, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCUDADataDir(t *testing.T) {
	for _, tt := range []struct {
		name string
		dirs []string
		want string
	}{
		{"cuda13 wheels", []string{"cu13/nvvm/libdevice", "cu13/bin"}, "cu13"},
		{"cuda12 wheels", []string{"cuda_nvcc/nvvm/libdevice", "cublas/lib"}, "cuda_nvcc"},
		{"other folder", []string{"cublas/lib", "nvcc_x/nvvm/libdevice"}, "nvcc_x"},
		{"none", []string{"cublas/lib", "cuda_nvcc/bin"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			nv := t.TempDir()
			mkdirs(t, nv, tt.dirs...)
			got := CUDADataDir(nv)
			want := ""
			if tt.want != "" {
				want = filepath.Join(nv, tt.want)
			}
			if got != want {
				t.Errorf("CUDADataDir = %q, want %q", got, want)
			}
		})
	}
}

func TestFindCUDAPluginInJAXLayout(t *testing.T) {
	sp := t.TempDir()
	mkdirs(t, sp, "jax_plugins/xla_cuda12", "jax_plugins/xla_cuda13", "nvidia/cu13/nvvm/libdevice")
	for _, d := range []string{"xla_cuda12", "xla_cuda13"} {
		if err := writeEmpty(filepath.Join(sp, "jax_plugins", d, "xla_cuda_plugin.so")); err != nil {
			t.Fatal(err)
		}
	}
	p, err := findCUDAPlugin("", []string{filepath.Join(t.TempDir(), "empty"), sp})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(sp, "jax_plugins/xla_cuda13/xla_cuda_plugin.so"); p.Path != want {
		t.Errorf("Path = %s, want the newest CUDA major %s", p.Path, want)
	}
	if p.NvidiaDir != filepath.Join(sp, "nvidia") || p.DataDir != filepath.Join(sp, "nvidia/cu13") {
		t.Errorf("NvidiaDir %q, DataDir %q; want %s/nvidia and its cu13", p.NvidiaDir, p.DataDir, sp)
	}
	// The same plugin named by path finds the same data dir.
	if q := cudaPluginAt(p.Path); q.DataDir != p.DataDir {
		t.Errorf("cudaPluginAt(%s).DataDir = %q, want %q", p.Path, q.DataDir, p.DataDir)
	}
	_, err = findCUDAPlugin("", []string{t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "jax_plugins") {
		t.Errorf("no plugin: error %v does not say where it looked", err)
	}
}

func TestDetectGPUWithoutDevices(t *testing.T) {
	g := detectGPU(filepath.Join(t.TempDir(), "nvidia[0-9]*"), "no-such-nvidia-smi-here")
	if g.Present() {
		t.Fatalf("Present() = true for %+v", g)
	}
	if s := g.String(); !strings.Contains(s, "no /dev/nvidia") || !strings.Contains(s, "not found") {
		t.Errorf("String() = %q, want it to say no device and no nvidia-smi", s)
	}
	dir := t.TempDir()
	if err := writeEmpty(filepath.Join(dir, "nvidia0")); err != nil {
		t.Fatal(err)
	}
	if g := detectGPU(filepath.Join(dir, "nvidia[0-9]*"), "no-such-nvidia-smi-here"); !g.Present() {
		t.Errorf("a device file: Present() = false")
	}
}

func TestCUDAWithoutGPUIsAClearError(t *testing.T) {
	if !XLAAvailable {
		t.Skip("built with noxla")
	}
	if DetectGPU().Present() {
		t.Skip("this machine has a GPU")
	}
	_, err := New("xla:cuda")
	if err == nil || !strings.Contains(err.Error(), "no NVIDIA GPU") || !strings.Contains(err.Error(), "backend go") {
		t.Fatalf("New(xla:cuda) error = %v, want it to say there is no GPU and to use backend go", err)
	}
	// A CUDA plugin named by path: the same, once the file exists.
	so := filepath.Join(t.TempDir(), "pjrt_c_api_cuda_plugin.so")
	if err := writeEmpty(so); err != nil {
		t.Fatal(err)
	}
	_, err = New("xla:" + so)
	if err == nil || !strings.Contains(err.Error(), "no NVIDIA GPU") || !strings.Contains(err.Error(), so) {
		t.Fatalf("New(xla:%s) error = %v, want it to name the plugin and say there is no GPU", so, err)
	}
}

func TestDoctorWithoutGPU(t *testing.T) {
	if DetectGPU().Present() {
		t.Skip("this machine has a GPU")
	}
	checks := Doctor()
	got := map[string]Check{}
	for _, c := range checks {
		got[c.Spec] = c
	}
	if g, ok := got["gpu"]; !ok || g.OK {
		t.Errorf("gpu check %+v, want one that is not usable", g)
	}
	if XLAAvailable {
		if c, ok := got["xla:cuda"]; !ok || c.OK {
			t.Errorf("xla:cuda check %+v, want one that is not usable", c)
		}
	}
}

// TestPJRTHeaderIsGoXLAs reads PJRT_API_MAJOR/MINOR from go-xla's header in the module cache,
// where a Go toolchain is present.
func TestPJRTHeaderIsGoXLAs(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/gomlx/go-xla").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Skipf("go list go-xla: %v", err)
	}
	h, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "pkg/pjrt/pjrt_c_api.h"))
	if err != nil {
		t.Skip(err)
	}
	get := func(name string) int {
		m := regexp.MustCompile(`#define ` + name + ` (\d+)`).FindSubmatch(h)
		if m == nil {
			t.Fatalf("no %s in the header", name)
		}
		v, _ := strconv.Atoi(string(m[1]))
		return v
	}
	if got := (PJRTVersion{get("PJRT_API_MAJOR"), get("PJRT_API_MINOR")}); got != PJRTHeader {
		t.Errorf("go-xla's header is PJRT C API %s, PJRTHeader says %s: update it", got, PJRTHeader)
	}
}

func TestPrepareCUDAEnv(t *testing.T) {
	p := CUDAPlugin{Path: "/sp/jax_plugins/xla_cuda13/xla_cuda_plugin.so", DataDir: "/sp/nvidia/cu13"}
	t.Setenv(XLAFlagsEnv, "--xla_gpu_autotune_level=2")
	t.Setenv(cudaChecksEnv, "")
	os.Unsetenv(cudaChecksEnv)
	notes, err := prepareCUDAEnv(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := os.Getenv(XLAFlagsEnv); got != "--xla_gpu_autotune_level=2 --xla_gpu_cuda_data_dir=/sp/nvidia/cu13" {
		t.Errorf("XLA_FLAGS = %q", got)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "/sp/nvidia/cu13") {
		t.Errorf("notes %q", notes)
	}
	if got := os.Getenv(cudaChecksEnv); got != "0" {
		t.Errorf("%s = %q, want 0", cudaChecksEnv, got)
	}
	// The user's choices stay.
	t.Setenv(XLAFlagsEnv, "--xla_gpu_cuda_data_dir=/mine")
	t.Setenv(cudaChecksEnv, "1")
	if notes, err := prepareCUDAEnv(p); err != nil || len(notes) != 0 || os.Getenv(XLAFlagsEnv) != "--xla_gpu_cuda_data_dir=/mine" || os.Getenv(cudaChecksEnv) != "1" {
		t.Errorf("user's settings: notes %q, err %v, XLA_FLAGS %q, %s %q", notes, err, os.Getenv(XLAFlagsEnv), cudaChecksEnv, os.Getenv(cudaChecksEnv))
	}
	t.Setenv(XLAFlagsEnv, "xla_gpu_autotune_level=2")
	if _, err := prepareCUDAEnv(p); err == nil || !strings.Contains(err.Error(), XLAFlagsEnv) {
		t.Errorf("malformed XLA_FLAGS: error %v", err)
	}
}

// TestCUDAComputes runs only where a GPU and a CUDA plugin are present (bench/gpu/run.sh runs
// this test binary on the GPU machine): xla:cuda must load, create a client and compute.
func TestCUDAComputes(t *testing.T) {
	if !XLAAvailable {
		t.Skip("built with noxla")
	}
	if !DetectGPU().Present() {
		t.Skip("no GPU here")
	}
	if _, err := FindCUDAPlugin(); err != nil {
		t.Skip(err)
	}
	desc, err := TryDescribe("xla:cuda")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("xla:cuda: %s", desc)
}
