package plugins

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/internal/testutil"
	"github.com/dast-uda/dast/plugins/layernet"
)

// pythonPatchGAN is the Python SDK's example, the same PatchGAN as examples/patchgan.
var pythonPatchGAN = pythonExample("patchgan")

// pythonExample returns the path of the Python SDK's example name (the Go example of the same
// name's twin).
func pythonExample(name string) string {
	return filepath.Join("sdk", "python", "examples", name+".py")
}

// TestPythonPluginMatchesGo starts each Python example and its Go twin and checks that the
// host receives identical descriptions and layer graphs, for the defaults (the load-time dry
// run) and for other options, and identical build errors.
func TestPythonPluginMatchesGo(t *testing.T) {
	testutil.PythonSDK(t)
	tests := []struct {
		name     string
		blocks   []string // discriminator blocks with other options
		badBlock string   // options the example refuses
		badMsg   string
	}{
		{"patchgan", []string{
			"{name: patchgan.patchgan, options: {width: 8, downsamples: 2, slope: 0.1, spectral_norm: true}}",
			"{name: patchgan.patchgan, options: {width: 3, downsamples: 5}}",
		}, "{name: patchgan.patchgan, options: {downsamples: 0}}", "Build patchgan: downsamples 0 must be in [1, 8]"},
		{"residual", []string{
			"{name: residual.residual, options: {width: 8, blocks: 2, attention: true, spectral_norm: false}}",
		}, "{name: residual.residual, options: {blocks: 7}}", "Build residual: blocks 7 must be in [1, 6]"},
		{"twoscale", []string{
			"{name: twoscale.twoscale, options: {width: 4, downsamples: 2, instance_norm: false, align_corners: true}}",
		}, "{name: twoscale.twoscale, options: {width: 0}}", "Build twoscale: width 0 must be >= 1"},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			py := pythonExample(tt.name)
			goPl, err := Inspect(ctx, binary(tt.name), "", 5*time.Second, nil)
			if err != nil {
				t.Fatal(err)
			}
			pyPl, err := Inspect(ctx, py, "", 10*time.Second, nil)
			if err != nil {
				t.Fatal(err)
			}
			if pyPl.Name != goPl.Name || pyPl.Protocol != 2 || len(pyPl.Discriminators) != 1 {
				t.Fatalf("Python plugin %q protocol %d with %d discriminators, want %q, 2, 1", pyPl.Name, pyPl.Protocol, len(pyPl.Discriminators), goPl.Name)
			}
			g, p := goPl.Discriminators[0], pyPl.Discriminators[0]
			if g.ID != p.ID || g.Description != p.Description || !reflect.DeepEqual(g.Options, p.Options) || !reflect.DeepEqual(g.Layers, p.Layers) {
				t.Fatalf("descriptions differ:\nGo     %+v\nPython %+v", *g, *p)
			}
			build := func(path, block string) (*layernet.Net, error) {
				h, err := Load(ctx, Config{Plugins: []config.PluginRef{{Path: path}}, Timeout: 10 * time.Second}, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer h.Close()
				mod, err := component(t, block)
				if err != nil {
					t.Fatal(err)
				}
				d, err := mod.(model.DiscriminatorBuilder).NewDiscriminator(5)
				if err != nil {
					return nil, err
				}
				return d.(*layernet.Net), nil
			}
			for _, block := range tt.blocks {
				gn, err := build(binary(tt.name), block)
				if err != nil {
					t.Fatal(err)
				}
				pn, err := build(py, block)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(gn.Layers, pn.Layers) {
					t.Errorf("%s: layers differ:\nGo     %+v\nPython %+v", block, gn.Layers, pn.Layers)
				}
			}
			_, gerr := build(binary(tt.name), tt.badBlock)
			_, perr := build(py, tt.badBlock)
			if gerr == nil || perr == nil {
				t.Fatalf("%s: errors %v, %v", tt.badBlock, gerr, perr)
			}
			gmsg, _ := strings.CutPrefix(gerr.Error(), "plugin "+tt.name+" ("+binary(tt.name)+"): ")
			pmsg, _ := strings.CutPrefix(perr.Error(), "plugin "+tt.name+" ("+mustAbs(t, py)+"): ")
			if gmsg != pmsg || gmsg != tt.badMsg {
				t.Errorf("build errors differ:\nGo     %s\nPython %s", gerr, perr)
			}
		})
	}
}

// TestPythonPluginVersions: on a host that speaks protocol version 1 only, the Python plugins
// negotiate version 1: the PatchGAN's version-1 layers load, the residual graph is refused
// with an error that says to upgrade dast; closing the host leaves no process.
func TestPythonPluginVersions(t *testing.T) {
	testutil.PythonSDK(t)
	pidFile := setMode(t, "ok")
	h, err := Load(context.Background(), Config{Plugins: []config.PluginRef{{Path: pythonPatchGAN}}, Timeout: 10 * time.Second, ProbeSize: 64, protocols: []int{1}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := h.Plugins()[0].Protocol; p != 1 {
		t.Errorf("protocol %d, want 1", p)
	}
	h.Close()
	assertNoProcessLeft(t, pidFile)

	_, err = Load(context.Background(), Config{Plugins: []config.PluginRef{{Path: pythonExample("residual")}}, Timeout: 10 * time.Second, protocols: []int{1}}, nil)
	if want := `Build residual: discriminator "residual": layer 0 (leaky_relu) needs plugin protocol version 2, but this dast host speaks version 1 only: upgrade dast`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("residual graph on a version-1 host: %v, want %q", err, want)
	}
	assertNoProcessLeft(t, pidFile)
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
