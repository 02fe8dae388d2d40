package backend

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Spec
		wantErr string
	}{
		{"", Spec{"go", DefaultGoOptions}, ""},
		{"go", Spec{"go", DefaultGoOptions}, ""},
		{"go:parallelism=2", Spec{"go", "parallelism=2"}, ""},
		{"xla", Spec{"xla", ""}, ""},
		{"xla:cuda", Spec{"xla", "cuda"}, ""},
		{"xla:/opt/p.so", Spec{"xla", "/opt/p.so"}, ""},
		{"xla:relative.so", Spec{}, "absolute path"},
		{"tpu", Spec{}, `unknown backend "tpu"`},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%q) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestGoBackendComputes(t *testing.T) {
	if err := Try("go"); err != nil {
		t.Fatal(err)
	}
	b, err := New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	if !IsPureGo(b) {
		t.Errorf("IsPureGo(%s) = false", b.Name())
	}
}

func TestBadGoOptionIsAnError(t *testing.T) {
	_, err := New("go:warp_speed")
	if err == nil || !strings.Contains(err.Error(), "warp_speed") {
		t.Fatalf("New(go:warp_speed) error = %v, want it to name the option", err)
	}
}

func TestCUDAPluginFromEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", dir)
	if _, err := FindCUDAPlugin(); err == nil {
		// A machine with JAX+CUDA would legitimately find one in site-packages.
		t.Skip("a CUDA plugin is installed on this machine")
	} else if !strings.Contains(err.Error(), dir) {
		t.Errorf("error %q does not say it looked in %s", err, dir)
	}
	plugin := dir + "/pjrt_c_api_cuda_plugin.so"
	if err := writeEmpty(plugin); err != nil {
		t.Fatal(err)
	}
	p, err := FindCUDAPlugin()
	if err != nil || p.Path != plugin {
		t.Fatalf("FindCUDAPlugin() = %+v, %v; want %s", p, err, plugin)
	}
}

func TestXLAWithoutPluginIsAClearError(t *testing.T) {
	if !XLAAvailable {
		t.Skip("built with noxla")
	}
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", t.TempDir())
	_, err := New("xla:/nonexistent/plugin.so")
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/plugin.so") {
		t.Fatalf("error %v does not name the plugin", err)
	}
}
