// Package model declares the interfaces dast's components implement. Registered modules
// (package registry) are config structs; after decoding, the trainer type-asserts them to the
// builder interface of their kind declared here.
package model

import (
	"github.com/dast-uda/dast/core/data"
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
	OpenDataset() (data.Dataset, error)
}

// ClassNamer is optionally implemented by datasets whose class names differ from the 19
// Cityscapes trainId names.
type ClassNamer interface {
	ClassNames() []string
}

// ClassSubsetter is optionally implemented by datasets whose benchmark also reports mIoUs over
// named subsets of the classes: SYNTHIA's 13-class mIoU* ("mIoU*13"), and the 16 SYNTHIA
// classes ("mIoU16") when a 19-class model is scored. The indices are class ids of the space
// the dataset serves. The trainer asks the labelled source set and scores each subset on the
// target val confusion matrix (metrics.Confusion.SubsetMIoUs).
type ClassSubsetter interface {
	ClassSubsets() map[string][]int
}

// Discriminator is a fully convolutional domain classifier: x [N,H,W,C] -> logits [N,h,w,1]
// (no final sigmoid). Variables are created in ctx's current scope (unchecked), so applying it
// to source and target inputs in one graph shares its weights.
type Discriminator interface {
	Apply(ctx *context.Context, x *graph.Node) *graph.Node
}

// DiscriminatorBuilder is implemented by discriminator modules ("discriminator.<name>").
// inChannels is the channel count of the input the discriminator will see (the feature
// channels for a discoverer, the number of classes for a corrector).
type DiscriminatorBuilder interface {
	NewDiscriminator(inChannels int) (Discriminator, error)
}

// Objective is a GAN objective: the loss of discriminator logits against a constant domain
// label (source = 0, target = 1), optionally weighted per pixel (weight nil, or broadcastable to
// pred), averaged over all elements.
type Objective interface {
	Loss(pred *graph.Node, label float64, weight *graph.Node) *graph.Node
}

// ObjectiveBuilder is implemented by objective modules ("objective.<name>").
type ObjectiveBuilder interface {
	NewObjective() (Objective, error)
}

// Warner is optionally implemented by segmentors with something to say before training, such
// as a paper-scale backbone without pretrained weights. The trainer logs each warning at the
// start of a run that does not start from a checkpoint (init_from).
type Warner interface {
	Warnings() []string
}

// DatasetFacts is what a dataset module declares from its options alone, without reading the
// disk: what describe, dry runs and data checks need before (or instead of) opening the files.
type DatasetFacts struct {
	Kind       string   // dataset name ("gta5")
	Classes    int      // classes of the label space served
	ClassNames []string // names indexed by class id
	// Width and Height are the size of the samples served (the resize option, else the
	// release's native image size).
	Width, Height int
	// Images is the number of images the official release has for these options (after a
	// holdout split); 0 when the options make it depend on the disk (a list file).
	Images int
	// Labelled reports whether the samples carry labels.
	Labelled bool
}

// DatasetDeclarer is implemented by dataset modules that can state their facts without
// touching the disk (the on-disk datasets; the in-memory synthetic one just opens).
type DatasetDeclarer interface {
	DeclaredFacts() (DatasetFacts, error)
}

// Restyler is implemented by restyling modules ("restyler.<name>", data.select.restyle): they
// build a snapshot-selection set, the held-out labelled source images restyled toward the style
// images with strength beta, labels and names kept.
type Restyler interface {
	Restyle(src, style data.Dataset, beta float64) (data.Dataset, error)
}
