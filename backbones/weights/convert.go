package weights

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/dast-uda/dast/internal/atomicfile"
)

// ParseArch reads an architecture name: resnet (also resnet101, resnet50) or vgg16.
func ParseArch(s string) (Arch, error) {
	switch s {
	case "resnet", "resnet101", "resnet50":
		return ResNet, nil
	case "vgg16", "vgg":
		return VGG16, nil
	}
	return 0, fmt.Errorf("architecture %q: want resnet101, resnet50 or vgg16", s)
}

// ReadRaw reads every tensor of a weights file (.pth/.pt, .safetensors or .npz) with the file's
// own key names and PyTorch's layout; integer buffers come without data.
func ReadRaw(path string) (map[string]Tensor, error) { return readFile(path, nil) }

// Convert writes the float tensors of in (any format ReadRaw reads) to out as float32
// safetensors, keeping the file's key names and PyTorch's layout, so that loading out equals
// loading in. Integer buffers (num_batches_tracked), which dast ignores, are left out. The
// metadata records the source file's name. It returns the number of tensors written.
func Convert(in, out string) (int, error) {
	raw, err := readFile(in, nil)
	if err != nil {
		return 0, err
	}
	ts := make(map[string]checkpoint.Tensor, len(raw))
	for k, t := range raw {
		if t.Data == nil {
			continue
		}
		b := make([]byte, 4*len(t.Data))
		for i, v := range t.Data {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		ts[k] = checkpoint.Tensor{DType: "F32", Shape: append([]int{}, t.Shape...), Data: b}
	}
	if len(ts) == 0 {
		return 0, fmt.Errorf("convert %s: no float tensor", in)
	}
	meta := map[string]string{"source": filepath.Base(in), "format": "pytorch state dict, OIHW kernels"}
	err = atomicfile.WriteMkdir(out, func(f *os.File) error {
		w := bufio.NewWriter(f)
		if err := checkpoint.Write(w, ts, meta); err != nil {
			return err
		}
		return w.Flush()
	})
	if err != nil {
		return 0, fmt.Errorf("convert %s to %s: %w", in, out, err)
	}
	return len(ts), nil
}

// SortedKeys returns the keys of raw, sorted.
func SortedKeys(raw map[string]Tensor) []string {
	out := make([]string, 0, len(raw))
	for k := range raw {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ReadShapes is ReadRaw without gathering the values of .pth tensors (their shapes only), for
// listing a file.
func ReadShapes(path string) (map[string]Tensor, error) {
	return readFile(path, func(string) bool { return false })
}

// GuessArch returns the architecture whose grammar maps the most keys of raw.
func GuessArch(raw map[string]Tensor) Arch {
	best, bestN := ResNet, -1
	for _, a := range []Arch{ResNet, VGG16} {
		n := 0
		for k := range raw {
			if _, _, ok := MapKey(k, a); ok {
				n++
			}
		}
		if n > bestN {
			best, bestN = a, n
		}
	}
	return best
}
