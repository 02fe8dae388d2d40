package main

import (
	"fmt"

	"github.com/dast-uda/dast/core/nn"
)

// Nets describes the three networks of a DA step by their hyper-parameters, enough to count the
// multiply-adds of their convolutions and to configure the PyTorch peer identically.
type Nets struct {
	Widths        []int   // segmentor.small widths (3 stages)
	ASPPDilations []int   // segmentor.small ASPP branch dilations
	InputScale    float64 // segmentor.small input_scale
	Classes       int
	Discoverer    []int   // discoverer hidden widths (3x3 stride 1 pad 1; a 1-channel conv follows)
	Corrector     []int   // corrector hidden widths (4x4 stride 2 pad 1; a 1-channel conv follows)
	Slope         float64 // LeakyReLU slope of both discriminators
}

// convLayer is one convolution: square kernel, stride, zero padding and dilation.
type convLayer struct {
	cin, cout, k, stride, pad, dil int
}

// out returns the output size of an input dimension n (PyTorch's and dast's rule).
func (c convLayer) out(n int) int {
	return (n+2*c.pad-c.dil*(c.k-1)-1)/c.stride + 1
}

// macs applies c to an h x w input and returns the multiply-adds per image and the output size.
func (c convLayer) macs(h, w int) (m int64, ho, wo int) {
	ho, wo = c.out(h), c.out(w)
	return int64(ho) * int64(wo) * int64(c.cout) * int64(c.cin) * int64(c.k*c.k), ho, wo
}

// stack runs layers in order from an h x w input and returns their multiply-adds and the final
// size.
func stack(layers []convLayer, h, w int) (m int64, ho, wo int) {
	for _, l := range layers {
		var lm int64
		lm, h, w = l.macs(h, w)
		m += lm
	}
	return m, h, w
}

// segmentorMACs is one image through E and P of segmentor.small (backbones/small): the
// multiply-adds of E and P and the feature map's size.
func (n Nets) segmentorMACs(h, w int) (extract, predict int64, fh, fw int, err error) {
	if len(n.Widths) != 3 {
		return 0, 0, 0, 0, fmt.Errorf("segmentor widths %v: want 3", n.Widths)
	}
	c3 := func(cin, cout, s, d int) convLayer { return convLayer{cin, cout, 3, s, d, d} }
	w0, w1, w2 := n.Widths[0], n.Widths[1], n.Widths[2]
	m1, h1, wd1 := stack([]convLayer{c3(3, w0, 2, 1), c3(w0, w0, 1, 1)}, h, w)
	pool := nn.PoolOpts{Kernel: 3, Stride: 2, Pad: 1, CeilMode: true}
	m2, fh, fw := stack([]convLayer{c3(w0, w1, 1, 1), c3(w1, w1, 2, 1), c3(w1, w2, 1, 2), c3(w2, w2, 1, 2)},
		pool.OutputSize(h1), pool.OutputSize(wd1))
	predict, _, _ = c3(w2, w2, 1, 4).macs(fh, fw)
	for _, d := range n.ASPPDilations {
		m, _, _ := c3(w2, n.Classes, 1, d).macs(fh, fw)
		predict += m
	}
	return m1 + m2, predict, fh, fw, nil
}

// discLayers returns a discriminator's convolutions: hidden widths, then one output channel.
func discLayers(cin int, hidden []int, k, stride, pad int) []convLayer {
	var out []convLayer
	for _, c := range append(append([]int(nil), hidden...), 1) {
		out = append(out, convLayer{cin, c, k, stride, pad, 1})
		cin = c
	}
	return out
}

// StepMACs counts the multiply-adds of every convolution evaluated in one forward pass of a DA
// step (strategy.da, batch 1): the segmentor on the source and the target image, the discoverer
// three times on features (attention on f_t, then f_s and f_t for its own loss) and the
// corrector three times on h x w softmax maps (q_t for the segmentor's loss, then q_s and q_t).
func (n Nets) StepMACs(h, w int) (int64, error) {
	e, p, fh, fw, err := n.segmentorMACs(h, w)
	if err != nil {
		return 0, err
	}
	d, _, _ := stack(discLayers(n.Widths[2], n.Discoverer, 3, 1, 1), fh, fw)
	c, _, _ := stack(discLayers(n.Classes, n.Corrector, 4, 2, 1), h, w)
	return 2*(e+p) + 3*d + 3*c, nil
}

// StepFLOPs is the usual estimate of a training step's floating-point operations: 2 per
// multiply-add for the forward pass and twice that again for the backward pass (input and
// weight gradients), so 6 x StepMACs. Only convolutions count.
func (n Nets) StepFLOPs(h, w int) (float64, error) {
	m, err := n.StepMACs(h, w)
	return 6 * float64(m), err
}
