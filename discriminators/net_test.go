package discriminators

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/dast-uda/dast/internal/testutil"

	"github.com/dast-uda/dast/core/nn"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// testBackend is the pure-Go backend in its deadlock-free mode.
// centre returns a [3,3,cin,cout] HWIO kernel that is zero except for its centre tap.
func centre(taps [][]float32) *tensors.Tensor {
	cin, cout := len(taps), len(taps[0])
	k := make([]float32, 9*cin*cout)
	for i := range cin {
		for o := range cout {
			k[(4*cin+i)*cout+o] = taps[i][o]
		}
	}
	return tensors.FromFlatDataAndDimensions(k, 3, 3, cin, cout)
}

// TestNetHandComputed runs a two-layer net on a 1x1 input, where a 3x3 pad-1 convolution only
// sees its centre tap, and compares it with the same arithmetic done by hand: the activation
// sits between the layers and nothing follows the last one.
func TestNetHandComputed(t *testing.T) {
	const (
		a, b, bias1 = 0.5, 1.0, 0.25 // hidden layer: h = a*x0 + b*x1 + bias1
		c, bias2    = 2.0, -0.5      // classifier: y = c*act(h) + bias2
	)
	act := func(h float64, name string, slope float64) float64 {
		if h > 0 {
			return h
		}
		if name == ReLU {
			return 0
		}
		return slope * h
	}
	for _, tc := range []struct {
		name       string
		activation string
		slope      float64
		x0, x1     float32
	}{
		{"leaky negative", LeakyReLU, 0.2, 1, -2},
		{"leaky positive", LeakyReLU, 0.2, 2, 1},
		{"leaky slope 0.1", LeakyReLU, 0.1, -1, -1},
		{"relu negative", ReLU, 0, 1, -2},
		{"relu positive", ReLU, 0, 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			layer := nn.ConvLayer{Kernel: 3, Padding: 1, Bias: true}
			h1, h2 := layer, layer
			h1.Out, h2.Out = 1, 1
			net := &Net{Layers: []nn.ConvLayer{h1, h2}, Activation: tc.activation, Slope: tc.slope}
			ctx := context.New().Checked(false)
			ctx.In("conv1").VariableWithValue(nn.VarWeights, centre([][]float32{{a}, {b}}))
			ctx.In("conv1").VariableWithValue(nn.VarBias, []float32{bias1})
			ctx.In(ClassifierScope).VariableWithValue(nn.VarWeights, centre([][]float32{{c}}))
			ctx.In(ClassifierScope).VariableWithValue(nn.VarBias, []float32{bias2})
			x := tensors.FromFlatDataAndDimensions([]float32{tc.x0, tc.x1}, 1, 1, 1, 2)
			var got float64
			testutil.WithTimeout(t, 30*time.Second, func() {
				y := context.MustExecOnce(testutil.Backend(t), ctx, net.Apply, x)
				if d := y.Shape().Dimensions; len(d) != 4 || d[0] != 1 || d[1] != 1 || d[2] != 1 || d[3] != 1 {
					t.Fatalf("output shape %s, want [1,1,1,1]", y.Shape())
				}
				got = float64(tensors.MustCopyFlatData[float32](y)[0])
			})
			h := a*float64(tc.x0) + b*float64(tc.x1) + bias1
			want := c*act(h, tc.activation, tc.slope) + bias2
			if math.Abs(got-want) > 1e-6 {
				t.Errorf("output %g, want %g", got, want)
			}
		})
	}
}

func TestLayerScope(t *testing.T) {
	for _, tc := range []struct {
		i, n int
		want string
	}{{0, 5, "conv1"}, {3, 5, "conv4"}, {4, 5, "classifier"}, {0, 1, "classifier"}} {
		if got := LayerScope(tc.i, tc.n); got != tc.want {
			t.Errorf("LayerScope(%d, %d) = %q, want %q", tc.i, tc.n, got, tc.want)
		}
	}
}

func TestNumParams(t *testing.T) {
	l := func(out, k int, bias bool) nn.ConvLayer { return nn.ConvLayer{Out: out, Kernel: k, Bias: bias} }
	for _, tc := range []struct {
		name   string
		layers []nn.ConvLayer
		cin    int
		want   int
	}{
		// 3*3*2*4 + 4 = 76; 3*3*4*1 + 1 = 37.
		{"two 3x3 with bias", []nn.ConvLayer{l(4, 3, true), l(1, 3, true)}, 2, 113},
		// 4*4*3*8 = 384, no bias.
		{"one 4x4 without bias", []nn.ConvLayer{l(8, 4, false)}, 3, 384},
	} {
		if got := (&Net{Layers: tc.layers}).NumParams(tc.cin); got != tc.want {
			t.Errorf("%s: NumParams = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestCheckActivation(t *testing.T) {
	for _, tc := range []struct {
		activation string
		slope      float64
		wantErr    string // "" = valid; otherwise the key the error must name
	}{
		{LeakyReLU, 0.2, ""},
		{LeakyReLU, 0, ""},
		{ReLU, 0, ""},
		{ReLU, 5, ""}, // slope is ignored by relu
		{LeakyReLU, 1, "slope"},
		{LeakyReLU, -0.1, "slope"},
		{LeakyReLU, math.NaN(), "slope"},
		{"tanh", 0.2, "activation"},
		{"", 0.2, "activation"},
	} {
		err := CheckActivation(tc.activation, tc.slope)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("CheckActivation(%q, %v): unexpected error %v", tc.activation, tc.slope, err)
		case tc.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.wantErr+":")):
			t.Errorf("CheckActivation(%q, %v) = %v, want an error naming %q", tc.activation, tc.slope, err, tc.wantErr)
		}
	}
}

func TestCheckWidths(t *testing.T) {
	for _, tc := range []struct {
		widths  []int
		wantErr string
	}{
		{[]int{64, 128}, ""},
		{[]int{1}, ""},
		{nil, "channels:"},
		{[]int{64, 0}, "channels[1]:"},
		{[]int{-3}, "channels[0]:"},
		{[]int{1 << 17}, "channels[0]:"},
	} {
		err := CheckWidths("channels", tc.widths)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("CheckWidths(%v): unexpected error %v", tc.widths, err)
		case tc.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.wantErr)):
			t.Errorf("CheckWidths(%v) = %v, want an error starting %q", tc.widths, err, tc.wantErr)
		}
	}
}

func TestActivateUnknownPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("Activate with an unknown activation did not panic")
		}
	}()
	g := graph.NewGraph(testutil.Backend(t), "unknown")
	Activate(graph.Const(g, []float32{1}), "swish", 0)
}
