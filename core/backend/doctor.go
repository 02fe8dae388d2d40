package backend

import (
	"fmt"
	"runtime"

	"github.com/dast-uda/dast/core/backend/fastgo"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// Check is one line of `dast doctor`: whether a backend is usable here and why (not).
type Check struct {
	Spec   string
	OK     bool
	Detail string
}

// Doctor tries every backend kind and reports which are usable here. It constructs the pure-Go
// backend and runs a tiny computation on it; for XLA it only looks for plugins (loading a CUDA
// plugin on a machine without a GPU would fail noisily).
func Doctor() []Check {
	var checks []Check
	checks = append(checks, checkGo())
	if !XLAAvailable {
		checks = append(checks, Check{Spec: "xla", Detail: ErrNoXLA.Error()})
		return checks
	}
	p, err := FindCUDAPlugin()
	if err != nil {
		checks = append(checks, Check{Spec: "xla:cuda", Detail: err.Error()})
	} else {
		checks = append(checks, Check{Spec: "xla:cuda", OK: true, Detail: fmt.Sprintf("plugin %s (found via %s); run `dast doctor --try xla:cuda` on the GPU machine to load it", p.Path, p.How)})
	}
	return checks
}

func checkGo() (c Check) {
	c.Spec = "go"
	defer func() {
		if r := recover(); r != nil {
			c.OK, c.Detail = false, fmt.Sprintf("pure-Go backend failed a test computation: %v", r)
		}
	}()
	if err := Try("go"); err != nil {
		return Check{Spec: "go", Detail: err.Error()}
	}
	return Check{Spec: "go", OK: true, Detail: fmt.Sprintf("pure Go (%s), %d CPUs, %s/%s, options %q, fast kernels: %s", runtime.Version(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, DefaultGoOptions, fastgo.Status())}
}

// Try constructs the backend for spec and runs a small matrix product on it, reporting any failure.
func Try(spec string) (err error) {
	b, err := New(spec)
	if err != nil {
		return err
	}
	defer b.Finalize()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("backend %q: test computation failed: %v", spec, r)
		}
	}()
	e, err := graph.NewExec(b, func(x *graph.Node) *graph.Node {
		return graph.ReduceAllSum(graph.MatMul(x, graph.Transpose(x, 0, 1)))
	})
	if err != nil {
		return fmt.Errorf("backend %q: %w", spec, err)
	}
	out, err := e.Exec1([][]float32{{1, 2}, {3, 4}})
	if err != nil {
		return fmt.Errorf("backend %q: test computation failed: %w", spec, err)
	}
	// [[1,2],[3,4]] x its transpose = [[5,11],[11,25]], sum 52.
	if got := out.Value().(float32); got != 52 {
		return fmt.Errorf("backend %q: test computation gave %v, want 52", spec, got)
	}
	return nil
}
