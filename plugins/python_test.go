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
)

// pythonPatchGAN is the Python SDK's example, the same PatchGAN as examples/patchgan.
var pythonPatchGAN = filepath.Join("sdk", "python", "examples", "patchgan.py")

// TestPythonPluginMatchesGo starts the Python and the Go PatchGAN and checks that the host
// receives identical descriptions and layer lists, for the defaults (the load-time dry run)
// and for other options, and identical errors.
func TestPythonPluginMatchesGo(t *testing.T) {
	testutil.PythonSDK(t)
	ctx := context.Background()
	goPl, err := Inspect(ctx, binary("patchgan"), "", 5*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	pyPl, err := Inspect(ctx, pythonPatchGAN, "", 10*time.Second, nil)
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

	build := func(path, block string) (*Net, error) {
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
		return d.(*Net), nil
	}
	for _, block := range []string{
		"{name: patchgan.patchgan, options: {width: 8, downsamples: 2, slope: 0.1, spectral_norm: true}}",
		"{name: patchgan.patchgan, options: {width: 3, downsamples: 5}}",
	} {
		gn, err := build(binary("patchgan"), block)
		if err != nil {
			t.Fatal(err)
		}
		pn, err := build(pythonPatchGAN, block)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gn.Layers, pn.Layers) {
			t.Errorf("%s: layers differ:\nGo     %+v\nPython %+v", block, gn.Layers, pn.Layers)
		}
	}
	_, gerr := build(binary("patchgan"), "{name: patchgan.patchgan, options: {downsamples: 0}}")
	_, perr := build(pythonPatchGAN, "{name: patchgan.patchgan, options: {downsamples: 0}}")
	if gerr == nil || perr == nil {
		t.Fatalf("downsamples 0: errors %v, %v", gerr, perr)
	}
	gmsg, _ := strings.CutPrefix(gerr.Error(), "plugin patchgan ("+binary("patchgan")+"): ")
	pmsg, _ := strings.CutPrefix(perr.Error(), "plugin patchgan ("+mustAbs(t, pythonPatchGAN)+"): ")
	if gmsg != pmsg || gmsg != "Build patchgan: downsamples 0 must be in [1, 8]" {
		t.Errorf("build errors differ:\nGo     %s\nPython %s", gerr, perr)
	}
}

// TestPythonPluginVersions: on a host that speaks protocol version 1 only, the Python plugin
// negotiates version 1 and its version-1 layers load; closing the host leaves no process.
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
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
