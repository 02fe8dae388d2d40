// Package nn holds dast's neural-network layers as pure graph functions on NHWC float32 tensors
// with HWIO kernels, plus context-based helpers that create the layers' variables.
//
// Every function has a gradient on both GoMLX backends. On the XLA backend the native ops are
// used (ConvGeneral, MaxPool); on the pure-Go backend ("go") they are built as follows:
//
//   - Conv2D: with dast's SIMD kernels (core/backend/fastgo), stride-1 convolutions larger than
//     1x1 use the backend's ConvGeneral, which fastgo computes as an implicit GEMM (no im2col
//     matrix), with a gradient of two more such convolutions that this package registers
//     (implicitConvVJP); strided and 1x1 ones use im2col (Gather of patches and one
//     DotGeneral). Without those kernels: Winograd F(6x6,3x3) or F(4x4,3x3) for 3x3 stride-1
//     kernels with at least 16 channels each way (any dilation: tiles are laid on the dilated
//     sub-lattices), im2col otherwise. The Winograd tile transforms are elementwise adds on tile
//     slices with explicitly given transposed gradients; float32 results stay within 3e-6
//     (norm-wise relative) of a float64 direct convolution. The Winograd algorithms live in
//     package core/nn/winograd; Conv2D chooses among them.
//   - MaxPool2D: Gather of windows (padding reads -inf) and ReduceMax, PyTorch's ceil mode.
//   - ResizeBilinear: two products with constant interpolation matrices, PyTorch semantics.
//
// The package's init replaces GoMLX's DotGeneral gradient, which materialises an M*N*K tensor,
// by two plain DotGenerals, and ConvGeneral's gradient on the pure-Go backend (stride 1, NHWC,
// HWIO) by the two convolutions above, keeping GoMLX's for every other ConvGeneral
// (graph.VJPRegistration); this is the only global state it changes.
//
// Variables created by the context helpers, in the context's current scope (pretrained-weight
// import maps onto these names):
//
//	Conv:     "weights" [KH,KW,Cin,Cout] (HWIO), "bias" [Cout] (when ConvLayer.Bias)
//	FrozenBN: "mean", "variance", "gamma", "beta", all [C], non-trainable
//
// Speed on the pure-Go backend: the convolutions' cost is the backend's DotGeneral kernel; the
// blocked ("large") kernel is faster than the small one for the Winograd weight-gradient
// products, so a backend configured "go:ops_sequential,dotgeneral_large" runs these layers
// about 10-15% faster than plain "go:ops_sequential" (bench/cmd/convbench measures both).
package nn
