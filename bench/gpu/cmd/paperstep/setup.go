package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/datasets"
	"github.com/dast-uda/dast/discriminators/corrector"
	"github.com/dast-uda/dast/discriminators/discoverer"
	"github.com/dast-uda/dast/objectives"
	"github.com/dast-uda/dast/strategies/adversarial"
)

// size is an image size, written WxH on the command line (the paper's 1280x720).
type size struct{ W, H int }

func (s size) String() string { return fmt.Sprintf("%dx%d", s.W, s.H) }

// parseSize reads "WxH".
func parseSize(text string) (size, error) {
	ws, hs, ok := strings.Cut(strings.ToLower(strings.TrimSpace(text)), "x")
	w, errW := strconv.Atoi(ws)
	h, errH := strconv.Atoi(hs)
	if !ok || errW != nil || errH != nil || w < 8 || h < 8 || w > 8192 || h > 8192 {
		return size{}, fmt.Errorf("image size %q: want WxH with 8 <= W, H <= 8192 (e.g. 1280x720)", text)
	}
	return size{W: w, H: h}, nil
}

// models maps -model to the paper's DA-stage config (relative to the repository root).
var models = map[string]string{
	"resnet101": "configs/gta5_cityscapes/da_resnet101.yaml",
	"vgg16":     "configs/gta5_cityscapes/da_vgg16.yaml",
}

// bench is one assembled benchmark: the paper's DA-stage config with its datasets replaced by
// one synthetic source image (with labels) and one synthetic target image of the asked sizes.
type bench struct {
	setup    *train.Setup
	src, tgt datasets.Sample
	opts     adversarial.Options
	disc     []int // discoverer hidden widths
	corr     []int // corrector hidden widths
	slope    float64
}

// writeConfig writes, into dir, a config whose base is the paper config base (absolute path)
// with the GTA5/Cityscapes datasets and the snapshot selection removed (an explicit null
// removes an inherited value), and returns its path. The synthetic blocks come as --set
// overrides (dataSets).
func writeConfig(dir, base, backendSpec string) (string, error) {
	abs, err := filepath.Abs(base)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("paper config: %w (run from the repository root)", err)
	}
	text := fmt.Sprintf("base: %s\nbackend: %s\ndata:\n  source: null\n  target: null\n  val: null\n  select: null\n", abs, backendSpec)
	path := filepath.Join(dir, "paperstep.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}

// dataSets are the overrides that give the config one synthetic source and one target image.
func dataSets(src, tgt size) []string {
	return []string{
		fmt.Sprintf("data.source={name: synthetic, domain: source, split: train, size: 1, height: %d, width: %d, seed: 1}", src.H, src.W),
		fmt.Sprintf("data.target={name: synthetic, domain: target, split: train, size: 1, height: %d, width: %d, seed: 1}", tgt.H, tgt.W),
	}
}

// load assembles the benchmark as the trainer would (train.Assemble) and checks that the
// config is the DA recipe the PyTorch peer implements.
func load(dir, model, backendSpec string, src, tgt size, extra []string) (*bench, error) {
	base, ok := models[model]
	if !ok {
		return nil, fmt.Errorf("-model %q: want resnet101 or vgg16", model)
	}
	path, err := writeConfig(dir, base, backendSpec)
	if err != nil {
		return nil, err
	}
	tree, err := config.Load(path, append(dataSets(src, tgt), extra...))
	if err != nil {
		return nil, err
	}
	setup, err := train.Assemble(tree)
	if err != nil {
		return nil, err
	}
	b := &bench{setup: setup}
	if setup.StrategyName != "strategy.da" {
		return nil, fmt.Errorf("%s: strategy %s, the benchmark times strategy.da", base, setup.StrategyName)
	}
	st, err := tree.Component("strategy", "strategy")
	if err != nil {
		return nil, err
	}
	da := st.(*adversarial.DA)
	b.opts = da.Options
	obj, err := tree.ComponentOf("strategy.objective", "objective", da.Objective)
	if err != nil {
		return nil, err
	}
	if _, ok := obj.(*objectives.LSGAN); !ok {
		return nil, fmt.Errorf("strategy.objective %s: the peer implements lsgan only", obj.Module().ID)
	}
	o := da.Options
	if !o.Discoverer || !o.Attention || !o.AttentionGrad || o.HalveDiscLoss || o.CorrectorWeighting != "attention" {
		return nil, errors.New("strategy: the peer implements discoverer, attention, attention_grad, corrector_weighting attention and halve_disc_loss false (the paper's DA stage)")
	}
	dm, err := tree.Component("discriminators.discoverer", "discriminator")
	if err != nil {
		return nil, err
	}
	cm, err := tree.Component("discriminators.corrector", "discriminator")
	if err != nil {
		return nil, err
	}
	d, ok1 := dm.(*discoverer.Config)
	c, ok2 := cm.(*corrector.Config)
	if !ok1 || !ok2 {
		return nil, errors.New("discriminators: the peer implements discriminator.discoverer and discriminator.corrector")
	}
	if d.Activation != "leaky_relu" || d.Slope != c.Slope {
		return nil, errors.New("discriminators: the peer implements leaky_relu with one slope for both")
	}
	if b.disc, err = d.Widths(setup.Seg.FeatureChannels()); err != nil {
		return nil, err
	}
	b.corr, b.slope = c.Channels, c.Slope
	if b.src, err = setup.Source.Get(0); err != nil {
		return nil, fmt.Errorf("data.source: sample 0: %w", err)
	}
	if b.tgt, err = setup.Target.Get(0); err != nil {
		return nil, fmt.Errorf("data.target: sample 0: %w", err)
	}
	return b, nil
}

// peerArgs configure the PyTorch peer like the Go side.
func (b *bench) peerArgs(model string, src, tgt size) []string {
	tr, o := b.setup.Root.Train, b.opts
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return []string{"--model", model,
		"--src", src.String(), "--tgt", tgt.String(), "--classes", strconv.Itoa(b.setup.Classes),
		"--discoverer", ints(b.disc), "--corrector", ints(b.corr), "--slope", f(b.slope),
		"--lambda-d", f(o.LambdaD), "--lambda-c", f(o.LambdaC),
		"--lr", f(tr.LR), "--momentum", f(tr.Momentum), "--weight-decay", f(tr.WeightDecay),
		"--head-lr-mult", f(tr.HeadLRMult), "--poly-power", f(tr.PolyPower), "--horizon", strconv.Itoa(tr.Horizon()),
		"--disc-lr", f(tr.DiscLR), "--disc-beta1", f(tr.DiscBeta1), "--disc-beta2", f(tr.DiscBeta2),
	}
}

func ints(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}
