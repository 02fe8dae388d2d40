package corrector

import (
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dast-uda/dast/internal/testutil"

	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/core/nn"
	"github.com/dast-uda/dast/discriminators"
	"github.com/dast-uda/dast/registry"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// build returns the corrector configured by mutate (applied to the registry's defaults) for
// inChannels classes.
func build(t *testing.T, inChannels int, mutate func(*Config)) *discriminators.Net {
	t.Helper()
	info, err := registry.Lookup("discriminator.corrector")
	if err != nil {
		t.Fatal(err)
	}
	cfg := info.New().(*Config)
	if mutate != nil {
		mutate(cfg)
	}
	d, err := model.DiscriminatorBuilder(cfg).NewDiscriminator(inChannels)
	if err != nil {
		t.Fatalf("NewDiscriminator(%d): %v", inChannels, err)
	}
	return d.(*discriminators.Net)
}

// TestShapesAndParams builds the graph only (no execution). Each 4x4 stride-2 pad-1 conv maps
// a size s to floor((s+2-4)/2)+1 = floor(s/2). Parameter counts by hand, 4x4 convs with bias:
//
//	19 classes: 16*19*64+64 + 16*64*128+128 + 16*128*256+256 + 16*256*512+512 + 16*512*1+1
//	          = 19,520 + 131,200 + 524,544 + 2,097,664 + 8,193 = 2,781,121 (AdaptSegNet's count)
//	16 classes: 2,781,121 - 16*3*64 = 2,778,049
//	[8,16], 4 classes: 16*4*8+8 + 16*8*16+16 + 16*16*1+1 = 520 + 2,064 + 257 = 2,841
func TestShapesAndParams(t *testing.T) {
	for _, tc := range []struct {
		name       string
		in         []int
		mutate     func(*Config)
		out        []int
		wantParams int
	}{
		{"cityscapes 19", []int{1, 512, 1024, 19}, nil, []int{1, 16, 32, 1}, 2_781_121},
		{"synthia 16", []int{1, 512, 1024, 16}, nil, []int{1, 16, 32, 1}, 2_778_049},
		{"gta5 size", []int{1, 720, 1280, 19}, nil, []int{1, 22, 40, 1}, 2_781_121},
		{"small", []int{2, 64, 128, 4}, func(c *Config) { c.Channels = []int{8, 16} }, []int{2, 8, 16, 1}, 2_841},
	} {
		t.Run(tc.name, func(t *testing.T) {
			net := build(t, tc.in[3], tc.mutate)
			ctx := context.New().Checked(false)
			testutil.WithTimeout(t, 60*time.Second, func() {
				g := graph.NewGraph(testutil.Backend(t), "shapes")
				x := graph.Parameter(g, "x", shapes.Make(dtypes.Float32, tc.in...))
				y := net.Apply(ctx, x)
				if !reflect.DeepEqual(y.Shape().Dimensions, tc.out) {
					t.Errorf("output %s, want %v", y.Shape(), tc.out)
				}
			})
			if got := ctx.NumParameters(); got != tc.wantParams {
				t.Errorf("%d parameters, want %d", got, tc.wantParams)
			}
			if got := net.NumParams(tc.in[3]); got != tc.wantParams {
				t.Errorf("NumParams = %d, want %d", got, tc.wantParams)
			}
			for i, l := range net.Layers {
				if l.Kernel != 4 || l.Stride != 2 || l.Padding != 1 || !l.Bias || l.Init != nn.InitTorchDefault {
					t.Errorf("layer %d: %+v, want 4x4 stride 2 pad 1 with bias and torch-default init", i, l)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mutate  func(*Config)
		wantKey string // "" = valid; otherwise the option the error must name
	}{
		{"defaults", func(*Config) {}, ""},
		{"narrow", func(c *Config) { c.Channels = []int{4} }, ""},
		{"empty channels", func(c *Config) { c.Channels = nil }, "channels"},
		{"zero width", func(c *Config) { c.Channels = []int{64, 128, 0, 512} }, "channels[2]"},
		{"negative slope", func(c *Config) { c.Slope = -0.2 }, "slope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{}.Module().New().(*Config)
			tc.mutate(cfg)
			err := cfg.Validate()
			if tc.wantKey == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantKey+":") {
				t.Fatalf("Validate = %v, want an error naming %q", err, tc.wantKey)
			}
			if _, err := cfg.NewDiscriminator(19); err == nil || !strings.Contains(err.Error(), tc.wantKey) {
				t.Errorf("NewDiscriminator = %v, want the validation error", err)
			}
		})
	}
	cfg := Config{}.Module().New().(*Config)
	if _, err := cfg.NewDiscriminator(0); err == nil {
		t.Errorf("NewDiscriminator(0) succeeded, want an error")
	}
}

func TestOptions(t *testing.T) {
	opts, err := registry.Options("discriminator.corrector")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"channels": []int{64, 128, 256, 512}, "slope": 0.2}
	if len(opts) != len(want) {
		t.Errorf("%d options, want %d: %+v", len(opts), len(want), opts)
	}
	for _, o := range opts {
		if w, ok := want[o.Key]; !ok || !reflect.DeepEqual(o.Default, w) || o.Doc == "" {
			t.Errorf("option %s default %v doc %q, want default %v and a doc", o.Key, o.Default, o.Doc, w)
		}
	}
}

// TestConfigDecoding decodes corrector blocks from a YAML file the way the trainer does.
func TestConfigDecoding(t *testing.T) {
	for _, tc := range []struct {
		name    string
		block   string
		want    Config
		wantErr string
	}{
		{"defaults", "{name: corrector}", Config{Channels: []int{64, 128, 256, 512}, Slope: 0.2}, ""},
		{"options", "{name: corrector, channels: [32, 64], slope: 0.1}", Config{Channels: []int{32, 64}, Slope: 0.1}, ""},
		{"unknown key", "{name: corrector, activation: relu}", Config{}, "discriminators.corrector.activation"},
		{"invalid value", "{name: corrector, channels: []}", Config{}, "channels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mod, err := testutil.DiscriminatorBlock(t, "corrector", tc.block)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Component = %v, want an error naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, ok := mod.(*Config)
			if !ok {
				t.Fatalf("Component returned %T", mod)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("decoded %+v, want %+v", *got, tc.want)
			}
		})
	}
}

// TestForward runs the default corrector on a 64x64 softmax-like map of 19 classes: output
// 2x2, finite, and a gradient reaches the input (the segmentor's adversarial term flows
// through C).
func TestForward(t *testing.T) {
	const classes = 19
	net := build(t, classes, nil)
	ctx := context.New().Checked(false)
	ctx.SetParam(context.ParamInitialSeed, int64(11))
	data := make([]float32, 64*64*classes)
	for i := range data {
		data[i] = float32(0.5 + 0.5*math.Cos(float64(i)*0.11))
	}
	x := tensors.FromFlatDataAndDimensions(data, 1, 64, 64, classes)
	testutil.WithTimeout(t, 60*time.Second, func() {
		out := context.MustExecOnceN(testutil.Backend(t), ctx, func(ctx *context.Context, x *graph.Node) []*graph.Node {
			y := net.Apply(ctx, x)
			grad := graph.Gradient(graph.ReduceAllSum(graph.Square(y)), x)[0]
			return []*graph.Node{y, graph.ReduceAllMax(graph.Abs(grad))}
		}, x)
		if d := out[0].Shape().Dimensions; !reflect.DeepEqual(d, []int{1, 2, 2, 1}) {
			t.Fatalf("output shape %v, want [1 2 2 1]", d)
		}
		for i, v := range tensors.MustCopyFlatData[float32](out[0]) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("output %d is %g", i, v)
			}
		}
		if g := tensors.MustCopyFlatData[float32](out[1])[0]; !(g > 0) {
			t.Errorf("max |dL/dx| = %g, want > 0", g)
		}
	})
}

// TestForwardFullSize executes the corrector on a 512x1024 map of 19 classes (the Cityscapes
// evaluation size). It takes about 30 s and 1 GB on the pure-Go backend of a 2-core machine, so
// it only runs with DAST_SLOW_TESTS=1; TestShapesAndParams checks the same shapes by building
// the graph.
func TestForwardFullSize(t *testing.T) {
	if os.Getenv("DAST_SLOW_TESTS") == "" {
		t.Skip("set DAST_SLOW_TESTS=1 to run the 512x1024 forward pass")
	}
	net := build(t, 19, nil)
	ctx := context.New().Checked(false)
	ctx.SetParam(context.ParamInitialSeed, int64(5))
	x := tensors.FromShape(shapes.Make(dtypes.Float32, 1, 512, 1024, 19))
	testutil.WithTimeout(t, 5*time.Minute, func() {
		y := context.MustExecOnce(testutil.Backend(t), ctx, net.Apply, x)
		if d := y.Shape().Dimensions; !reflect.DeepEqual(d, []int{1, 16, 32, 1}) {
			t.Fatalf("output shape %v, want [1 16 32 1]", d)
		}
		for i, v := range tensors.MustCopyFlatData[float32](y) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("output %d is %g", i, v)
			}
		}
	})
}
