package data

import (
	"math"
	"testing"
)

func TestToInput(t *testing.T) {
	a := Sample{Name: "a", H: 1, W: 2, RGB: []uint8{10, 20, 30, 255, 0, 128}, Label: []uint8{3, 255}}
	b := Sample{Name: "b", H: 1, W: 2, RGB: []uint8{0, 0, 0, 1, 2, 3}}
	got := ToInput(a, b)
	// Pixel order BGR, mean subtracted.
	want := []float32{
		30 - 104.00699, 20 - 116.66877, 10 - 122.67891,
		128 - 104.00699, 0 - 116.66877, 255 - 122.67891,
		0 - 104.00699, 0 - 116.66877, 0 - 122.67891,
		3 - 104.00699, 2 - 116.66877, 1 - 122.67891,
	}
	if len(got) != len(want) {
		t.Fatalf("ToInput: %d values, want %d", len(got), len(want))
	}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-4 {
			t.Errorf("ToInput[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	labels := Labels(a, b)
	wantL := []int32{3, 255, 255, 255}
	for i := range wantL {
		if labels[i] != wantL[i] {
			t.Errorf("Labels[%d] = %d, want %d", i, labels[i], wantL[i])
		}
	}
}

func TestCheckBatch(t *testing.T) {
	ok := Sample{Name: "ok", H: 2, W: 2, RGB: make([]uint8, 12), Label: make([]uint8, 4)}
	tests := []struct {
		name    string
		batch   []Sample
		wantErr bool
	}{
		{"single", []Sample{ok}, false},
		{"pair", []Sample{ok, ok}, false},
		{"short rgb", []Sample{{Name: "x", H: 2, W: 2, RGB: make([]uint8, 11)}}, true},
		{"short label", []Sample{{Name: "x", H: 2, W: 2, RGB: make([]uint8, 12), Label: make([]uint8, 3)}}, true},
		{"zero size", []Sample{{Name: "x"}}, true},
		{"size mismatch", []Sample{ok, {Name: "y", H: 1, W: 4, RGB: make([]uint8, 12)}}, true},
	}
	for _, tt := range tests {
		err := CheckBatch(tt.batch...)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: CheckBatch error %v, want error %v", tt.name, err, tt.wantErr)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("ToInput of mismatched samples did not panic")
		}
	}()
	ToInput(ok, Sample{Name: "y", H: 1, W: 4, RGB: make([]uint8, 12)})
}
