package layernet

import "github.com/gomlx/gomlx/pkg/core/tensors"

// flat returns the float32 values of t.
func flat(t *tensors.Tensor) []float32 {
	var out []float32
	tensors.ConstFlatData(t, func(v []float32) { out = append(out, v...) })
	return out
}
