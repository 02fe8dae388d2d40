package classes

import (
	"image/color"
	"testing"
)

func TestCityscapesIDRoundTrip(t *testing.T) {
	tests := []struct {
		id, trainID uint8
		name        string
	}{
		{7, 0, "road"}, {8, 1, "sidewalk"}, {11, 2, "building"}, {17, 5, "pole"},
		{21, 8, "vegetation"}, {23, 10, "sky"}, {24, 11, "person"}, {26, 13, "car"},
		{33, 18, "bicycle"},
	}
	names := Names()
	for _, tt := range tests {
		if got := CityscapesIDToTrainID(tt.id); got != tt.trainID {
			t.Errorf("CityscapesIDToTrainID(%d) = %d, want %d", tt.id, got, tt.trainID)
		}
		if got := TrainIDToCityscapesID(tt.trainID); got != tt.id {
			t.Errorf("TrainIDToCityscapesID(%d) = %d, want %d", tt.trainID, got, tt.id)
		}
		if names[tt.trainID] != tt.name {
			t.Errorf("Names()[%d] = %q, want %q", tt.trainID, names[tt.trainID], tt.name)
		}
	}
	mapped := 0
	lut := CityscapesLUT()
	for id := 0; id < 256; id++ {
		tid := CityscapesIDToTrainID(uint8(id))
		if lut[id] != tid {
			t.Fatalf("CityscapesLUT()[%d] = %d, want %d", id, lut[id], tid)
		}
		if tid == Ignore {
			continue
		}
		mapped++
		if back := TrainIDToCityscapesID(tid); back != uint8(id) {
			t.Errorf("id %d -> trainId %d -> id %d", id, tid, back)
		}
	}
	if mapped != NumCityscapes {
		t.Errorf("%d ids map to a trainId, want %d", mapped, NumCityscapes)
	}
	for _, id := range []uint8{0, 1, 6, 9, 10, 14, 29, 30, 34, 255} {
		if got := CityscapesIDToTrainID(id); got != Ignore {
			t.Errorf("CityscapesIDToTrainID(%d) = %d, want Ignore", id, got)
		}
	}
	if got := TrainIDToCityscapesID(Ignore); got != 0 {
		t.Errorf("TrainIDToCityscapesID(Ignore) = %d, want 0", got)
	}
}

func TestColors(t *testing.T) {
	tests := []struct {
		trainID uint8
		want    color.RGBA
	}{
		{Road, color.RGBA{128, 64, 128, 255}},
		{Sky, color.RGBA{70, 130, 180, 255}},
		{Car, color.RGBA{0, 0, 142, 255}},
		{Bicycle, color.RGBA{119, 11, 32, 255}},
		{Ignore, color.RGBA{0, 0, 0, 255}},
	}
	for _, tt := range tests {
		if got := Color(tt.trainID); got != tt.want {
			t.Errorf("Color(%d) = %v, want %v", tt.trainID, got, tt.want)
		}
	}
	cs := Colors()
	cs[0] = color.RGBA{}
	if Color(Road) == (color.RGBA{}) {
		t.Error("Colors() returned the package table, not a copy")
	}
}

func TestSynthiaTables(t *testing.T) {
	n16 := Synthia16Names()
	if len(n16) != NumSynthia16 {
		t.Fatalf("Synthia16Names has %d names", len(n16))
	}
	names := Names()
	tids := Synthia16TrainIDs()
	for raw := uint16(0); raw < 40; raw++ {
		t19, t16 := SynthiaToTrainID19(raw), SynthiaToTrainID16(raw)
		if (t19 == Ignore) != (t16 == Ignore) {
			t.Errorf("raw %d: 19-class %d, 16-class %d disagree on ignore", raw, t19, t16)
			continue
		}
		if t19 == Ignore {
			continue
		}
		if got := TrainIDTo16(t19); got != t16 {
			t.Errorf("raw %d: TrainIDTo16(%d) = %d, want %d", raw, t19, got, t16)
		}
		if tids[t16] != t19 || n16[t16] != names[t19] {
			t.Errorf("raw %d: 16-class %d is %q/trainId %d, want %q/%d", raw, t16, n16[t16], tids[t16], names[t19], t19)
		}
	}
	for _, tt := range []struct {
		raw   uint16
		t19   uint8
		t16   uint8
		label string
	}{{3, 0, 0, "road"}, {1, 10, 9, "sky"}, {8, 13, 12, "car"}, {11, 18, 15, "bicycle"}, {0, Ignore, Ignore, "void"}, {13, Ignore, Ignore, "unmapped"}} {
		if got := SynthiaToTrainID19(tt.raw); got != tt.t19 {
			t.Errorf("%s: SynthiaToTrainID19(%d) = %d, want %d", tt.label, tt.raw, got, tt.t19)
		}
		if got := SynthiaToTrainID16(tt.raw); got != tt.t16 {
			t.Errorf("%s: SynthiaToTrainID16(%d) = %d, want %d", tt.label, tt.raw, got, tt.t16)
		}
	}
	for _, tid := range []uint8{Terrain, Truck, Train, Ignore} {
		if got := TrainIDTo16(tid); got != Ignore {
			t.Errorf("TrainIDTo16(%d) = %d, want Ignore", tid, got)
		}
	}
	sub := Synthia13Subset()
	if len(sub) != 13 {
		t.Fatalf("Synthia13Subset has %d classes", len(sub))
	}
	for _, c := range sub {
		if n := n16[c]; n == "wall" || n == "fence" || n == "pole" {
			t.Errorf("Synthia13Subset contains %q", n)
		}
	}
}

func TestColorize(t *testing.T) {
	label := []uint8{Road, Sky, Ignore, Car, 200, Person}
	img, err := Colorize(label, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range label {
		x, y := i%3, i/3
		if got, want := img.RGBAAt(x, y), Color(v); got != want {
			t.Errorf("pixel (%d,%d) label %d: got %v, want %v", x, y, v, got, want)
		}
	}
	if _, err := Colorize(label, 4, 2); err == nil {
		t.Error("Colorize with a wrong size: no error")
	}
}
