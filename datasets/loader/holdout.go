package loader

import "fmt"

// Parts of a dataset split by the holdout option.
const (
	PartTrain   = "train"   // every image except the held-out ones
	PartHoldout = "holdout" // only the held-out images
)

// CheckHoldout validates the holdout and part options; an empty part means PartTrain.
func CheckHoldout(n int, part string) error {
	if n < 0 {
		return fmt.Errorf("holdout %d: want 0 or more", n)
	}
	if part != "" && part != PartTrain && part != PartHoldout {
		return fmt.Errorf("part %q: want %s or %s", part, PartTrain, PartHoldout)
	}
	if part == PartHoldout && n == 0 {
		return fmt.Errorf("part %s needs holdout > 0", PartHoldout)
	}
	return nil
}

// SplitHoldout returns the given part of names when n of them are held out. The held-out
// images are spread evenly over the (sorted or listed) order: image j is held out when
// floor((j+1)n/len) > floor(jn/len), which picks exactly n, one in every len/n. A dataset opened
// with part train and one with part holdout (same list, same n) are disjoint and cover names.
func SplitHoldout(names []string, n int, part string) ([]string, error) {
	if n == 0 {
		return names, nil
	}
	if n >= len(names) {
		return nil, fmt.Errorf("holdout %d: only %d images, nothing would be left to train on", n, len(names))
	}
	want := part == PartHoldout
	out := make([]string, 0, len(names))
	for j, name := range names {
		held := (j+1)*n/len(names) > j*n/len(names)
		if held == want {
			out = append(out, name)
		}
	}
	return out, nil
}

// HoldoutCount is the number of images SplitHoldout returns from total names for the holdout n
// and part: the same rule, without the names (for declared dataset facts).
func HoldoutCount(total, n int, part string) (int, error) {
	if n == 0 {
		return total, nil
	}
	if n >= total {
		return 0, fmt.Errorf("holdout %d: only %d images, nothing would be left to train on", n, total)
	}
	if part == PartHoldout {
		return n, nil
	}
	return total - n, nil
}
