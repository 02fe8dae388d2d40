package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/datasets"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// oneImage is a dataset view of image i of another dataset.
type oneImage struct {
	datasets.Dataset
	i int
}

func (o oneImage) Len() int { return 1 }

func (o oneImage) Get(int) (datasets.Sample, error) { return o.Dataset.Get(o.i) }

// bootstrapStats is the sampling noise of a val set's mIoU: the spread of the mIoU over
// resamples of the val images with replacement.
type bootstrapStats struct {
	Resamples int
	Images    int
	MIoU      float64 // on the val set itself
	Std       float64 // standard deviation of the resampled mIoUs
	Lo, Hi    float64 // 2.5% and 97.5% percentiles
}

// bootstrapVal scores a checkpoint on every val image separately, then draws n resamples of
// the images with replacement (a fixed seed, so the figure repeats) and summarises their mIoU.
func bootstrapVal(setup *train.Setup, ckpt string, n int) (bootstrapStats, error) {
	if setup.Val == nil {
		return bootstrapStats{}, fmt.Errorf("%s: data.val: the bootstrap needs a labelled validation set", setup.Tree.Path())
	}
	snap, err := checkpoint.Open(ckpt)
	if err != nil {
		return bootstrapStats{}, err
	}
	b, err := backend.New(setup.Root.Backend)
	if err != nil {
		return bootstrapStats{}, err
	}
	defer b.Finalize()
	ctx := context.New().Checked(false)
	snap.Attach(ctx)
	p, err := train.NewPredictor(b, ctx, setup.Seg, setup.Strategy)
	if err != nil {
		return bootstrapStats{}, err
	}
	per := make([]*metrics.Confusion, setup.Val.Len())
	all := metrics.NewConfusion(setup.Val.NumClasses())
	for i := range per {
		if per[i], err = train.Evaluate(p, oneImage{setup.Val, i}, 1, nil); err != nil {
			return bootstrapStats{}, fmt.Errorf("bootstrap: val image %d: %w", i, err)
		}
		if err := all.Merge(per[i]); err != nil {
			return bootstrapStats{}, err
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	mious := make([]float64, n)
	for k := range mious {
		c := metrics.NewConfusion(setup.Val.NumClasses())
		for range per {
			if err := c.Merge(per[r.IntN(len(per))]); err != nil {
				return bootstrapStats{}, err
			}
		}
		mious[k] = c.MIoU()
	}
	sort.Float64s(mious)
	var mean, ss float64
	for _, v := range mious {
		mean += v
	}
	mean /= float64(n)
	for _, v := range mious {
		ss += (v - mean) * (v - mean)
	}
	return bootstrapStats{
		Resamples: n, Images: len(per), MIoU: all.MIoU(), Std: math.Sqrt(ss / float64(max(1, n-1))),
		Lo: mious[int(0.025*float64(n-1))], Hi: mious[int(math.Ceil(0.975*float64(n-1)))],
	}, nil
}
