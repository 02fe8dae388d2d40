package weights

import (
	"bytes"
	"fmt"

	"github.com/dast-uda/dast/core/checkpoint"
)

// ReadNative reads a safetensors file in dast's own naming and layout (names relative to the
// segmentor's scope, kernels HWIO), as `dast pretrain` exports it; path names it in messages.
func ReadNative(path string, data []byte) (*Set, error) {
	raw, _, err := checkpoint.Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("pretrained %s: %w", path, err)
	}
	s := &Set{Path: path, Arch: Native, Tensors: map[string]Tensor{}, Source: map[string]string{}}
	for name, t := range raw {
		if t.DType != "F32" && t.DType != "F64" {
			return nil, fmt.Errorf("pretrained %s: tensor %q: dtype %s, want F32 or F64", path, name, t.DType)
		}
		v, err := fromSafetensors(t)
		if err != nil {
			return nil, fmt.Errorf("pretrained %s: tensor %q: %w", path, name, err)
		}
		s.Tensors[name], s.Source[name] = v, name
	}
	if len(s.Tensors) == 0 {
		return nil, fmt.Errorf("pretrained %s: no tensors", path)
	}
	return s, nil
}
