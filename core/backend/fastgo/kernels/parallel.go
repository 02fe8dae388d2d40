package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// ParallelFor calls f on contiguous chunks [lo, hi) that together cover [0, n), on up to
// GOMAXPROCS goroutines (the caller's among them). Chunks hold at least grain items, so small
// ops stay on one goroutine. The chunks are the same whichever goroutines run them: n split
// into min(GOMAXPROCS, n/grain) chunks of equal size, the last one shorter.
//
// The other goroutines are long-lived workers that wait for work by spinning for a while
// (spinFor) before they sleep: waking a sleeping goroutine takes tens of microseconds on the
// virtual machines dast runs on, as long as an elementwise op over 10^5 floats, so goroutines
// started per call would leave the other CPUs mostly idle.
//
// One call at a time uses the workers; a call made while another runs (from a worker's f, or
// from another goroutine) runs all its chunks on its caller.
func ParallelFor(n, grain int, f func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n/max(grain, 1))
	if workers <= 1 {
		if n > 0 {
			f(0, n)
		}
		return
	}
	chunk := (n + workers - 1) / workers
	if !pool.busy.CompareAndSwap(false, true) {
		for lo := 0; lo < n; lo += chunk {
			f(lo, min(lo+chunk, n))
		}
		return
	}
	j := &job{f: f, n: n, chunk: chunk, chunks: int64((n + chunk - 1) / chunk)}
	defer func() {
		pool.current.Store(nil)
		pool.busy.Store(false)
	}()
	pool.start(workers - 1)
	pool.current.Store(j)
	pool.wakeSleepers()
	j.run()
	for spins := 0; j.done.Load() < j.chunks; spins++ {
		if spins%64 == 63 {
			runtime.Gosched()
		}
	}
}

// GrainFloats is ParallelFor's grain for streaming float32 work.
const GrainFloats = 1 << 14

// spinFor is how long an idle worker looks for work before it sleeps. Training runs one op
// after another, most far shorter than this, so the workers rarely sleep during a step.
const spinFor = 200 * time.Microsecond

// job is one ParallelFor call: chunk i covers [i*chunk, min((i+1)*chunk, n)).
type job struct {
	f        func(lo, hi int)
	n, chunk int
	chunks   int64
	next     atomic.Int64 // the next chunk to claim
	done     atomic.Int64 // chunks finished
}

// run claims and computes chunks until none is left.
func (j *job) run() {
	for {
		i := j.next.Add(1) - 1
		if i >= j.chunks {
			return
		}
		lo := int(i) * j.chunk
		j.f(lo, min(lo+j.chunk, j.n))
		j.done.Add(1)
	}
}

// workers is the process's pool of ParallelFor goroutines, started on first use, one fewer
// than the largest GOMAXPROCS a call has seen.
type workers struct {
	busy     atomic.Bool         // a ParallelFor call owns current
	current  atomic.Pointer[job] // the job workers take chunks from (nil: none)
	started  atomic.Int32
	sleeping atomic.Int32
	wake     chan struct{}
	mu       sync.Mutex // serialises starting workers
}

var pool = &workers{wake: make(chan struct{}, 256)}

// start makes sure at least k workers exist.
func (p *workers) start(k int) {
	if int(p.started.Load()) >= k {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for int(p.started.Load()) < k {
		p.started.Add(1)
		go p.work()
	}
}

// wakeSleepers wakes the workers that sleep (a worker that falls asleep just after this is
// only a helper less for this call; its caller runs the chunks it does not take).
func (p *workers) wakeSleepers() {
	for k := p.sleeping.Load(); k > 0; k-- {
		select {
		case p.wake <- struct{}{}:
		default:
			return
		}
	}
}

// work is a worker's loop: take chunks of the current job; without one, spin for spinFor,
// then sleep until a call wakes it.
func (p *workers) work() {
	for {
		idleSince := time.Now()
		for spins := 0; ; spins++ {
			if j := p.current.Load(); j != nil && j.next.Load() < j.chunks {
				j.run()
				idleSince, spins = time.Now(), 0
				continue
			}
			if spins%256 == 255 {
				if time.Since(idleSince) > spinFor {
					break
				}
				runtime.Gosched()
			}
		}
		p.sleeping.Add(1)
		if j := p.current.Load(); j == nil || j.next.Load() >= j.chunks {
			<-p.wake
		}
		p.sleeping.Add(-1)
	}
}
