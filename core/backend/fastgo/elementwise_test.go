package fastgo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// withSimplego runs f with simplego's own executors for the ops of elementwise.go.
// installedBackend is a sequential pure-Go backend with dast's executors installed (the test
// fails when they cannot be).
func installedBackend(t *testing.T) backends.Backend {
	t.Helper()
	if active, why := Install(); !active {
		t.Fatalf("not installed: %s", why)
	}
	b, err := simplego.New("ops_sequential")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Finalize)
	return b
}

func withSimplego(f func()) {
	saved := map[backends.OpType]executor{}
	for op, stock := range stockOps {
		saved[op] = nodeExecutors[op]
		nodeExecutors[op] = stock
	}
	defer func() {
		for op, fast := range saved {
			nodeExecutors[op] = fast
		}
	}()
	f()
}

// TestElementwiseMatchesSimplego computes unary ops, BroadcastInDim, ReduceSum/ReduceMax over
// leading, middle, trailing and all axes, and Where, at sizes split across goroutines, with
// dast's executors and with simplego's: the results must be identical bit for bit.
func TestElementwiseMatchesSimplego(t *testing.T) {
	b := installedBackend(t)
	rng := rand.New(rand.NewPCG(11, 12))
	x := randSlice(rng, 2*64*48*19)
	x[5] = float32(math.NaN()) // NaN propagates through max and sums alike
	x[77] = float32(math.Inf(-1))
	input := func() *tensors.Tensor { return tensors.FromFlatDataAndDimensions(x, 2, 64, 48, 19) }
	cases := []struct {
		name string
		fn   func(x *graph.Node) *graph.Node
	}{
		{"exp", graph.Exp},
		{"log", func(x *graph.Node) *graph.Node { return graph.Log(graph.Abs(x)) }},
		{"tanh", graph.Tanh},
		{"sqrt", func(x *graph.Node) *graph.Node { return graph.Sqrt(graph.Abs(x)) }},
		{"neg", graph.Neg},
		{"sum_classes", func(x *graph.Node) *graph.Node { return graph.ReduceSum(x, -1) }},
		{"max_classes", func(x *graph.Node) *graph.Node { return graph.ReduceMax(x, -1) }},
		{"sum_leading", func(x *graph.Node) *graph.Node { return graph.ReduceSum(x, 0, 1, 2) }},
		{"sum_middle", func(x *graph.Node) *graph.Node { return graph.ReduceSum(x, 1, 2) }},
		{"max_middle", func(x *graph.Node) *graph.Node { return graph.ReduceMax(x, 1) }},
		{"sum_all", func(x *graph.Node) *graph.Node { return graph.ReduceAllSum(x) }},
		{"sum_split", func(x *graph.Node) *graph.Node { return graph.ReduceSum(x, 0, 2) }}, // not contiguous: stock
		{"broadcast_classes", func(x *graph.Node) *graph.Node {
			return graph.Add(x, graph.BroadcastToDims(graph.ReduceMax(x, -1, 2), 2, 64, 48, 19))
		}},
		{"broadcast_bias", func(x *graph.Node) *graph.Node {
			bias := graph.Slice(graph.ReduceSum(x, 0, 1, 2), graph.AxisRange())
			return graph.BroadcastToDims(graph.Reshape(bias, 1, 1, 1, 19), 2, 64, 48, 19)
		}},
		{"where", func(x *graph.Node) *graph.Node {
			return graph.Where(graph.GreaterThan(x, graph.ScalarZero(x.Graph(), x.DType())), x, graph.Neg(x))
		}},
		{"greater_than", func(x *graph.Node) *graph.Node {
			return graph.ConvertDType(graph.GreaterThan(x, graph.Reshape(graph.ReduceSum(x, 0, 1, 2), 1, 1, 1, 19)), x.DType())
		}},
		{"equal_int32_onehot", func(x *graph.Node) *graph.Node {
			labels := graph.ConvertDType(graph.MulScalar(graph.Abs(graph.Slice(x, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(), graph.AxisRange(0, 1))), 19), dtypes.Int32)
			classes := graph.Reshape(graph.Iota(x.Graph(), shapes.Make(dtypes.Int32, 19), 0), 1, 1, 1, 19)
			return graph.ConvertDType(graph.Equal(labels, classes), x.DType())
		}},
		{"where_scalar_true", func(x *graph.Node) *graph.Node {
			return graph.Where(graph.GreaterThan(x, graph.ScalarZero(x.Graph(), x.DType())), graph.ScalarOne(x.Graph(), x.DType()), x)
		}},
		{"where_scalar", func(x *graph.Node) *graph.Node {
			return graph.Where(graph.GreaterThan(x, graph.ScalarZero(x.Graph(), x.DType())), x, graph.ScalarZero(x.Graph(), x.DType()))
		}},
	}
	h0 := hits.elementwise.Load()
	for _, tc := range cases {
		e, err := graph.NewExec(b, tc.fn)
		if err != nil {
			t.Fatal(err)
		}
		fast := tensors.MustCopyFlatData[float32](e.MustExec1(input()))
		var stock []float32
		withSimplego(func() {
			e2, err := graph.NewExec(b, tc.fn)
			if err != nil {
				t.Fatal(err)
			}
			stock = tensors.MustCopyFlatData[float32](e2.MustExec1(input()))
		})
		if len(fast) != len(stock) {
			t.Fatalf("%s: %d values, stock %d", tc.name, len(fast), len(stock))
		}
		for i := range fast {
			if math.Float32bits(fast[i]) != math.Float32bits(stock[i]) && !(fast[i] != fast[i] && stock[i] != stock[i]) {
				t.Fatalf("%s: [%d] = %v, stock %v", tc.name, i, fast[i], stock[i])
			}
		}
	}
	if hits.elementwise.Load() == h0 {
		t.Error("the elementwise executors were never used")
	}
}

// TestScalarCompareRunsHere checks that a comparison with a scalar operand (a ReLU's x > 0)
// runs on the compare executor, not simplego's (TestElementwiseMatchesSimplego checks its bits).
func TestScalarCompareRunsHere(t *testing.T) {
	b := installedBackend(t)
	x := tensors.FromFlatDataAndDimensions(randSlice(rand.New(rand.NewPCG(1, 1)), 2*64*48*19), 2, 64, 48, 19)
	h0 := hits.elementwise.Load()
	graph.MustNewExec(b, func(x *graph.Node) *graph.Node {
		return graph.ConvertDType(graph.GreaterThan(x, graph.ScalarZero(x.Graph(), x.DType())), x.DType())
	}).MustExec1(x)
	if got := hits.elementwise.Load() - h0; got != 1 {
		t.Errorf("the compare executor computed %d ops, want the comparison", got)
	}
}
