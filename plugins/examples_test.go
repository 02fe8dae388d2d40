package plugins

import (
	"context"
	"math"
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
)

// TestGraphExamples loads the residual and two-scale examples (protocol 2, with the 64x64
// load-time dry run), builds each for 3 input channels and checks the output shape, the
// parameter count against the context's variables and a finite non-zero gradient of every
// trainable variable on the pure-Go backend.
func TestGraphExamples(t *testing.T) {
	tests := []struct {
		plugin, block string
		size, outSize int
		wantTypes     []string // layer types the graph must use
	}{
		// 2 blocks halve 32 twice; the 3x3 padded logits conv keeps 8.
		{"residual", "{name: residual.residual, options: {width: 4, blocks: 2, attention: true}}", 32, 8,
			[]string{sdk.TypeAdd, sdk.TypeAvgPool, sdk.TypeSelfAttention}},
		// Fine scale: 32 -> 16 -> 8 (stride 2, 2) -> 7 -> 6 (4x4 stride 1, padding 1).
		{"twoscale", "{name: twoscale.twoscale, options: {width: 4, downsamples: 2}}", 32, 6,
			[]string{sdk.TypeAvgPool, sdk.TypeUpsample, sdk.TypeAdd, sdk.TypeInstanceNorm}},
	}
	for _, tt := range tests {
		t.Run(tt.plugin, func(t *testing.T) {
			h, err := Load(context.Background(), Config{Plugins: []config.PluginRef{{Path: binary(tt.plugin)}}, Timeout: 5 * time.Second, ProbeSize: 64}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			if p := h.Plugins()[0].Protocol; p != 2 {
				t.Errorf("protocol %d, want 2", p)
			}
			mod, err := component(t, tt.block)
			if err != nil {
				t.Fatal(err)
			}
			d, err := mod.(model.DiscriminatorBuilder).NewDiscriminator(3)
			if err != nil {
				t.Fatal(err)
			}
			net := d.(*layernet.Net)
			used := make(map[string]bool)
			for _, l := range net.Layers {
				used[l.Type] = true
			}
			for _, typ := range tt.wantTypes {
				if !used[typ] {
					t.Errorf("no %s layer in %+v", typ, net.Layers)
				}
			}
			if oh, ow, err := net.OutputSize(tt.size, tt.size); err != nil || oh != tt.outSize || ow != tt.outSize {
				t.Errorf("OutputSize = %d, %d, %v; want %d", oh, ow, err, tt.outSize)
			}
			b, err := backend.New("go")
			if err != nil {
				t.Fatal(err)
			}
			defer b.Finalize()
			ctx := mlctx.New().Checked(false)
			var grads []float32
			var outShape []int
			var names []string
			testutil.WithTimeout(t, 2*time.Minute, func() {
				// Build once to create the variables, then differentiate with respect to all.
				g0 := graph.NewGraph(b, "init")
				net.Apply(ctx, graph.Parameter(g0, "x", shapes.Make(dtypes.Float32, 1, tt.size, tt.size, 3)))
				var vars []*mlctx.Variable
				ctx.EnumerateVariables(func(v *mlctx.Variable) {
					if v.Trainable {
						vars = append(vars, v)
						names = append(names, v.ScopeAndName())
					}
				})
				exec, err := mlctx.NewExec(b, ctx, func(ctx *mlctx.Context, x *graph.Node) []*graph.Node {
					y := net.Apply(ctx, x)
					wrt := make([]*graph.Node, len(vars))
					for i, v := range vars {
						wrt[i] = v.ValueGraph(x.Graph())
					}
					out := []*graph.Node{y}
					for _, gr := range graph.Gradient(graph.ReduceAllSum(graph.Square(y)), wrt...) {
						out = append(out, graph.ReduceAllSum(graph.Abs(gr)))
					}
					return out
				})
				if err != nil {
					t.Error(err)
					return
				}
				in := make([]float32, tt.size*tt.size*3)
				for i := range in {
					in[i] = float32(math.Sin(float64(i) * 0.37))
				}
				res, err := exec.Exec(tensorsFrom(in, 1, tt.size, tt.size, 3))
				if err != nil {
					t.Error(err)
					return
				}
				outShape = res[0].Shape().Dimensions
				for _, r := range res[1:] {
					grads = append(grads, flat(r)[0])
				}
			})
			if t.Failed() {
				return
			}
			if want := []int{1, tt.outSize, tt.outSize, 1}; !reflect.DeepEqual(outShape, want) {
				t.Errorf("output %v, want %v", outShape, want)
			}
			total := 0
			ctx.EnumerateVariables(func(v *mlctx.Variable) {
				if v.Trainable {
					total += v.Shape().Size()
				}
			})
			if total != net.NumParams() {
				t.Errorf("NumParams %d, context holds %d trainable parameters", net.NumParams(), total)
			}
			for i, g := range grads {
				// SAGAN's gamma starts at 0, so the attention projections get no gradient at
				// the first step; gamma itself does.
				zeroOK := tt.plugin == "residual" && !strings.Contains(names[i], "gamma") && strings.Contains(names[i], "attention")
				if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) || (g == 0 && !zeroOK) {
					t.Errorf("sum |d/d %s| = %v", names[i], g)
				}
			}
			t.Logf("%d variables, %d parameters", len(grads), total)
		})
	}
}
