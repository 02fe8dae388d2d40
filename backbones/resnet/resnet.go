// Package resnet registers "segmentor.resnet101" and "segmentor.resnet50": DeepLab-v2 ResNets
// (Caffe-style bottlenecks with the stride on the first 1x1 convolution, batch norm with frozen
// affine parameters, layer3 and layer4 dilated by 2 and 4 instead of strided: output stride 8)
// with the DeepLab-v2 ASPP classifier.
//
// Batch norm (option bn): "frozen" (default) normalises with the running statistics everywhere;
// "batch_stats" is PyTorch's train mode (the DAST release's adversarial stage) in graphs marked
// with ctx.SetTraining(g, true): batch statistics, running statistics updated with momentum
// 0.1; graphs not so marked (evaluation) use the running statistics.
//
//	E: conv1 7x7/2 -> bn1 -> ReLU -> maxpool 3x3/2 pad 1 (ceil) -> layer1 -> layer2 (/2)
//	   -> layer3 (dilation 2) -> layer4 blocks 0..n-2 (dilation 4)          = feature f, 2048 ch
//	P: layer4 block n-1 (res5c) -> ASPP classifier                           = logits
//
// Variables are named like torchvision's state_dict, with "/" for ".": conv1/weights,
// bn1/{mean,variance,gamma,beta}, layer1/0/conv1/weights, layer1/0/downsample/0/weights,
// layer1/0/downsample/1/mean, ...; the classifier is classifier/branch{0..3}/{weights,bias}.
// Package backbones/weights maps torchvision and DeepLab-init files onto these names.
package resnet

import (
	"fmt"
	"strconv"

	"github.com/dast-uda/dast/backbones"
	"github.com/dast-uda/dast/backbones/weights"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/core/nn"
	"github.com/dast-uda/dast/registry"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

func init() {
	registry.Register(ResNet101{})
	registry.Register(ResNet50{})
}

// Environment variables naming the pretrained file when the pretrained option is empty (as
// DAST_GTA5_ROOT and the like name dataset roots), so one config serves every machine.
const (
	WeightsEnv101 = "DAST_RESNET101_WEIGHTS"
	WeightsEnv50  = "DAST_RESNET50_WEIGHTS"
)

// bnEps is the batch-norm epsilon of torchvision's and the DeepLab ports' BatchNorm2d.
const bnEps = 1e-5

// Config is the YAML block shared by segmentor.resnet101 and segmentor.resnet50.
type Config struct {
	Blocks        []int  `koanf:"blocks" doc:"bottleneck blocks of layer1..layer4 (ResNet-101: 3,4,23,3; ResNet-50: 3,4,6,3)"`
	ASPPDilations []int  `koanf:"aspp_dilations" doc:"dilations of the ASPP classifier branches"`
	ASPP          string `koanf:"aspp" doc:"full: sum every branch (paper); two: sum only the first two (the public releases' bug)"`
	Res5cShortcut string `koanf:"res5c_shortcut" doc:"identity (standard ResNet) or projection (the DAST release: a randomly initialised 1x1 conv + BN)"`
	BN            string `koanf:"bn" doc:"frozen: running statistics, never updated (default); batch_stats: PyTorch train-mode BN (batch statistics, running stats move) in graphs marked training, frozen elsewhere"`
	Pretrained    string `koanf:"pretrained" doc:"path of a torchvision or DeepLab-init ResNet .safetensors/.npz file to initialise the backbone from; when empty, the environment variable DAST_RESNET101_WEIGHTS (resnet101) or DAST_RESNET50_WEIGHTS (resnet50)"`
	AllowPartial  bool   `koanf:"allow_partial" doc:"accept a pretrained file that lacks some backbone variables or has unknown keys"`
}

// ResNet101 is segmentor.resnet101.
type ResNet101 struct{ Config }

// ResNet50 is segmentor.resnet50.
type ResNet50 struct{ Config }

func defaults(blocks ...int) Config {
	return Config{Blocks: blocks, ASPPDilations: []int{6, 12, 18, 24}, ASPP: "full", Res5cShortcut: "identity", BN: "frozen"}
}

// Module implements registry.Module.
func (ResNet101) Module() registry.Info {
	return registry.Info{ID: "segmentor.resnet101",
		Description: "DeepLab-v2 ResNet-101 (output stride 8, frozen-affine BN, ASPP); E = conv1..res5b, P = res5c + ASPP",
		New:         func() registry.Module { return &ResNet101{defaults(3, 4, 23, 3)} }}
}

// Module implements registry.Module.
func (ResNet50) Module() registry.Info {
	return registry.Info{ID: "segmentor.resnet50",
		Description: "DeepLab-v2 ResNet-50 (output stride 8, frozen-affine BN, ASPP); E = conv1..res5b, P = res5c + ASPP",
		New:         func() registry.Module { return &ResNet50{defaults(3, 4, 6, 3)} }}
}

// Validate implements registry.Validator.
func (c *Config) Validate() error {
	if len(c.Blocks) != 4 {
		return fmt.Errorf("blocks: want 4 values (layer1..layer4), got %d", len(c.Blocks))
	}
	for i, b := range c.Blocks {
		if b < 1 || b > 100 {
			return fmt.Errorf("blocks[%d]: %d is out of range [1, 100]", i, b)
		}
	}
	if c.Blocks[3] < 2 {
		return fmt.Errorf("blocks[3]: layer4 needs at least 2 blocks for the E/P split, got %d", c.Blocks[3])
	}
	if err := backbones.CheckASPP(c.ASPP, c.ASPPDilations); err != nil {
		return err
	}
	if c.Res5cShortcut != "identity" && c.Res5cShortcut != "projection" {
		return fmt.Errorf("res5c_shortcut: %q must be identity or projection", c.Res5cShortcut)
	}
	if c.BN != "frozen" && c.BN != "batch_stats" {
		return fmt.Errorf("bn: %q must be frozen or batch_stats", c.BN)
	}
	return nil
}

// NewSegmentor implements model.SegmentorBuilder; an empty pretrained option falls back to
// $DAST_RESNET101_WEIGHTS.
func (r *ResNet101) NewSegmentor(numClasses int) (model.Segmentor, error) {
	return r.Config.newSegmentor(numClasses, "segmentor.resnet101", WeightsEnv101)
}

// NewSegmentor implements model.SegmentorBuilder; an empty pretrained option falls back to
// $DAST_RESNET50_WEIGHTS.
func (r *ResNet50) NewSegmentor(numClasses int) (model.Segmentor, error) {
	return r.Config.newSegmentor(numClasses, "segmentor.resnet50", WeightsEnv50)
}

// NewSegmentor builds the segmentor from the pretrained option alone (no environment).
func (c *Config) NewSegmentor(numClasses int) (model.Segmentor, error) {
	return c.newSegmentor(numClasses, "resnet", "")
}

// newSegmentor builds the segmentor; an empty pretrained option falls back to the environment
// variable env (when not ""). Without weights the segmentor carries a warning (Warnings).
func (c *Config) newSegmentor(numClasses int, id, env string) (model.Segmentor, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if numClasses < 1 {
		return nil, fmt.Errorf("resnet: numClasses %d must be >= 1", numClasses)
	}
	s := &Segmentor{cfg: *c, classes: numClasses}
	set, path, warning, err := weights.Pretrained(id, c.Pretrained, env, weights.ResNet, c.AllowPartial)
	if err != nil {
		return nil, err
	}
	s.pretrained, s.cfg.Pretrained = set, path
	if warning != "" {
		s.warnings = []string{warning}
	}
	return s, nil
}

// Segmentor is a built DeepLab-v2 ResNet.
type Segmentor struct {
	cfg        Config
	classes    int
	pretrained *weights.Set
	warnings   []string
}

// Warnings returns what the trainer should log loudly before training: "no pretrained weights,
// training from scratch" when neither the option nor the environment named a file.
//
// A warning, not an error: a segmentor is also built for dry runs, dast describe, evaluation of
// a checkpoint and self-training rounds started by init_from, none of which needs ImageNet
// weights (the checkpoint supplies every variable). Only the trainer knows that it is about to
// train from random weights, so it decides how loud to be.
func (s *Segmentor) Warnings() []string { return s.warnings }

// Optional lists the variable scopes (relative to the segmentor's scope) a pretrained ImageNet
// file does not provide: the classifier and, with res5c_shortcut projection, res5c's projection.
func (s *Segmentor) Optional() []string {
	out := []string{"classifier"}
	if s.cfg.Res5cShortcut == "projection" {
		out = append(out, fmt.Sprintf("layer4/%d/downsample", s.cfg.Blocks[3]-1))
	}
	return out
}

func (s *Segmentor) convBN(ctx *context.Context, conv, bn string, x *graph.Node, c nn.ConvLayer) *graph.Node {
	c.Init = nn.InitKaimingFanOut
	y := nn.Conv(ctx.In(conv), x, c)
	if s.cfg.BN == "batch_stats" {
		return batchStatsBN(ctx.In(bn), y, bnEps)
	}
	return nn.FrozenBN(ctx.In(bn), y, bnEps)
}

// bottleneck is a Caffe-style bottleneck block (stride on the first 1x1 convolution).
func (s *Segmentor) bottleneck(ctx *context.Context, x *graph.Node, planes, stride, dilation int, project bool) *graph.Node {
	y := nn.ReLU(s.convBN(ctx, "conv1", "bn1", x, nn.ConvLayer{Out: planes, Kernel: 1, Stride: stride}))
	y = nn.ReLU(s.convBN(ctx, "conv2", "bn2", y, nn.ConvLayer{Out: planes, Kernel: 3, Dilation: dilation, Padding: dilation}))
	y = s.convBN(ctx, "conv3", "bn3", y, nn.ConvLayer{Out: 4 * planes, Kernel: 1})
	short := x
	if project {
		short = s.convBN(ctx.In("downsample"), "0", "1", x, nn.ConvLayer{Out: 4 * planes, Kernel: 1, Stride: stride})
	}
	return nn.ReLU(graph.Add(y, short))
}

// layerSpec is one ResNet stage: width, stride of its first block and dilation.
type layerSpec struct{ planes, stride, dilation int }

var layers = [4]layerSpec{{64, 1, 1}, {128, 2, 1}, {256, 1, 2}, {512, 1, 4}}

// runLayer applies blocks [from, to) of stage i.
func (s *Segmentor) runLayer(ctx *context.Context, x *graph.Node, i, from, to int) *graph.Node {
	l := layers[i]
	lctx := ctx.In("layer" + strconv.Itoa(i+1))
	last := s.cfg.Blocks[3] - 1
	for b := from; b < to; b++ {
		stride := 1
		if b == 0 {
			stride = l.stride
		}
		project := b == 0 || (i == 3 && b == last && s.cfg.Res5cShortcut == "projection")
		x = s.bottleneck(lctx.In(strconv.Itoa(b)), x, l.planes, stride, l.dilation, project)
	}
	return x
}

// Extract implements model.Segmentor.
func (s *Segmentor) Extract(ctx *context.Context, x *graph.Node) *graph.Node {
	s.usePretrained(ctx, x)
	x = nn.ReLU(s.convBN(ctx, "conv1", "bn1", x, nn.ConvLayer{Out: 64, Kernel: 7, Stride: 2, Padding: 3}))
	x = nn.MaxPool2D(x, nn.PoolOpts{Kernel: 3, Stride: 2, Pad: 1, CeilMode: true})
	for i := range 3 {
		x = s.runLayer(ctx, x, i, 0, s.cfg.Blocks[i])
	}
	return s.runLayer(ctx, x, 3, 0, s.cfg.Blocks[3]-1)
}

// Predict implements model.Segmentor.
func (s *Segmentor) Predict(ctx *context.Context, f *graph.Node) *graph.Node {
	s.usePretrained(ctx, f)
	x := s.runLayer(ctx, f, 3, s.cfg.Blocks[3]-1, s.cfg.Blocks[3])
	return backbones.ASPP(ctx.In("classifier"), x, s.classes, s.cfg.ASPPDilations, s.cfg.ASPP == "two")
}

// FeatureChannels implements model.Segmentor: res5b's 2048 channels.
func (s *Segmentor) FeatureChannels() int { return 2048 }

// HeadScopes implements model.Segmentor: the ASPP classifier trains with the head multiplier.
func (s *Segmentor) HeadScopes() []string { return []string{"classifier"} }

// Pretrained returns the pretrained weights the segmentor initialises from (nil when none).
func (s *Segmentor) Pretrained() *weights.Set { return s.pretrained }

// usePretrained checks the pretrained file against the model once and attaches it to ctx
// (weights.Set.Use); the check builds a copy of the segmentor without pretrained weights.
func (s *Segmentor) usePretrained(ctx *context.Context, x *graph.Node) {
	if s.pretrained == nil {
		return
	}
	bare := *s
	bare.pretrained = nil
	s.pretrained.Use(ctx, x, 33, s.Optional(), s.cfg.AllowPartial, func(ctx *context.Context, in *graph.Node) {
		bare.Predict(ctx, bare.Extract(ctx, in))
	})
}
