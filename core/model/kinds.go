package model

import "github.com/dast-uda/dast/registry"

// The kinds of the components whose interfaces this package declares; core/train declares
// "strategy". A module registered under one of them must implement its interface.
func init() {
	registry.DeclareKind[SegmentorBuilder]("segmentor")
	registry.DeclareKind[DiscriminatorBuilder]("discriminator")
	registry.DeclareKind[ObjectiveBuilder]("objective")
	registry.DeclareKind[DatasetOpener]("dataset")
	registry.DeclareKind[Restyler]("restyler")
}
