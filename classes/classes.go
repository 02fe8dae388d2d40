// Package classes holds the label tables of the Cityscapes trainId space and of the datasets
// mapped into it: class names and colours, Cityscapes label id <-> trainId, SYNTHIA raw id ->
// trainId in the 19- and 16-class spaces, and a colouriser for label maps.
//
// The tables are exposed through functions that return copies, so no package state can be
// changed by callers.
package classes

import "image/color"

// Ignore is the label value of pixels that are not scored and not trained on.
const Ignore uint8 = 255

// NumCityscapes is the number of classes in the Cityscapes trainId space.
const NumCityscapes = 19

// Cityscapes trainIds of the classes used by name in code.
const (
	Road uint8 = iota
	Sidewalk
	Building
	Wall
	Fence
	Pole
	TrafficLight
	TrafficSign
	Vegetation
	Terrain
	Sky
	Person
	Rider
	Car
	Truck
	Bus
	Train
	Motorcycle
	Bicycle
)

var cityscapesNames = [NumCityscapes]string{
	"road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign",
	"vegetation", "terrain", "sky", "person", "rider", "car", "truck", "bus", "train",
	"motorcycle", "bicycle",
}

var cityscapesColors = [NumCityscapes]color.RGBA{
	{128, 64, 128, 255}, {244, 35, 232, 255}, {70, 70, 70, 255}, {102, 102, 156, 255},
	{190, 153, 153, 255}, {153, 153, 153, 255}, {250, 170, 30, 255}, {220, 220, 0, 255},
	{107, 142, 35, 255}, {152, 251, 152, 255}, {70, 130, 180, 255}, {220, 20, 60, 255},
	{255, 0, 0, 255}, {0, 0, 142, 255}, {0, 0, 70, 255}, {0, 60, 100, 255},
	{0, 80, 100, 255}, {0, 0, 230, 255}, {119, 11, 32, 255},
}

// cityscapesIDs[trainId] is the Cityscapes label id of that trainId.
var cityscapesIDs = [NumCityscapes]uint8{7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33}

// Names returns the 19 Cityscapes class names indexed by trainId.
func Names() []string {
	out := make([]string, NumCityscapes)
	copy(out, cityscapesNames[:])
	return out
}

// Colors returns the 19 Cityscapes class colours indexed by trainId.
func Colors() []color.RGBA {
	out := make([]color.RGBA, NumCityscapes)
	copy(out, cityscapesColors[:])
	return out
}

// Color returns the colour of a trainId; ignore and out-of-range values are black.
func Color(trainID uint8) color.RGBA {
	if int(trainID) < NumCityscapes {
		return cityscapesColors[trainID]
	}
	return color.RGBA{0, 0, 0, 255}
}

// CityscapesIDToTrainID maps a Cityscapes label id (as stored in *_gtFine_labelIds.png and in
// GTA5 label PNGs) to its trainId; ids of classes outside the 19 map to Ignore.
func CityscapesIDToTrainID(id uint8) uint8 {
	return cityscapesLUT[id]
}

// TrainIDToCityscapesID maps a trainId back to its Cityscapes label id; Ignore and any other
// value outside 0..18 map to 0 ("unlabeled").
func TrainIDToCityscapesID(trainID uint8) uint8 {
	if int(trainID) < NumCityscapes {
		return cityscapesIDs[trainID]
	}
	return 0
}

// CityscapesLUT returns the Cityscapes label id -> trainId table as an array, for mapping whole
// images with one index per pixel.
func CityscapesLUT() [256]uint8 {
	return cityscapesLUT
}

var cityscapesLUT = func() [256]uint8 {
	var t [256]uint8
	for i := range t {
		t[i] = Ignore
	}
	for tid, id := range cityscapesIDs {
		t[id] = uint8(tid)
	}
	return t
}()
