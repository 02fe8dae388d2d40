package eval

import (
	"fmt"

	"github.com/dast-uda/dast/core/data"
	"github.com/dast-uda/dast/core/infer"
	"github.com/dast-uda/dast/core/train"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// View is what a checkpoint makes of a few images: class maps at the image size and, for
// models with discriminator attention, the attention map upsampled to the image size.
type View struct {
	Pred      [][]int32   // per image, H*W trainIds
	Attention [][]float32 // per image, H*W in [0,1]; nil without attention
}

// ViewCheckpoint runs the weights of checkpoint ckpt, assembled as setup describes the model,
// on samples (one at a time, so sizes may differ). Every variable inference needs must come
// from the checkpoint.
func ViewCheckpoint(setup *train.Setup, ckpt string, samples []data.Sample) (*View, error) {
	r, err := infer.Restore(setup.Root.Backend, ckpt)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	snap, b, ctx := r.Snap, r.B, r.Ctx
	att, _ := setup.Strategy.(train.Attender)
	withAtt := att != nil && att.HasAttention()
	e, err := context.NewExec(b, ctx, func(ctx *context.Context, x *graph.Node) []*graph.Node {
		pred := graph.ConvertDType(graph.ArgMax(infer.UpsampledLogits(ctx, train.Inference(setup.Seg, setup.Strategy), x), -1), dtypes.Int32)
		if !withAtt {
			return []*graph.Node{pred}
		}
		d := x.Shape().Dimensions
		alpha := infer.UpsampleToSize(att.AttentionMap(ctx, setup.Seg, x), d[1], d[2])
		return []*graph.Node{pred, graph.ConvertDType(alpha, dtypes.Float32)}
	})
	if err != nil {
		return nil, err
	}
	v := &View{}
	for i, s := range samples {
		if err := s.Validate(); err != nil {
			return nil, err
		}
		x := tensors.FromFlatDataAndDimensions(data.ToInput(s), 1, s.H, s.W, 3)
		outs, err := e.Exec(x)
		if err != nil {
			return nil, fmt.Errorf("checkpoint %s on %s: %w", ckpt, s.Name, err)
		}
		if i == 0 {
			if err := snap.VerifyUsed(ctx); err != nil {
				return nil, err
			}
		}
		p, err := tensors.CopyFlatData[int32](outs[0])
		if err != nil {
			return nil, err
		}
		v.Pred = append(v.Pred, p)
		if withAtt {
			a, err := tensors.CopyFlatData[float32](outs[1])
			if err != nil {
				return nil, err
			}
			v.Attention = append(v.Attention, a)
		}
	}
	return v, nil
}
