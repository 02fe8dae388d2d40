// Package standard links dast's built-in components: each package imported here registers its
// modules in init. cmd/dast and the benchmarks import it for its side effect; add a package
// here to make its modules available to configs and 'dast registry'.
package standard

import (
	_ "github.com/dast-uda/dast/backbones/resnet"
	_ "github.com/dast-uda/dast/backbones/small"
	_ "github.com/dast-uda/dast/backbones/vgg"
	_ "github.com/dast-uda/dast/datasets/cityscapes"
	_ "github.com/dast-uda/dast/datasets/fda"
	_ "github.com/dast-uda/dast/datasets/gta5"
	_ "github.com/dast-uda/dast/datasets/synthetic"
	_ "github.com/dast-uda/dast/datasets/synthia"
	_ "github.com/dast-uda/dast/discriminators/corrector"
	_ "github.com/dast-uda/dast/discriminators/discoverer"
	_ "github.com/dast-uda/dast/discriminators/pixel"
	_ "github.com/dast-uda/dast/objectives"
	_ "github.com/dast-uda/dast/strategies/adversarial"
	_ "github.com/dast-uda/dast/strategies/dast"
	_ "github.com/dast-uda/dast/strategies/sourceonly"
)
