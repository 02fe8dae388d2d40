// Package golden loads the PyTorch golden fixtures written by bench/golden/golden.py (run.sh)
// and compares tensors against them.
//
// A fixture file is an .npz archive whose keys are "<case>__<name>"; "<case>__cfg" holds the
// case's configuration. Activations are NHWC, kernels HWIO, labels int32.
package golden

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/core/tensors/numpy"
)

// Sep separates a case name from an array name in fixture keys.
const Sep = "__"

// Set is the content of one fixture file: array name -> tensor.
type Set map[string]*tensors.Tensor

// Load reads the .npz fixture at path.
func Load(path string) (Set, error) {
	m, err := numpy.FromNpzFile(path)
	if err != nil {
		return nil, fmt.Errorf("load golden fixture %s: %w (regenerate with bench/golden/run.sh)", path, err)
	}
	return Set(m), nil
}

// Cases returns the sorted names of the cases whose name starts with prefix; a case exists when
// some key "<case>__..." exists.
func (s Set) Cases(prefix string) []string {
	seen := map[string]bool{}
	for k := range s {
		c, _, ok := strings.Cut(k, Sep)
		if ok && strings.HasPrefix(c, prefix) {
			seen[c] = true
		}
	}
	out := make([]string, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Get returns the array name of case c.
func (s Set) Get(c, name string) (*tensors.Tensor, error) {
	t, ok := s[c+Sep+name]
	if !ok {
		return nil, fmt.Errorf("golden fixture has no array %q", c+Sep+name)
	}
	return t, nil
}

// Has reports whether case c has an array called name.
func (s Set) Has(c, name string) bool {
	_, ok := s[c+Sep+name]
	return ok
}

// Float64s returns the values of any real-valued tensor as float64s, in row-major order.
func Float64s(t *tensors.Tensor) ([]float64, error) {
	var out []float64
	var err error
	cerr := t.ConstFlatData(func(flat any) {
		switch v := flat.(type) {
		case []float32:
			out = convert(v)
		case []float64:
			out = append([]float64(nil), v...)
		case []int32:
			out = convert(v)
		case []int64:
			out = convert(v)
		default:
			err = fmt.Errorf("unsupported dtype %s", t.DType())
		}
	})
	if cerr != nil {
		return nil, cerr
	}
	return out, err
}

func convert[T float32 | int32 | int64](v []T) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// Ints returns the values of an integer or float configuration tensor as ints.
func Ints(t *tensors.Tensor) ([]int, error) {
	f, err := Float64s(t)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(f))
	for i, x := range f {
		out[i] = int(math.Round(x))
	}
	return out, nil
}

// RelErr returns max|got-want| / max(max|want|, 1e-12): the infinity-norm relative error. Shapes
// (dimensions) must match.
func RelErr(got, want *tensors.Tensor) (float64, error) {
	if !slices.Equal(got.Shape().Dimensions, want.Shape().Dimensions) {
		return math.Inf(1), fmt.Errorf("shape mismatch: got %s, want %s", got.Shape(), want.Shape())
	}
	g, err := Float64s(got)
	if err != nil {
		return math.Inf(1), fmt.Errorf("got: %w", err)
	}
	w, err := Float64s(want)
	if err != nil {
		return math.Inf(1), fmt.Errorf("want: %w", err)
	}
	return RelErrFlat(g, w), nil
}

// RelErrFlat is RelErr on flat slices of equal length. NaNs in got give +Inf.
func RelErrFlat(got, want []float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var maxDiff, maxRef float64
	for i := range got {
		d := math.Abs(got[i] - want[i])
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		maxDiff = math.Max(maxDiff, d)
		maxRef = math.Max(maxRef, math.Abs(want[i]))
	}
	return maxDiff / math.Max(maxRef, 1e-12)
}
