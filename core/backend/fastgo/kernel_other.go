//go:build !amd64

package fastgo

const haveKernel = false

func kern4x16(k int, a, b, c *float32, ldc int) {
	panic("fastgo: no micro-kernel on this architecture")
}
