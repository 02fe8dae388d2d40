package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/dast-uda/dast/app/runlog"
	"github.com/dast-uda/dast/cmd/dast/internal/load"
	"github.com/dast-uda/dast/cmd/dast/internal/predict"
	"github.com/dast-uda/dast/core/runinfo"
)

func init() { commands = append(commands, newPredictCmd) }

func newPredictCmd() *cobra.Command {
	var cfg, ckpt, out string
	var sets []string
	var o predict.Options
	cmd := &cobra.Command{
		Use:   "predict --checkpoint RUN_DIR|FILE --out DIR [--config FILE] [--set key=value]...",
		Short: "Write a checkpoint's predictions of data.val as trainId, labelId, colour and attention PNGs",
		Long: "Predicts every image of the config's data.val (override it with --set data.val....) and\n" +
			"writes, per image <name>:\n" +
			"  DIR/trainids/<name>.png   8-bit class ids of the model (what dast score reads by default)\n" +
			"  DIR/labelids/<name>.png   Cityscapes label ids (the Cityscapes test server's format)\n" +
			"  DIR/color/<name>.png      palette PNG in the Cityscapes colours (palette index = trainId)\n" +
			"  DIR/overlay/<name>.png    with --overlay: colours blended over the input image\n" +
			"  DIR/attention/<name>.png  for models with discriminator attention (DAST): alpha x 255\n" +
			"Predictions have the ground truth's size (Cityscapes val: 1024x512 inputs, 2048x1024\n" +
			"outputs), or for unlabelled images (--set data.val.split=test) the image file's native\n" +
			"size, which the Cityscapes benchmark server expects;\n" +
			"they are computed as dast eval computes them, so 'dast score --pred DIR/trainids --gt\n" +
			"<cityscapes>/gtFine/val' gives dast eval's numbers. Without --config the run\n" +
			"directory's resolved config is used.",
		Example: "  dast predict --checkpoint runs/dast_resnet101/04-round3 --out pred\n" +
			"  dast score --pred pred/trainids --gt $DAST_CITYSCAPES_ROOT/gtFine/val",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if ckpt == "" || out == "" {
				return fmt.Errorf("--checkpoint and --out are required; usage: %s", cmd.UseLine())
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
			log := runlog.FromContext(cmd.Context())
			n, err := predict.Write(setup, file, out, o, progressFor(log))
			if err != nil {
				return err
			}
			log.Info("predictions written", zap.String("dir", out), zap.Int("images", n))
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d predictions of %s to %s\n", n, file, out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg, "config", "", "config file (default: the run directory's config.yaml)")
	f.StringVar(&ckpt, "checkpoint", "", "run directory (its newest checkpoint) or checkpoint file")
	f.StringVar(&out, "out", "", "output folder")
	f.StringArrayVar(&sets, "set", nil, "override a config key, e.g. --set data.val.split=train (repeatable)")
	f.BoolVar(&o.Overlay, "overlay", false, "also write the colours blended over the input image")
	f.IntVar(&o.Limit, "limit", 0, "predict only the first N images (0: all)")
	return cmd
}
