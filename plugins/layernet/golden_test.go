package layernet

import (
	"encoding/json"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/dast-uda/dast/internal/golden"
	"github.com/dast-uda/dast/internal/testutil"
	"github.com/dast-uda/dast/plugins/sdk"
)

// The plugin layers against PyTorch 1.13: testdata/golden_layers.py runs each case's layer
// list (stored in the fixture as JSON) with an independent PyTorch interpreter and stores the
// output and the gradients of sum(y * r) with respect to the input and every parameter.

const (
	layersFixture   = "testdata/golden_layers.npz"
	layersMaxRelErr = 1e-4 // max|got-want| / max|want| per tensor
)

func TestGoldenLayers(t *testing.T) {
	s, err := golden.Load(layersFixture)
	if err != nil {
		t.Fatal(err)
	}
	cases := append(s.Cases("layer_"), s.Cases("graph_")...)
	if len(cases) < 16 {
		t.Fatalf("%d cases in %s, want >= 16", len(cases), layersFixture)
	}
	b := testutil.Backend(t)
	covered := make(map[string]bool)
	for _, c := range cases {
		t.Run(c, func(t *testing.T) {
			layers := goldenSpec(t, s, c)
			for _, l := range layers {
				covered[l.Type] = true
			}
			runLayersGolden(t, b, s, c, layers)
		})
	}
	for _, typ := range layerTypes {
		if !covered[typ] {
			t.Errorf("no golden case uses layer type %s", typ)
		}
	}
}

// goldenSpec decodes case c's layer list.
func goldenSpec(t *testing.T, s golden.Set, c string) []sdk.Layer {
	t.Helper()
	x, err := s.Get(c, "spec")
	if err != nil {
		t.Fatal(err)
	}
	codes, err := golden.Ints(x)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, len(codes))
	for i, v := range codes {
		b[i] = byte(v)
	}
	var layers []sdk.Layer
	if err := json.Unmarshal(b, &layers); err != nil {
		t.Fatalf("spec %s: %v", b, err)
	}
	return layers
}

// runLayersGolden sets case c's parameters, runs the layers and compares the output and every
// gradient.
func runLayersGolden(t *testing.T, b backends.Backend, s golden.Set, c string, layers []sdk.Layer) {
	t.Helper()
	get := func(name string) *tensors.Tensor {
		x, err := s.Get(c, name)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	var params []string
	for k := range s {
		if name, ok := strings.CutPrefix(k, c+golden.Sep+"p."); ok {
			params = append(params, name)
		}
	}
	sort.Strings(params)
	ctx := mlctx.New().Checked(false)
	for _, p := range params {
		parts := strings.Split(p, ".")
		scope := ctx
		for _, sc := range parts[:len(parts)-1] {
			scope = scope.In(sc)
		}
		v := get("p." + p)
		if parts[len(parts)-1] == VarGamma { // numpy stores the scalar as [1]
			v = tensors.FromScalar(flat(v)[0])
		}
		scope.VariableWithValue(parts[len(parts)-1], v)
	}
	var outs []*tensors.Tensor
	testutil.WithTimeout(t, 2*time.Minute, func() {
		exec, err := mlctx.NewExec(b, ctx, func(ctx *mlctx.Context, x, r *graph.Node) []*graph.Node {
			y, err := apply(ctx, layers, x, false)
			if err != nil {
				panic(err)
			}
			wrt := []*graph.Node{x}
			for _, p := range params {
				parts := strings.Split(p, ".")
				scope := ctx
				for _, sc := range parts[:len(parts)-1] {
					scope = scope.In(sc)
				}
				v := scope.GetVariable(parts[len(parts)-1])
				if v == nil {
					panic("no variable " + p + " after building the layers")
				}
				wrt = append(wrt, v.ValueGraph(x.Graph()))
			}
			loss := graph.ReduceAllSum(graph.Mul(y, r))
			return append([]*graph.Node{y}, graph.Gradient(loss, wrt...)...)
		})
		if err != nil {
			t.Error(err)
			return
		}
		outs, err = exec.Exec(get("x"), get("r"))
		if err != nil {
			t.Error(err)
		}
	})
	if t.Failed() {
		return
	}
	// Every trainable variable the layers created has a fixture parameter (none is left at
	// its initial value unchecked).
	known := make(map[string]bool, len(params))
	for _, p := range params {
		known[p] = true
	}
	ctx.EnumerateVariables(func(v *mlctx.Variable) {
		path := strings.ReplaceAll(strings.TrimPrefix(v.ScopeAndName(), "/"), "/", ".")
		if v.Trainable && !known[path] {
			t.Errorf("variable %s has no fixture parameter", path)
		}
	})
	check := func(what string, got *tensors.Tensor) {
		want := get(what)
		if got.Shape().IsScalar() {
			want = tensors.FromScalar(flat(want)[0])
		}
		// Gradients that are zero in exact arithmetic (self-attention's key bias: the softmax
		// over keys ignores q_i . b, the same for every key) are float32 noise on both sides:
		// check they stay noise.
		if m := maxAbs(flat(want)); m < 1e-6 {
			if g := maxAbs(flat(got)); g > 1e-5 {
				t.Errorf("%s: max |got| %.3g, want ~0 (PyTorch's %.3g)", what, g, m)
			}
			return
		}
		rel, err := golden.RelErr(got, want)
		if err != nil {
			t.Errorf("%s: %v", what, err)
			return
		}
		if rel > layersMaxRelErr {
			t.Errorf("%s: relative error %.3g > %g (max |want| %.3g)", what, rel, layersMaxRelErr, maxAbs(flat(want)))
		}
		t.Logf("%s: relative error %.3g", what, rel)
	}
	check("y", outs[0])
	check("dx", outs[1])
	for i, p := range params {
		check("d."+p, outs[2+i])
	}
}

func maxAbs(v []float32) float64 {
	m := 0.0
	for _, x := range v {
		m = max(m, math.Abs(float64(x)))
	}
	return m
}
