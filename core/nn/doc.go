// Package nn holds dast's neural-network layers as pure graph functions on NHWC float32 tensors
// with HWIO kernels, plus context-based helpers that create the layers' variables.
//
// Every function has a gradient on both GoMLX backends. On the XLA backend the native ops are used
// (ConvGeneral, MaxPool); on the pure-Go backend ("go"), whose Convolve and MaxPool have no
// gradient, convolutions are built from Gather (im2col) or Winograd F(4x4,3x3) tiles and
// DotGeneral, and pooling from Gather and ReduceMax. The package's init replaces GoMLX's
// DotGeneral gradient (which materialises an M*N*K tensor) by two plain DotGenerals.
package nn
