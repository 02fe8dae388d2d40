package main

import (
	"fmt"

	"github.com/dast-uda/dast/datasets/synthetic"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newSynthCmd) }

func newSynthCmd() *cobra.Command {
	var out string
	var trainN, valN, height, width int
	var seed int64
	var shift float64
	cmd := &cobra.Command{
		Use:   "synth --out DIR [--train N] [--val N] [--height H] [--width W] [--seed S]",
		Short: "Write the synthetic benchmark to disk in the GTA5 (source) and Cityscapes (target) layouts",
		Long: "Write the built-in synthetic benchmark as files: the source domain in the GTA5 layout\n" +
			"(DIR/gta5/images, DIR/gta5/labels with Cityscapes label ids) and the target domain in the\n" +
			"Cityscapes layout (DIR/cityscapes/leftImg8bit/{train,val}, gtFine/..._gtFine_labelIds.png),\n" +
			"so the real-dataset loaders read it unchanged.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("--out DIR is required")
			}
			src := synthetic.DefaultConfig()
			src.Domain, src.Height, src.Width, src.Seed = synthetic.Source, height, width, seed
			tgt := src
			tgt.Domain, tgt.Shift = synthetic.Target, shift
			if err := synthetic.WriteLayout(out, src, tgt, trainN, valN); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d source and %d+%d target images of %dx%d to %s\n", trainN, trainN, valN, width, height, out)
			return nil
		},
	}
	d := synthetic.DefaultConfig()
	f := cmd.Flags()
	f.StringVar(&out, "out", "", "output directory")
	f.IntVar(&trainN, "train", 100, "training images per domain")
	f.IntVar(&valN, "val", 20, "target validation images")
	f.IntVar(&height, "height", d.Height, "image height")
	f.IntVar(&width, "width", d.Width, "image width")
	f.Int64Var(&seed, "seed", d.Seed, "benchmark seed")
	f.Float64Var(&shift, "shift", d.Shift, "domain-gap strength of the target (1 = default)")
	return cmd
}
