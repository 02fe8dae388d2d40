package classes

// NumSynthia16 is the number of classes of the 16-class SYNTHIA evaluation space.
const NumSynthia16 = 16

// synthia19 maps SYNTHIA raw class ids to the 19-class trainId space (terrain, truck and train
// have no SYNTHIA counterpart).
var synthia19 = map[uint16]uint8{
	3: 0, 4: 1, 2: 2, 21: 3, 5: 4, 7: 5, 15: 6, 9: 7, 6: 8,
	1: 10, 10: 11, 17: 12, 8: 13, 19: 15, 12: 17, 11: 18,
}

// synthia16 maps SYNTHIA raw class ids to the 16-class space.
var synthia16 = map[uint16]uint8{
	3: 0, 4: 1, 2: 2, 21: 3, 5: 4, 7: 5, 15: 6, 9: 7, 6: 8,
	1: 9, 10: 10, 17: 11, 8: 12, 19: 13, 12: 14, 11: 15,
}

// trainIDTo16[trainId] is the 16-class index of a 19-class trainId, Ignore for terrain, truck
// and train.
var trainIDTo16 = [NumCityscapes]uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, Ignore, 9, 10, 11, 12, Ignore, 13, Ignore, 14, 15}

// SynthiaToTrainID19 maps a SYNTHIA raw class id (the R channel of GT/LABELS PNGs) to the
// 19-class trainId space; unknown ids map to Ignore.
func SynthiaToTrainID19(raw uint16) uint8 {
	if t, ok := synthia19[raw]; ok {
		return t
	}
	return Ignore
}

// SynthiaToTrainID16 maps a SYNTHIA raw class id to the 16-class space; unknown ids map to
// Ignore.
func SynthiaToTrainID16(raw uint16) uint8 {
	if t, ok := synthia16[raw]; ok {
		return t
	}
	return Ignore
}

// TrainIDTo16 maps a 19-class trainId to the 16-class space (for scoring a 19-class model on
// the SYNTHIA classes); terrain, truck, train and Ignore map to Ignore.
func TrainIDTo16(trainID uint8) uint8 {
	if int(trainID) < NumCityscapes {
		return trainIDTo16[trainID]
	}
	return Ignore
}

// Synthia16Names returns the names of the 16-class space, indexed by 16-class id.
func Synthia16Names() []string {
	out := make([]string, 0, NumSynthia16)
	for tid, c16 := range trainIDTo16 {
		if c16 != Ignore {
			out = append(out, cityscapesNames[tid])
		}
	}
	return out
}

// Synthia13Subset returns the 16-class ids scored by mIoU* (the 16 classes without wall, fence
// and pole).
func Synthia13Subset() []int {
	out := make([]int, 0, 13)
	for c := 0; c < NumSynthia16; c++ {
		if c != 3 && c != 4 && c != 5 {
			out = append(out, c)
		}
	}
	return out
}

// Synthia16TrainIDs returns, for each 16-class id, the 19-class trainId it corresponds to.
func Synthia16TrainIDs() []uint8 {
	out := make([]uint8, 0, NumSynthia16)
	for tid, c16 := range trainIDTo16 {
		if c16 != Ignore {
			out = append(out, uint8(tid))
		}
	}
	return out
}
