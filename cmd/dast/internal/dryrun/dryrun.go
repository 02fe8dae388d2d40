// Package dryrun prints what dast train --dry-run shows of a config: the components it
// assembles (datasets as their modules declare them), or the stages of a staged strategy.
package dryrun

import (
	"fmt"
	"io"
	"strings"

	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/datasets"
)

// WriteSetup prints what a config assembles.
func WriteSetup(w io.Writer, s *train.Setup) error {
	r := s.Root
	fmt.Fprintf(w, "config     %s\n", s.Tree.Path())
	fmt.Fprintf(w, "name       %s (seed %d, backend %s)\n", r.Name, r.Seed, r.Backend)
	fmt.Fprintf(w, "strategy   %s\n", s.StrategyName)
	fmt.Fprintf(w, "segmentor  %s, %d classes, feature channels %d\n", r.Segmentor.Name(), s.Classes, s.Seg.FeatureChannels())
	for _, role := range sortedRoles(r.Discriminators) {
		fmt.Fprintf(w, "disc       %s: %s\n", role, r.Discriminators[role].Name())
	}
	fmt.Fprintf(w, "source     %s, %s\n", r.Data.Source.Name(), imageCount(s.Source))
	if s.Target != nil {
		fmt.Fprintf(w, "target     %s, %s\n", r.Data.Target.Name(), imageCount(s.Target))
	}
	if s.Val != nil {
		fmt.Fprintf(w, "val        %s, %s\n", r.Data.Val.Name(), imageCount(s.Val))
	}
	t := r.Train
	fmt.Fprintf(w, "train      %d iterations, batch %d, lr %g (head x%g), momentum %g, wd %g, poly %g over %d; disc Adam lr %g betas (%g, %g)\n",
		t.Iterations, t.BatchSize, t.LR, t.HeadLRMult, t.Momentum, t.WeightDecay, t.PolyPower, t.Horizon(), t.DiscLR, t.DiscBeta1, t.DiscBeta2)
	fmt.Fprintln(w, "ok: the config is valid")
	return nil
}

// WriteStages prints the stages of a pipeline strategy and validates the first one.
func WriteStages(w io.Writer, tree *config.Tree, st train.Staged) error {
	stages, err := st.Stages(tree)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "config     %s\n", tree.Path())
	for i, s := range stages {
		cfg, err := s.Config(tree, fmt.Sprintf("%02d-%s.yaml", i+1, s.Name))
		if err != nil {
			return err
		}
		r, err := cfg.Root()
		if err != nil {
			return fmt.Errorf("stage %s: %w", s.Name, err)
		}
		line := fmt.Sprintf("stage %d    %s: strategy %v, %v iterations, lr %v", i+1, s.Name, r.Strategy.Name(), r.Train.Iterations, r.Train.LR)
		if s.Pseudo != nil {
			line += fmt.Sprintf(", pseudo labels q %g cap %g from the previous stage", s.Pseudo.Q, s.Pseudo.Cap)
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w, "ok: the config is valid")
	return nil
}

func sortedRoles[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && strings.Compare(out[j], out[j-1]) < 0; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// imageCount says how many images a dataset has, and whether that count is declared (not
// read from disk) and its sample size.
func imageCount(ds datasets.Dataset) string {
	d, ok := ds.(*train.Declared)
	if !ok {
		return fmt.Sprintf("%d images", ds.Len())
	}
	n := "a list file's images"
	if d.Facts.Images > 0 {
		n = fmt.Sprintf("%d images", d.Facts.Images)
	}
	return fmt.Sprintf("%s at %dx%d (declared by the module, not read from disk; dast data check reads them)", n, d.Facts.Width, d.Facts.Height)
}
