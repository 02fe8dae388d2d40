package main

import (
	"github.com/dast-uda/dast/cmd/dast/internal/load"
	"github.com/dast-uda/dast/cmd/dast/internal/matrixrun"
	"github.com/dast-uda/dast/cmd/dast/internal/predict"
	"github.com/dast-uda/dast/cmd/dast/internal/pretrain"
	"github.com/dast-uda/dast/cmd/dast/internal/registryinfo"
)

// The names the command's tests use for what moved to the internal packages.
const (
	childEnv      = matrixrun.ChildEnv
	predTrainIDs  = predict.TrainIDs
	predLabelIDs  = predict.LabelIDs
	predColor     = predict.Color
	predOverlay   = predict.Overlay
	predAttention = predict.Attention
)

type provenance = pretrain.Provenance

var (
	assemble       = load.Assemble
	stagedStrategy = load.StagedStrategy
	listModules    = registryinfo.WriteList
	showModule     = registryinfo.WriteModule
)
