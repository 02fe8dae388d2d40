// Package fda restyles images with Fourier Domain Adaptation (Yang & Soatto, "FDA: Fourier
// Domain Adaptation for Semantic Segmentation", CVPR 2020): the low-frequency amplitude
// spectrum of a source image is replaced by a target image's, keeping the source's phase, so
// the source takes on the target's global colour and illumination while keeping its content.
//
// dast uses it to build the held-out validation set that picks the snapshot from which
// self-training starts (docs/METHOD.md, "Snapshot selection": 500 source images restyled
// toward the target with beta = 0.5 and 0.9).
package fda

import (
	"fmt"
	"math"
	"math/cmplx"
)

// BandSize is the side b = floor(min(h, w) * beta) of the four corner blocks of the spectrum
// that Restyle replaces.
func BandSize(h, w int, beta float64) int {
	return int(math.Floor(float64(min(h, w)) * beta))
}

// inBand reports whether the frequency (u, v) of an unshifted h x w spectrum lies in one of
// the four b x b corner blocks.
func inBand(u, v, h, w, b int) bool {
	return (u < b || u >= h-b) && (v < b || v >= w-b)
}

// RestyleFloat is Restyle before clipping and rounding: the real part of the inverse FFT,
// HWC float64 [h*w*3] on the 0..255 scale of the input.
//
// The band: with b = BandSize(h, w, beta), for each colour channel the amplitude |S[u,v]| of
// the source's unshifted 2-D DFT is replaced by the target's |T[u,v]| at every frequency with
// u in [0, b) or [h-b, h) and v in [0, b) or [w-b, w) (the four b x b corner blocks, which hold
// the lowest frequencies of both signs; they overlap and cover whole rows or columns once
// 2b > h or 2b > w). The phase stays the source's (a zero coefficient has phase 0). beta = 0
// gives b = 0: nothing is replaced.
//
// The band is not quite symmetric under (u,v) -> (-u,-v): row h-b is in it but its mirror row
// b is not (likewise column w-b and column b), so the modified spectrum is not exactly
// Hermitian. The output is the real part of the inverse transform (as in the numpy variant of
// the original code); on those edge rows and columns this averages a coefficient with its
// mirror, so there the output's amplitude is neither exactly the source's nor the target's.
func RestyleFloat(src, tgt []uint8, h, w int, beta float64) ([]float64, error) {
	if h <= 0 || w <= 0 {
		return nil, fmt.Errorf("fda: image size %dx%d", h, w)
	}
	if len(src) != h*w*3 || len(tgt) != h*w*3 {
		return nil, fmt.Errorf("fda: source has %d bytes and target %d, want %d (%dx%dx3)", len(src), len(tgt), h*w*3, h, w)
	}
	if !(beta >= 0 && beta < 1) {
		return nil, fmt.Errorf("fda: beta %v outside [0, 1)", beta)
	}
	b := BandSize(h, w, beta)
	f := newFFT2(h, w)
	s := make([]complex128, h*w)
	t := make([]complex128, h*w)
	out := make([]float64, h*w*3)
	for ch := 0; ch < 3; ch++ {
		for p := 0; p < h*w; p++ {
			s[p] = complex(float64(src[3*p+ch]), 0)
			t[p] = complex(float64(tgt[3*p+ch]), 0)
		}
		f.forward(s)
		f.forward(t)
		for u := 0; u < h; u++ {
			for v := 0; v < w; v++ {
				if inBand(u, v, h, w, b) {
					i := u*w + v
					s[i] = cmplx.Rect(cmplx.Abs(t[i]), cmplx.Phase(s[i]))
				}
			}
		}
		f.inverse(s)
		for p := 0; p < h*w; p++ {
			out[3*p+ch] = real(s[p])
		}
	}
	return out, nil
}

// Restyle returns the source image src restyled toward the target image tgt (both RGB HWC
// uint8 [h*w*3] of the same size) with band parameter beta in [0, 1): see RestyleFloat for the
// band. The result is rounded to the nearest integer (halves away from zero) and clipped to
// [0, 255].
func Restyle(src, tgt []uint8, h, w int, beta float64) ([]uint8, error) {
	f, err := RestyleFloat(src, tgt, h, w, beta)
	if err != nil {
		return nil, err
	}
	out := make([]uint8, len(f))
	for i, v := range f {
		out[i] = toByte(v)
	}
	return out, nil
}

func toByte(v float64) uint8 {
	v = math.Round(v)
	switch {
	case v <= 0 || v != v:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v)
}
