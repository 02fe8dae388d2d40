// Package discriminators holds what dast's discriminator modules share: Net, a plain stack of
// convolutions with an activation between consecutive layers, and the validation of the
// options that describe one. The modules themselves live in the sub-packages discoverer
// (feature level, "discriminator.discoverer") and corrector (output level,
// "discriminator.corrector").
//
// Both discriminators are fully convolutional, have no normalisation and no final sigmoid:
// Apply returns logits.
package discriminators

import (
	"fmt"

	"github.com/dast-uda/dast/core/nn"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Activation names accepted by the discriminator options.
const (
	LeakyReLU = "leaky_relu"
	ReLU      = "relu"
)

// ClassifierScope is the scope of a Net's last layer. The hidden layers are "conv1",
// "conv2", ... in order: AdaptSegNet's FCDiscriminator naming, so imported PyTorch weights map
// one to one.
const ClassifierScope = "classifier"

// Net is a stack of convolutions with Activation between consecutive layers and nothing after
// the last one. It implements model.Discriminator.
type Net struct {
	// Layers are the convolutions in order; the last one is the classifier.
	Layers []nn.ConvLayer
	// Activation is LeakyReLU or ReLU.
	Activation string
	// Slope is the negative slope of LeakyReLU (ignored for ReLU).
	Slope float64
}

// LayerScope returns the scope name of layer i of a net with n layers.
func LayerScope(i, n int) string {
	if i == n-1 {
		return ClassifierScope
	}
	return fmt.Sprintf("conv%d", i+1)
}

// Apply runs the net on x [N,H,W,Cin], creating or reusing the variables of layer i in the
// sub-scope LayerScope(i) of ctx's current scope. Call it with an unchecked context (or
// ctx.Reuse()) to apply the same discriminator to several inputs in one graph.
func (n *Net) Apply(ctx *context.Context, x *graph.Node) *graph.Node {
	if len(n.Layers) == 0 {
		panic(fmt.Sprintf("discriminators.Net in scope %q: no layers", ctx.Scope()))
	}
	for i, l := range n.Layers {
		x = nn.Conv(ctx.In(LayerScope(i, len(n.Layers))), x, l)
		if i < len(n.Layers)-1 {
			x = Activate(x, n.Activation, n.Slope)
		}
	}
	return x
}

// NumParams returns the number of weights and biases of the net applied to inChannels input
// channels: sum over layers of K*K*Cin*Cout (+ Cout with a bias).
func (n *Net) NumParams(inChannels int) int {
	total, cin := 0, inChannels
	for _, l := range n.Layers {
		total += l.Kernel * l.Kernel * cin * l.Out
		if l.Bias {
			total += l.Out
		}
		cin = l.Out
	}
	return total
}

// Activate applies the named activation: LeakyReLU with the given negative slope, or ReLU. It
// panics on any other name (CheckActivation validates user input first).
func Activate(x *graph.Node, activation string, slope float64) *graph.Node {
	switch activation {
	case LeakyReLU:
		return nn.LeakyReLU(x, slope)
	case ReLU:
		return nn.ReLU(x)
	default:
		panic(fmt.Sprintf("discriminators: unknown activation %q", activation))
	}
}

// CheckActivation validates the activation and slope options; errors name the option key.
func CheckActivation(activation string, slope float64) error {
	switch activation {
	case LeakyReLU:
		if !(slope >= 0 && slope < 1) {
			return fmt.Errorf("slope: %v must be in [0, 1)", slope)
		}
	case ReLU:
	default:
		return fmt.Errorf("activation: %q must be %s or %s", activation, LeakyReLU, ReLU)
	}
	return nil
}

// CheckWidths validates a list of hidden channel widths named key: at least one, each in
// [1, 65536].
func CheckWidths(key string, widths []int) error {
	if len(widths) == 0 {
		return fmt.Errorf("%s: need at least one hidden layer", key)
	}
	for i, w := range widths {
		if w < 1 || w > 1<<16 {
			return fmt.Errorf("%s[%d]: %d is out of range [1, 65536]", key, i, w)
		}
	}
	return nil
}
