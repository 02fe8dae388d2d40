package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRootPlugins(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	tests := []struct {
		file        string
		wantPlugins []PluginRef
		wantDirs    []string
		wantTimeout time.Duration
		wantErr     string
	}{
		{file: "seed: 1\n", wantTimeout: DefaultPluginTimeout},
		{
			file:        "plugins: [{path: bin/p1, sha256: " + sum + "}, {path: /abs/p2}]\nplugin_dirs: [plugins.d]\nplugin_timeout: 2s\n",
			wantPlugins: []PluginRef{{Path: "bin/p1", SHA256: sum}, {Path: "/abs/p2"}},
			wantDirs:    []string{"plugins.d"},
			wantTimeout: 2 * time.Second,
		},
		{file: "plugins: [{sha256: " + sum + "}]\n", wantErr: "configs/x.yaml: plugins[0].path: must not be empty"},
		{file: "plugins: [{path: p, sha256: abc}]\n", wantErr: `configs/x.yaml: plugins[0].sha256: "abc" is not a hex SHA-256`},
		{file: "plugins: [{path: p, sum: abc}]\n", wantErr: "configs/x.yaml: plugins[0].sum: unknown key"},
		{file: "plugin_dirs: ['']\n", wantErr: "configs/x.yaml: plugin_dirs[0]: must not be empty"},
		{file: "plugin_timeout: 0s\n", wantErr: "configs/x.yaml: plugin_timeout: must be > 0"},
		{file: "plugin_timeout: 5\n", wantErr: "configs/x.yaml: plugin_timeout: expected duration"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			tree, err := load("configs/x.yaml", nil, memFS(map[string]string{"configs/x.yaml": tt.file}))
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			r, err := tree.Root()
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("Root error = %v, want prefix %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Root: %v", err)
			}
			if !reflect.DeepEqual(r.Plugins, tt.wantPlugins) || !reflect.DeepEqual(r.PluginDirs, tt.wantDirs) || r.PluginTimeout != tt.wantTimeout {
				t.Errorf("Root = plugins %+v dirs %v timeout %v, want %+v %v %v", r.Plugins, r.PluginDirs, r.PluginTimeout, tt.wantPlugins, tt.wantDirs, tt.wantTimeout)
			}
		})
	}
}
