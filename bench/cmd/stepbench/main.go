// Command stepbench times one full adversarial training step of dast's DA stage (strategy.da of
// configs/synthetic/da.yaml: segmentor.small, discoverer, corrector, LSGAN, discriminator
// attention) on one source and one target image of 128x256, on GoMLX's pure-Go backend, and the
// same step written in PyTorch (bench/stepbench_peer.py, CPU, 2 threads).
//
// The Go side is dast's own code path: the config is loaded with config.Load (image size and
// batch size overridden), assembled with train.Assemble, and the strategy's Step is compiled
// into one context.Exec exactly like the trainer does (segmentor SGD update, discoverer and
// corrector Adam updates, all in one graph). It runs twice, each time in a child process so that
// its peak memory is its own: with dast's kernels (core/backend/fastgo) and with GoMLX's stock
// kernels (DAST_FAST_DOT=0).
//
// Usage, from the repository root:
//
//	go run ./bench/cmd/stepbench [-warmup 3] [-steps 10] [-stock=true] [-torch=true]
//
// It prints a table (seconds per step, GFLOP/s, peak resident memory of each side) and, as its
// last line, "ratio <go s/step / torch s/step>" with dast's kernels over the fastest timed steps
// (the least disturbed on a shared machine); the line before gives the ratio of the medians.
package main

import (
	"bytes"
	stdctx "context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dast-uda/dast/bench/internal/peer"
	"github.com/dast-uda/dast/core/backend/fastgo"
	_ "github.com/dast-uda/dast/modules/standard"
)

// Paths relative to the repository root.
const (
	defaultConfig = "configs/synthetic/da.yaml"
	peerScript    = "bench/stepbench_peer.py"
	python        = peer.Python
)

type options struct {
	config        string
	height, width int
	warmup, steps int
	stock         bool
	rounds        int
	torch         bool
	backend       string
	child         bool
	dump          string
	timeout       time.Duration
	torchThreads  int
	cpuProfile    string
}

func main() {
	var o options
	flag.StringVar(&o.config, "config", "", "DA config (default "+defaultConfig+" found above the working directory)")
	flag.IntVar(&o.height, "height", 128, "image height")
	flag.IntVar(&o.width, "width", 256, "image width")
	flag.IntVar(&o.warmup, "warmup", 3, "untimed steps first (the first builds and compiles the graph)")
	flag.IntVar(&o.steps, "steps", 10, "timed steps")
	flag.BoolVar(&o.stock, "stock", true, "also time the Go step with GoMLX's stock kernels (DAST_FAST_DOT=0)")
	flag.IntVar(&o.rounds, "rounds", 3, "measurement rounds; each runs every implementation once, in turn, so that they share the machine's changing load")
	flag.BoolVar(&o.torch, "torch", true, "run the PyTorch peer")
	flag.IntVar(&o.torchThreads, "torch-threads", 2, "PyTorch CPU threads")
	flag.StringVar(&o.backend, "backend", "go", "dast backend spec of the Go runs")
	flag.DurationVar(&o.timeout, "timeout", 6*time.Minute, "limit of each measured process")
	flag.BoolVar(&o.child, "child", false, "internal: time the Go step in this process and print key-value lines")
	flag.StringVar(&o.dump, "dump", "", "internal, with -child: write the initial weights into this directory")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the timed steps of the first run with dast's kernels to this file (go tool pprof)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "stepbench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.warmup < 1 || o.steps < 1 || o.rounds < 1 {
		return fmt.Errorf("-warmup %d, -steps %d and -rounds %d must be >= 1 (the first step compiles)", o.warmup, o.steps, o.rounds)
	}
	if o.config == "" {
		p, err := peer.FindUp(defaultConfig)
		if err != nil {
			return err
		}
		o.config = p
	}
	b, err := load(o.config, o.height, o.width)
	if err != nil {
		return err
	}
	if o.child {
		return runChild(b, o.backend, o.warmup, o.steps, o.dump, o.cpuProfile)
	}
	return runParent(o, b)
}

func runParent(o options, b *bench) error {
	flops, err := b.nets.StepFLOPs(b.h, b.w)
	if err != nil {
		return err
	}
	macs, _ := b.nets.StepMACs(b.h, b.w)
	n := b.nets
	fmt.Printf("cpu    %s\n", peer.Machine(fastgo.KernelName()))
	fmt.Printf("step   strategy.da of %s with %s: one %dx%d source and target image, segmentor SGD + discoverer and corrector Adam updates\n",
		b.config, strings.Join(b.sets, " "), b.h, b.w)
	fmt.Printf("nets   segmentor.small widths %v ASPP %v, %d classes; discoverer %v+1 (3x3); corrector %v+1 (4x4/2); LeakyReLU %g\n",
		n.Widths, n.ASPPDilations, n.Classes, n.Discoverer, n.Corrector, n.Slope)
	fmt.Printf("work   %.3f GMAC of convolutions per forward step; %.2f GFLOP/step = 6 x MAC (2 per MAC forward, backward counted 2x forward)\n",
		float64(macs)/1e9, flops/1e9)
	fmt.Printf("runs   %d round(s), each: %d warm-up + %d timed steps per implementation, implementations alternating\n", o.rounds, o.warmup, o.steps)
	load0 := peer.LoadAvg()
	// The peer's inputs: the image pair and the initial weights of the first Go run.
	dir, err := os.MkdirTemp("", "stepbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := b.writeInputs(dir); err != nil {
		return err
	}

	fast := &side{name: "go, dast kernels (fastgo)"}
	stock := &side{name: "go, stock GoMLX kernels"}
	torch := &side{name: "torch CPU"}
	sides := []*side{fast}
	if o.stock {
		sides = append(sides, stock)
	}
	if o.torch {
		sides = append(sides, torch)
	}
	for r := range o.rounds {
		dump := ""
		if r == 0 {
			dump = dir
		}
		profile := ""
		if r == 0 {
			profile = o.cpuProfile
		}
		fast.add(runGoChild(o, "1", dump, profile))
		if o.stock {
			stock.add(runGoChild(o, "0", "", ""))
		}
		if o.torch {
			weights := ""
			if fast.ok() {
				weights = dir
			}
			torch.add(runPeer(o, b, dir, weights))
		}
	}
	if torch.ok() {
		torch.name = fmt.Sprintf("torch %s CPU, %s threads", torch.first("version"), torch.first("threads"))
		if m := torch.first("conv_macs"); m != strconv.FormatInt(macs, 10) {
			fmt.Printf("WARN   the peer's convolutions do %s MAC per forward step, the Go count is %d: the networks differ\n", m, macs)
		}
	}
	for _, s := range sides {
		if s.err != nil {
			fmt.Printf("error  %s: %v\n", s.name, s.err)
		}
		if !s.ok() {
			continue
		}
		last := s.first(fmt.Sprintf("loss_%d", o.warmup+o.steps-1))
		if k := s.first("kernels"); k != "" {
			fmt.Printf("info   %s: kernels %s; graph build+compile+first step %s s; last losses %s\n", s.name, k, s.first("compile_s"), last)
		} else {
			fmt.Printf("info   %s: initial weights from %s; last losses %s\n", s.name, s.first("init"), last)
		}
	}
	checkParams(sides)
	if fast.ok() && torch.ok() {
		compareLosses(fast.runs[0], torch.runs[0], o.warmup+o.steps)
	}

	fmt.Println()
	fmt.Printf("%-32s %8s %8s %8s %8s %8s\n", "impl", "s/step", "fastest", "CPU s", "GFLOP/s", "peak MB")
	for _, s := range sides {
		if !s.ok() {
			fmt.Printf("%-32s %s\n", s.name, "failed")
			continue
		}
		fmt.Printf("%-32s %8.3f %8.3f %8.3f %8.2f %8.0f\n", s.name, s.medianStep(), s.fastestStep(),
			s.medianCPU(), flops/s.medianStep()/1e9, s.peak)
	}
	fmt.Printf("(s/step: median over all timed steps; fastest: the fastest step; CPU s: median process CPU seconds per step;\n" +
		" GFLOP/s: from the median; peak MB: largest VmHWM of each implementation's processes)\n")
	fmt.Printf("load   average before %s, after %s (1/5/15 min; 2-core machine shared with other jobs)\n", load0, peer.LoadAvg())

	if !fast.ok() {
		return fmt.Errorf("go run with dast's kernels failed: %w", fast.err)
	}
	if !torch.ok() {
		fmt.Println("ratio unavailable (no PyTorch timing)")
		return nil
	}
	if stock.ok() {
		fmt.Printf("stock_ratio %.3f\n", stock.fastestStep()/torch.fastestStep())
	}
	fmt.Printf("median_ratio %.3f\n", fast.medianStep()/torch.medianStep())
	fmt.Printf("ratio %.3f\n", fast.fastestStep()/torch.fastestStep())
	return nil
}

// checkParams prints the trainable parameter counts per network and whether all sides agree.
func checkParams(sides []*side) {
	var ref map[string]string
	agree := true
	for _, s := range sides {
		if !s.ok() {
			continue
		}
		counts := map[string]string{}
		for _, k := range []string{"segmentor", "discoverer", "corrector"} {
			counts[k] = s.first("params_" + k)
		}
		if ref == nil {
			ref = counts
			fmt.Printf("params segmentor %s, discoverer %s, corrector %s (%s)\n", counts["segmentor"], counts["discoverer"], counts["corrector"], s.name)
			continue
		}
		for k, v := range counts {
			if v != ref[k] {
				agree = false
				fmt.Printf("WARN   %s has %s %s parameters, the first run %s\n", s.name, v, k, ref[k])
			}
		}
	}
	if ref != nil && agree {
		fmt.Println("params equal on every side")
	}
}

// runGoChild times the Go step in a child process with DAST_FAST_DOT set to fastDot, writing
// the initial weights into dump when it is not empty.
func runGoChild(o options, fastDot, dump, profile string) (map[string]string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"-child", "-config", o.config, "-height", strconv.Itoa(o.height), "-width", strconv.Itoa(o.width),
		"-warmup", strconv.Itoa(o.warmup), "-steps", strconv.Itoa(o.steps), "-backend", o.backend}
	if dump != "" {
		args = append(args, "-dump", dump)
	}
	if profile != "" {
		abs, err := filepath.Abs(profile)
		if err != nil {
			return nil, err
		}
		args = append(args, "-cpuprofile", abs)
	}
	kv, err := runKV(o.timeout, append(os.Environ(), "DAST_FAST_DOT="+fastDot), self, args...)
	if err != nil {
		return nil, err
	}
	if kv["times"] == "" {
		return nil, errors.New("the child printed no times line")
	}
	return kv, nil
}

// runPeer runs the PyTorch peer on the image pair in data, starting from the weights in the
// weights directory (its own initialization when empty), installing Debian's python3-torch
// first when torch is not importable.
func runPeer(o options, b *bench, data, weights string) (map[string]string, error) {
	script, err := peer.FindUp(peerScript)
	if err != nil {
		return nil, err
	}
	if err := peer.EnsureTorch("torch, numpy"); err != nil {
		return nil, err
	}
	args := append([]string{script, "--data", data, "--weights", weights, "--warmup", strconv.Itoa(o.warmup), "--steps", strconv.Itoa(o.steps),
		"--threads", strconv.Itoa(o.torchThreads), "--seed", strconv.FormatInt(b.setup.Root.Seed, 10)}, b.peerArgs()...)
	kv, err := runKV(o.timeout, os.Environ(), python, args...)
	if err != nil {
		return nil, err
	}
	if kv["times"] == "" {
		return nil, errors.New("the peer printed no times line")
	}
	return kv, nil
}

// runKV runs a command with a time limit and parses its "key value" output lines.
func runKV(limit time.Duration, env []string, name string, args ...string) (map[string]string, error) {
	ctx, cancel := stdctx.WithTimeout(stdctx.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%s: no result within %v", filepath.Base(name), limit)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %s", filepath.Base(name), err, lastLines(stderr.String(), 5))
	}
	return peer.ParseKV(out), nil
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
