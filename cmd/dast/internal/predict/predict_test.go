package predict

import (
	"image/color"
	"testing"
)

// TestLabelIDsAndPalette: class ids map to the Cityscapes label ids and colours of their
// trainIds (a 16-class SYNTHIA model's through its trainIds); other values are unlabelled/black.
func TestLabelIDsAndPalette(t *testing.T) {
	black := color.RGBA{A: 255}
	tests := []struct {
		classes, id int
		label       uint8
		colour      color.RGBA
	}{
		{19, 0, 7, color.RGBA{128, 64, 128, 255}},   // road
		{19, 13, 26, color.RGBA{0, 0, 142, 255}},    // car
		{19, 18, 33, color.RGBA{119, 11, 32, 255}},  // bicycle
		{19, 19, 0, black},                          // outside the model's classes
		{16, 3, 12, color.RGBA{102, 102, 156, 255}}, // SYNTHIA class 3: wall (trainId 3)
		{16, 9, 23, color.RGBA{70, 130, 180, 255}},  // SYNTHIA class 9: sky (trainId 10)
		{16, 15, 33, color.RGBA{119, 11, 32, 255}},  // SYNTHIA class 15: bicycle (trainId 18)
		{16, 16, 0, black},
		{16, 255, 0, black},
	}
	for _, tt := range tests {
		if got := labelIDs(tt.classes)[tt.id]; got != tt.label {
			t.Errorf("%d classes: class %d has label id %d, want %d", tt.classes, tt.id, got, tt.label)
		}
		if got := palette(tt.classes)[tt.id]; got != tt.colour {
			t.Errorf("%d classes: class %d has colour %v, want %v", tt.classes, tt.id, got, tt.colour)
		}
	}
}
