package layernet

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/nn"
	"github.com/dast-uda/dast/internal/testutil"
	"github.com/dast-uda/dast/plugins/sdk"
)

// topSingularValue returns the largest singular value of the rows x cols matrix m (row-major)
// by power iteration in float64.
func topSingularValue(m []float64, rows, cols int) float64 {
	v := make([]float64, cols)
	for i := range v {
		v[i] = 1 / float64(i+1)
	}
	sigma := 0.0
	for range 500 {
		u := make([]float64, rows)
		for r := range rows {
			for c := range cols {
				u[r] += m[r*cols+c] * v[c]
			}
		}
		next := make([]float64, cols)
		for r := range rows {
			for c := range cols {
				next[c] += m[r*cols+c] * u[r]
			}
		}
		norm := 0.0
		for _, x := range next {
			norm += x * x
		}
		norm = math.Sqrt(norm)
		sigma = math.Sqrt(norm)
		for c := range next {
			next[c] /= norm
		}
		v = next
	}
	return sigma
}

// TestSpectralNorm applies a spectrally normalised 1x1 conv without bias to one-hot inputs,
// which reads the effective weight matrix off the output, and checks that its largest singular
// value approaches 1 as the stored power-iteration vector converges over executions, while the
// raw weights' is not 1.
func TestSpectralNorm(t *testing.T) {
	const cin, cout = 6, 4
	l := sdk.Layer{Type: sdk.TypeConv, Out: cout, Kernel: 1, Stride: 1, Dilation: 1, SpectralNorm: true}
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	ctx := mlctx.New().Checked(false)
	// Fixed raw weights, scaled so their largest singular value is far from 1 (a random
	// initialisation can land near 1 and make the check below meaningless).
	rng := rand.New(rand.NewPCG(7, 8))
	init := make([]float32, cin*cout)
	for i := range init {
		init[i] = float32(3 * rng.NormFloat64())
	}
	ctx.In("sn").VariableWithValue(nn.VarWeights, tensors.FromFlatDataAndDimensions(init, 1, 1, cin, cout))
	x := make([]float32, cin*cin) // [1, cin, 1, cin]: pixel i is the one-hot e_i
	for i := range cin {
		x[i*cin+i] = 1
	}
	var sigmas []float64
	testutil.WithTimeout(t, 60*time.Second, func() {
		exec, err := mlctx.NewExec(b, ctx, func(ctx *mlctx.Context, x *graph.Node) *graph.Node {
			return spectralConv(ctx.In("sn"), x, l)
		})
		if err != nil {
			t.Error(err)
			return
		}
		for range 30 {
			res, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, 1, cin, 1, cin))
			if err != nil {
				t.Error(err)
				return
			}
			m := make([]float64, 0, cin*cout) // row i = effective weights of input channel i
			for _, f := range flat(res[0]) {
				m = append(m, float64(f))
			}
			sigmas = append(sigmas, topSingularValue(m, cin, cout))
		}
	})
	if t.Failed() {
		return
	}
	raw := ctx.In("sn").GetVariable("weights")
	u := ctx.In("sn").GetVariable(VarSpectralU)
	if raw == nil || u == nil || u.Trainable || !raw.Trainable {
		t.Fatalf("variables: weights %v, %s %v (want trainable weights and a non-trainable u)", raw, VarSpectralU, u)
	}
	var w []float64
	for _, f := range flat(raw.MustValue()) {
		w = append(w, float64(f))
	}
	rawSigma := topSingularValue(w, cin, cout)
	last := sigmas[len(sigmas)-1]
	t.Logf("sigma of the raw weights %.4f; of the normalised ones after 1, 2, 5, 30 runs: %.4f %.4f %.4f %.4f", rawSigma, sigmas[0], sigmas[1], sigmas[4], last)
	if math.Abs(last-1) > 1e-3 {
		t.Errorf("largest singular value of the normalised weights after 30 runs = %v, want 1", last)
	}
	if rawSigma < 2 {
		t.Errorf("raw weights already have sigma %v: the test does not tell normalisation apart", rawSigma)
	}
}

// TestSpectralNormGradient checks that the pure-Go backend differentiates through the
// normalisation (sigma depends on the weights).
func TestSpectralNormGradient(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	net := &Net{ID: "test", InChannels: 3, Layers: []sdk.Layer{
		{Type: sdk.TypeConv, Out: 4, Kernel: 3, Stride: 2, Padding: 1, Dilation: 1, Bias: true, SpectralNorm: true},
		sdk.LeakyReLU(0.2),
		{Type: sdk.TypeConv, Out: 1, Kernel: 3, Stride: 1, Padding: 1, Dilation: 1, Bias: true, SpectralNorm: true},
	}}
	if err := Check(net.Layers, 3, 8, 8); err != nil {
		t.Fatal(err)
	}
	ctx := mlctx.New().Checked(false)
	testutil.WithTimeout(t, 60*time.Second, func() {
		exec, err := mlctx.NewExec(b, ctx, func(ctx *mlctx.Context, x *graph.Node) *graph.Node {
			y := net.Apply(ctx, x)
			w := ctx.In("conv1").GetVariable("weights").ValueGraph(x.Graph())
			return graph.ReduceAllSum(graph.Abs(graph.Gradient(graph.ReduceAllSum(graph.Square(y)), w)[0]))
		})
		if err != nil {
			t.Error(err)
			return
		}
		in := make([]float32, 2*8*8*3)
		for i := range in {
			in[i] = float32(math.Sin(float64(i) * 0.3))
		}
		res, err := exec.Exec(tensors.FromFlatDataAndDimensions(in, 2, 8, 8, 3))
		if err != nil {
			t.Error(err)
			return
		}
		if g := flat(res[0])[0]; !(g > 0) || math.IsInf(float64(g), 0) {
			t.Errorf("sum |dL/dW| = %v, want a finite positive gradient", g)
		}
	})
}
