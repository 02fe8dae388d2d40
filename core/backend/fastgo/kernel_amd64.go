package fastgo

import "golang.org/x/sys/cpu"

// kern4x16 computes c[4x16] += a*b on packed panels (see kernel_amd64.s).
//
//go:noescape
func kern4x16(k int, a, b, c *float32, ldc int)

// haveKernel reports whether this CPU runs the AVX2/FMA micro-kernel.
var haveKernel = cpu.X86.HasAVX2 && cpu.X86.HasFMA
