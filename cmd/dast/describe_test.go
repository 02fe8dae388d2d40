package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/dast-uda/dast/backbones/resnet"
	"github.com/dast-uda/dast/backbones/vgg"
	"github.com/dast-uda/dast/datasets/cityscapes"
	"github.com/dast-uda/dast/datasets/gta5"
	"github.com/dast-uda/dast/datasets/synthia"
)

// TestDescribePaperConfigsWithoutData describes every paper config with no dataset and no
// weights anywhere: the sizes come from the config and the modules' declared facts. The
// DeepLab-v2 segmentors have the parameter counts of their PyTorch releases (ResNet-101
// 43,901,068, VGG-16 29,573,004, 19 classes) and AdaptSegNet's corrector 2,781,121.
func TestDescribePaperConfigsWithoutData(t *testing.T) {
	for _, env := range []string{gta5.RootEnv, synthia.RootEnv, cityscapes.RootEnv, resnet.WeightsEnv101, resnet.WeightsEnv50, vgg.WeightsEnv} {
		t.Setenv(env, "")
	}
	params := map[string]string{"resnet101": "43,901,068", "vgg16": "29,573,004"}
	sizes := map[string]string{"gta5": "source 720x1280", "synthia": "source 760x1280"}
	paper := regexp.MustCompile(`(gta5|synthia)_cityscapes/(\w+?)_(resnet101|vgg16)\.yaml$`)
	runs, _ := configFiles(t)
	n := 0
	for _, path := range runs {
		p := paper.FindStringSubmatch(path)
		if p == nil {
			continue
		}
		n++
		source, method, arch := p[1], p[2], p[3]
		t.Run(source+"/"+method+"_"+arch, func(t *testing.T) {
			code, out, errOut := runCLI(t, "describe", "--config", path)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			segRow := regexp.MustCompile(`segmentor E\+P\s+` + params[arch])
			if method == "source_only" {
				segRow = regexp.MustCompile(`\stotal\s+` + params[arch])
			}
			want := []*regexp.Regexp{segRow, regexp.MustCompile(regexp.QuoteMeta(sizes[source]))}
			if method != "source_only" {
				want = append(want, regexp.MustCompile(`corrector\s+2,781,121\s+2,781,121`), regexp.MustCompile("target 512x1024"))
			}
			if method == "da" || method == "dast" {
				want = append(want, regexp.MustCompile(`discoverer\s+[\d,]+`))
			}
			for _, re := range want {
				if !re.MatchString(out) {
					t.Errorf("describe lacks %s:\n%s", re, out)
				}
			}
			if !strings.Contains(out, "training-step memory estimate") {
				t.Errorf("no memory estimate:\n%s", out)
			}
		})
	}
	if n != 16 {
		t.Errorf("%d paper configs described, want 16 (2 benchmarks x 4 methods x 2 backbones)", n)
	}
}
