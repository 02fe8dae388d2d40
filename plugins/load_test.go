package plugins

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/internal/testutil"
	"github.com/dast-uda/dast/plugins/layernet"
	"github.com/dast-uda/dast/plugins/sdk"
	"github.com/dast-uda/dast/registry"
)

// component decodes the discriminator block yaml (the value of discriminators.d) from a
// configuration file, as the trainer does.
func component(t *testing.T, yaml string) (registry.Module, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "run.yaml")
	if err := os.WriteFile(path, []byte("discriminators:\n  d: "+yaml+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tree, err := config.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tree.Component("discriminators.d", "discriminator")
}

// convOutSize is the output size of a square conv by the usual formula.
func convOutSize(n, k, s, p int) int { return (n+2*p-k)/s + 1 }

func TestLoadBuildAndClose(t *testing.T) {
	pidFile := setMode(t, "ok")
	sum, err := os.ReadFile(binary("patchgan"))
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(sum)
	cfg := Config{
		Plugins:   []config.PluginRef{{Path: binary("patchgan"), SHA256: hex.EncodeToString(digest[:])}},
		Dirs:      []string{binDir},
		Timeout:   5 * time.Second,
		ProbeSize: 64,
	}
	h, err := Load(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	defer h.Close()

	// Both plugins run and their discriminators are registered. The test plugin serves as
	// dast's first SDK did (protocol version 1, no version list): version-1 plugins still load.
	var ids []string
	wantProtocol := map[string]int{"patchgan": 2, "residual": 2, "testplugin": 1, "twoscale": 2}
	for _, pl := range h.Plugins() {
		if !alive(pl.PID) {
			t.Errorf("plugin %s: process %d is not running", pl.Name, pl.PID)
		}
		if pl.Protocol != wantProtocol[pl.Name] {
			t.Errorf("plugin %s: protocol version %d, want %d", pl.Name, pl.Protocol, wantProtocol[pl.Name])
		}
		for _, d := range pl.Discriminators {
			ids = append(ids, d.ID)
		}
	}
	if want := []string{"discriminator.patchgan.patchgan", "discriminator.residual.residual", "discriminator.testplugin.tiny", "discriminator.twoscale.twoscale"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("discriminators %v, want %v", ids, want)
	}
	for _, id := range ids {
		if _, err := registry.Lookup(id); err != nil {
			t.Errorf("Lookup(%s): %v", id, err)
		}
	}
	opts, err := registry.Options("discriminator.patchgan.patchgan")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range opts {
		keys = append(keys, o.Key+" "+o.Type+" "+o.DefaultText())
	}
	if want := []string{"options.downsamples int 3", "options.slope float 0.2", "options.spectral_norm bool false", "options.width int 64"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("options %v, want %v", keys, want)
	}

	t.Run("patchgan graph", func(t *testing.T) {
		mod, err := component(t, "{name: patchgan.patchgan, options: {width: 8, downsamples: 2}}")
		if err != nil {
			t.Fatal(err)
		}
		const inC, size = 5, 32
		d, err := mod.(model.DiscriminatorBuilder).NewDiscriminator(inC)
		if err != nil {
			t.Fatal(err)
		}
		net := d.(*layernet.Net)
		// PatchGAN with width 8 and 2 downsamplings: 8 and 16 channels at stride 2, 32 at
		// stride 1, then 1 channel, LeakyReLU(0.2) between.
		want := []sdk.Layer{sdk.Conv(8, 4, 2, 1), sdk.LeakyReLU(0.2), sdk.Conv(16, 4, 2, 1), sdk.LeakyReLU(0.2),
			sdk.Conv(32, 4, 1, 1), sdk.LeakyReLU(0.2), sdk.Conv(1, 4, 1, 1)}
		if !reflect.DeepEqual(net.Layers, want) {
			t.Fatalf("layers %+v\nwant %+v", net.Layers, want)
		}
		out := size
		for _, s := range []int{2, 2, 1, 1} {
			out = convOutSize(out, 4, s, 1)
		}
		if oh, ow, err := net.OutputSize(size, size); err != nil || oh != out || ow != out {
			t.Errorf("OutputSize = %d, %d, %v; want %d", oh, ow, err, out)
		}
		b, err := backend.New("go")
		if err != nil {
			t.Fatal(err)
		}
		defer b.Finalize()
		ctx := mlctx.New().Checked(false)
		testutil.WithTimeout(t, 60*time.Second, func() {
			exec, err := mlctx.NewExec(b, ctx, func(ctx *mlctx.Context, x *graph.Node) *graph.Node { return net.Apply(ctx, x) })
			if err != nil {
				t.Error(err)
				return
			}
			x := make([]float32, 2*size*size*inC)
			for i := range x {
				x[i] = float32(math.Sin(float64(i)))
			}
			res, err := exec.Exec(tensorsFrom(x, 2, size, size, inC))
			if err != nil {
				t.Error(err)
				return
			}
			t.Logf("output %s, first values %v", res[0].Shape(), flat(res[0])[:4])
			if got, want := res[0].Shape().Dimensions, []int{2, out, out, 1}; !reflect.DeepEqual(got, want) {
				t.Errorf("output %v, want %v", got, want)
			}
			for i, v := range flat(res[0]) {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Errorf("output[%d] = %v", i, v)
					return
				}
			}
		})
		wantParams := 16*inC*8 + 8 + 16*8*16 + 16 + 16*16*32 + 32 + 16*32*1 + 1
		got := 0
		ctx.EnumerateVariables(func(v *mlctx.Variable) {
			if v.Trainable {
				got += v.Shape().Size()
			}
		})
		if got != wantParams || net.NumParams() != wantParams {
			t.Errorf("parameters: context %d, NumParams %d, want %d", got, net.NumParams(), wantParams)
		}
		// An input the stride chain shrinks below one pixel is refused while building.
		err = func() (err error) {
			defer func() {
				if r := recover(); r != nil {
					err = errorString(r)
				}
			}()
			g := graph.NewGraph(b, "small")
			net.Apply(mlctx.New().Checked(false), graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 1, 4, 4, inC)))
			return nil
		}()
		if err == nil || !strings.Contains(err.Error(), "input map shrinks to 0x0") {
			t.Errorf("Apply on 4x4: %v, want a shrink error", err)
		}
	})

	t.Run("spectral norm", func(t *testing.T) {
		mod, err := component(t, "{name: patchgan.patchgan, options: {width: 4, downsamples: 1, spectral_norm: true}}")
		if err != nil {
			t.Fatal(err)
		}
		d, err := mod.(model.DiscriminatorBuilder).NewDiscriminator(2)
		if err != nil {
			t.Fatal(err)
		}
		b, err := backend.New("go")
		if err != nil {
			t.Fatal(err)
		}
		defer b.Finalize()
		ctx := mlctx.New().Checked(false)
		testutil.WithTimeout(t, 30*time.Second, func() {
			g := graph.NewGraph(b, "sn")
			d.Apply(ctx, graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 1, 16, 16, 2)))
		})
		n := 0
		ctx.EnumerateVariables(func(v *mlctx.Variable) {
			if v.Name() == layernet.VarSpectralU && !v.Trainable {
				n++
			}
		})
		if n != 3 {
			t.Errorf("%d non-trainable %s variables, want one per conv (3)", n, layernet.VarSpectralU)
		}
	})

	t.Run("activations", func(t *testing.T) {
		for act, typ := range map[string]string{"relu": sdk.TypeReLU, "tanh": sdk.TypeTanh, "leaky_relu": sdk.TypeLeakyReLU} {
			mod, err := component(t, "{name: testplugin.tiny, options: {act: "+act+", width: 3}}")
			if err != nil {
				t.Fatal(err)
			}
			d, err := mod.(model.DiscriminatorBuilder).NewDiscriminator(2)
			if err != nil {
				t.Fatal(err)
			}
			net := d.(*layernet.Net)
			if net.Layers[1].Type != typ || net.Layers[0].Out != 3 {
				t.Errorf("act %s: layers %+v", act, net.Layers)
			}
			b, err := backend.New("go")
			if err != nil {
				t.Fatal(err)
			}
			testutil.WithTimeout(t, 30*time.Second, func() {
				g := graph.NewGraph(b, "act")
				y := net.Apply(mlctx.New().Checked(false), graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 1, 9, 9, 2)))
				if want := []int{1, 5, 5, 1}; !reflect.DeepEqual(y.Shape().Dimensions, want) {
					t.Errorf("act %s: output %s, want %v", act, y.Shape(), want)
				}
			})
			b.Finalize()
		}
	})

	t.Run("option errors", func(t *testing.T) {
		for _, tt := range []struct{ block, want string }{
			{"{name: patchgan.patchgan, options: {widht: 3}}", "discriminators.d: discriminator.patchgan.patchgan: options.widht: unknown option (known: downsamples, slope, spectral_norm, width)"},
			{"{name: patchgan.patchgan, options: {width: wide}}", "options.width: expected int, got string wide"},
			{"{name: patchgan.patchgan, options: {slope: [1]}}", "options.slope: expected float"},
			{"{name: patchgan.patchgan, width: 3}", "discriminators.d.width: unknown key (known: options)"},
			{"{name: patchgan.nope}", `unknown discriminator "patchgan.nope"`},
		} {
			_, err := component(t, tt.block)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: error %v, want %q", tt.block, err, tt.want)
			}
		}
		mod, err := component(t, "{name: patchgan.patchgan, options: {downsamples: 0}}")
		if err != nil {
			t.Fatal(err)
		}
		_, err = mod.(model.DiscriminatorBuilder).NewDiscriminator(3)
		if want := "plugin patchgan (" + binary("patchgan") + "): Build patchgan: downsamples 0 must be in [1, 8]"; err == nil || err.Error() != want {
			t.Errorf("NewDiscriminator error %v, want %q", err, want)
		}
	})

	mod, err := component(t, "{name: patchgan.patchgan}")
	if err != nil {
		t.Fatal(err)
	}
	h.Close()
	assertNoProcessLeft(t, pidFile)
	for _, id := range ids {
		if _, err := registry.Lookup(id); err == nil {
			t.Errorf("%s is still registered after Close", id)
		}
	}
	if _, err := mod.(model.DiscriminatorBuilder).NewDiscriminator(3); err == nil || !strings.Contains(err.Error(), "the plugin is stopped") {
		t.Errorf("NewDiscriminator after Close: %v, want a stopped-plugin error", err)
	}
}

func TestInspect(t *testing.T) {
	pidFile := setMode(t, "ok")
	pl, err := Inspect(context.Background(), binary("testplugin"), "", 5*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	assertNoProcessLeft(t, pidFile)
	if pl.Name != "testplugin" || len(pl.Discriminators) != 1 {
		t.Fatalf("Inspect = %+v", pl)
	}
	d := pl.Discriminators[0]
	if d.ID != "discriminator.testplugin.tiny" || len(d.Options) != 3 || len(d.Layers) != 3 {
		t.Errorf("discriminator %+v", d)
	}
	if _, err := registry.Lookup(d.ID); err == nil {
		t.Errorf("Inspect registered %s", d.ID)
	}
}

func TestLoadDuplicateNames(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(binary("testplugin"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"my-plugin", "my_plugin"} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pidFile := setMode(t, "ok")
	_, err = Load(context.Background(), Config{Dirs: []string{dir}}, nil)
	if err == nil || !strings.Contains(err.Error(), `have the same name "my_plugin"`) {
		t.Errorf("Load: %v, want a duplicate-name error", err)
	}
	assertNoProcessLeft(t, pidFile)
}
