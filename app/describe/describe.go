// Package describe reports the size of dast's components without computing anything: it builds
// their graphs on placeholder inputs (GoMLX infers every shape while building) and reads the
// variables the layers create and the shapes of the nodes.
//
// Counts. Params is every variable but batch-norm running statistics, which is what PyTorch's
// model.parameters() counts (conv weights and biases, BN weight and bias: dast keeps BN's
// gamma/beta frozen, so Trainable can be smaller). Stats are the running means and variances
// (PyTorch buffers, without num_batches_tracked).
//
// Memory estimate of one training step (bytes), see Describe and Memory:
//
//	variables   every variable of the training step's context (built as the trainer builds it):
//	            model weights, BN statistics, optimizer slots (momentum, Adam moments), counters
//	gradients   one value per trainable variable
//	activations 2 x the layer outputs (convolutions, matrix products, pools, gathers, ReLU
//	            selects) of the forward graphs of the segmentor (E+P) and of each
//	            discriminator, per domain image of the step, built with the native layer ops
//	            (one conv node per layer, as on XLA or in PyTorch): what backpropagation keeps,
//	            plus a gradient buffer of the same size. Element-wise intermediates (frozen BN's
//	            affine, broadcasts, masks) are not counted (a fusing compiler drops them);
//	            discriminators applied twice per step count once per domain.
//	step graph  every node output of the pure-Go training-step graph (im2col patches, Winograd
//	            tiles, forward and backward) as if no buffer were freed: an upper bound there
//
// Calibration: for a source-only step of DeepLab ResNet-50 at 256x512 (batch 1), the estimate
// beyond the weights (gradients + SGD momentum + activations) is 1.15 GiB; PyTorch 1.13 on the
// CPU grew its resident memory by 0.84 GiB over the same step (0.64 GiB after the forward pass),
// so the estimate leans about 1.3x high.
package describe

import (
	"fmt"
	"strings"

	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/core/nn"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Component is the size of one part of a model.
type Component struct {
	Name      string
	Variables int   // number of variables
	Params    int64 // values of every variable but BN running statistics (PyTorch's parameters())
	Trainable int64 // values of trainable variables
	Stats     int64 // values of BN running means and variances
	Bytes     int64 // memory of all the variables
	// Outputs are the component's output shapes, one per described input.
	Outputs []shapes.Shape
	// Forward are the bytes of the forward graph's layer outputs, one per described input.
	Forward []int64
}

// add counts v into c.
func (c *Component) add(v *context.Variable) {
	n := int64(v.Shape().Size())
	c.Variables++
	c.Bytes += int64(v.Shape().Memory())
	if v.Name() == nn.VarMean || v.Name() == nn.VarVariance {
		c.Stats += n
	} else {
		c.Params += n
	}
	if v.Trainable {
		c.Trainable += n
	}
}

// catch runs fn, turning a graph-building panic into an error.
func catch(what string, fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = fmt.Errorf("%s: %w", what, e)
			} else {
				err = fmt.Errorf("%s: %v", what, r)
			}
		}
	}()
	fn()
	return nil
}

// newVars returns the variables of ctx not in seen, marking them seen.
func newVars(ctx *context.Context, seen map[*context.Variable]bool) []*context.Variable {
	var out []*context.Variable
	for v := range ctx.IterVariables() {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// SegmentorReport is the description of a segmentor's E and P.
type SegmentorReport struct {
	E, P Component
	// Forward is the sum of the layer outputs of the E+P forward graph (see Describe), per input.
	Forward []int64
}

// Segmentor builds seg's E and then P on a placeholder image of each input size ([N,H,W]),
// in one context, and reports E's and P's variables and output shapes. Nothing is executed.
func Segmentor(b backends.Backend, seg model.Segmentor, inputs ...[]int) (*SegmentorReport, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("describe: no input size")
	}
	r := &SegmentorReport{E: Component{Name: "segmentor E"}, P: Component{Name: "segmentor P"}}
	ctx := context.New().Checked(false).In("segmentor")
	seen := map[*context.Variable]bool{}
	for i, in := range inputs {
		if len(in) != 3 || in[0] < 1 || in[1] < 1 || in[2] < 1 {
			return nil, fmt.Errorf("describe: input size %v: want [N,H,W] > 0", in)
		}
		g := graph.NewGraph(b, fmt.Sprintf("describe_segmentor_%d", i))
		err := catch(fmt.Sprintf("segmentor on %v", in), func() {
			x := graph.Parameter(g, "x", shapes.Make(dtypes.Float32, in[0], in[1], in[2], 3))
			f := seg.Extract(ctx, x)
			for _, v := range newVars(ctx, seen) {
				r.E.add(v)
			}
			logits := seg.Predict(ctx, f)
			for _, v := range newVars(ctx, seen) {
				r.P.add(v)
			}
			r.E.Outputs = append(r.E.Outputs, f.Shape())
			r.P.Outputs = append(r.P.Outputs, logits.Shape())
			r.Forward = append(r.Forward, layerOutputBytes(g))
		})
		g.Finalize()
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

// activationBytes sums the output sizes of g's nodes that are neither parameters nor constants.
func activationBytes(g *graph.Graph) int64 {
	var n int64
	for _, node := range g.Nodes() {
		switch node.Type() {
		case graph.NodeTypeParameter, graph.NodeTypeConstant:
			continue
		}
		for _, s := range outputShapes(node) {
			n += int64(s.Memory())
		}
	}
	return n
}

// layerOutputBytes sums the float outputs of g's layer ops: convolutions, matrix products,
// pools, gathers and selects (ReLU). These are the buffers a framework keeps for the backward
// pass; element-wise intermediates (batch-norm affine, broadcasts, masks) are left out.
func layerOutputBytes(g *graph.Graph) int64 {
	var n int64
	for _, node := range g.Nodes() {
		switch node.Type() {
		case graph.NodeTypeConvGeneral, graph.NodeTypeDotGeneral, graph.NodeTypeReduceWindow,
			graph.NodeTypeGather, graph.NodeTypeWhere:
		default:
			continue
		}
		for _, s := range outputShapes(node) {
			if s.DType.IsFloat() {
				n += int64(s.Memory())
			}
		}
	}
	return n
}

func outputShapes(n *graph.Node) []shapes.Shape {
	if n.NumOutputs() > 1 {
		return nil // tuple nodes: their split outputs are counted as their own nodes
	}
	return []shapes.Shape{n.Shape()}
}

// Discriminator builds d on a placeholder input of each shape in a fresh context and reports
// its variables and output shapes.
func Discriminator(b backends.Backend, name string, d model.Discriminator, inputs ...shapes.Shape) (*Component, error) {
	c := &Component{Name: name}
	ctx := context.New().Checked(false).In(name)
	seen := map[*context.Variable]bool{}
	for i, in := range inputs {
		g := graph.NewGraph(b, fmt.Sprintf("describe_%s_%d", name, i))
		err := catch(fmt.Sprintf("%s on %s", name, in), func() {
			y := d.Apply(ctx, graph.Parameter(g, "x", in))
			for _, v := range newVars(ctx, seen) {
				c.add(v)
			}
			c.Outputs = append(c.Outputs, y.Shape())
			c.Forward = append(c.Forward, layerOutputBytes(g))
		})
		g.Finalize()
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// ShapeString formats shapes as "[1 65 129 2048]" joined by ", ".
func ShapeString(ss []shapes.Shape) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = fmt.Sprint(s.Dimensions)
	}
	return strings.Join(parts, ", ")
}
