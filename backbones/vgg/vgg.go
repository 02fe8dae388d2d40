// Package vgg registers "segmentor.vgg16": DeepLab's VGG-16 (pool4 and pool5 removed, conv5
// dilated by 2, fc6/fc7 as 3x3 convolutions dilated by 4) with the DeepLab-v2 ASPP classifier.
//
//	E: conv1_1..conv5_3 with pools after conv1_2, conv2_2, conv3_3 (stride 8)   = f, 512 ch
//	P: fc6 3x3 dil 4 (1024) -> ReLU -> fc7 3x3 dil 4 (1024) -> ReLU -> ASPP       = logits
//
// Pooling (option pool): "caffe" (default) is the DeepLab-v2 prototxt's 3x3 stride 2 pad 1
// max pool in ceil mode, which maps 512x1024 to 65x129 like the ResNet; "torch" is
// torchvision's 2x2 stride 2 (floor), as AdaptSegNet's PyTorch DeepLab-VGG keeps it, which maps
// 512x1024 to 64x128. Both have output stride 8 and the same variables.
//
// Variables are named like torchvision's state_dict: features/N/{weights,bias} with N the
// convolution's index in torchvision's vgg16().features (0, 2, 5, ..., 28), fc6 and fc7, and
// classifier/branch{0..3} for the ASPP.
package vgg

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

func init() { registry.Register(Config{}) }

// WeightsEnv names the pretrained file when the pretrained option is empty (as DAST_GTA5_ROOT
// and the like name dataset roots), so one config serves every machine.
const WeightsEnv = "DAST_VGG16_WEIGHTS"

// Config is the YAML block of segmentor.vgg16.
type Config struct {
	ASPPDilations []int  `koanf:"aspp_dilations" doc:"dilations of the ASPP classifier branches"`
	ASPP          string `koanf:"aspp" doc:"full: sum every branch (paper); two: sum only the first two (the public releases' bug)"`
	Pool          string `koanf:"pool" doc:"caffe: 3x3/2 pad 1 ceil pools (DeepLab-v2 prototxt, 512x1024 -> 65x129); torch: 2x2/2 (AdaptSegNet, -> 64x128)"`
	Pretrained    string `koanf:"pretrained" doc:"path of a torchvision VGG-16 .safetensors/.npz file (features.N.*) to initialise conv1_1..conv5_3 from; when empty, the environment variable DAST_VGG16_WEIGHTS"`
	AllowPartial  bool   `koanf:"allow_partial" doc:"accept a pretrained file that lacks some backbone variables or has unknown keys"`
}

// Module implements registry.Module.
func (Config) Module() registry.Info {
	return registry.Info{ID: "segmentor.vgg16",
		Description: "DeepLab VGG-16 (pool4/5 removed, dilated conv5, fc6/fc7, ASPP); E = conv1_1..conv5_3, P = fc6, fc7, ASPP",
		New: func() registry.Module {
			return &Config{ASPPDilations: []int{6, 12, 18, 24}, ASPP: "full", Pool: "caffe"}
		}}
}

// Validate implements registry.Validator.
func (c *Config) Validate() error {
	if err := backbones.CheckASPP(c.ASPP, c.ASPPDilations); err != nil {
		return err
	}
	if c.Pool != "caffe" && c.Pool != "torch" {
		return fmt.Errorf("pool: %q must be caffe or torch", c.Pool)
	}
	return nil
}

// NewSegmentor implements model.SegmentorBuilder. An empty pretrained option falls back to
// $DAST_VGG16_WEIGHTS; with neither, the segmentor carries a warning (Warnings).
func (c *Config) NewSegmentor(numClasses int) (model.Segmentor, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if numClasses < 1 {
		return nil, fmt.Errorf("vgg16: numClasses %d must be >= 1", numClasses)
	}
	s := &Segmentor{cfg: *c, classes: numClasses}
	set, path, warning, err := weights.Pretrained("segmentor.vgg16", c.Pretrained, WeightsEnv, weights.VGG16, c.AllowPartial)
	if err != nil {
		return nil, err
	}
	s.pretrained, s.cfg.Pretrained = set, path
	if warning != "" {
		s.warnings = []string{warning}
	}
	return s, nil
}

// Segmentor is the built DeepLab VGG-16.
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

// convs lists VGG-16's convolutions: output channels, then -1 for a pool.
var convs = []int{64, 64, -1, 128, 128, -1, 256, 256, 256, -1, 512, 512, 512, -1, 512, 512, 512}

// pool4Index is pool4's index in torchvision's vgg16().features.
const pool4Index = 23

// Optional lists the scopes a torchvision ImageNet file does not provide.
func (s *Segmentor) Optional() []string { return []string{"fc6", "fc7", "classifier"} }

func (s *Segmentor) pool(x *graph.Node) *graph.Node {
	if s.cfg.Pool == "torch" {
		return nn.MaxPool2D(x, nn.PoolOpts{Kernel: 2, Stride: 2})
	}
	return nn.MaxPool2D(x, nn.PoolOpts{Kernel: 3, Stride: 2, Pad: 1, CeilMode: true})
}

// Extract implements model.Segmentor.
func (s *Segmentor) Extract(ctx *context.Context, x *graph.Node) *graph.Node {
	s.usePretrained(ctx, x)
	fctx := ctx.In("features")
	idx := 0 // torchvision's index in vgg16().features: conv, ReLU, ..., pool
	for _, out := range convs {
		if out < 0 {
			if idx < pool4Index { // pools 1-3; DeepLab removes pool4 (and pool5)
				x = s.pool(x)
			}
			idx++
			continue
		}
		d := 1
		if idx > pool4Index { // conv5_1..conv5_3
			d = 2
		}
		x = nn.ReLU(nn.Conv(fctx.In(strconv.Itoa(idx)), x, nn.ConvLayer{
			Out: out, Kernel: 3, Dilation: d, Padding: d, Bias: true, Init: nn.InitTorchDefault}))
		idx += 2
	}
	return x
}

// Predict implements model.Segmentor.
func (s *Segmentor) Predict(ctx *context.Context, f *graph.Node) *graph.Node {
	s.usePretrained(ctx, f)
	fc := func(name string, x *graph.Node) *graph.Node {
		return nn.ReLU(nn.Conv(ctx.In(name), x, nn.ConvLayer{Out: 1024, Kernel: 3, Dilation: 4, Padding: 4, Bias: true, Init: nn.InitTorchDefault}))
	}
	x := fc("fc7", fc("fc6", f))
	return backbones.ASPP(ctx.In("classifier"), x, s.classes, s.cfg.ASPPDilations, s.cfg.ASPP == "two")
}

// FeatureChannels implements model.Segmentor: conv5_3's 512 channels.
func (s *Segmentor) FeatureChannels() int { return 512 }

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
	s.pretrained.Use(ctx, x, 24, s.Optional(), s.cfg.AllowPartial, func(ctx *context.Context, in *graph.Node) {
		bare.Predict(ctx, bare.Extract(ctx, in))
	})
}
