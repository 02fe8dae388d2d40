package plugins

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// tensorsFrom returns a float32 tensor of the given shape holding data.
func tensorsFrom(data []float32, dims ...int) *tensors.Tensor {
	t := tensors.FromFlatDataAndDimensions(data, dims...)
	return t
}

// flat returns the float32 values of t.
func flat(t *tensors.Tensor) []float32 {
	var out []float32
	tensors.ConstFlatData(t, func(v []float32) { out = append(out, v...) })
	return out
}

// errorString turns a recovered panic value into an error.
func errorString(r any) error {
	if err, ok := r.(error); ok {
		return err
	}
	return fmt.Errorf("%v", r)
}
