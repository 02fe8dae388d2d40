package fda

import "gonum.org/v1/gonum/dsp/fourier"

// fft2 holds the 1-D transforms of one image size for 2-D FFTs of row-major h x w grids,
// computed as 1-D FFTs over the rows, then over the columns.
type fft2 struct {
	h, w      int
	rows, col *fourier.CmplxFFT
	buf       []complex128 // one column
}

func newFFT2(h, w int) *fft2 {
	return &fft2{h: h, w: w, rows: fourier.NewCmplxFFT(w), col: fourier.NewCmplxFFT(h), buf: make([]complex128, h)}
}

// forward replaces x by its unnormalised 2-D DFT, X[u,v] = sum x[y,x] exp(-2 pi i (uy/h + vx/w)).
func (f *fft2) forward(x []complex128) { f.apply(x, false) }

// inverse replaces X by its inverse 2-D DFT, normalised by 1/(h*w) so that
// inverse(forward(x)) = x.
func (f *fft2) inverse(x []complex128) {
	f.apply(x, true)
	s := complex(1/float64(f.h*f.w), 0)
	for i := range x {
		x[i] *= s
	}
}

func (f *fft2) apply(x []complex128, inv bool) {
	for y := 0; y < f.h; y++ {
		row := x[y*f.w : (y+1)*f.w]
		if inv {
			f.rows.Sequence(row, row)
		} else {
			f.rows.Coefficients(row, row)
		}
	}
	for c := 0; c < f.w; c++ {
		for y := 0; y < f.h; y++ {
			f.buf[y] = x[y*f.w+c]
		}
		if inv {
			f.col.Sequence(f.buf, f.buf)
		} else {
			f.col.Coefficients(f.buf, f.buf)
		}
		for y := 0; y < f.h; y++ {
			x[y*f.w+c] = f.buf[y]
		}
	}
}
