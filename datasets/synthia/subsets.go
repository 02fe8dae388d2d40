package synthia

import "github.com/dast-uda/dast/classes"

// Names of the class subsets SYNTHIA->Cityscapes results report (the paper's mIoU and mIoU*).
const (
	Subset16 = "mIoU16"  // the 16 SYNTHIA classes (reported by a 19-class model)
	Subset13 = "mIoU*13" // the 16 without wall, fence and pole
)

// ClassSubsets implements model.ClassSubsetter: in the 16-class space, the 13 classes of mIoU*;
// in the 19-class space (a 19-class model scored on the SYNTHIA classes), the 16 SYNTHIA
// classes and those 13, as trainIds.
func (d *Dataset) ClassSubsets() map[string][]int {
	sub13 := classes.Synthia13Subset()
	if d.NumClasses() == classes.NumSynthia16 {
		return map[string][]int{Subset13: sub13}
	}
	tids := classes.Synthia16TrainIDs()
	in16 := make([]int, len(tids))
	for i, t := range tids {
		in16[i] = int(t)
	}
	in13 := make([]int, len(sub13))
	for i, c := range sub13 {
		in13[i] = in16[c]
	}
	return map[string][]int{Subset16: in16, Subset13: in13}
}
