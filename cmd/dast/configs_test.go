package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dast-uda/dast/app/matrix"
	"github.com/dast-uda/dast/backbones/resnet"
	"github.com/dast-uda/dast/backbones/vgg"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/pseudo"
	"github.com/dast-uda/dast/datasets/cityscapes"
	"github.com/dast-uda/dast/datasets/gta5"
	"github.com/dast-uda/dast/datasets/synthia"
	yaml "go.yaml.in/yaml/v3"
)

// Sizes of the generated datasets: the paper-scale configs hold out 500 GTA5 and 400 SYNTHIA
// images, and each part must keep some.
const (
	tinyGTA5    = 503
	tinySynthia = 403
)

// encodePNG encodes img once; the generators write the same bytes to many files.
func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// tinyImage is a 16x8 RGB image; tinyLabel8 a 16x8 grey label holding the given 8-bit ids;
// tinyLabel16 a 16x8 SYNTHIA label (16-bit RGB, class id in R, instance id in G).
func tinyImage() image.Image {
	m := image.NewNRGBA(image.Rect(0, 0, 16, 8))
	for i := range m.Pix {
		m.Pix[i] = uint8(i * 13)
	}
	return m
}

func tinyLabel8(ids ...uint8) image.Image {
	m := image.NewGray(image.Rect(0, 0, 16, 8))
	for i := range m.Pix {
		m.Pix[i] = ids[i%len(ids)]
	}
	return m
}

func tinyLabel16(ids ...uint16) image.Image {
	m := image.NewRGBA64(image.Rect(0, 0, 16, 8))
	for y := 0; y < 8; y++ {
		for x := 0; x < 16; x++ {
			m.SetRGBA64(x, y, color.RGBA64{R: ids[(x+y)%len(ids)], G: uint16(x * y), A: 0xffff})
		}
	}
	return m
}

// writeTinyDatasets writes GTA5, SYNTHIA and Cityscapes in their real layouts under dir and
// returns their roots.
func writeTinyDatasets(t *testing.T, dir string) (gtaRoot, synRoot, csRoot string) {
	t.Helper()
	img := encodePNG(t, tinyImage())
	gtaRoot, synRoot, csRoot = filepath.Join(dir, "gta5"), filepath.Join(dir, "synthia"), filepath.Join(dir, "cityscapes")
	gtaLabel := encodePNG(t, tinyLabel8(7, 26, 0, 23)) // road, car, unlabelled, sky
	for i := 1; i <= tinyGTA5; i++ {
		name := fmt.Sprintf("%05d.png", i)
		writeFile(t, filepath.Join(gtaRoot, "images", name), img)
		writeFile(t, filepath.Join(gtaRoot, "labels", name), gtaLabel)
	}
	synLabel := encodePNG(t, tinyLabel16(3, 8, 0, 1)) // road, car, void, sky
	for i := 1; i <= tinySynthia; i++ {
		name := fmt.Sprintf("%07d.png", i)
		writeFile(t, filepath.Join(synRoot, "RGB", name), img)
		writeFile(t, filepath.Join(synRoot, "GT", "LABELS", name), synLabel)
	}
	csLabel := encodePNG(t, tinyLabel8(7, 11, 24, 1))
	for _, split := range []string{"train", "val"} {
		for i := range 2 {
			stem := fmt.Sprintf("aachen_000000_%06d", i)
			writeFile(t, filepath.Join(csRoot, "leftImg8bit", split, "aachen", stem+cityscapes.ImageSuffix), img)
			writeFile(t, filepath.Join(csRoot, "gtFine", split, "aachen", stem+cityscapes.LabelSuffix), csLabel)
		}
	}
	return gtaRoot, synRoot, csRoot
}

// configFiles lists the YAML files under configs/, split into run configs and matrix files.
func configFiles(t *testing.T) (runs, matrices []string) {
	t.Helper()
	err := filepath.WalkDir(repoFile("configs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".yaml" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var top map[string]any
		if err := yaml.Unmarshal(b, &top); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if _, ok := top["matrix"]; ok {
			matrices = append(matrices, path)
		} else {
			runs = append(runs, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return runs, matrices
}

// dryRun runs dast train --dry-run on a config with overrides and returns its output. A
// staged config (strategy.dast) prints its stages without opening datasets, so each stage's
// config is then dry-run on its own, which assembles every component of it (self-training
// rounds get an empty pseudo-label folder).
func dryRun(t *testing.T, path string, sets []string) string {
	t.Helper()
	args := []string{"train", "--dry-run", "--config", path}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	code, out, errOut := runCLI(t, args...)
	if code != 0 || !strings.Contains(out, "ok: the config is valid") {
		t.Fatalf("dast %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	tree, err := config.Load(path, sets)
	if err != nil {
		t.Fatal(err)
	}
	st, err := stagedStrategy(tree)
	if err != nil || st == nil {
		return out
	}
	stages, err := st.Stages(tree)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	labels := filepath.Join(dir, "pseudo")
	writeFile(t, filepath.Join(labels, pseudo.StatsFile), []byte("{}\n"))
	for i, s := range stages {
		p := filepath.Join(dir, fmt.Sprintf("%02d-%s.yaml", i+1, s.Name))
		cfg, err := s.Config(tree, p)
		if err != nil {
			t.Fatal(err)
		}
		if s.Pseudo != nil {
			if cfg, err = cfg.Derive(p, config.Set("strategy.pseudo_labels", labels)); err != nil {
				t.Fatal(err)
			}
		}
		b, err := cfg.YAML()
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, p, b)
		code, sout, serr := runCLI(t, "train", "--dry-run", "--config", p)
		if code != 0 || !strings.Contains(sout, "ok: the config is valid") {
			t.Fatalf("stage %s of %s: exit %d\nstdout:\n%s\nstderr:\n%s", s.Name, path, code, sout, serr)
		}
		out += sout
	}
	return out
}

// TestEveryConfigDryRuns dry-runs every config under configs/ and every distinct row of every
// matrix file (with the row's overrides) against tiny datasets in the real GTA5, SYNTHIA and
// Cityscapes layouts, with no pretrained weights. Paper-scale configs must keep their paper
// values: checked on what the dry run prints.
func TestEveryConfigDryRuns(t *testing.T) {
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
		case <-time.After(3 * time.Minute):
			panic("TestEveryConfigDryRuns: no result after 3 minutes")
		}
	}()
	start := time.Now()
	gtaRoot, synRoot, csRoot := writeTinyDatasets(t, t.TempDir())
	t.Setenv(gta5.RootEnv, gtaRoot)
	t.Setenv(synthia.RootEnv, synRoot)
	t.Setenv(cityscapes.RootEnv, csRoot)
	// Dry runs read no weights: no file comes from the environment either.
	t.Setenv(resnet.WeightsEnv101, "")
	t.Setenv(resnet.WeightsEnv50, "")
	t.Setenv(vgg.WeightsEnv, "")
	generated := time.Since(start)

	runs, matrices := configFiles(t)
	for _, dir := range []string{"gta5_cityscapes", "synthia_cityscapes"} {
		for _, method := range []string{"source_only", "adaptsegnet", "da", "dast"} {
			for _, arch := range []string{"vgg16", "resnet101"} {
				if p := repoFile("configs", dir, method+"_"+arch+".yaml"); !slices.Contains(runs, p) {
					t.Errorf("%s is missing", p)
				}
			}
		}
	}
	for _, name := range []string{"table3_vgg16.yaml", "table3_resnet101.yaml", "table4_q.yaml"} {
		if p := repoFile("configs", "gta5_cityscapes", name); !slices.Contains(matrices, p) {
			t.Errorf("matrix file %s is missing", p)
		}
	}
	type job struct {
		path string
		sets []string
	}
	var jobs []job
	for _, r := range runs {
		jobs = append(jobs, job{r, nil})
	}
	for _, mf := range matrices {
		m, err := matrix.Load(mf)
		if err != nil {
			t.Fatalf("%s: %v", mf, err)
		}
		for _, j := range m.Jobs(t.TempDir(), nil) {
			if j.Seed != m.Seeds[0] {
				continue // seeds change nothing a dry run checks
			}
			jobs = append(jobs, job{j.Config, j.Sets})
		}
	}
	paper := regexp.MustCompile(`(gta5|synthia)_cityscapes/(\w+?)_(resnet101|vgg16)\.yaml$`)
	for _, j := range jobs {
		name, _ := filepath.Rel(repoFile("configs"), j.path)
		if len(j.sets) > 0 {
			name += " " + strings.Join(j.sets, " ")
		}
		t.Run(name, func(t *testing.T) {
			out := dryRun(t, j.path, j.sets)
			p := paper.FindStringSubmatch(filepath.ToSlash(j.path))
			if p == nil {
				return
			}
			source, method, arch := p[1], p[2], p[3]
			want := []string{
				fmt.Sprintf("segmentor  %s, 19 classes", arch),
				// A dry run reads no dataset: the counts are the releases' (after the holdout).
				fmt.Sprintf("source     %s, %d images at %s (declared", source, paperTrain[source], paperSize[source]),
				"val        cityscapes, 500 images at 1024x512 (declared",
				"150000 iterations, batch 1, lr 0.00025 (head x10), momentum 0.9, wd 0.0005, poly 0.9 over 250000",
			}
			if method != "source_only" {
				want = append(want, "target     cityscapes, 2975 images at 1024x512 (declared")
			}
			if method == "dast" {
				want = append(want, "stage 4    round3: strategy self_training, 20000 iterations, lr 0.0002",
					"20000 iterations, batch 1, lr 0.0002 (head x1), momentum 0.9, wd 0.0005, poly 0.9 over 100000")
			}
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("dry run lacks %q:\n%s", w, out)
				}
			}
			if method == "da" {
				checkSelection(t, j.path, j.sets, paperHoldout[source])
			}
		})
	}
	// The other SYNTHIA convention: a 16-class model, Cityscapes served in the 16-class space.
	t.Run("synthia 16-class model", func(t *testing.T) {
		sets := []string{"data.source.classes=16", "data.target.classes=16", "data.val.classes=16", "data.select.source.classes=16"}
		out := dryRun(t, repoFile("configs", "synthia_cityscapes", "da_resnet101.yaml"), sets)
		if !strings.Contains(out, "segmentor  resnet101, 16 classes") {
			t.Errorf("dry run of the 16-class convention:\n%s", out)
		}
	})
	t.Logf("%d dry runs (%d configs, %d matrix files) in %v; datasets generated in %v",
		len(jobs), len(runs), len(matrices), time.Since(start).Round(time.Millisecond), generated.Round(time.Millisecond))
	if !slices.ContainsFunc(runs, func(r string) bool { return strings.HasSuffix(r, "dast_resnet101.yaml") }) {
		t.Error("no dast_resnet101.yaml found under configs/")
	}
}

// paperHoldout is the number of held-out source images the paper validates on.
var paperHoldout = map[string]int{"gta5": 500, "synthia": 400}

// paperTrain and paperSize are the source training images left beside them (24,966 and 9,400
// in the releases) and the size the paper configs resize them to.
var (
	paperTrain = map[string]int{"gta5": 24466, "synthia": 9000}
	paperSize  = map[string]string{"gta5": "1280x720", "synthia": "1280x760"}
)

// checkSelection assembles a DA config and checks its snapshot-selection set: the held-out
// source images, once per FDA beta (0.5 and 0.9).
func checkSelection(t *testing.T, path string, sets []string, heldOut int) {
	t.Helper()
	setup, release, err := assemble(t.Context(), path, sets)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	var betas []float64
	for _, part := range setup.Select {
		betas = append(betas, part.Beta)
		if part.Data.Len() != heldOut {
			t.Errorf("selection set (beta %g) has %d images, want the %d held out", part.Beta, part.Data.Len(), heldOut)
		}
	}
	if !slices.Equal(betas, []float64{0.5, 0.9}) {
		t.Errorf("selection betas %v, want [0.5 0.9]", betas)
	}
}
