package report

import (
	"fmt"
	"image"
	"os"
	"path/filepath"

	"github.com/dast-uda/dast/app/figures"
	"github.com/dast-uda/dast/app/matrix"
	"github.com/dast-uda/dast/classes"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/eval"
	"github.com/dast-uda/dast/core/runinfo"
	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/datasets"
)

// model is a trained model of the report: its setup and final checkpoint.
type model struct {
	label string
	setup *train.Setup
	ckpt  string
}

// modelOf loads the model of a run directory: a staged run's last stage, else the run itself.
func modelOf(dir, label string) (*model, error) {
	if _, err := os.Stat(filepath.Join(dir, train.StageFile)); err == nil {
		stages, err := train.ReadStages(dir)
		if err != nil {
			return nil, err
		}
		dir = stages[len(stages)-1].Dir
	}
	ckpt, err := runinfo.ResolveCheckpoint(dir)
	if err != nil {
		return nil, err
	}
	tree, err := config.Load(filepath.Join(dir, train.ConfigFile), nil)
	if err != nil {
		return nil, err
	}
	setup, err := train.Assemble(tree)
	if err != nil {
		return nil, err
	}
	return &model{label: label, setup: setup, ckpt: ckpt}, nil
}

// firstRun is the directory of the first finished seed of row name.
func firstRun(res matrix.Results, name string) (dir, label string, err error) {
	for _, r := range res.Rows {
		if r.Name != name {
			continue
		}
		for _, s := range r.Seeds {
			if s.MIoU != nil {
				return s.Dir, r.Label, nil
			}
		}
		return "", "", fmt.Errorf("row %q has no finished run", name)
	}
	return "", "", fmt.Errorf("no row %q in the results", name)
}

// drawPanel segments the first rep.Images target val images with the first finished seed of
// each panel row and draws them with the input, the attention map and the ground truth.
func drawPanel(path string, res matrix.Results, rep *matrix.Report) error {
	var models []*model
	for _, name := range rep.Panel {
		dir, label, err := firstRun(res, name)
		if err != nil {
			return err
		}
		m, err := modelOf(dir, label)
		if err != nil {
			return fmt.Errorf("row %s: %w", name, err)
		}
		models = append(models, m)
	}
	val := models[0].setup.Val
	if val == nil {
		return fmt.Errorf("the models have no data.val to draw")
	}
	n := min(rep.Images, val.Len())
	samples := make([]datasets.Sample, n)
	for i := range samples {
		s, err := val.Get(i)
		if err != nil {
			return fmt.Errorf("data.val sample %d: %w", i, err)
		}
		samples[i] = s
	}
	var attn *eval.View
	attnLabel := ""
	if rep.Attention != "" {
		dir, label, err := firstRun(res, rep.Attention)
		if err != nil {
			return err
		}
		m, err := modelOf(dir, label)
		if err != nil {
			return fmt.Errorf("row %s: %w", rep.Attention, err)
		}
		if attn, err = eval.ViewCheckpoint(m.setup, m.ckpt, samples); err != nil {
			return err
		}
		if attn.Attention == nil {
			return fmt.Errorf("row %s: its model has no discriminator attention to draw", rep.Attention)
		}
		attnLabel = "attention (" + label + ")"
	}
	views := make([]*eval.View, len(models))
	for i, m := range models {
		v, err := eval.ViewCheckpoint(m.setup, m.ckpt, samples)
		if err != nil {
			return fmt.Errorf("%s: %w", m.label, err)
		}
		views[i] = v
	}
	p := figures.Panel{Scale: 2, Columns: []string{"input"}}
	if attn != nil {
		p.Columns = append(p.Columns, attnLabel)
	}
	for _, m := range models {
		p.Columns = append(p.Columns, m.label)
	}
	p.Columns = append(p.Columns, "ground truth")
	present := map[uint8]bool{}
	for i, s := range samples {
		row := []image.Image{rgbImage(s)}
		if attn != nil {
			h, err := figures.HeatMap(attn.Attention[i], s.W, s.H)
			if err != nil {
				return err
			}
			row = append(row, h)
		}
		for _, v := range views {
			ids := make([]uint8, len(v.Pred[i]))
			for j, c := range v.Pred[i] {
				ids[j] = uint8(c)
				present[ids[j]] = true
			}
			img, err := classes.Colorize(ids, s.W, s.H)
			if err != nil {
				return err
			}
			row = append(row, img)
		}
		gt, err := classes.Colorize(s.Label, s.W, s.H)
		if err != nil {
			return fmt.Errorf("ground truth of %s: %w", s.Name, err)
		}
		for _, c := range s.Label {
			present[c] = true
		}
		row = append(row, gt)
		p.Cells = append(p.Cells, row)
		p.Rows = append(p.Rows, s.Name)
	}
	names := classes.Names()
	for id := range names {
		if present[uint8(id)] {
			p.Legend = append(p.Legend, figures.LegendEntry{Name: names[id], Color: classes.Color(uint8(id))})
		}
	}
	return p.WritePNG(path)
}

// rgbImage is a sample's RGB buffer as an image.
func rgbImage(s datasets.Sample) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, s.W, s.H))
	for i := 0; i < s.W*s.H; i++ {
		copy(img.Pix[4*i:4*i+3], s.RGB[3*i:3*i+3])
		img.Pix[4*i+3] = 255
	}
	return img
}
