// Package kernels holds the CPU compute kernels of dast's pure-Go backend executors
// (core/backend/fastgo): a packed float32 SGEMM on AVX-512 or AVX2/FMA micro-kernels chosen
// once per process by CPUID (DAST_SGEMM forces a path; gonum's pure-Go SGEMM where neither
// runs), convolutions of NHWC images as implicit-GEMM products on the same micro-kernels (no
// im2col matrix), vector kernels for the elementwise arithmetic and exp that round exactly as Go's
// float32 arithmetic and math.Exp do, and the parallel loop and scratch buffers they share.
//
// It knows nothing of GoMLX: it works on []float32 slices. The assembly is written by
// ../internal/kernelgen (go generate), except exp_amd64.s.
package kernels
