// Package weights imports pretrained backbone weights (ImageNet ResNets and VGG-16) from local
// files with PyTorch key names onto dast's variable names, converting convolution kernels from
// PyTorch's OIHW to dast's HWIO layout. Formats: PyTorch checkpoints as users download them
// (.pth/.pt: torch.save's zip format and the legacy pickle format, read with gopickle),
// .safetensors and .npz.
//
// Accepted key namings:
//
//   - torchvision: conv1.weight, bn1.running_mean, layer1.0.conv1.weight,
//     layer1.0.downsample.1.weight, ... (ResNet); features.N.weight/bias (VGG-16).
//   - DeepLab-v2 PyTorch ports (the "DeepLab_resnet_pretrained_init" files AdaptSegNet and DAST
//     start from): the same names behind a "Scale." prefix, plus the VOC classifier
//     Scale.layer5.conv2d_list.N.*. A "module." prefix (DataParallel) is stripped too.
//
// ImageNet or VOC heads (fc.*, classifier.* of VGG, layer5.*) and num_batches_tracked are
// ignored on purpose; other keys that map onto no dast variable are reported as unexpected.
//
// Mapping onto dast names (scope/name, relative to the segmentor's scope):
//
//	conv weight [O,I,KH,KW]    -> <module>/weights [KH,KW,I,O]
//	conv bias                  -> <module>/bias
//	bn weight, bias            -> <module>/gamma, <module>/beta
//	bn running_mean, _var      -> <module>/mean, <module>/variance
//
// where <module> is the PyTorch module path with "/" for ".". A Set applies the weights to a
// GoMLX context as the variables' initial values through a context.Loader.
package weights

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Arch selects the key grammar of an architecture.
type Arch int

const (
	// ResNet is torchvision's (and the DeepLab-v2 ports') ResNet naming.
	ResNet Arch = iota
	// VGG16 is torchvision's VGG-16 naming (features.N) plus DeepLab's fc6/fc7.
	VGG16
	// Native is dast's own naming and layout (a dast pretrain export): no mapping.
	Native
)

func (a Arch) String() string {
	switch a {
	case ResNet:
		return "resnet"
	case VGG16:
		return "vgg16"
	case Native:
		return "dast"
	}
	return fmt.Sprintf("Arch(%d)", int(a))
}

// Tensor is one float32 array in dast's layout, row-major.
type Tensor struct {
	Shape []int
	Data  []float32
}

// Set is a pretrained file mapped onto dast's variable names.
type Set struct {
	Path string
	Arch Arch
	// Tensors maps dast variable names relative to the segmentor's scope
	// ("layer1/0/conv1/weights") to their values, already in dast's layout.
	Tensors map[string]Tensor
	// Source maps each dast name to the file key it came from.
	Source map[string]string
	// Ignored lists the file keys skipped on purpose (ImageNet/VOC heads, num_batches_tracked).
	Ignored []string
	// Unexpected lists the file keys that map onto no dast variable.
	Unexpected []string

	checked bool // Use has checked the set against the model
}

// Load reads path (.pth/.pt, .safetensors or .npz) and maps its keys for arch.
func Load(path string, arch Arch) (*Set, error) {
	raw, err := readFile(path, func(key string) bool { _, skip, _ := MapKey(key, arch); return !skip })
	if err != nil {
		return nil, err
	}
	set, err := Map(raw, arch)
	if err != nil {
		return nil, fmt.Errorf("pretrained %s: %w", path, err)
	}
	set.Path = path
	return set, nil
}

// LoadStrict is Load for a segmentor's `pretrained` option: keys of the file that map to no
// variable of arch are an error unless allowPartial.
func LoadStrict(path string, arch Arch, allowPartial bool) (*Set, error) {
	set, err := Load(path, arch)
	if err != nil {
		return nil, fmt.Errorf("pretrained: %w", err)
	}
	if len(set.Unexpected) > 0 && !allowPartial {
		return nil, fmt.Errorf("pretrained %s: %d unexpected keys (set allow_partial to ignore them): %s",
			path, len(set.Unexpected), Abbrev(set.Unexpected, 8))
	}
	return set, nil
}

// Map maps file tensors (PyTorch layout, keyed by PyTorch names) onto dast names for arch.
// Tensors may come without data (Data nil) to check names and shapes only.
func Map(raw map[string]Tensor, arch Arch) (*Set, error) {
	s := &Set{Arch: arch, Tensors: map[string]Tensor{}, Source: map[string]string{}}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		name, skip, ok := MapKey(key, arch)
		switch {
		case skip:
			s.Ignored = append(s.Ignored, key)
			continue
		case !ok:
			s.Unexpected = append(s.Unexpected, key)
			continue
		}
		if prev, dup := s.Source[name]; dup {
			return nil, fmt.Errorf("keys %q and %q both map onto %s", prev, key, name)
		}
		t := raw[key]
		if strings.HasSuffix(name, "/weights") {
			if len(t.Shape) != 4 {
				return nil, fmt.Errorf("key %q: convolution kernel must be 4-D [O,I,KH,KW], has shape %v", key, t.Shape)
			}
			t = OIHWToHWIO(t)
		} else if len(t.Shape) != 1 {
			return nil, fmt.Errorf("key %q: want a 1-D tensor, has shape %v", key, t.Shape)
		}
		s.Tensors[name] = t
		s.Source[name] = key
	}
	if len(s.Tensors) == 0 {
		return nil, fmt.Errorf("no key maps onto a %s variable (first keys: %s)", arch, Abbrev(keys, 5))
	}
	return s, nil
}

// Names returns the mapped dast names, sorted.
func (s *Set) Names() []string {
	out := make([]string, 0, len(s.Tensors))
	for k := range s.Tensors {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Summary is a one-line description of the set.
func (s *Set) Summary() string {
	n := 0
	for _, t := range s.Tensors {
		n += len(t.Data)
	}
	return fmt.Sprintf("%s: %d tensors (%d values) for %s, %d keys ignored, %d unexpected",
		filepath.Base(s.Path), len(s.Tensors), n, s.Arch, len(s.Ignored), len(s.Unexpected))
}

// OIHWToHWIO transposes a PyTorch kernel [O,I,KH,KW] to dast's [KH,KW,I,O]. A tensor without
// data (shape only, as in key-set checks) gets the transposed shape only.
func OIHWToHWIO(t Tensor) Tensor {
	o, in, kh, kw := t.Shape[0], t.Shape[1], t.Shape[2], t.Shape[3]
	if t.Data == nil {
		return Tensor{Shape: []int{kh, kw, in, o}}
	}
	out := make([]float32, len(t.Data))
	for a := range o {
		for b := range in {
			for y := range kh {
				for x := range kw {
					out[((y*kw+x)*in+b)*o+a] = t.Data[((a*in+b)*kh+y)*kw+x]
				}
			}
		}
	}
	return Tensor{Shape: []int{kh, kw, in, o}, Data: out}
}

// Abbrev joins at most n items of list, noting how many were left out.
func Abbrev(list []string, n int) string {
	if len(list) <= n {
		return strings.Join(list, ", ")
	}
	return fmt.Sprintf("%s, ... (%d more)", strings.Join(list[:n], ", "), len(list)-n)
}

// Pretrained resolves a backbone's pretrained-weights option: path, else the environment
// variable env (when env is not ""). With a file it loads it strictly (LoadStrict). With
// neither it returns no set and a warning for the trainer to log (id names the segmentor):
// not an error, because dry runs, describe, checkpoint evaluation and init_from rounds build a
// segmentor without needing ImageNet weights.
func Pretrained(id, path, env string, arch Arch, allowPartial bool) (set *Set, resolved, warning string, err error) {
	if path == "" && env != "" {
		path = os.Getenv(env)
	}
	if path == "" {
		where := "segmentor.pretrained is empty"
		if env != "" {
			where = fmt.Sprintf("segmentor.pretrained and $%s are empty", env)
		}
		return nil, "", fmt.Sprintf("%s: NO PRETRAINED WEIGHTS (%s): the backbone trains from random initialisation; "+
			"the paper's results need ImageNet weights (a torchvision or DeepLab-init .pth, or .safetensors/.npz)", id, where), nil
	}
	set, err = LoadStrict(path, arch, allowPartial)
	return set, path, "", err
}
