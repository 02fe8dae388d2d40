// Command paperstep times one DAST DA-stage training iteration at the paper's scale (DeepLab-v2
// ResNet-101 or DeepLab VGG-16, one 1280x720 source image with labels and one 1024x512 target
// image, discoverer + attention + corrector, the segmentor's SGD and both discriminators' Adam
// updates) on a dast backend (xla:cuda by default) and the same step in PyTorch on the same GPU
// (bench/gpu/paperstep_peer.py), fp32: seconds per step (median of -steps after -warmup) and
// peak GPU memory of each.
//
//	go run ./bench/gpu/cmd/paperstep                 # on a GPU machine, from the repository root
//	go run ./bench/gpu/cmd/paperstep -smoke          # a tiny CPU check of the plumbing
//
// Each side runs in its own process, one after the other, so the GPU memory reading (nvidia-smi,
// sampled every 50 ms, minus the reading before the side started) is that side's. The XLA side
// runs with XLA_PYTHON_CLIENT_PREALLOCATE=false unless the environment sets it, so that XLA
// does not take 75% of the GPU up front and the reading means something. docs/GPU.md describes
// the output.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dast-uda/dast/bench/internal/peer"
	_ "github.com/dast-uda/dast/modules/standard"
)

// options are the command's flags.
type options struct {
	models        []string
	backend       string
	src, tgt      size
	warmup, steps int
	torch         bool
	python        string
	torchDevice   string
	out           string
	sets          []string
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, " ") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "paperstep:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("paperstep", flag.ContinueOnError)
	model := fs.String("model", "resnet101,vgg16", "segmentors to time, comma-separated: resnet101, vgg16")
	be := fs.String("backend", "xla:cuda", "dast backend of the Go side")
	srcText := fs.String("src", "1280x720", "source image size WxH (the paper: GTA5 resized to 1280x720)")
	tgtText := fs.String("tgt", "1024x512", "target image size WxH (the paper: Cityscapes resized to 1024x512)")
	warmup := fs.Int("warmup", 3, "untimed iterations first (the first compiles)")
	steps := fs.Int("steps", 10, "timed iterations; the median is reported")
	torch := fs.Bool("torch", true, "also time the PyTorch peer")
	python := fs.String("python", "python3", "the Python interpreter with PyTorch")
	device := fs.String("torch-device", "cuda", "PyTorch device of the peer")
	out := fs.String("out", "", "also write paperstep.json and paperstep.txt into this folder")
	smoke := fs.Bool("smoke", false, "a quick CPU check of the plumbing: backend go, 64x48 source, 48x32 target, 1 warm-up and 2 timed steps, the peer on the CPU with "+peer.Python)
	child := fs.Bool("child", false, "internal: time the Go side of one -model and print key-value lines")
	var sets multi
	fs.Var(&sets, "set", "extra config override key=value for the Go side (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *smoke {
		*be, *srcText, *tgtText, *warmup, *steps, *device = "go", "64x48", "48x32", 1, 2, "cpu"
		pythonSet := false
		fs.Visit(func(f *flag.Flag) { pythonSet = pythonSet || f.Name == "python" })
		if !pythonSet {
			*python = peer.Python // Debian's python3-torch on the CPU machines
		}
	}
	o := options{backend: *be, warmup: *warmup, steps: *steps, torch: *torch, python: *python,
		torchDevice: *device, out: *out, sets: sets}
	var err error
	if o.src, err = parseSize(*srcText); err != nil {
		return fmt.Errorf("-src: %w", err)
	}
	if o.tgt, err = parseSize(*tgtText); err != nil {
		return fmt.Errorf("-tgt: %w", err)
	}
	if o.warmup < 1 || o.steps < 1 {
		return fmt.Errorf("-warmup %d, -steps %d: want at least 1 each (the first iteration compiles)", o.warmup, o.steps)
	}
	for _, m := range strings.Split(*model, ",") {
		if m = strings.TrimSpace(m); m != "" {
			if _, ok := models[m]; !ok {
				return fmt.Errorf("-model %q: want resnet101 or vgg16", m)
			}
			o.models = append(o.models, m)
		}
	}
	if len(o.models) == 0 {
		return errors.New("-model: name at least one of resnet101, vgg16")
	}
	if *child {
		if len(o.models) != 1 {
			return errors.New("-child times one -model")
		}
		dir, err := os.MkdirTemp("", "paperstep")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		b, err := load(dir, o.models[0], o.backend, o.src, o.tgt, o.sets)
		if err != nil {
			return err
		}
		return runChild(b, o.backend, o.warmup, o.steps)
	}
	return parent(o)
}

// result is one side of one model.
type result struct {
	Model     string            `json:"model"`
	Impl      string            `json:"impl"`
	Detail    string            `json:"detail"`
	Median    float64           `json:"median_s"`
	Fastest   float64           `json:"fastest_s"`
	Compile   float64           `json:"first_step_s"`
	PeakMiB   float64           `json:"peak_gpu_mib"`   // nvidia-smi, above the reading before the side started; -1 when unknown
	Samples   int               `json:"memory_samples"` // nvidia-smi samples taken
	Runtime   string            `json:"runtime_memory"` // the framework's own counter, when it has one
	Params    map[string]int    `json:"params"`
	Losses    map[string]string `json:"losses"`
	Times     []float64         `json:"times_s"`
	NonFinite int               `json:"nonfinite_at"` // first step with a NaN/Inf loss, -1: none
	Err       string            `json:"error,omitempty"`
	WallTotal float64           `json:"wall_s"`
}

// parent runs every side of every model in turn and prints the table.
func parent(o options) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var peerScript string
	if o.torch {
		if peerScript, err = peer.FindUp("bench/gpu/paperstep_peer.py"); err != nil {
			return err
		}
	}
	if _, set := os.LookupEnv("XLA_PYTHON_CLIENT_PREALLOCATE"); !set && strings.HasPrefix(o.backend, "xla") {
		os.Setenv("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
	}
	fmt.Printf("paperstep: DA step, source %s + target %s, batch 1+1, fp32, %d warm-up + %d timed steps, backend %s\n", o.src, o.tgt, o.warmup, o.steps, o.backend)
	var results []result
	for _, m := range o.models {
		args := []string{"-child", "-model", m, "-backend", o.backend, "-src", o.src.String(), "-tgt", o.tgt.String(),
			"-warmup", strconv.Itoa(o.warmup), "-steps", strconv.Itoa(o.steps)}
		for _, s := range o.sets {
			args = append(args, "-set", s)
		}
		g := side(m, "go "+o.backend, self, args)
		results = append(results, g)
		if o.torch {
			// The peer needs the Go side's hyper-parameters; read them from the same config.
			dir, err := os.MkdirTemp("", "paperstep")
			if err != nil {
				return err
			}
			b, err := load(dir, m, o.backend, o.src, o.tgt, o.sets)
			os.RemoveAll(dir)
			if err != nil {
				return err
			}
			pargs := append([]string{peerScript}, b.peerArgs(m, o.src, o.tgt)...)
			pargs = append(pargs, "--device", o.torchDevice, "--warmup", strconv.Itoa(o.warmup), "--steps", strconv.Itoa(o.steps))
			t := side(m, "torch "+o.torchDevice, o.python, pargs)
			results = append(results, t)
			checkParams(&g, &t)
			results[len(results)-2] = g
			results[len(results)-1] = t
		}
	}
	text := table(results)
	fmt.Print(text)
	if o.out != "" {
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return err
		}
		data, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(o.out, "paperstep.json"), data, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(o.out, "paperstep.txt"), []byte(text), 0o644); err != nil {
			return err
		}
	}
	for _, r := range results {
		if r.Err != "" {
			return fmt.Errorf("%s %s: %s", r.Model, r.Impl, r.Err)
		}
	}
	return nil
}

// side runs one measurement process and reads its key-value output.
func side(model, impl, name string, args []string) result {
	r := result{Model: model, Impl: impl, PeakMiB: -1, NonFinite: -1, Params: map[string]int{}, Losses: map[string]string{}}
	fmt.Printf("paperstep: %s %s ...\n", model, impl)
	poll := startPoller(50 * time.Millisecond)
	cmd := exec.Command(name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	r.WallTotal = time.Since(t0).Seconds()
	if poll != nil {
		r.PeakMiB, r.Samples = poll.finish()
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndex(msg, "\n"); i >= 0 && len(msg) > 2000 {
			msg = msg[i+1:]
		}
		r.Err = fmt.Sprintf("%v: %s", err, msg)
		return r
	}
	kv := peer.ParseKV(stdout.Bytes())
	times, perr := parseFloats(kv["times"])
	if perr != nil || len(times) == 0 {
		r.Err = fmt.Sprintf("no timed steps in its output (%v): %s", perr, strings.TrimSpace(stdout.String()))
		return r
	}
	r.Times = times
	r.Median, r.Fastest = median(times), slices.Min(times)
	r.Compile, _ = strconv.ParseFloat(kv["compile_s"], 64)
	r.Detail = kv["backend"]
	if r.NonFinite, perr = strconv.Atoi(kv["nonfinite_at"]); perr != nil {
		r.NonFinite = -1
	}
	if v := kv["version"]; v != "" {
		r.Detail = "torch " + v + " " + kv["device_name"]
	}
	if a := kv["max_allocated_mib"]; a != "" {
		r.Runtime = fmt.Sprintf("max_allocated %s MiB, max_reserved %s MiB", a, kv["max_reserved_mib"])
	}
	for k, v := range kv {
		if name, ok := strings.CutPrefix(k, "params_"); ok {
			r.Params[name], _ = strconv.Atoi(v)
		}
		if strings.HasPrefix(k, "loss_") {
			r.Losses[k] = v
		}
	}
	return r
}

// checkParams marks both sides failed when their trainable parameter counts differ: then they
// would not time the same networks.
func checkParams(g, t *result) {
	if g.Err != "" || t.Err != "" {
		return
	}
	for _, net := range []string{"segmentor", "discoverer", "corrector"} {
		if g.Params[net] != t.Params[net] {
			msg := fmt.Sprintf("trainable parameters of %s differ: Go %d, PyTorch %d", net, g.Params[net], t.Params[net])
			g.Err, t.Err = msg, msg
			return
		}
	}
}

// table renders the results, a one-line "row <model> <impl>: ..." per side and, per model with
// both sides, "ratio_<model> <go median / torch median>".
func table(rs []result) string {
	var buf bytes.Buffer
	w := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "model\timpl\tmedian s/step\tfastest\tfirst step s\tpeak GPU MiB (nvidia-smi)\truntime counter\tparams seg/D/C\tstatus")
	for _, r := range rs {
		peak := "n/a"
		if r.PeakMiB >= 0 {
			peak = fmt.Sprintf("%.0f", r.PeakMiB)
		}
		status := "ok"
		if r.Err != "" {
			status = "FAILED: " + firstLine(r.Err)
		} else if r.NonFinite >= 0 {
			status = fmt.Sprintf("ok (losses NaN/Inf from step %d: random weights)", r.NonFinite)
		}
		rt := r.Runtime
		if rt == "" {
			rt = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%.4f\t%.4f\t%.2f\t%s\t%s\t%d/%d/%d\t%s\n", r.Model, r.Impl, r.Median, r.Fastest, r.Compile, peak, rt,
			r.Params["segmentor"], r.Params["discoverer"], r.Params["corrector"], status)
	}
	w.Flush()
	for _, r := range rs {
		if r.Detail != "" {
			fmt.Fprintf(&buf, "%s %s: %s\n", r.Model, r.Impl, r.Detail)
		}
	}
	for _, r := range rs {
		peak := "n/a"
		if r.PeakMiB >= 0 {
			peak = fmt.Sprintf("%.0f MiB", r.PeakMiB)
		}
		status := "ok"
		if r.Err != "" {
			status = "FAILED"
		}
		fmt.Fprintf(&buf, "row %s %s: %.4f s/step, peak %s, %s\n", r.Model, r.Impl, r.Median, peak, status)
	}
	for i := 0; i+1 < len(rs); i++ {
		g, t := rs[i], rs[i+1]
		if g.Model == t.Model && strings.HasPrefix(g.Impl, "go") && strings.HasPrefix(t.Impl, "torch") && g.Err == "" && t.Err == "" {
			fmt.Fprintf(&buf, "ratio_%s %.3f\n", g.Model, g.Median/t.Median)
		}
	}
	return buf.String()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// parseFloats reads comma-separated numbers ("" is none).
func parseFloats(text string) ([]float64, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	var out []float64
	for f := range strings.SplitSeq(text, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// median of a non-empty slice.
func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
