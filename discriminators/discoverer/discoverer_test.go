package discoverer

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dast-uda/dast/internal/testutil"

	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/core/nn"
	"github.com/dast-uda/dast/discriminators"
	"github.com/dast-uda/dast/registry"
	"github.com/dast-uda/dast/strategies/adversarial/attention"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// build returns the discoverer configured by mutate (applied to the registry's defaults) for
// inChannels input channels.
func build(t *testing.T, inChannels int, mutate func(*Config)) *discriminators.Net {
	t.Helper()
	info, err := registry.Lookup("discriminator.discoverer")
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

func release(c *Config) { c.ChannelsFrom = FromInput }

// TestShapesAndParams builds the graph only (no execution): GoMLX infers shapes while
// building, and the variables exist once built. Parameter counts by hand, 3x3 convs with bias:
//
//	paper, Cin 2048:   9*2048*256+256 + 9*256*128+128 + 9*128*64+64 + 9*64*1+1
//	                 = 4,718,848 + 295,040 + 73,792 + 577            = 5,088,257
//	release, Cin 2048: 9*2048*1024+1024 + 9*1024*512+512 + 9*512*256+256 + 9*256*1+1
//	                 = 18,875,392 + 4,719,104 + 1,179,904 + 2,305   = 24,776,705
//	paper, Cin 512 (VGG-16): 9*512*256+256 + 295,040 + 73,792 + 577 = 1,179,904 + 369,409 = 1,549,313
//	relu [8], Cin 16:  9*16*8+8 + 9*8*1+1 = 1,160 + 73 = 1,233
func TestShapesAndParams(t *testing.T) {
	for _, tc := range []struct {
		name       string
		in         []int
		mutate     func(*Config)
		wantParams int
	}{
		{"paper resnet", []int{2, 65, 129, 2048}, nil, 5_088_257},
		{"release resnet", []int{2, 65, 129, 2048}, release, 24_776_705},
		{"paper vgg", []int{1, 64, 128, 512}, nil, 1_549_313},
		{"relu small", []int{3, 9, 17, 16}, func(c *Config) { c.Channels, c.Activation = []int{8}, discriminators.ReLU }, 1_233},
	} {
		t.Run(tc.name, func(t *testing.T) {
			net := build(t, tc.in[3], tc.mutate)
			ctx := context.New().Checked(false)
			testutil.WithTimeout(t, 60*time.Second, func() {
				g := graph.NewGraph(testutil.Backend(t), "shapes")
				x := graph.Parameter(g, "x", shapes.Make(dtypes.Float32, tc.in...))
				y := net.Apply(ctx, x)
				want := []int{tc.in[0], tc.in[1], tc.in[2], 1}
				if !reflect.DeepEqual(y.Shape().Dimensions, want) {
					t.Errorf("output %s, want %v", y.Shape(), want)
				}
			})
			if got := ctx.NumParameters(); got != tc.wantParams {
				t.Errorf("%d parameters, want %d", got, tc.wantParams)
			}
			if got := net.NumParams(tc.in[3]); got != tc.wantParams {
				t.Errorf("NumParams = %d, want %d", got, tc.wantParams)
			}
			if got := ctx.NumVariables(); got != 2*len(net.Layers) {
				t.Errorf("%d variables, want weights and bias for %d layers", got, len(net.Layers))
			}
		})
	}
}

func TestWidths(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mutate  func(*Config)
		cin     int
		want    []int
		wantErr bool
	}{
		{"paper", nil, 2048, []int{256, 128, 64}, false},
		{"release resnet", release, 2048, []int{1024, 512, 256}, false},
		{"release vgg", release, 512, []int{256, 128, 64}, false},
		{"release odd", release, 100, []int{50, 25, 12}, false},
		{"release too narrow", release, 7, nil, true},
		{"no input", nil, 0, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{}.Module().New().(*Config)
			if tc.mutate != nil {
				tc.mutate(cfg)
			}
			got, err := cfg.Widths(tc.cin)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Widths(%d) error %v, want error %v", tc.cin, err, tc.wantErr)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Widths(%d) = %v, want %v", tc.cin, got, tc.want)
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
		{"release ignores channels", func(c *Config) { c.ChannelsFrom, c.Channels = FromInput, nil }, ""},
		{"relu", func(c *Config) { c.Activation = discriminators.ReLU }, ""},
		{"empty channels", func(c *Config) { c.Channels = nil }, "channels"},
		{"zero width", func(c *Config) { c.Channels = []int{256, 0, 64} }, "channels[1]"},
		{"negative width", func(c *Config) { c.Channels = []int{-1} }, "channels[0]"},
		{"unknown channels_from", func(c *Config) { c.ChannelsFrom = "paper" }, "channels_from"},
		{"unknown activation", func(c *Config) { c.Activation = "elu" }, "activation"},
		{"slope out of range", func(c *Config) { c.Slope = 1.5 }, "slope"},
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
			if _, err := cfg.NewDiscriminator(2048); err == nil || !strings.Contains(err.Error(), tc.wantKey) {
				t.Errorf("NewDiscriminator = %v, want the validation error", err)
			}
		})
	}
}

func TestOptions(t *testing.T) {
	opts, err := registry.Options("discriminator.discoverer")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"activation":    "leaky_relu",
		"channels":      []int{256, 128, 64},
		"channels_from": "list",
		"slope":         0.2,
	}
	if len(opts) != len(want) {
		t.Errorf("%d options, want %d: %+v", len(opts), len(want), opts)
	}
	for _, o := range opts {
		w, ok := want[o.Key]
		if !ok {
			t.Errorf("unexpected option %q", o.Key)
			continue
		}
		if !reflect.DeepEqual(o.Default, w) {
			t.Errorf("option %s default %v, want %v", o.Key, o.Default, w)
		}
		if o.Doc == "" {
			t.Errorf("option %s has no doc", o.Key)
		}
	}
}

// TestConfigDecoding decodes discoverer blocks from a YAML file the way the trainer does.
func TestConfigDecoding(t *testing.T) {
	for _, tc := range []struct {
		name    string
		block   string
		want    Config
		wantErr string
	}{
		{"defaults", "{name: discoverer}", Config{Channels: []int{256, 128, 64}, ChannelsFrom: "list", Activation: "leaky_relu", Slope: 0.2}, ""},
		{"release relu", "{name: discoverer, channels_from: input, activation: relu}", Config{Channels: []int{256, 128, 64}, ChannelsFrom: "input", Activation: "relu", Slope: 0.2}, ""},
		{"widths", "{name: discoverer, channels: [32, 16], slope: 0.1}", Config{Channels: []int{32, 16}, ChannelsFrom: "list", Activation: "leaky_relu", Slope: 0.1}, ""},
		{"unknown key", "{name: discoverer, widths: [32]}", Config{}, "discriminators.discoverer.widths"},
		{"invalid value", "{name: discoverer, activation: gelu}", Config{}, "activation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mod, err := testutil.DiscriminatorBlock(t, "discoverer", tc.block)
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

// TestForward runs a small discoverer twice in one graph: the second application reuses the
// weights, the weights follow PyTorch's default init, and gradients reach the input feature
// (the attention lets P's loss flow through D into f).
func TestForward(t *testing.T) {
	const cin = 16
	net := build(t, cin, func(c *Config) { c.Channels = []int{8, 4} })
	ctx := context.New().Checked(false)
	ctx.SetParam(context.ParamInitialSeed, int64(7))
	data := make([]float32, 2*6*10*cin)
	for i := range data {
		data[i] = float32(math.Sin(float64(i) * 0.37))
	}
	x := tensors.FromFlatDataAndDimensions(data, 2, 6, 10, cin)
	testutil.WithTimeout(t, 60*time.Second, func() {
		out := context.MustExecOnceN(testutil.Backend(t), ctx, func(ctx *context.Context, x *graph.Node) []*graph.Node {
			y1 := net.Apply(ctx, x)
			y2 := net.Apply(ctx, x)
			grad := graph.Gradient(graph.ReduceAllSum(graph.Square(y1)), x)[0]
			return []*graph.Node{y1, y2, graph.ReduceAllMax(graph.Abs(grad))}
		}, x)
		if d := out[0].Shape().Dimensions; !reflect.DeepEqual(d, []int{2, 6, 10, 1}) {
			t.Fatalf("output shape %v, want [2 6 10 1]", d)
		}
		y1, y2 := tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1])
		for i := range y1 {
			if math.IsNaN(float64(y1[i])) || y1[i] != y2[i] {
				t.Fatalf("output %d: %g and %g, want equal finite values", i, y1[i], y2[i])
			}
		}
		if g := tensors.MustCopyFlatData[float32](out[2])[0]; !(g > 0) {
			t.Errorf("max |dL/dx| = %g, want > 0", g)
		}
	})
	trainable := 0
	for v := range ctx.IterVariables() {
		if v.Trainable {
			trainable++
		}
	}
	if trainable != 6 {
		t.Errorf("%d trainable variables after two applications, want 6", trainable)
	}
	cinOf := []int{cin, 8, 4}
	for i := range net.Layers {
		scope := ctx.In(discriminators.LayerScope(i, len(net.Layers)))
		bound := 1 / math.Sqrt(float64(9*cinOf[i]))
		for _, name := range []string{nn.VarWeights, nn.VarBias} {
			v := scope.GetVariable(name)
			if v == nil {
				t.Fatalf("layer %d: variable %s missing", i, name)
			}
			val, err := v.Value()
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tensors.MustCopyFlatData[float32](val) {
				if math.Abs(float64(w)) > bound {
					t.Fatalf("layer %d %s: %g outside the torch-default bound ±%g", i, name, w, bound)
				}
			}
		}
	}
}

// TestAttentionThroughD wires the discoverer into the attention as the strategies do,
// f' = attention.Apply(f, attention.Alpha(D(f)), stop), and checks the gradient of
// sum(f' * probe) with respect to f: with stopGradient it is exactly probe*(1+alpha); without
// (the release's default) a second path runs through D, so it differs.
func TestAttentionThroughD(t *testing.T) {
	const cin = 8
	net := build(t, cin, func(c *Config) { c.Channels = []int{4} })
	n := 1 * 5 * 7 * cin
	data, probe := make([]float32, n), make([]float32, n)
	for i := range data {
		data[i] = float32(math.Sin(float64(i)*0.73)) * 2
		probe[i] = float32(math.Cos(float64(i) * 0.29))
	}
	x := tensors.FromFlatDataAndDimensions(data, 1, 5, 7, cin)
	p := tensors.FromFlatDataAndDimensions(probe, 1, 5, 7, cin)
	for _, stop := range []bool{true, false} {
		ctx := context.New().Checked(false)
		ctx.SetParam(context.ParamInitialSeed, int64(3))
		var grad, alpha []float32
		testutil.WithTimeout(t, 60*time.Second, func() {
			out := context.MustExecOnceN(testutil.Backend(t), ctx, func(ctx *context.Context, f, probe *graph.Node) []*graph.Node {
				a := attention.Alpha(net.Apply(ctx, f))
				y := attention.Apply(f, a, stop)
				return []*graph.Node{graph.Gradient(graph.ReduceAllSum(graph.Mul(y, probe)), f)[0], a}
			}, x, p)
			grad, alpha = tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1])
		})
		var maxDiff float64
		for i := range grad {
			want := float64(probe[i]) * (1 + float64(alpha[i/cin]))
			maxDiff = max(maxDiff, math.Abs(float64(grad[i])-want))
		}
		if stop && maxDiff > 1e-5 {
			t.Errorf("stopGradient: dL/df differs from probe*(1+alpha) by up to %g, want equal", maxDiff)
		}
		if !stop && maxDiff < 1e-4 {
			t.Errorf("no stopGradient: dL/df equals probe*(1+alpha) (max diff %g), want a contribution through D", maxDiff)
		}
		t.Logf("stopGradient=%v: max |dL/df - probe*(1+alpha)| = %.3g", stop, maxDiff)
	}
}
