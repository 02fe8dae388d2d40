package kernels

import "golang.org/x/sys/cpu"

// expF32 writes exp of src[i] to dst[i] for i < the returned count, a multiple of 8 that
// stops before the first group of 8 holding a value with |x| > 700, an infinity or a NaN,
// or before fewer than 8 remain (exp_amd64.s).
//
//go:noescape
func expF32(dst, src *float32, n int) int

// haveExpVec: the kernel needs AVX2 and FMA, and it matches math.Exp bit for bit only where
// math.Exp itself takes its FMA path (AVX and FMA).
var haveExpVec = cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasAVX
