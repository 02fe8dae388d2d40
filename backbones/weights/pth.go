package weights

import (
	"fmt"
	"reflect"

	"github.com/nlpodyssey/gopickle/pytorch"
	"github.com/nlpodyssey/gopickle/types"
)

// ReadPyTorch reads a PyTorch checkpoint (torch.save of a state dict, in the zip format of
// torch >= 1.6 or the legacy pickle format) as float32 tensors in PyTorch's layout, keyed by
// the state dict's names. A checkpoint dictionary holding the state dict under "state_dict" or
// "model" (training scripts' convention) is unwrapped. Integer tensors (num_batches_tracked)
// come back without data, as from safetensors. Sizes, strides and storage offsets are honoured,
// so views and non-contiguous tensors read correctly. TorchScript archives are not supported.
//
// Malformed files are errors, never panics. gopickle allocates what a file declares (a
// pickle string's length, a storage's size) before reading it, so the file is walked once
// first (checkPyTorchSizes, scanPickle): a length beyond the bytes the file holds is an error
// before anything is allocated.
func ReadPyTorch(path string) (map[string]Tensor, error) { return readPyTorch(path, nil) }

// readPyTorch is ReadPyTorch; keys for which keep is false come back with their shape only
// (keep nil keeps all), which spares gathering heads that are ignored anyway (VGG-16's
// classifier alone is 124M values).
func readPyTorch(path string, keep func(key string) bool) (out map[string]Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("pytorch %s: malformed file: %v", path, r)
		}
	}()
	if err := checkPyTorchSizes(path); err != nil {
		return nil, fmt.Errorf("pytorch %s: %w", path, err)
	}
	obj, err := pytorch.Load(path)
	if err != nil {
		return nil, fmt.Errorf("pytorch %s: %w", path, err)
	}
	entries, err := stateDict(obj)
	if err != nil {
		return nil, fmt.Errorf("pytorch %s: %w", path, err)
	}
	out = make(map[string]Tensor, len(entries))
	for _, e := range entries {
		t, ok := e.value.(*pytorch.Tensor)
		if !ok {
			return nil, fmt.Errorf("pytorch %s: key %q: a %T, not a tensor", path, e.key, e.value)
		}
		if keep != nil && !keep(e.key) {
			out[e.key] = Tensor{Shape: append([]int{}, t.Size...)}
			continue
		}
		v, err := fromPyTorch(t)
		if err != nil {
			return nil, fmt.Errorf("pytorch %s: key %q: %w", path, e.key, err)
		}
		out[e.key] = v
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("pytorch %s: the state dict is empty", path)
	}
	return out, nil
}

type entry struct {
	key   string
	value any
}

// stateDict returns the string-keyed entries of a pickled dict (OrderedDict or dict), descending
// into "state_dict" or "model" when the dict is a training checkpoint.
func stateDict(obj any) ([]entry, error) {
	var entries []entry
	add := func(k, v any) error {
		s, ok := k.(string)
		if !ok {
			return fmt.Errorf("a state dict key is a %T, not a string", k)
		}
		entries = append(entries, entry{s, v})
		return nil
	}
	switch d := obj.(type) {
	case *types.OrderedDict:
		for e := d.List.Front(); e != nil; e = e.Next() {
			oe := e.Value.(*types.OrderedDictEntry)
			if err := add(oe.Key, oe.Value); err != nil {
				return nil, err
			}
		}
	case *types.Dict:
		for _, de := range *d {
			if err := add(de.Key, de.Value); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("the file holds a %T, not a state dict (an OrderedDict or dict of tensors)", obj)
	}
	for _, wrap := range []string{"state_dict", "model"} {
		for _, e := range entries {
			if e.key == wrap {
				if _, isTensor := e.value.(*pytorch.Tensor); !isTensor {
					return stateDict(e.value)
				}
			}
		}
	}
	return entries, nil
}

// fromPyTorch gathers a tensor's elements (row-major over its size, through its strides and
// offset) as float32.
func fromPyTorch(t *pytorch.Tensor) (Tensor, error) {
	var data []float32
	var from func(i int) float32
	n := 0
	switch s := t.Source.(type) {
	case *pytorch.FloatStorage:
		n, from = len(s.Data), func(i int) float32 { return s.Data[i] }
	case *pytorch.HalfStorage:
		n, from = len(s.Data), func(i int) float32 { return s.Data[i] }
	case *pytorch.BFloat16Storage:
		n, from = len(s.Data), func(i int) float32 { return s.Data[i] }
	case *pytorch.DoubleStorage:
		n, from = len(s.Data), func(i int) float32 { return float32(s.Data[i]) }
	case *pytorch.LongStorage, *pytorch.IntStorage, *pytorch.ShortStorage, *pytorch.CharStorage,
		*pytorch.ByteStorage, *pytorch.BoolStorage:
		return Tensor{Shape: append([]int{}, t.Size...)}, nil // integer buffers: shape only
	default:
		return Tensor{}, fmt.Errorf("storage %s is not supported (want float, half, bfloat16 or double)", reflect.TypeOf(t.Source))
	}
	if len(t.Stride) != len(t.Size) {
		return Tensor{}, fmt.Errorf("size %v and stride %v differ in rank", t.Size, t.Stride)
	}
	total := 1
	last := t.StorageOffset // largest storage index reached
	for i, d := range t.Size {
		if d < 0 || t.Stride[i] < 0 {
			return Tensor{}, fmt.Errorf("size %v stride %v: negative", t.Size, t.Stride)
		}
		total *= d
		if d > 0 {
			last += (d - 1) * t.Stride[i]
		}
	}
	if total > 0 && (t.StorageOffset < 0 || last >= n) {
		return Tensor{}, fmt.Errorf("size %v stride %v offset %d reach past the storage's %d values", t.Size, t.Stride, t.StorageOffset, n)
	}
	data = make([]float32, total)
	idx := make([]int, len(t.Size))
	for k := range data {
		off := t.StorageOffset
		for i, v := range idx {
			off += v * t.Stride[i]
		}
		data[k] = from(off)
		for i := len(idx) - 1; i >= 0; i-- { // next index, row-major
			idx[i]++
			if idx[i] < t.Size[i] {
				break
			}
			idx[i] = 0
		}
	}
	return Tensor{Shape: append([]int{}, t.Size...), Data: data}, nil
}
