// Package datasets holds dast's dataset components (synthetic, gta5, synthia, cityscapes, FDA
// restyling, the file-list loader) in its sub-packages. This package re-exports, for them, the
// sample and PNG vocabulary the framework defines in core/data.
package datasets

import (
	"io"

	"github.com/dast-uda/dast/core/data"
)

// The per-channel mean subtracted from BGR images before they enter the segmentor (the Caffe
// ImageNet mean used by DeepLab and the DAST release).
const (
	CaffeMeanB = data.CaffeMeanB
	CaffeMeanG = data.CaffeMeanG
	CaffeMeanR = data.CaffeMeanR
)

// MaxPixels bounds the size of an image or label PNG (data.MaxPixels).
const MaxPixels = data.MaxPixels

// Sample is one image with its optional label map (data.Sample).
type Sample = data.Sample

// Dataset is an indexed collection of samples (data.Dataset).
type Dataset = data.Dataset

// CheckBatch is data.CheckBatch.
func CheckBatch(s ...Sample) error { return data.CheckBatch(s...) }

// ToInput is data.ToInput.
func ToInput(s ...Sample) []float32 { return data.ToInput(s...) }

// Labels is data.Labels.
func Labels(s ...Sample) []int32 { return data.Labels(s...) }

// DecodeRGB is data.DecodeRGB.
func DecodeRGB(r io.Reader) (rgb []uint8, w, h int, err error) { return data.DecodeRGB(r) }

// DecodeLabel is data.DecodeLabel.
func DecodeLabel(r io.Reader) (ids []uint8, w, h int, err error) { return data.DecodeLabel(r) }

// EncodeRGB is data.EncodeRGB.
func EncodeRGB(wr io.Writer, rgb []uint8, w, h int) error { return data.EncodeRGB(wr, rgb, w, h) }

// EncodeLabel is data.EncodeLabel.
func EncodeLabel(wr io.Writer, ids []uint8, w, h int) error { return data.EncodeLabel(wr, ids, w, h) }

// WritePNG is data.WritePNG.
func WritePNG(path string, encode func(io.Writer) error) error { return data.WritePNG(path, encode) }

// ReadRGB is data.ReadRGB.
func ReadRGB(path string) (rgb []uint8, w, h int, err error) { return data.ReadRGB(path) }

// ReadLabel is data.ReadLabel.
func ReadLabel(path string) (ids []uint8, w, h int, err error) { return data.ReadLabel(path) }

// CheckPNG is data.CheckPNG.
func CheckPNG(path string) (w, h int, err error) { return data.CheckPNG(path) }
