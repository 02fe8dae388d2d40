//go:build !amd64

package kernels

// kernels is empty off amd64: every product runs on the pure-Go path (gonum's SGEMM).
var kernels []*microKernel
