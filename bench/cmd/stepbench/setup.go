package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/dast-uda/dast/backbones/small"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/datasets"
	"github.com/dast-uda/dast/discriminators/corrector"
	"github.com/dast-uda/dast/discriminators/discoverer"
	"github.com/dast-uda/dast/objectives"
	"github.com/dast-uda/dast/strategies/adversarial"
)

// bench is the assembled benchmark: the run setup from the config, the networks' description
// and one source/target image pair.
type bench struct {
	setup *train.Setup
	nets  Nets
	// The discriminators built from the config blocks the strategy reads (the same modules
	// and layers), to create their weights ahead of the step (initWeights).
	discoverer, corrector model.Discriminator
	opts                  adversarial.Options
	h, w                  int
	src                   datasets.Sample // labelled source image
	tgt                   datasets.Sample // target image
	config                string          // the config file
	sets                  []string        // its overrides
}

// overrides returns the config overrides for h x w images, batch size 1 and random
// initialisation. The step's cost does not depend on the initial weights; the trajectory check
// starts from random ones because its relative loss differences were calibrated there: from
// the synthetic configs' pretrained encoder the losses are several times smaller and the same
// code reads 2.7e-5 over 13 steps instead of 3.9e-6 (measured 2026-12-02; both sides start
// from the same weights either way).
func overrides(h, w int) []string {
	var sets []string
	for _, role := range []string{"source", "target", "val"} {
		sets = append(sets,
			fmt.Sprintf("data.%s.height=%d", role, h),
			fmt.Sprintf("data.%s.width=%d", role, w))
	}
	return append(sets, "train.batch_size=1", `segmentor.pretrained=""`)
}

// load assembles the benchmark from the DA config at path, resized to h x w, exactly as the
// trainer would (train.Assemble), and checks that the PyTorch peer implements its options.
func load(path string, h, w int) (*bench, error) {
	sets := overrides(h, w)
	tree, err := config.Load(path, sets)
	if err != nil {
		return nil, err
	}
	setup, err := train.Assemble(tree)
	if err != nil {
		return nil, err
	}
	b := &bench{setup: setup, h: h, w: w, config: path, sets: sets}
	if err := b.describe(tree); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if b.src, err = setup.Source.Get(0); err != nil {
		return nil, fmt.Errorf("data.source: sample 0: %w", err)
	}
	if b.tgt, err = setup.Target.Get(0); err != nil {
		return nil, fmt.Errorf("data.target: sample 0: %w", err)
	}
	if b.src.H != h || b.src.W != w || b.tgt.H != h || b.tgt.W != w {
		return nil, fmt.Errorf("images are %dx%d and %dx%d, want %dx%d", b.src.H, b.src.W, b.tgt.H, b.tgt.W, h, w)
	}
	return b, nil
}

// describe reads the components' options into b.nets and b.opts. The peer implements the DA
// recipe of configs/synthetic/da.yaml; anything else is refused rather than misreported.
func (b *bench) describe(tree *config.Tree) error {
	if b.setup.StrategyName != "strategy.da" {
		return fmt.Errorf("strategy %s: the benchmark times strategy.da", b.setup.StrategyName)
	}
	if b.setup.Root.Train.BatchSize != 1 {
		return fmt.Errorf("train.batch_size %d: the benchmark uses 1", b.setup.Root.Train.BatchSize)
	}
	mods := map[string]any{}
	for path, kind := range map[string]string{"segmentor": "segmentor", "strategy": "strategy",
		"discriminators.discoverer": "discriminator", "discriminators.corrector": "discriminator"} {
		m, err := tree.Component(path, kind)
		if err != nil {
			return err
		}
		mods[path] = m
	}
	seg, ok := mods["segmentor"].(*small.Config)
	if !ok {
		return errors.New("segmentor: the PyTorch peer implements segmentor.small only")
	}
	if seg.ASPP != "full" {
		return fmt.Errorf("segmentor.aspp %q: the peer sums every branch (full)", seg.ASPP)
	}
	da := mods["strategy"].(*adversarial.DA)
	b.opts = da.Options
	obj, err := tree.ComponentOf("strategy.objective", "objective", da.Objective)
	if err != nil {
		return err
	}
	if _, ok := obj.(*objectives.LSGAN); !ok {
		return fmt.Errorf("strategy.objective %s: the peer implements lsgan only", obj.Module().ID)
	}
	o := da.Options
	if !o.Discoverer || !o.Attention || !o.AttentionGrad || o.HalveDiscLoss {
		return errors.New("strategy: the peer implements discoverer, attention and attention_grad true, halve_disc_loss false")
	}
	disc, ok := mods["discriminators.discoverer"].(*discoverer.Config)
	if !ok {
		return errors.New("discriminators.discoverer: the peer implements discriminator.discoverer only")
	}
	if disc.Activation != "leaky_relu" {
		return fmt.Errorf("discriminators.discoverer.activation %q: the peer implements leaky_relu", disc.Activation)
	}
	corr, ok := mods["discriminators.corrector"].(*corrector.Config)
	if !ok {
		return errors.New("discriminators.corrector: the peer implements discriminator.corrector only")
	}
	if disc.Slope != corr.Slope {
		return fmt.Errorf("discriminator slopes %v and %v differ; the peer uses one", disc.Slope, corr.Slope)
	}
	dw, err := disc.Widths(b.setup.Seg.FeatureChannels())
	if err != nil {
		return err
	}
	if b.discoverer, err = disc.NewDiscriminator(b.setup.Seg.FeatureChannels()); err != nil {
		return err
	}
	if b.corrector, err = corr.NewDiscriminator(b.setup.Classes); err != nil {
		return err
	}
	b.nets = Nets{Widths: seg.Widths, ASPPDilations: seg.ASPPDilations, InputScale: seg.InputScale,
		Classes: b.setup.Classes, Discoverer: dw, Corrector: corr.Channels, Slope: corr.Slope}
	return nil
}

// writeInputs writes the image pair for the peer into dir as raw little-endian arrays:
// src_image.f32 and tgt_image.f32 ([1,H,W,3] float32, the segmentor's input: BGR minus the
// Caffe mean) and src_label.i32 ([1,H,W] int32 trainIds).
func (b *bench) writeInputs(dir string) error {
	files := map[string][]byte{
		"src_image.f32": le32(datasets.ToInput(b.src)),
		"tgt_image.f32": le32(datasets.ToInput(b.tgt)),
		"src_label.i32": le32(datasets.Labels(b.src)),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("write peer input: %w", err)
		}
	}
	return nil
}

// le32 encodes 32-bit values little-endian.
func le32[T float32 | int32](v []T) []byte {
	out, err := binary.Append(nil, binary.LittleEndian, v)
	if err != nil {
		panic(err) // fixed-size element types: cannot fail
	}
	return out
}

// peerArgs are the command-line options that configure the PyTorch peer like the Go run.
func (b *bench) peerArgs() []string {
	n, tr, o := b.nets, b.setup.Root.Train, b.opts
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return []string{
		"--height", strconv.Itoa(b.h), "--width", strconv.Itoa(b.w),
		"--widths", ints(n.Widths), "--aspp", ints(n.ASPPDilations), "--input-scale", f(n.InputScale),
		"--classes", strconv.Itoa(n.Classes), "--discoverer", ints(n.Discoverer), "--corrector", ints(n.Corrector),
		"--slope", f(n.Slope), "--lambda-d", f(o.LambdaD), "--lambda-c", f(o.LambdaC),
		"--corrector-weighting", o.CorrectorWeighting,
		"--lr", f(tr.LR), "--momentum", f(tr.Momentum), "--weight-decay", f(tr.WeightDecay),
		"--head-lr-mult", f(tr.HeadLRMult), "--poly-power", f(tr.PolyPower), "--horizon", strconv.Itoa(tr.Horizon()),
		"--disc-lr", f(tr.DiscLR), "--disc-beta1", f(tr.DiscBeta1), "--disc-beta2", f(tr.DiscBeta2),
	}
}

// ints renders a comma-separated list.
func ints(v []int) string {
	s := ""
	for i, x := range v {
		if i > 0 {
			s += ","
		}
		s += strconv.Itoa(x)
	}
	return s
}
