package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dast-uda/dast/backbones/weights"
	"github.com/dast-uda/dast/cmd/dast/internal/weightinfo"
)

func init() { commands = append(commands, newWeightsCmd) }

func newWeightsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "weights",
		Short: "Inspect and convert pretrained backbone weights (.pth, .safetensors, .npz)",
		Long: "Pretrained ImageNet weights are read directly from the PyTorch files users have:\n" +
			"torchvision resnet101-*.pth / resnet50-*.pth / vgg16-*.pth and the DeepLab-v2\n" +
			"DeepLab_resnet_pretrained_init-*.pth of AdaptSegNet and DAST (zip or legacy format).\n" +
			"Point segmentor.pretrained (or DAST_RESNET101_WEIGHTS, DAST_VGG16_WEIGHTS) at one.",
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newWeightsInspectCmd(), newWeightsConvertCmd())
	return cmd
}

func newWeightsInspectCmd() *cobra.Command {
	var arch, seg string
	var all bool
	cmd := &cobra.Command{
		Use:   "inspect FILE [--arch resnet101|vgg16] [--segmentor NAME] [--all]",
		Short: "List a weights file's keys, how they map onto dast's variables, and check it against a segmentor",
		Long: "Reads FILE (.pth/.pt, .safetensors or .npz) and prints how many keys map onto dast\n" +
			"variables, which are ignored on purpose (ImageNet/VOC heads, num_batches_tracked) and\n" +
			"which are unexpected. --all lists every key with its shape and dast name. --segmentor\n" +
			"builds that segmentor (resnet101, resnet50, vgg16) with FILE as its pretrained weights and\n" +
			"reports, strictly, every missing, unused or mis-shaped variable: exit 1 when it does not fit.",
		Example: "  dast weights inspect resnet101-63fe2227.pth --segmentor resnet101\n" +
			"  dast weights inspect DeepLab_resnet_pretrained_init-f81d91e8.pth --all",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return weightinfo.Inspect(cmd.OutOrStdout(), args[0], arch, seg, all)
		},
	}
	cmd.Flags().StringVar(&arch, "arch", "", "key grammar: resnet101, resnet50 or vgg16 (default: the one that maps most keys)")
	cmd.Flags().StringVar(&seg, "segmentor", "", "check the file strictly against this segmentor (resnet101, resnet50, vgg16)")
	cmd.Flags().BoolVar(&all, "all", false, "list every key")
	return cmd
}

func newWeightsConvertCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "convert IN OUT.safetensors",
		Short: "Convert a PyTorch .pth (or .npz) state dict to safetensors, keys and layout unchanged",
		Long: "Writes every float tensor of IN as float32 safetensors under its own key name, in PyTorch's\n" +
			"layout, so that OUT loads exactly as IN does (integer buffers such as num_batches_tracked,\n" +
			"which dast ignores, are left out). Reading a .pth is not slower than reading safetensors\n" +
			"by much; convert when another tool wants safetensors.",
		Example: "  dast weights convert resnet101-63fe2227.pth resnet101.safetensors",
		Args:    exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := weights.Convert(args[0], args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d tensors from %s\n", args[1], n, args[0])
			return nil
		},
	}
}
