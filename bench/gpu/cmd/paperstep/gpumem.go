package main

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// memPoller samples the GPUs' used memory (nvidia-smi --query-gpu=memory.used) while a side
// runs. The sides run one after the other on an otherwise idle GPU, so the peak minus the
// reading before the side started is that side's peak device memory, CUDA context included.
// Per-process figures (--query-compute-apps) are not used: inside containers nvidia-smi often
// lists no processes or other PID namespaces.
type memPoller struct {
	smi      string
	mu       sync.Mutex
	base     float64 // MiB used before the side started (sum over GPUs)
	peak     float64 // largest sample, MiB
	samples  int
	stop     context.CancelFunc
	done     chan struct{}
	interval time.Duration
}

// usedMiB is the memory used on all GPUs, MiB, from one nvidia-smi call.
func usedMiB(smi string) (float64, bool) {
	out, err := exec.Command(smi, "--query-gpu=memory.used", "--format=csv,noheader,nounits").Output()
	if err != nil {
		return 0, false
	}
	return parseUsed(string(out))
}

// parseUsed sums nvidia-smi's per-GPU memory.used lines (MiB).
func parseUsed(text string) (float64, bool) {
	var sum float64
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		v, err := strconv.ParseFloat(strings.TrimSpace(line), 64)
		if err != nil {
			return 0, false
		}
		sum += v
		n++
	}
	return sum, n > 0
}

// startPoller starts sampling every interval; it returns nil when nvidia-smi is absent.
func startPoller(interval time.Duration) *memPoller {
	smi, err := exec.LookPath("nvidia-smi")
	if err != nil {
		return nil
	}
	base, ok := usedMiB(smi)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &memPoller{smi: smi, base: base, peak: base, stop: cancel, done: make(chan struct{}), interval: interval}
	go func() {
		defer close(p.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if v, ok := usedMiB(smi); ok {
					p.mu.Lock()
					p.peak = max(p.peak, v)
					p.samples++
					p.mu.Unlock()
				}
			}
		}
	}()
	return p
}

// finish stops sampling and returns the peak above the starting reading, MiB, and the number
// of samples taken.
func (p *memPoller) finish() (peakMiB float64, samples int) {
	p.stop()
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak - p.base, p.samples
}
