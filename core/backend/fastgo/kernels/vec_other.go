//go:build !amd64

package kernels

// Off amd64 the elementwise ops run as Go loops.
const haveVec = false

func vecAddVV(dst, a, b *float32, n int)         { panic("kernels: no vector kernels") }
func vecSubVV(dst, a, b *float32, n int)         { panic("kernels: no vector kernels") }
func vecMulVV(dst, a, b *float32, n int)         { panic("kernels: no vector kernels") }
func vecDivVV(dst, a, b *float32, n int)         { panic("kernels: no vector kernels") }
func vecAddVS(dst, a *float32, c float32, n int) { panic("kernels: no vector kernels") }
func vecSubVS(dst, a *float32, c float32, n int) { panic("kernels: no vector kernels") }
func vecMulVS(dst, a *float32, c float32, n int) { panic("kernels: no vector kernels") }
func vecDivVS(dst, a *float32, c float32, n int) { panic("kernels: no vector kernels") }
func vecSubSV(dst, a *float32, c float32, n int) { panic("kernels: no vector kernels") }
func vecDivSV(dst, a *float32, c float32, n int) { panic("kernels: no vector kernels") }
func spread12(dst, src *float32, n, stride int)  { panic("kernels: no vector kernels") }
func spread6(dst, src *float32, n, stride int)   { panic("kernels: no vector kernels") }
