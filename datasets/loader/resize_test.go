package loader

import (
	"bytes"
	"testing"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      []int
		want    Size
		wantErr bool
	}{
		{nil, Size{}, false},
		{[]int{0, 0}, Size{}, false},
		{[]int{1280, 720}, Size{1280, 720}, false},
		{[]int{1280}, Size{}, true},
		{[]int{0, 720}, Size{}, true},
		{[]int{-1, 5}, Size{}, true},
		{[]int{1, 2, 3}, Size{}, true},
		{[]int{20000, 10}, Size{}, true},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseSize(%v) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestResizeLabelNearest(t *testing.T) {
	// 4x2 -> 2x1 takes the source pixel under each output pixel's centre: columns 1 and 3 of
	// row 1 (centres at 1.0 and 3.0 map to floor 1 and 3).
	ids := []uint8{
		0, 1, 2, 3,
		4, 5, 6, 7,
	}
	got, err := ResizeLabel(ids, 4, 2, 2, 1)
	if err != nil || !bytes.Equal(got, []uint8{5, 7}) {
		t.Errorf("downscale = %v, %v; want [5 7]", got, err)
	}
	// Upscaling by 2 repeats every pixel twice in each direction.
	got, err = ResizeLabel([]uint8{1, 2, 3, 4}, 2, 2, 4, 4)
	want := []uint8{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("upscale = %v, %v; want %v", got, err, want)
	}
	// Only values of the input appear (no blending of ids).
	src := []uint8{9, 200, 255, 3, 7, 11}
	got, err = ResizeLabel(src, 3, 2, 7, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range got {
		if bytes.IndexByte(src, v) < 0 {
			t.Fatalf("resized label has %d, not in the input %v", v, src)
		}
	}
	if _, err := ResizeLabel(src, 4, 2, 2, 2); err == nil {
		t.Error("wrong buffer size: no error")
	}
}

func TestResizeRGB(t *testing.T) {
	const w, h = 8, 6
	flat := bytes.Repeat([]uint8{10, 120, 250}, w*h)
	for _, sz := range []Size{{4, 3}, {13, 7}, {8, 6}} {
		got, err := ResizeRGB(flat, w, h, sz.W, sz.H)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != sz.W*sz.H*3 {
			t.Fatalf("%v: %d bytes", sz, len(got))
		}
		// A constant image stays constant under any interpolation that sums to one.
		if !bytes.Equal(got, bytes.Repeat([]uint8{10, 120, 250}, sz.W*sz.H)) {
			t.Errorf("%v: constant image changed: %v", sz, got[:9])
		}
	}
	// A horizontal ramp stays monotonic and inside its range after bicubic upscaling.
	ramp := make([]uint8, 0, 16*3)
	for x := 0; x < 16; x++ {
		v := uint8(16 * x)
		ramp = append(ramp, v, v, v)
	}
	got, err := ResizeRGB(ramp, 16, 1, 40, 1)
	if err != nil {
		t.Fatal(err)
	}
	for x := 1; x < 40; x++ {
		if got[3*x] < got[3*(x-1)] {
			t.Fatalf("upscaled ramp not monotonic at %d: %v", x, got)
		}
	}
	if _, err := ResizeRGB(flat, w, h+1, 2, 2); err == nil {
		t.Error("wrong buffer size: no error")
	}
}
