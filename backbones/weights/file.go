package weights

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/core/tensors/numpy"
)

// readFile reads every float tensor of a .pth/.pt (PyTorch), .safetensors or .npz file as float32.
// For .pth files, keys for which keep is false (nil: keep all) are read as shapes only.
func readFile(path string, keep func(key string) bool) (map[string]Tensor, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".safetensors":
		raw, _, err := checkpoint.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("pretrained: %w", err)
		}
		out := make(map[string]Tensor, len(raw))
		for k, t := range raw {
			v, err := fromSafetensors(t)
			if err != nil {
				return nil, fmt.Errorf("pretrained %s: key %q: %w", path, k, err)
			}
			out[k] = v
		}
		return out, nil
	case ".npz":
		raw, err := numpy.FromNpzFile(path)
		if err != nil {
			return nil, fmt.Errorf("pretrained %s: %w", path, err)
		}
		out := make(map[string]Tensor, len(raw))
		for k, t := range raw {
			v, err := fromGoMLX(t)
			if err != nil {
				return nil, fmt.Errorf("pretrained %s: key %q: %w", path, k, err)
			}
			out[k] = v
		}
		return out, nil
	case ".pth", ".pt":
		out, err := readPyTorch(path, keep)
		if err != nil {
			return nil, fmt.Errorf("pretrained: %w", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("pretrained %s: unknown format (want .pth/.pt, .safetensors or .npz)", path)
}

// fromSafetensors converts an F32 or F64 safetensors entry; integer entries (num_batches_tracked)
// become empty tensors of the right shape, since they are ignored.
func fromSafetensors(t checkpoint.Tensor) (Tensor, error) {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	out := Tensor{Shape: append([]int{}, t.Shape...), Data: make([]float32, n)}
	switch t.DType {
	case "F32":
		for i := range n {
			out.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
		}
	case "F64":
		for i := range n {
			out.Data[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:])))
		}
	case "I64", "I32", "U8", "BOOL":
		out.Data = nil
	default:
		return Tensor{}, fmt.Errorf("dtype %s is not supported (want F32 or F64)", t.DType)
	}
	return out, nil
}

func fromGoMLX(t *tensors.Tensor) (Tensor, error) {
	out := Tensor{Shape: append([]int{}, t.Shape().Dimensions...)}
	switch t.DType() {
	case dtypes.Float32:
		tensors.ConstFlatData(t, func(d []float32) { out.Data = append([]float32{}, d...) })
	case dtypes.Float64:
		tensors.ConstFlatData(t, func(d []float64) {
			out.Data = make([]float32, len(d))
			for i, v := range d {
				out.Data[i] = float32(v)
			}
		})
	case dtypes.Int64, dtypes.Int32, dtypes.Uint8, dtypes.Bool:
	default:
		return Tensor{}, fmt.Errorf("dtype %s is not supported (want float32 or float64)", t.DType())
	}
	return out, nil
}

// ReadKeyList reads a state_dict listing as bench/params.py writes it ("key AxBxC" per line,
// "#" comments, an empty shape for scalars) as shape-only tensors, for checking a key set
// against a model without the weights.
func ReadKeyList(path string) (map[string]Tensor, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key list: %w", err)
	}
	out := map[string]Tensor{}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, dims, _ := strings.Cut(line, " ")
		var shape []int
		for _, d := range strings.Split(dims, "x") {
			if d == "" {
				continue
			}
			n, err := strconv.Atoi(d)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("key list %s:%d: bad shape %q", path, i+1, dims)
			}
			shape = append(shape, n)
		}
		out[key] = Tensor{Shape: shape}
	}
	return out, nil
}
