package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dast-uda/dast/core/infer"
	"github.com/dast-uda/dast/core/nn"
	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/strategies/adversarial"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// WeightsManifest is the file, in a weights directory, that lists the dumped variables.
const WeightsManifest = "weights.txt"

// dumpWeights writes every trainable variable of ctx into dir so that the PyTorch peer can start
// from the same weights: one raw little-endian float32 file per variable (Go layout: HWIO
// kernels) and the manifest, one line per variable: "<scope>/<name> <file> <d0,d1,...>".
func dumpWeights(ctx *context.Context, dir string) error {
	var lines []string
	for v := range ctx.IterVariables() {
		if !v.Trainable {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return fmt.Errorf("weights: %s: %w", v.ScopeAndName(), err)
		}
		if t.DType() != dtypes.Float32 {
			return fmt.Errorf("weights: %s is %s, want float32", v.ScopeAndName(), t.DType())
		}
		flat, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return fmt.Errorf("weights: %s: %w", v.ScopeAndName(), err)
		}
		key := strings.TrimPrefix(v.Scope(), context.ScopeSeparator) + "/" + v.Name()
		file := strings.ReplaceAll(key, "/", ".") + ".f32"
		if err := os.WriteFile(filepath.Join(dir, file), le32(flat), 0o644); err != nil {
			return fmt.Errorf("weights: %w", err)
		}
		dims := make([]string, len(t.Shape().Dimensions))
		for i, d := range t.Shape().Dimensions {
			dims[i] = strconv.Itoa(d)
		}
		lines = append(lines, key+" "+file+" "+strings.Join(dims, ","))
	}
	slices.Sort(lines)
	if len(lines) == 0 {
		return fmt.Errorf("weights: no trainable variables")
	}
	return os.WriteFile(filepath.Join(dir, WeightsManifest), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

// initWeights creates and initializes, in ctx, every trainable variable of the DA step: one
// forward pass of the segmentor on src (scope train.SegmentorScope), the discoverer on its
// feature and the corrector on the softmax of its upsampled logits (scopes
// adversarial.DiscoverScope and adversarial.CorrectorScope, as the strategy uses them).
func initWeights(b *bench, be backends.Backend, ctx *context.Context, src *tensors.Tensor) error {
	exec, err := context.NewExec(be, ctx, func(ctx *context.Context, x *graph.Node) *graph.Node {
		sc := ctx.In(train.SegmentorScope)
		f := b.setup.Seg.Extract(sc, x)
		d := b.discoverer.Apply(ctx.In(adversarial.DiscoverScope), f)
		h, w := x.Shape().Dimensions[1], x.Shape().Dimensions[2]
		q := nn.Softmax(infer.UpsampleToSize(b.setup.Seg.Predict(sc, f), h, w))
		c := b.corrector.Apply(ctx.In(adversarial.CorrectorScope), q)
		return graph.Add(graph.ReduceAllSum(d), graph.ReduceAllSum(c))
	})
	if err != nil {
		return fmt.Errorf("initialize weights: %w", err)
	}
	out, err := exec.Exec(src)
	if err != nil {
		return fmt.Errorf("initialize weights: %w", err)
	}
	for _, t := range out {
		t.FinalizeAll()
	}
	return nil
}
