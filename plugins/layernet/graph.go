// Package layernet is the host's side of a plugin's network: it validates the layer graph a
// plugin describes (protocol version 2, of which version 1's sequences are a special case) and
// builds it with core/nn as a discriminator (Net). Plugins only describe layers; the host
// checks every field, name, input and shape here before anything is built.
package layernet

import (
	"fmt"
	"strings"

	"github.com/dast-uda/dast/core/nn"
	"github.com/dast-uda/dast/plugins/sdk"
)

// Limits of a plugin network, checked by Check.
const (
	MaxLayers   = 64
	MaxInputs   = 16
	MaxChannels = 1 << 16
	MaxKernel   = 64
	MaxStride   = 64
	MaxDilation = 64
	MaxPadding  = 256
	MaxFactor   = 16
	// MaxSize bounds every spatial dimension inside the network (upsampling grows it).
	MaxSize = 1 << 14
	// MaxAttentionPositions bounds the pixels of a self-attention input: its attention
	// matrix has the square of that many entries per sample.
	MaxAttentionPositions = 1 << 14
)

// inputIndex stands for the discriminator's input among a node's inputs.
const inputIndex = -1

// node is a validated layer with its resolved inputs and output shape.
type node struct {
	sdk.Layer
	index  int
	inputs []int // layer indices, or inputIndex
	sizeOf int   // layer index or inputIndex, for an upsample to another layer's size
	// h, w are the output's spatial size (0 when the input size is unknown); c its channels.
	h, w, c int
	// inC is the channel count of the (first) input.
	inC int
}

// plan is a validated layer graph: its nodes and an evaluation order.
type plan struct {
	nodes []node
	order []int // topological: every node after its inputs
}

// out returns the output node.
func (p *plan) out() *node { return &p.nodes[len(p.nodes)-1] }

// describeLayer names layer i for error messages: `layer 3 (add "sum")`.
func describeLayer(i int, l sdk.Layer) string {
	if l.Name != "" {
		return fmt.Sprintf("layer %d (%s %q)", i, l.Type, l.Name)
	}
	return fmt.Sprintf("layer %d (%s)", i, l.Type)
}

// Check validates a plugin's layer graph for an input with inChannels channels; see
// compile. It is the check of protocol version 2 (version 1 lists pass it too).
func Check(layers []sdk.Layer, inChannels, h, w int) error {
	_, err := compile(layers, inChannels, h, w, true)
	return err
}

// CheckVersion1 checks what protocol version 1 promised besides Check: only conv, relu,
// leaky_relu and tanh, no names or inputs, and a last layer that is a conv with one output
// channel. The host applies it to plugins that negotiated version 1.
func CheckVersion1(layers []sdk.Layer) error {
	for i, l := range layers {
		if !l.Version1() {
			return fmt.Errorf("%s: the plugin speaks protocol version 1, which knows a sequence of unnamed conv, relu, leaky_relu and tanh layers only", describeLayer(i, l))
		}
	}
	if n := len(layers); n > 0 {
		if last := layers[n-1]; last.Type != sdk.TypeConv || last.Out != 1 {
			return fmt.Errorf("layer %d (%s): the last layer must be a conv with 1 output channel (the logits)", n-1, last.Type)
		}
	}
	return nil
}

// ValidName reports whether s is a usable layer name: a lower-case letter followed by letters,
// digits or '_'. The host applies the same rule to plugin, discriminator and option names.
func ValidName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// compile validates layers and resolves the graph: known types with fields in range (the
// limits above), unique names, inputs that name layers (no dangling input), the arity of each
// type, no cycle, every layer but the last used by another (the last is the only output),
// channel counts that agree at add and concat, and, with logits, one output channel. With
// h, w > 0 (the input size) it also checks spatial sizes: no map shrinks below one pixel or
// grows past MaxSize, add and concat inputs agree, self-attention stays within
// MaxAttentionPositions. Errors name the layer.
func compile(layers []sdk.Layer, inChannels, h, w int, logits bool) (*plan, error) {
	if len(layers) == 0 {
		return nil, fmt.Errorf("no layers")
	}
	if len(layers) > MaxLayers {
		return nil, fmt.Errorf("%d layers exceed the limit of %d", len(layers), MaxLayers)
	}
	if inChannels < 1 || inChannels > MaxChannels {
		return nil, fmt.Errorf("input channels %d out of range [1, %d]", inChannels, MaxChannels)
	}
	byName := make(map[string]int)
	for i, l := range layers {
		if err := checkLayer(l); err != nil {
			return nil, fmt.Errorf("%s: %w", describeLayer(i, l), err)
		}
		if l.Name == "" {
			continue
		}
		if l.Name == sdk.InputName || !ValidName(l.Name) {
			return nil, fmt.Errorf("%s: bad name %q (want a lower-case letter followed by letters, digits or '_', not %q)", describeLayer(i, l), l.Name, sdk.InputName)
		}
		if j, dup := byName[l.Name]; dup {
			return nil, fmt.Errorf("%s: name %q already names layer %d", describeLayer(i, l), l.Name, j)
		}
		byName[l.Name] = i
	}
	resolve := func(i int, what, ref string) (int, error) {
		if ref == sdk.InputName {
			return inputIndex, nil
		}
		j, ok := byName[ref]
		if !ok {
			return 0, fmt.Errorf("%s: dangling %s: %q names no layer (layers are referred to by their name, the input by %q)", describeLayer(i, layers[i]), what, ref, sdk.InputName)
		}
		return j, nil
	}
	p := &plan{nodes: make([]node, len(layers))}
	used := make([]bool, len(layers))
	for i, l := range layers {
		n := node{Layer: l, index: i, sizeOf: inputIndex}
		multi := l.Type == sdk.TypeAdd || l.Type == sdk.TypeConcat
		switch {
		case multi && len(l.Inputs) < 2:
			return nil, fmt.Errorf("%s: needs at least 2 inputs, has %d", describeLayer(i, l), len(l.Inputs))
		case len(l.Inputs) > MaxInputs:
			return nil, fmt.Errorf("%s: %d inputs exceed the limit of %d", describeLayer(i, l), len(l.Inputs), MaxInputs)
		case !multi && len(l.Inputs) > 1:
			return nil, fmt.Errorf("%s: reads one input, names %d (%s)", describeLayer(i, l), len(l.Inputs), strings.Join(l.Inputs, ", "))
		}
		for _, ref := range l.Inputs {
			j, err := resolve(i, "input", ref)
			if err != nil {
				return nil, err
			}
			n.inputs = append(n.inputs, j)
		}
		if len(l.Inputs) == 0 {
			n.inputs = []int{i - 1} // the previous layer; inputIndex for the first
		}
		if l.Type == sdk.TypeUpsample && l.SizeOf != "" {
			j, err := resolve(i, "size_of", l.SizeOf)
			if err != nil {
				return nil, err
			}
			n.sizeOf = j
			if j >= 0 {
				used[j] = true
			}
		}
		for _, j := range n.inputs {
			if j >= 0 {
				used[j] = true
			}
		}
		p.nodes[i] = n
	}
	if err := p.sort(); err != nil {
		return nil, err
	}
	for i := range len(layers) - 1 {
		if !used[i] {
			return nil, fmt.Errorf("%s: its output is never used (the last layer is the network's only output)", describeLayer(i, layers[i]))
		}
	}
	for _, i := range p.order {
		if err := p.infer(i, inChannels, h, w); err != nil {
			return nil, fmt.Errorf("%s: %w", describeLayer(i, layers[i]), err)
		}
	}
	if out := p.out(); logits && out.c != 1 {
		return nil, fmt.Errorf("%s: the output has %d channels, want 1 (the logits)", describeLayer(out.index, out.Layer), out.c)
	}
	return p, nil
}

// deps returns the layers node i needs before it: its inputs and its size_of layer.
func (p *plan) deps(i int) []int {
	n := &p.nodes[i]
	out := make([]int, 0, len(n.inputs)+1)
	for _, j := range n.inputs {
		if j >= 0 {
			out = append(out, j)
		}
	}
	if n.Type == sdk.TypeUpsample && n.SizeOf != "" && n.sizeOf >= 0 {
		out = append(out, n.sizeOf)
	}
	return out
}

// sort orders the nodes so that each comes after its dependencies (among the ready ones, the
// lowest index first) or reports a cycle.
func (p *plan) sort() error {
	n := len(p.nodes)
	pending := make([]int, n)
	users := make([][]int, n)
	for i := range n {
		for _, j := range p.deps(i) {
			pending[i]++
			users[j] = append(users[j], i)
		}
	}
	done := make([]bool, n)
	for len(p.order) < n {
		next := -1
		for i := range n {
			if !done[i] && pending[i] == 0 {
				next = i
				break
			}
		}
		if next < 0 {
			return p.cycleError(done)
		}
		done[next] = true
		p.order = append(p.order, next)
		for _, u := range users[next] {
			pending[u]--
		}
	}
	return nil
}

// cycleError finds a cycle among the nodes not done and describes it.
func (p *plan) cycleError(done []bool) error {
	start := -1
	for i := range done {
		if !done[i] {
			start = i
			break
		}
	}
	// Every node left has a dependency left: walk dependencies until a node repeats.
	seen := make(map[int]int)
	var path []int
	for i := start; ; {
		if k, ok := seen[i]; ok {
			path = append(path[k:], i)
			break
		}
		seen[i] = len(path)
		path = append(path, i)
		for _, j := range p.deps(i) {
			if !done[j] {
				i = j
				break
			}
		}
	}
	parts := make([]string, len(path))
	for k, i := range path {
		parts[len(path)-1-k] = describeLayer(i, p.nodes[i].Layer) // in data-flow order
	}
	return fmt.Errorf("cycle: %s", strings.Join(parts, " -> "))
}

// infer sets node i's output shape from its inputs' (already inferred).
func (p *plan) infer(i, inC, inH, inW int) error {
	n := &p.nodes[i]
	shape := func(j int) (h, w, c int) {
		if j == inputIndex {
			return inH, inW, inC
		}
		m := &p.nodes[j]
		return m.h, m.w, m.c
	}
	name := func(j int) string {
		if j == inputIndex {
			return sdk.InputName
		}
		if p.nodes[j].Name != "" {
			return fmt.Sprintf("%q", p.nodes[j].Name)
		}
		return fmt.Sprintf("layer %d", j)
	}
	known := inH > 0 && inW > 0
	h, w, c := shape(n.inputs[0])
	n.inC = c
	switch n.Type {
	case sdk.TypeConv:
		c = n.Out
		if known {
			oh, ow := convOut(n.Layer, h), convOut(n.Layer, w)
			if oh < 1 || ow < 1 {
				return fmt.Errorf("a %dx%d input map shrinks to %dx%d (kernel %d, stride %d, padding %d, dilation %d)",
					h, w, oh, ow, n.Kernel, n.Stride, n.Padding, n.Dilation)
			}
			h, w = oh, ow
		}
	case sdk.TypeAvgPool, sdk.TypeMaxPool:
		o := poolOpts(n.Layer)
		if known {
			if h+2*n.Padding < n.Kernel || w+2*n.Padding < n.Kernel {
				return fmt.Errorf("a %dx%d input map is smaller than the %dx%d window (padding %d)", h, w, n.Kernel, n.Kernel, n.Padding)
			}
			h, w = o.OutputSize(h), o.OutputSize(w)
		}
	case sdk.TypeUpsample:
		if n.SizeOf != "" {
			h, w, _ = shape(n.sizeOf)
		} else if known {
			h, w = h*n.Factor, w*n.Factor
		}
	case sdk.TypeAdd, sdk.TypeConcat:
		total := 0
		for _, j := range n.inputs {
			jh, jw, jc := shape(j)
			if known && (jh != h || jw != w) || n.Type == sdk.TypeAdd && jc != c {
				return fmt.Errorf("shape mismatch: input %s is %s, input %s is %s", name(n.inputs[0]), shapeText(h, w, c, known), name(j), shapeText(jh, jw, jc, known))
			}
			total += jc
		}
		if n.Type == sdk.TypeConcat {
			c = total
		}
	case sdk.TypeSelfAttention:
		if known && h*w > MaxAttentionPositions {
			return fmt.Errorf("a %dx%d input map has %d positions, over the limit of %d (the attention matrix is their square)", h, w, h*w, MaxAttentionPositions)
		}
	case sdk.TypeInstanceNorm:
		if known && h*w < 2 {
			return fmt.Errorf("a %dx%d input map: instance normalisation needs at least 2 pixels", h, w)
		}
	}
	if c > MaxChannels {
		return fmt.Errorf("%d output channels exceed the limit of %d", c, MaxChannels)
	}
	if known && (h > MaxSize || w > MaxSize) {
		return fmt.Errorf("the output map %dx%d exceeds the size limit of %d", h, w, MaxSize)
	}
	n.h, n.w, n.c = h, w, c
	return nil
}

func shapeText(h, w, c int, known bool) string {
	if known {
		return fmt.Sprintf("%dx%dx%d", h, w, c)
	}
	return fmt.Sprintf("%d channels", c)
}

// poolOpts returns the core/nn options of a pooling layer.
func poolOpts(l sdk.Layer) nn.PoolOpts {
	return nn.PoolOpts{Kernel: l.Kernel, Stride: l.Stride, Pad: l.Padding, CeilMode: l.CeilMode}
}

type rangeCheck struct {
	ok       bool
	name     string
	v, lo, h int
}

func checkRanges(checks []rangeCheck) error {
	for _, c := range checks {
		if !c.ok {
			return fmt.Errorf("%s %d out of range [%d, %d]", c.name, c.v, c.lo, c.h)
		}
	}
	return nil
}

// checkLayer checks the fields of one layer by themselves.
func checkLayer(l sdk.Layer) error {
	if l.Type != sdk.TypeUpsample && l.SizeOf != "" {
		return fmt.Errorf("size_of %q is for upsample layers", l.SizeOf)
	}
	switch l.Type {
	case sdk.TypeConv:
		return checkRanges([]rangeCheck{
			{l.Out >= 1 && l.Out <= MaxChannels, "out_channels", l.Out, 1, MaxChannels},
			{l.Kernel >= 1 && l.Kernel <= MaxKernel, "kernel", l.Kernel, 1, MaxKernel},
			{l.Stride >= 1 && l.Stride <= MaxStride, "stride", l.Stride, 1, MaxStride},
			{l.Dilation >= 1 && l.Dilation <= MaxDilation, "dilation", l.Dilation, 1, MaxDilation},
			{l.Padding >= 0 && l.Padding <= MaxPadding, "padding", l.Padding, 0, MaxPadding},
		})
	case sdk.TypeLeakyReLU:
		if !(l.Slope >= 0 && l.Slope < 1) {
			return fmt.Errorf("slope %v must be in [0, 1)", l.Slope)
		}
	case sdk.TypeAvgPool, sdk.TypeMaxPool:
		if err := checkRanges([]rangeCheck{
			{l.Kernel >= 1 && l.Kernel <= MaxKernel, "kernel", l.Kernel, 1, MaxKernel},
			{l.Stride >= 1 && l.Stride <= MaxStride, "stride", l.Stride, 1, MaxStride},
		}); err != nil {
			return err
		}
		if l.Padding < 0 || l.Padding > l.Kernel/2 {
			return fmt.Errorf("padding %d out of range [0, %d] (at most half the kernel, as PyTorch)", l.Padding, l.Kernel/2)
		}
	case sdk.TypeUpsample:
		switch {
		case l.SizeOf != "" && l.Factor != 0:
			return fmt.Errorf("factor %d and size_of %q both set: give one", l.Factor, l.SizeOf)
		case l.SizeOf == "":
			return checkRanges([]rangeCheck{{l.Factor >= 1 && l.Factor <= MaxFactor, "factor", l.Factor, 1, MaxFactor}})
		}
	case sdk.TypeSelfAttention:
		return checkRanges([]rangeCheck{{l.KeyChannels >= 0 && l.KeyChannels <= MaxChannels, "key_channels", l.KeyChannels, 0, MaxChannels}})
	case sdk.TypeInstanceNorm:
		if !(l.Eps >= 0 && l.Eps <= 1) {
			return fmt.Errorf("eps %v must be in [0, 1] (0: 1e-5)", l.Eps)
		}
	case sdk.TypeReLU, sdk.TypeTanh, sdk.TypeAdd, sdk.TypeConcat:
	default:
		return fmt.Errorf("unknown layer type %q (supported: %s)", l.Type, strings.Join(layerTypes, ", "))
	}
	return nil
}

var layerTypes = []string{sdk.TypeConv, sdk.TypeReLU, sdk.TypeLeakyReLU, sdk.TypeTanh, sdk.TypeAdd, sdk.TypeConcat,
	sdk.TypeAvgPool, sdk.TypeMaxPool, sdk.TypeUpsample, sdk.TypeSelfAttention, sdk.TypeInstanceNorm}

// convOut returns the output size of conv layer l along an input dimension of size n: 0 when
// the dilated kernel does not fit in the padded input.
func convOut(l sdk.Layer, n int) int {
	span := l.Dilation*(l.Kernel-1) + 1
	if n+2*l.Padding < span {
		return 0
	}
	return (n+2*l.Padding-span)/l.Stride + 1
}
