package loader

import (
	"context"
	"runtime"

	"github.com/dast-uda/dast/datasets"
)

// Item is one element of a Stream: sample Index of the dataset, or the error its Get returned.
type Item struct {
	Index  int
	Sample datasets.Sample
	Err    error
}

// Stream decodes the samples of ds in index order on background goroutines and delivers them
// on the returned channel, which is closed after the last sample or when ctx is done.
//
// At most prefetch samples (at least 1) are decoded ahead of the consumer: being decoded or
// waiting to be received. The items the consumer holds come on top, so a consumer that keeps
// one item at a time has at most prefetch+1 decoded samples alive, whatever the dataset's size.
// Up to min(prefetch, GOMAXPROCS) samples are decoded in parallel; ds.Get must be safe for
// concurrent use. A consumer that stops before the channel is closed must cancel ctx, or the
// goroutines stay blocked.
func Stream(ctx context.Context, ds datasets.Dataset, prefetch int) <-chan Item {
	prefetch = max(prefetch, 1)
	workers := min(prefetch, runtime.GOMAXPROCS(0))
	type job struct {
		i    int
		slot chan Item
	}
	tokens := make(chan struct{}, prefetch)
	jobs := make(chan job)
	order := make(chan chan Item, prefetch)
	out := make(chan Item)
	// dispatch: one token per sample decoded ahead; the slot keeps delivery in index order.
	go func() {
		defer close(jobs)
		defer close(order)
		for i := 0; i < ds.Len(); i++ {
			select {
			case tokens <- struct{}{}:
			case <-ctx.Done():
				return
			}
			slot := make(chan Item, 1)
			order <- slot // never blocks: at most prefetch slots are outstanding
			select {
			case jobs <- job{i, slot}:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range workers {
		go func() {
			for j := range jobs {
				s, err := ds.Get(j.i)
				j.slot <- Item{Index: j.i, Sample: s, Err: err}
			}
		}()
	}
	// deliver: a token is returned once its item has been received.
	go func() {
		defer close(out)
		for slot := range order {
			var it Item
			select {
			case it = <-slot:
			case <-ctx.Done():
				return
			}
			select {
			case out <- it:
				<-tokens
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// DefaultPrefetch is the prefetch depth of datasets that do not choose one.
const DefaultPrefetch = 4

// PrefetchOf returns the prefetch depth a dataset was configured with (its Prefetch method, as
// the gta5, synthia and cityscapes datasets have), or DefaultPrefetch.
func PrefetchOf(ds datasets.Dataset) int {
	if p, ok := ds.(interface{ Prefetch() int }); ok && p.Prefetch() > 0 {
		return p.Prefetch()
	}
	return DefaultPrefetch
}
