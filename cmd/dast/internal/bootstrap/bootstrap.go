// Package bootstrap measures the sampling noise of a val set's mIoU (dast eval --bootstrap):
// the spread of a checkpoint's mIoU over resamples of the val images with replacement.
package bootstrap

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/dast-uda/dast/core/eval"
	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/core/train"
	"gonum.org/v1/gonum/stat"
)

// Stats is the sampling noise of a val set's mIoU: the spread of the mIoU over
// resamples of the val images with replacement.
type Stats struct {
	Resamples int
	Images    int
	MIoU      float64 // on the val set itself
	Std       float64 // sample standard deviation of the resampled mIoUs
	Lo, Hi    float64 // 2.5% and 97.5% percentiles
}

// Val scores a checkpoint on every val image separately, then draws n resamples of
// the images with replacement (a fixed seed, so the figure repeats) and summarises their mIoU.
func Val(setup *train.Setup, ckpt string, n int) (Stats, error) {
	if n < 2 {
		return Stats{}, fmt.Errorf("--bootstrap %d: want at least 2 resamples", n)
	}
	per, err := eval.CheckpointPerImage(setup, ckpt)
	if err != nil {
		return Stats{}, err
	}
	sum := func(pick func(i int) *metrics.Confusion) (float64, error) {
		c := metrics.NewConfusion(setup.Val.NumClasses())
		for i := range per {
			if err := c.Merge(pick(i)); err != nil {
				return 0, err
			}
		}
		return c.MIoU(), nil
	}
	all, err := sum(func(i int) *metrics.Confusion { return per[i] })
	if err != nil {
		return Stats{}, err
	}
	r := rand.New(rand.NewPCG(1, 2))
	mious := make([]float64, n)
	for k := range mious {
		if mious[k], err = sum(func(int) *metrics.Confusion { return per[r.IntN(len(per))] }); err != nil {
			return Stats{}, err
		}
	}
	sort.Float64s(mious)
	_, std := stat.MeanStdDev(mious, nil)
	return Stats{
		Resamples: n, Images: len(per), MIoU: all, Std: std,
		Lo: mious[int(0.025*float64(n-1))], Hi: mious[int(math.Ceil(0.975*float64(n-1)))],
	}, nil
}
