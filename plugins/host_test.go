package plugins

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/registry"
)

func TestLoadFailures(t *testing.T) {
	notExec := filepath.Join(t.TempDir(), "noexec")
	b, err := os.ReadFile(binary("testplugin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(notExec, b, 0o644); err != nil {
		t.Fatal(err)
	}
	const timeout = time.Second
	tests := []struct {
		name    string
		mode    string
		path    string // default: the test plugin
		sha256  string
		probe   int
		host    []int    // protocol versions the host offers (default: all)
		wantErr []string // substrings of the error
		started bool     // whether the plugin process must have started
	}{
		{name: "missing", path: "/nonexistent/dast-plugin", wantErr: []string{"plugin dast_plugin (", "executable not found"}},
		{name: "not executable", path: notExec, wantErr: []string{"plugin noexec (", "is not executable"}},
		{name: "checksum mismatch", mode: "ok", sha256: strings.Repeat("0", 64), wantErr: []string{"plugin testplugin (", "checksum mismatch", "expects " + strings.Repeat("0", 64)}},
		{name: "crash at start", mode: "crash_start", started: true, wantErr: []string{"plugin testplugin (", "start: the plugin exited before the handshake; plugin stderr: testplugin: crashing at start"}},
		{name: "crash mid-handshake", mode: "crash_handshake", started: true, wantErr: []string{"plugin testplugin (", "Unrecognized remote plugin message: 1|1|"}},
		{name: "wrong cookie", mode: "bad_cookie", started: true, wantErr: []string{"plugin testplugin (", "start: the plugin refused the handshake: magic cookie mismatch"}},
		{name: "wrong protocol version", mode: "bad_version", started: true, wantErr: []string{"plugin testplugin (", "incompatible plugin protocol version: incompatible API version with plugin. Plugin version: 99, Client versions: ["}}, // go-plugin lists the host's versions in map order
		{name: "hangs at start", mode: "hang_start", started: true, wantErr: []string{"plugin testplugin (", "timeout while waiting for plugin to start"}},
		{name: "hangs in Describe", mode: "hang_describe", started: true, wantErr: []string{"plugin testplugin (", "Describe: no answer within 1s (plugin killed)"}},
		{name: "crashes in Describe", mode: "crash_describe", started: true, wantErr: []string{"plugin testplugin (", "Describe: connection lost, the plugin crashed or exited (plugin killed)"}},
		{name: "negative channels", mode: "negative", started: true, wantErr: []string{"plugin testplugin (", "discriminator tiny: invalid description: layer 0 (conv): out_channels -8 out of range [1, 65536]"}},
		{name: "stride shrinks below 1 pixel", mode: "shrink", probe: 64, started: true, wantErr: []string{"plugin testplugin (", "invalid description: layer 8 (conv): a 2x2 input map shrinks to 0x0 (kernel 4, stride 2, padding 0, dilation 1)"}},
		// Versions: a version-1 plugin that sends a graph; a plugin of this SDK on a host that
		// speaks version 1 only (the SDK refuses in Build); a plugin offering version 2 only
		// on such a host (the handshake fails).
		{name: "graph over protocol 1", mode: "v1_graph", started: true, wantErr: []string{"plugin testplugin (", `discriminator tiny: invalid description: layer 0 (conv "stem"): the plugin speaks protocol version 1, which knows a sequence of unnamed conv, relu, leaky_relu and tanh layers only`}},
		{name: "graph on an old host", mode: "graph", host: []int{1}, started: true, wantErr: []string{"plugin testplugin (", `Build tiny: discriminator "tiny": layer 0 (conv "stem") needs plugin protocol version 2, but this dast host speaks version 1 only: upgrade dast`}},
		{name: "version 2 only on an old host", mode: "v2_only", host: []int{1}, started: true, wantErr: []string{"plugin testplugin (", "start: incompatible plugin protocol version: incompatible API version with plugin. Plugin version: 2, Client versions: [1]"}},
		{name: "unknown layer type", mode: "unknown_type", started: true, wantErr: []string{"plugin testplugin (", `layer 0 (batchnorm): unknown layer type "batchnorm" (supported: conv, relu, leaky_relu, tanh, add, concat, avg_pool, max_pool, upsample, self_attention, instance_norm)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pidFile := setMode(t, tt.mode)
			path := tt.path
			if path == "" {
				path = binary("testplugin")
			}
			cfg := Config{Plugins: []config.PluginRef{{Path: path, SHA256: tt.sha256}}, Timeout: timeout, ProbeSize: tt.probe, protocols: tt.host}
			start := time.Now()
			h, err := Load(context.Background(), cfg, nil)
			elapsed := time.Since(start)
			if err == nil {
				h.Close()
				t.Fatal("Load succeeded")
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q\ndoes not contain %q", err, want)
				}
			}
			// Bound: the timeout, go-plugin's graceful-exit wait and slack for a busy machine.
			if limit := timeout + gracefulExit + 3*time.Second; elapsed > limit {
				t.Errorf("Load took %v, want < %v", elapsed, limit)
			}
			if pids := readPIDs(t, pidFile); tt.started != (len(pids) > 0) {
				t.Errorf("plugin started %d times, want started=%v", len(pids), tt.started)
			}
			assertNoProcessLeft(t, pidFile)
			if mods := registry.List("discriminator"); len(mods) != 0 {
				t.Errorf("modules left registered: %v", mods)
			}
			t.Logf("%v: %v", elapsed.Round(time.Millisecond), err)
		})
	}
}

func TestPluginName(t *testing.T) {
	for _, tt := range []struct{ path, want, wantErr string }{
		{"/x/patchgan", "patchgan", ""},
		{"/x/My-Disc.exe", "my_disc", ""},
		{"/x/v2.plugin", "v2", ""},
		{"/x/9lives", "", "does not give a usable plugin name"},
	} {
		got, err := pluginName(tt.path)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("pluginName(%s) error = %v, want %q", tt.path, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("pluginName(%s) = %q, %v; want %q", tt.path, got, err, tt.want)
		}
	}
}
