package loader

import (
	"github.com/dast-uda/dast/classes"
	"github.com/dast-uda/dast/datasets"
)

// ReadCityscapesLabel reads a label PNG holding Cityscapes label ids (8-bit grey as in
// *_gtFine_labelIds.png, or a palette PNG whose index is the id, as some GTA5 labels are) and
// returns trainIds; ids outside the 19 classes become 255.
func ReadCityscapesLabel(path string) ([]uint8, int, int, error) {
	ids, w, h, err := datasets.ReadLabel(path)
	if err != nil {
		return nil, 0, 0, err
	}
	lut := classes.CityscapesLUT()
	for i, v := range ids {
		ids[i] = lut[v]
	}
	return ids, w, h, nil
}
