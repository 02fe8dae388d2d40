// Package small registers "segmentor.small": a DeepLab-shaped segmentor small enough to train on
// a CPU in minutes, with the same E/P split and code paths as the paper's ResNet-101 and VGG-16
// DeepLabs: output stride 8, dilated convolutions instead of further striding, and a
// DeepLab-v2 ASPP classifier (parallel dilated 3x3 convolutions whose outputs are summed).
//
//	E: conv3x3/2 -> conv3x3 -> maxpool 3x3/2 (ceil) -> conv3x3 -> conv3x3/2      (stride 8)
//	   -> conv3x3 dilation 2 -> conv3x3 dilation 2                             = feature f
//	P: conv3x3 dilation 4 -> ASPP (sum of 3x3 convs, dilations aspp_dilations)  = logits
//
// Option pretrained initialises conv1..conv7 (everything but the classifier), as the paper's
// backbones start from ImageNet: "builtin" is the encoder `dast pretrain` trained on the
// synthetic benchmark's pretrain domain, embedded in the binary (pretrained/encoder.safetensors,
// provenance in pretrained/encoder.json); a path names another such export.
package small

import (
	"fmt"
	"os"

	"github.com/dast-uda/dast/backbones"
	"github.com/dast-uda/dast/backbones/weights"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/core/nn"
	"github.com/dast-uda/dast/registry"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

func init() { registry.Register(Config{}) }

// Config is the YAML block of segmentor.small.
type Config struct {
	Widths        []int  `koanf:"widths" doc:"channel widths of the three stages; f has widths[2] channels"`
	ASPPDilations []int  `koanf:"aspp_dilations" doc:"dilations of the ASPP classifier branches (DeepLab-v2 uses 6,12,18,24 at full scale)"`
	ASPP          string `koanf:"aspp" doc:"full: sum every branch (paper); two: sum only the first two (the public releases' bug)"`
	// InputScale multiplies the mean-subtracted BGR input. Pretrained DeepLabs take raw Caffe
	// ranges (+-128); a small network trained from scratch without normalisation needs unit-scale
	// inputs or its first steps diverge.
	InputScale float64 `koanf:"input_scale" doc:"factor applied to the mean-subtracted BGR input (1/58 ~ unit variance)"`
	// Pretrained is "" (random initialisation), "builtin" or a path.
	Pretrained   string `koanf:"pretrained" doc:"initialise conv1..conv7 from: builtin (the embedded encoder dast pretrain made), a .safetensors path of a dast pretrain export, or empty for random initialisation"`
	AllowPartial bool   `koanf:"allow_partial" doc:"accept a pretrained file that lacks some variables or whose shapes differ (those keep their random initialisation)"`
}

// Builtin is the pretrained option's value for the embedded encoder.
const Builtin = "builtin"

// Module implements registry.Module.
func (Config) Module() registry.Info {
	return registry.Info{
		ID:          "segmentor.small",
		Description: "small DeepLab-shaped segmentor (stride 8, dilated convs, ASPP) for CPU training",
		New: func() registry.Module {
			return &Config{Widths: []int{16, 32, 64}, ASPPDilations: []int{1, 2, 3, 4}, ASPP: "full", InputScale: 1.0 / 58}
		},
	}
}

// Validate implements registry.Validator.
func (c *Config) Validate() error {
	if len(c.Widths) != 3 {
		return fmt.Errorf("widths: want 3 values, got %d", len(c.Widths))
	}
	for i, w := range c.Widths {
		if w < 1 || w > 4096 {
			return fmt.Errorf("widths[%d]: %d is out of range [1, 4096]", i, w)
		}
	}
	if c.InputScale <= 0 {
		return fmt.Errorf("input_scale: %v must be > 0", c.InputScale)
	}
	if err := backbones.CheckASPP(c.ASPP, c.ASPPDilations); err != nil {
		return err
	}
	return nil
}

// NewSegmentor implements model.SegmentorBuilder.
func (c *Config) NewSegmentor(numClasses int) (model.Segmentor, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if numClasses < 1 {
		return nil, fmt.Errorf("segmentor.small: numClasses %d must be >= 1", numClasses)
	}
	s := &Segmentor{cfg: *c, classes: numClasses}
	set, err := loadPretrained(c.Pretrained)
	if err != nil {
		return nil, fmt.Errorf("segmentor.small: %w", err)
	}
	s.pretrained = set
	return s, nil
}

// loadPretrained reads the pretrained option's file; nil when the option is empty.
func loadPretrained(option string) (*weights.Set, error) {
	switch option {
	case "":
		return nil, nil
	case Builtin:
		return weights.ReadNative("builtin:"+EncoderFile, encoder)
	}
	data, err := os.ReadFile(option)
	if err != nil {
		return nil, fmt.Errorf("pretrained: %w", err)
	}
	return weights.ReadNative(option, data)
}

// Segmentor is the built small DeepLab.
type Segmentor struct {
	cfg        Config
	classes    int
	pretrained *weights.Set
}

// Pretrained returns the pretrained weights the segmentor initialises from (nil when none).
func (s *Segmentor) Pretrained() *weights.Set { return s.pretrained }

// Optional lists the scopes a pretrained file does not provide.
func (s *Segmentor) Optional() []string { return []string{"classifier"} }

// usePretrained checks the pretrained file against the model once (on a 32x32 probe, with a
// copy of the segmentor without pretrained weights) and attaches it to ctx.
func (s *Segmentor) usePretrained(ctx *context.Context, x *graph.Node) {
	if s.pretrained == nil {
		return
	}
	bare := *s
	bare.pretrained = nil
	s.pretrained.Use(ctx, x, 32, s.Optional(), s.cfg.AllowPartial, func(ctx *context.Context, in *graph.Node) {
		bare.Predict(ctx, bare.Extract(ctx, in))
	})
}

func conv(ctx *context.Context, name string, x *graph.Node, out, stride, dilation int) *graph.Node {
	return nn.ReLU(nn.Conv(ctx.In(name), x, nn.ConvLayer{
		Out: out, Kernel: 3, Stride: stride, Dilation: dilation, Padding: dilation, Bias: true, Init: nn.InitKaiming,
	}))
}

// Extract implements model.Segmentor.
func (s *Segmentor) Extract(ctx *context.Context, x *graph.Node) *graph.Node {
	s.usePretrained(ctx, x)
	w := s.cfg.Widths
	if s.cfg.InputScale != 1 {
		x = graph.MulScalar(x, s.cfg.InputScale)
	}
	x = conv(ctx, "conv1", x, w[0], 2, 1)
	x = conv(ctx, "conv2", x, w[0], 1, 1)
	x = nn.MaxPool2D(x, nn.PoolOpts{Kernel: 3, Stride: 2, Pad: 1, CeilMode: true})
	x = conv(ctx, "conv3", x, w[1], 1, 1)
	x = conv(ctx, "conv4", x, w[1], 2, 1)
	x = conv(ctx, "conv5", x, w[2], 1, 2)
	return conv(ctx, "conv6", x, w[2], 1, 2)
}

// Predict implements model.Segmentor.
func (s *Segmentor) Predict(ctx *context.Context, f *graph.Node) *graph.Node {
	s.usePretrained(ctx, f)
	x := conv(ctx, "conv7", f, s.cfg.Widths[2], 1, 4)
	return backbones.ASPP(ctx.In("classifier"), x, s.classes, s.cfg.ASPPDilations, s.cfg.ASPP == "two")
}

// FeatureChannels implements model.Segmentor.
func (s *Segmentor) FeatureChannels() int { return s.cfg.Widths[2] }

// HeadScopes implements model.Segmentor: the ASPP classifier trains with the head multiplier.
func (s *Segmentor) HeadScopes() []string { return []string{"classifier"} }
