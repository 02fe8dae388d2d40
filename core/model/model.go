// Package model declares the interfaces dast's components implement. Registered modules
// (package registry) are config structs; after decoding, the trainer type-asserts them to the
// builder interface of their kind declared here.
package model

import (
	"github.com/dast-uda/dast/datasets"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Segmentor is S = P ∘ E, the split the discriminator attention needs: the discoverer looks at
// the feature f = E(x), and the attention reweights f before P turns it into logits.
//
// Images are [N,H,W,3] float32 BGR minus the Caffe mean; features [N,h,w,Cf] and logits
// [N,h,w,classes] at output stride 8. Variables are created in ctx's current scope, which is
// unchecked (ctx.Checked(false)): calling Extract/Predict twice in one graph shares weights.
type Segmentor interface {
	Extract(ctx *context.Context, x *graph.Node) *graph.Node
	Predict(ctx *context.Context, f *graph.Node) *graph.Node
	// FeatureChannels is Cf, the number of channels of f.
	FeatureChannels() int
	// HeadScopes names the sub-scopes (relative to the segmentor's scope) whose variables train
	// with the head learning-rate multiplier (the DeepLab classifier).
	HeadScopes() []string
}

// SegmentorBuilder is implemented by segmentor modules ("segmentor.<name>").
type SegmentorBuilder interface {
	NewSegmentor(numClasses int) (Segmentor, error)
}

// DatasetOpener is implemented by dataset modules ("dataset.<name>").
type DatasetOpener interface {
	OpenDataset() (datasets.Dataset, error)
}

// ClassNamer is optionally implemented by datasets whose class names differ from the 19
// Cityscapes trainId names.
type ClassNamer interface {
	ClassNames() []string
}
