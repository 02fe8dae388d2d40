// Package data defines what the trainer reads from every dataset (a Dataset of Samples in the
// trainId label space), the conversions from samples to the segmentor's input tensors, and
// the PNG formats of images and label maps on disk.
//
// Concrete datasets are components under datasets/; package datasets re-exports these names
// for them.
package data

import "fmt"

// The per-channel mean subtracted from BGR images before they enter the segmentor (the Caffe
// ImageNet mean used by DeepLab and the DAST release).
const (
	CaffeMeanB = 104.00699
	CaffeMeanG = 116.66877
	CaffeMeanR = 122.67891
)

// Sample is one image with its optional label map.
type Sample struct {
	Name  string
	H, W  int
	RGB   []uint8 // H*W*3, row-major HWC, RGB order
	Label []uint8 // H*W trainIds (0..18 Cityscapes trainId space), 255 = ignore; nil if unlabelled
}

// Dataset is an indexed collection of samples.
type Dataset interface {
	Len() int
	Get(i int) (Sample, error)
	NumClasses() int // 19 for the Cityscapes trainId space
}

// Validate reports whether the sample's buffers match its size.
func (s Sample) Validate() error {
	if s.H <= 0 || s.W <= 0 {
		return fmt.Errorf("sample %q: size %dx%d", s.Name, s.H, s.W)
	}
	if len(s.RGB) != s.H*s.W*3 {
		return fmt.Errorf("sample %q: RGB has %d bytes, want %d (%dx%dx3)", s.Name, len(s.RGB), s.H*s.W*3, s.H, s.W)
	}
	if s.Label != nil && len(s.Label) != s.H*s.W {
		return fmt.Errorf("sample %q: label has %d values, want %d (%dx%d)", s.Name, len(s.Label), s.H*s.W, s.H, s.W)
	}
	return nil
}

// CheckBatch reports whether the samples are valid and share one size, as ToInput and Labels
// require.
func CheckBatch(s ...Sample) error {
	for i, x := range s {
		if err := x.Validate(); err != nil {
			return fmt.Errorf("batch element %d: %w", i, err)
		}
		if x.H != s[0].H || x.W != s[0].W {
			return fmt.Errorf("batch element %d (%q) is %dx%d, element 0 (%q) is %dx%d", i, x.Name, x.H, x.W, s[0].Name, s[0].H, s[0].W)
		}
	}
	return nil
}

// ToInput converts samples into the segmentor's input: [N,H,W,3] float32 BGR minus the Caffe
// mean (104.00699, 116.66877, 122.67891), flattened NHWC. All samples must have the same size
// and valid buffers (see CheckBatch); it panics otherwise.
func ToInput(s ...Sample) []float32 {
	if err := CheckBatch(s...); err != nil {
		panic("data.ToInput: " + err.Error())
	}
	n := 0
	for _, x := range s {
		n += len(x.RGB)
	}
	out := make([]float32, n)
	o := 0
	for _, x := range s {
		for p := 0; p+2 < len(x.RGB); p += 3 {
			out[o] = float32(x.RGB[p+2]) - CaffeMeanB
			out[o+1] = float32(x.RGB[p+1]) - CaffeMeanG
			out[o+2] = float32(x.RGB[p]) - CaffeMeanR
			o += 3
		}
	}
	return out
}

// Labels returns the samples' labels as int32 trainIds, flattened [N,H,W]; an unlabelled
// sample contributes an all-ignore (255) map. All samples must have the same size and valid
// buffers (see CheckBatch); it panics otherwise.
func Labels(s ...Sample) []int32 {
	if err := CheckBatch(s...); err != nil {
		panic("data.Labels: " + err.Error())
	}
	var out []int32
	for _, x := range s {
		if x.Label == nil {
			for range x.H * x.W {
				out = append(out, 255)
			}
			continue
		}
		for _, v := range x.Label {
			out = append(out, int32(v))
		}
	}
	return out
}
