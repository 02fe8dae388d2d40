package weights

import (
	"strconv"
	"strings"
)

// MapKey maps one file key to a dast variable name. skip reports a key ignored on purpose; ok
// reports whether the key is part of arch's grammar.
func MapKey(key string, arch Arch) (name string, skip, ok bool) {
	k := strings.TrimPrefix(key, "module.")
	k = strings.TrimPrefix(k, "Scale.")
	parts := strings.Split(k, ".")
	if len(parts) < 2 {
		return "", false, false
	}
	param := parts[len(parts)-1]
	mod := parts[:len(parts)-1]
	if param == "num_batches_tracked" {
		return "", true, false
	}
	var isBN bool
	switch arch {
	case ResNet:
		if mod[0] == "fc" || mod[0] == "layer5" {
			return "", true, false
		}
		isBN, ok = resnetModule(mod)
	case VGG16:
		if mod[0] == "classifier" {
			return "", true, false
		}
		ok = vggModule(mod)
	}
	if !ok {
		return "", false, false
	}
	var v string
	switch {
	case param == "weight" && isBN:
		v = "gamma"
	case param == "bias" && isBN:
		v = "beta"
	case param == "running_mean" && isBN:
		v = "mean"
	case param == "running_var" && isBN:
		v = "variance"
	case param == "weight":
		v = "weights"
	case param == "bias":
		v = "bias"
	default:
		return "", false, false
	}
	return strings.Join(mod, "/") + "/" + v, false, true
}

// resnetModule reports whether mod is a ResNet module path and whether it is a batch norm:
// conv1 | bn1 | layerL.B.(convN | bnN | downsample.0 | downsample.1).
func resnetModule(mod []string) (isBN, ok bool) {
	switch {
	case len(mod) == 1 && mod[0] == "conv1":
		return false, true
	case len(mod) == 1 && mod[0] == "bn1":
		return true, true
	}
	if len(mod) < 3 || len(mod) > 4 || !strings.HasPrefix(mod[0], "layer") {
		return false, false
	}
	if l, err := strconv.Atoi(mod[0][len("layer"):]); err != nil || l < 1 || l > 4 {
		return false, false
	}
	if !isIndex(mod[1]) {
		return false, false
	}
	if len(mod) == 4 {
		if mod[2] != "downsample" {
			return false, false
		}
		switch mod[3] {
		case "0":
			return false, true
		case "1":
			return true, true
		}
		return false, false
	}
	switch mod[2] {
	case "conv1", "conv2", "conv3":
		return false, true
	case "bn1", "bn2", "bn3":
		return true, true
	}
	return false, false
}

// VGGConvIndices are the positions of VGG-16's 13 convolutions in torchvision's features.
var VGGConvIndices = []int{0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28}

// vggModule reports whether mod is features.N (N a convolution of VGG-16), fc6 or fc7.
func vggModule(mod []string) bool {
	if len(mod) == 1 {
		return mod[0] == "fc6" || mod[0] == "fc7"
	}
	if len(mod) != 2 || mod[0] != "features" {
		return false
	}
	n, err := strconv.Atoi(mod[1])
	if err != nil || strconv.Itoa(n) != mod[1] {
		return false
	}
	for _, c := range VGGConvIndices {
		if c == n {
			return true
		}
	}
	return false
}

func isIndex(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && strconv.Itoa(n) == s
}
