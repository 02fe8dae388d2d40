// Command convbench times a small convolutional network's forward and backward pass on GoMLX's
// pure-Go backend with dast's core/nn convolutions, and the same network in PyTorch on the CPU
// (bench/convbench_peer.py run by /usr/bin/python3), and prints the ratio of the two.
//
// The network: four 3x3 convolutions 3->64->64->64->64, each followed by ReLU, dilation 1, 1, 2,
// 2 (padding = dilation), batch 2, 128x128 input; one step is the gradient of the sum of the
// outputs with respect to all weights and biases.
//
// Usage:
//
//	go run ./bench/cmd/convbench [-steps 5] [-warmup 1] [-mode ops_sequential,dotgeneral_large] [-impl auto|implicit|im2col|winograd]
//	                             [-compare-modes] [-torch=true]
//
// Each side reports the median and the fastest of its timed steps. The last line printed is
// "ratio <go seconds per step / torch seconds per step>" over the fastest steps (the ones least
// disturbed by other processes on a shared machine); the line before it gives the ratio of the
// medians.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dast-uda/dast/bench/internal/peer"
	dastbackend "github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/backend/fastgo"
	"github.com/dast-uda/dast/core/nn"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

const (
	batch = 2
	size  = 128
)

var (
	channels  = []int{3, 64, 64, 64, 64}
	dilations = []int{1, 1, 2, 2}
)

func main() {
	steps := flag.Int("steps", 5, "timed steps (after warm-up)")
	warmup := flag.Int("warmup", 1, "untimed warm-up steps")
	mode := flag.String("mode", "ops_sequential,dotgeneral_large", `pure-Go backend configuration ("ops_sequential", "parallelism=-1", "" for the default; ",dotgeneral_large" forces the blocked DotGeneral kernel)`)
	impl := flag.String("impl", "auto", "convolution implementation: auto, implicit (the backend's ConvGeneral: dast's implicit GEMM), im2col or winograd")
	compare := flag.Bool("compare-modes", false, "also time each backend mode (ops_sequential, parallelism=-1, default, each with and without dotgeneral_large) in a child process")
	runTorch := flag.Bool("torch", true, "run the PyTorch peer")
	quiet := flag.Bool("quiet", false, "print only the go_step_s line (used for child processes)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the Go run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "convbench:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "convbench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*steps, *warmup, *mode, *impl, *compare, *runTorch, *quiet); err != nil {
		fmt.Fprintln(os.Stderr, "convbench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// flopsPerStep counts the multiply-adds (2 FLOPs each) of the convolutions: forward, weight
// gradient for every layer, input gradient for every layer but the first.
func flopsPerStep() float64 {
	var total float64
	for i := range dilations {
		fwd := 2.0 * batch * size * size * float64(channels[i]*channels[i+1]*9)
		total += 2 * fwd // forward + weight gradient
		if i > 0 {
			total += fwd // input gradient
		}
	}
	return total
}

func run(steps, warmup int, mode, impl string, compare, runTorch, quiet bool) error {
	convImpl, ok := map[string]nn.ConvImpl{"auto": nn.ConvAuto, "implicit": nn.ConvNative, "im2col": nn.ConvIm2Col, "winograd": nn.ConvWinograd}[impl]
	if !ok {
		return fmt.Errorf("unknown -impl %q (want auto, implicit, im2col or winograd)", impl)
	}
	flops := flopsPerStep()
	if !quiet {
		fmt.Printf("machine: %s\n", peer.Machine(fastgo.KernelName()))
		fmt.Printf("network: 4 x conv3x3 %v ReLU, dilation %v, batch %d, %dx%d, fwd+bwd %.1f GFLOP/step; GOMAXPROCS=%d\n",
			channels, dilations, batch, size, size, flops/1e9, runtime.GOMAXPROCS(0))
	}
	// The peer runs first, while this process is still small: getrusage's maxrss is inherited
	// across fork and exec.
	var torchStep, torchMin, torchCPU float64
	var torchErr error
	var torchLine string
	if runTorch && !quiet {
		var info map[string]string
		info, torchErr = runPeer(steps, warmup)
		if torchErr == nil {
			torchStep, torchErr = strconv.ParseFloat(info["torch_step_s"], 64)
			torchCPU, _ = strconv.ParseFloat(info["torch_cpu_s"], 64)
			torchMin, _ = strconv.ParseFloat(info["torch_step_min_s"], 64)
		}
		if torchErr == nil {
			rss, _ := strconv.ParseFloat(info["torch_maxrss_mb"], 64)
			hwm, _ := strconv.ParseFloat(info["torch_vmhwm_mb"], 64)
			torchLine = fmt.Sprintf("torch  %s CPU threads=%s: %.3f s/step median, %.3f s fastest (CPU %.3f s/step), %.1f GFLOP/s, peak RSS %.0f MiB (maxrss; VmHWM %.0f MiB)",
				info["torch_version"], info["torch_threads"], torchStep, torchMin, torchCPU, flops/torchStep/1e9, rss, hwm)
		} else {
			torchLine = fmt.Sprintf("torch  unavailable: %v", torchErr)
		}
	}
	goStep, goMin, goCPU, err := timeGo(steps, warmup, mode, convImpl)
	if err != nil {
		return err
	}
	if quiet {
		fmt.Printf("go_step_s %g\ngo_cpu_s %g\n", goStep, goCPU)
		return nil
	}
	fmt.Printf("go     backend=go:%s impl=%s: %.3f s/step median, %.3f s fastest (CPU %.3f s/step), %.1f GFLOP/s, peak RSS %s (VmHWM)\n",
		mode, impl, goStep, goMin, goCPU, flops/goStep/1e9, peakRSS())
	if torchLine != "" {
		fmt.Println(torchLine)
	}
	fmt.Printf("load   %s\n", peer.LoadAvg())

	if compare {
		for _, m := range []string{"ops_sequential", "parallelism=-1", "", "ops_sequential,dotgeneral_large", "parallelism=-1,dotgeneral_large", "dotgeneral_large"} {
			s, c, err := timeChild(steps, warmup, m, impl)
			name := m
			if name == "" {
				name = "default"
			}
			if err != nil {
				fmt.Printf("mode   go:%s: %v\n", name, err)
				continue
			}
			fmt.Printf("mode   go:%s: %.3f s/step (CPU %.3f s/step), %.1f GFLOP/s\n", name, s, c, flops/s/1e9)
		}
	}
	if runTorch && torchErr == nil {
		fmt.Printf("cpu_ratio %.3f\n", goCPU/torchCPU)
		fmt.Printf("median_ratio %.3f\n", goStep/torchStep)
		fmt.Printf("ratio %.3f\n", goMin/torchMin)
	} else {
		fmt.Printf("ratio unavailable (no PyTorch timing)\n")
	}
	return nil
}

// timeGo builds the network's gradient on the pure-Go backend and returns the median seconds
// per step over `steps` timed runs, the fastest step, and the median process CPU seconds per step.
func timeGo(steps, warmup int, mode string, impl nn.ConvImpl) (wall, fastest, cpu float64, err error) {
	// dast's backend constructor installs its fast pure-Go kernels (core/backend/fastgo) unless
	// DAST_FAST_DOT=0; the mode string is passed to simplego as is.
	backend, err := dastbackend.New("go:" + mode)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("pure-Go backend %q: %w", mode, err)
	}
	fmt.Printf("go kernels: %s\n", fastgo.Status())
	defer backend.Finalize()
	rng := rand.New(rand.NewPCG(1, 2))
	args := []any{randTensor(rng, 1, batch, size, size, channels[0])}
	for i := range dilations {
		args = append(args, randTensor(rng, 0.05, 3, 3, channels[i], channels[i+1]), randTensor(rng, 0, channels[i+1]))
	}
	exec, err := graph.NewExec(backend, func(in []*graph.Node) []*graph.Node {
		h := in[0]
		params := in[1:]
		for i, d := range dilations {
			h = nn.ReLU(nn.Conv2DWith(h, params[2*i], params[2*i+1], nn.SamePad(3, 1, d), impl))
		}
		return graph.Gradient(graph.ReduceAllSum(h), params...)
	})
	if err != nil {
		return 0, 0, 0, fmt.Errorf("build network: %w", err)
	}
	var times, cpus []float64
	for i := range warmup + steps {
		t0, c0 := time.Now(), peer.CPUSeconds()
		outs, err := exec.Exec(args...)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("step %d: %w", i, err)
		}
		for _, o := range outs {
			o.FinalizeAll()
		}
		if i >= warmup {
			times = append(times, time.Since(t0).Seconds())
			cpus = append(cpus, peer.CPUSeconds()-c0)
		}
	}
	slices.Sort(times)
	slices.Sort(cpus)
	return times[len(times)/2], times[0], cpus[len(cpus)/2], nil
}

// randTensor returns a float32 tensor of N(0, std²) values.
func randTensor(rng *rand.Rand, std float64, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(rng.NormFloat64() * std)
	}
	return tensors.FromFlatDataAndDimensions(data, dims...)
}

// peakRSS reads this process's peak resident set size (VmHWM) from /proc/self/status.
func peakRSS() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if kb, err := strconv.Atoi(f[0]); err == nil {
				return fmt.Sprintf("%.0f MiB", float64(kb)/1024)
			}
		}
	}
	return "unknown"
}

// timeChild runs this program again for one backend mode (with a time limit: the default
// parallel mode can deadlock on 2 cores) and returns its wall and CPU seconds per step.
func timeChild(steps, warmup int, mode, impl string) (wall, cpu float64, err error) {
	self, err := os.Executable()
	if err != nil {
		return 0, 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, self, "-quiet", "-torch=false", "-mode="+mode, "-impl="+impl,
		"-steps="+strconv.Itoa(steps), "-warmup="+strconv.Itoa(warmup))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ctx.Err() != nil {
		return 0, 0, fmt.Errorf("no result within 5 minutes (deadlock?)")
	}
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	kv := peer.ParseKV(out)
	cpu, _ = strconv.ParseFloat(kv["go_cpu_s"], 64)
	wall, err = strconv.ParseFloat(kv["go_step_s"], 64)
	return wall, cpu, err
}

// runPeer runs bench/convbench_peer.py with /usr/bin/python3, installing Debian's
// python3-torch first when torch is missing.
func runPeer(steps, warmup int) (map[string]string, error) {
	python := peer.Python
	script, err := peer.FindUp(filepath.Join("bench", "convbench_peer.py"))
	if err != nil {
		return nil, err
	}
	if err := peer.EnsureTorch("torch"); err != nil {
		return nil, err
	}
	cmd := exec.Command(python, script, "--steps", strconv.Itoa(steps), "--warmup", strconv.Itoa(warmup), "--threads", "2")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", python, script, err, strings.TrimSpace(stderr.String()))
	}
	kv := peer.ParseKV(out)
	if kv["torch_step_s"] == "" {
		return nil, errors.New("peer printed no torch_step_s line")
	}
	return kv, nil
}
