package loader

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dast-uda/dast/datasets"
)

// countingDataset tracks how many decoded samples are alive: Get adds one, the consumer
// subtracts one when it is done with a sample.
type countingDataset struct {
	n       int
	live    atomic.Int64
	maxLive atomic.Int64
	failAt  int
}

func (d *countingDataset) Len() int        { return d.n }
func (d *countingDataset) NumClasses() int { return 19 }
func (d *countingDataset) Get(i int) (datasets.Sample, error) {
	if i == d.failAt {
		return datasets.Sample{}, fmt.Errorf("sample %d is bad", i)
	}
	l := d.live.Add(1)
	for {
		m := d.maxLive.Load()
		if l <= m || d.maxLive.CompareAndSwap(m, l) {
			break
		}
	}
	time.Sleep(100 * time.Microsecond)
	return datasets.Sample{Name: fmt.Sprint(i), H: 1, W: 1, RGB: []uint8{uint8(i), 0, 0}}, nil
}

func TestStreamBoundedAndOrdered(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, prefetch := range []int{1, 3, 8} {
		ds := &countingDataset{n: 500, failAt: 123}
		next := 0
		for it := range Stream(ctx, ds, prefetch) {
			if it.Index != next {
				t.Fatalf("prefetch %d: item %d, want %d (order)", prefetch, it.Index, next)
			}
			next++
			if it.Index == ds.failAt {
				if it.Err == nil {
					t.Fatalf("item %d: no error", it.Index)
				}
				continue
			}
			if it.Err != nil || it.Sample.Name != fmt.Sprint(it.Index) {
				t.Fatalf("item %d: %+v", it.Index, it)
			}
			if it.Index%50 == 0 {
				time.Sleep(2 * time.Millisecond) // a slow consumer lets the producers run ahead
			}
			ds.live.Add(-1)
		}
		if ctx.Err() != nil {
			t.Fatal("timed out")
		}
		if next != ds.n {
			t.Fatalf("prefetch %d: %d items, want %d", prefetch, next, ds.n)
		}
		// prefetch decoded ahead plus the one the consumer holds.
		if m := ds.maxLive.Load(); m > int64(prefetch+1) || m < 1 {
			t.Errorf("prefetch %d: %d samples alive at once, want at most %d", prefetch, m, prefetch+1)
		}
	}
}

func TestStreamCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ds := &countingDataset{n: 1000, failAt: -1}
	ch := Stream(ctx, ds, 2)
	for range 10 {
		<-ch
		ds.live.Add(-1)
	}
	cancel()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("stream not closed after cancel")
		}
	}
}
