package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dast-uda/dast/app/runlog"
	"github.com/dast-uda/dast/cmd/dast/internal/bootstrap"
	"github.com/dast-uda/dast/cmd/dast/internal/load"
	"github.com/dast-uda/dast/core/eval"
	"github.com/dast-uda/dast/core/runinfo"
	"github.com/dast-uda/dast/core/train"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newEvalCmd) }

func newEvalCmd() *cobra.Command {
	var cfg, ckpt, out string
	var sets []string
	var resamples int
	cmd := &cobra.Command{
		Use:   "eval --checkpoint RUN_DIR|FILE [--config FILE] [--set key=value]... [--out FILE]",
		Short: "Evaluate a checkpoint on the config's data.val: per-class IoU and mIoU",
		Long: "Evaluate a checkpoint (a run directory's newest, or a checkpoint file) on data.val and\n" +
			"print per-class IoU and mIoU; classes absent from both prediction and ground truth are\n" +
			"excluded (null in JSON). Writes metrics.json (default RUN_DIR/eval/metrics.json).\n" +
			"Without --config the run directory's resolved config is used. --bootstrap N measures the\n" +
			"val set's sampling noise instead: the spread of the mIoU over N resamples of its images.",
		Example: "  dast eval --checkpoint runs/source_only\n" +
			"  dast eval --config configs/synthetic/da.yaml --checkpoint runs/da/checkpoints/ckpt-00002000.safetensors",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if ckpt == "" {
				return fmt.Errorf("--checkpoint is required")
			}
			file, err := runinfo.ResolveCheckpoint(ckpt)
			if err != nil {
				return err
			}
			runDir := filepath.Dir(filepath.Dir(file))
			if cfg == "" {
				if cfg, err = load.RunConfig(runDir); err != nil {
					return fmt.Errorf("no --config given and %w", err)
				}
			}
			setup, release, err := load.Assemble(cmd.Context(), cfg, sets)
			if err != nil {
				return err
			}
			defer release()
			log := runlog.FromContext(cmd.Context())
			if resamples > 0 {
				bs, err := bootstrap.Val(setup, file, resamples)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "checkpoint %s: mIoU %.2f on %d val images; bootstrap over images (%d resamples): std %.2f, 95%% range [%.2f, %.2f]\n",
					file, bs.MIoU, bs.Images, bs.Resamples, bs.Std, bs.Lo, bs.Hi)
				return nil
			}
			m, err := eval.Checkpoint(setup, file, func(total int) train.Progress {
				return progressFor(log)(total, "eval")
			})
			if err != nil {
				return err
			}
			if out == "" {
				out = filepath.Join(runDir, "eval", train.MetricsFile)
			}
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				return err
			}
			if err := runinfo.WriteMetrics(out, m, file, setup.Root.Backend); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "checkpoint %s (iteration %d)\n%s", file, m.Iteration, m.Table())
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg, "config", "", "config file (default: the run directory's config.yaml)")
	f.StringVar(&ckpt, "checkpoint", "", "run directory (its newest checkpoint) or checkpoint file")
	f.StringArrayVar(&sets, "set", nil, "override a config key (repeatable)")
	f.StringVar(&out, "out", "", "metrics.json path (default RUN_DIR/eval/metrics.json)")
	f.IntVar(&resamples, "bootstrap", 0, "instead: score every val image alone and print the mIoU's sampling noise over N resamples of the images (with replacement)")
	return cmd
}
