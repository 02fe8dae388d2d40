// Command gomlx028 measures GoMLX v0.28.2's pure-Go backend (github.com/gomlx/compute v0.1.4,
// gobackend) on the matrix products that dominate dast's training steps, the evidence for
// dast's decision to stay on GoMLX v0.26 (docs/ARCHITECTURE.md, "GoMLX version"). It is its own
// module so that dast's build never sees v0.28. run.sh runs it with and without
// GOEXPERIMENT=simd (upstream's AVX2/AVX-512 matmul kernels are compiled only under it) next to
// dast's own BenchmarkSgemm, so the three are measured on the same machine at the same time.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// shapes are m, n, k of C[m x n] = A[m x k] B[k x n], the names of dast's BenchmarkSgemm.
var shapes = []struct {
	name    string
	m, n, k int
}{
	{"conv_fwd_8192x16x304", 8192, 16, 304},
	{"conv_fwd_561x64x576", 561, 64, 576},
	{"conv_fwd_561x19x576", 561, 19, 576},
	{"large_2048x256x2304", 2048, 256, 2304},
}

func main() {
	label := flag.String("label", "gomlx v0.28.2", "label of the output lines")
	dur := flag.Duration("time", 2*time.Second, "time per shape")
	flag.Parse()
	be, err := gobackend.New("")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gomlx028:", err)
		os.Exit(1)
	}
	for _, s := range shapes {
		a, b := make([]float32, s.m*s.k), make([]float32, s.k*s.n)
		for i := range a {
			a[i] = float32(i%7) * 0.1
		}
		for i := range b {
			b[i] = float32(i%5) * 0.1
		}
		e, err := graph.NewExec(be, func(x, y *graph.Node) *graph.Node { return graph.MatMul(x, y) })
		if err != nil {
			fmt.Fprintln(os.Stderr, "gomlx028:", err)
			os.Exit(1)
		}
		ta := tensors.FromFlatDataAndDimensions(a, s.m, s.k)
		tb := tensors.FromFlatDataAndDimensions(b, s.k, s.n)
		e.MustExec1(ta, tb).FinalizeAll() // compile
		reps, t0 := 0, time.Now()
		for time.Since(t0) < *dur {
			e.MustExec1(ta, tb).FinalizeAll()
			reps++
		}
		sec := time.Since(t0).Seconds() / float64(reps)
		fmt.Printf("%-26s %-24s %8.3f ms %7.1f GFLOP/s\n", *label, s.name, sec*1e3, 2*float64(s.m*s.n*s.k)/sec/1e9)
	}
}
