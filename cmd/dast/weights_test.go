package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestWeightsCommands: inspect maps and strictly checks a DeepLab-init .pth against
// resnet101, a VGG file against resnet101 is an error, and convert writes a safetensors file
// that checks the same.
func TestWeightsCommands(t *testing.T) {
	data := func(name string) string { return repoFile("backbones", "weights", "testdata", name) }
	out := filepath.Join(t.TempDir(), "vgg.safetensors")
	tests := []struct {
		args     []string
		wantCode int
		want     string
	}{
		{[]string{"weights", "inspect", data("deeplab_resnet101_init_tiny_legacy.pth"), "--segmentor", "resnet101"}, 0,
			"520 keys map onto dast variables (42,605,504 values), 8 ignored, 0 unexpected"},
		{[]string{"weights", "inspect", data("torchvision_vgg16_tiny.pth"), "--all"}, 0, "features.28.weight   [512 512 3 3]  features/28/weights"},
		{[]string{"weights", "inspect", data("torchvision_vgg16_tiny.pth"), "--segmentor", "resnet101"}, 1, "no key maps onto a resnet variable"},
		{[]string{"weights", "convert", data("torchvision_vgg16_tiny_legacy.pth"), out}, 0, "32 tensors"},
		{[]string{"weights", "inspect", out, "--segmentor", "vgg16"}, 0, "loads strictly into segmentor vgg16"},
		{[]string{"weights", "inspect", data("missing.pth")}, 1, "missing.pth"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, tt.args...)
		if code != tt.wantCode || !strings.Contains(stdout+stderr, tt.want) {
			t.Errorf("dast %s: exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", strings.Join(tt.args, " "), code, tt.wantCode, tt.want, stdout, stderr)
		}
	}
}
