package main

import (
	"fmt"
	"path/filepath"

	"github.com/dast-uda/dast/app/runlog"
	"github.com/dast-uda/dast/cmd/dast/internal/load"
	"github.com/dast-uda/dast/core/pseudo"
	"github.com/dast-uda/dast/core/runinfo"
	"github.com/dast-uda/dast/core/train"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newPseudoCmd) }

func newPseudoCmd() *cobra.Command {
	var cfg, ckpt, out string
	var sets []string
	o := pseudo.Options{Q: 0.5, Cap: 0.9, Subsample: 1}
	cmd := &cobra.Command{
		Use:   "pseudo --checkpoint RUN_DIR|FILE --out DIR [--config FILE] [--q 0.5] [--cap 0.9] [--subsample 1]",
		Short: "Write class-balanced pseudo labels of the target training set (DAST self-training)",
		Long: "Predict every image of data.target with a checkpoint's model (a DA model applies its\n" +
			"discriminator attention) and write class-balanced pseudo labels: per class c, theta_c is\n" +
			"the confidence at portion q of the pixels predicted as c (capped, 1 for classes never\n" +
			"predicted); a pixel gets argmax_c p_c/theta_c when that ratio is >= 1, else 255. Writes\n" +
			"one trainId PNG per image and stats.json (thresholds, kept fraction per class) to DIR,\n" +
			"ready for strategy.self_training's pseudo_labels. Thresholds are exact unless\n" +
			"--subsample > 1 counts only every n-th pixel (the release uses 4).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if ckpt == "" || out == "" {
				return fmt.Errorf("--checkpoint and --out are required")
			}
			file, err := runinfo.ResolveCheckpoint(ckpt)
			if err != nil {
				return err
			}
			if cfg == "" {
				if cfg, err = load.RunConfig(filepath.Dir(filepath.Dir(file))); err != nil {
					return fmt.Errorf("no --config given and %w", err)
				}
			}
			setup, release, err := load.Assemble(cmd.Context(), cfg, sets)
			if err != nil {
				return err
			}
			defer release()
			if setup.Target == nil {
				return fmt.Errorf("%s: no target training set to label (data.target, with a strategy that trains on it)", cfg)
			}
			log := runlog.FromContext(cmd.Context())
			st, err := train.PseudoLabel(setup, file, setup.Target, out, o, progressFor(log))
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "pseudo labels of %d images in %s (q %g, cap %g); %.1f%% of pixels unlabelled\n", st.Images, out, o.Q, o.Cap, 100*st.Ignored)
			fmt.Fprintf(w, "%-14s %9s %8s\n", "class", "threshold", "kept %")
			for c, th := range st.Thresholds {
				if st.Counted != nil && st.Counted[c] == 0 {
					continue
				}
				fmt.Fprintf(w, "%-14s %9.4f %8.2f\n", setup.ClassNames[c], th, 100*st.Kept[c])
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg, "config", "", "config file (default: the run directory's config.yaml)")
	f.StringVar(&ckpt, "checkpoint", "", "run directory (its newest checkpoint) or checkpoint file")
	f.StringArrayVar(&sets, "set", nil, "override a config key (repeatable)")
	f.StringVar(&out, "out", "", "directory for the pseudo labels")
	f.Float64Var(&o.Q, "q", o.Q, "portion q of each class's confidences that sets its threshold")
	f.Float64Var(&o.Cap, "cap", o.Cap, "upper bound of every threshold")
	f.IntVar(&o.Subsample, "subsample", o.Subsample, "count every n-th pixel when collecting confidences (1 = all, exact)")
	return cmd
}
