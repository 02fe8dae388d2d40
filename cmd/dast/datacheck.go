package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/dast-uda/dast/app/runlog"
	"github.com/dast-uda/dast/cmd/dast/internal/datacheck"
	"github.com/dast-uda/dast/cmd/dast/internal/load"
)

func init() { commands = append(commands, newDataCmd) }

func newDataCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "data",
		Short: "Check the datasets a config names, on disk",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newDataCheckCmd())
	return cmd
}

func newDataCheckCmd() *cobra.Command {
	var cfg string
	var sets []string
	var opts datacheck.Options
	cmd := &cobra.Command{
		Use:   "check --config FILE [--set key=value]... [--deep]",
		Short: "Walk every dataset of a config: counts, sizes, label formats and values, unreadable files",
		Long: "For each on-disk dataset block of the config (data.source, data.target, data.val,\n" +
			"data.select.*), lists its files and compares the count with the release's (GTA5 24,966,\n" +
			"SYNTHIA-RAND-CITYSCAPES 9,400, Cityscapes train 2,975 / val 500, after the holdout), then\n" +
			"reads every image and label PNG's header and trailer: missing, unreadable or truncated\n" +
			"files, labels whose size differs from their image's (a warning: the loader resizes them),\n" +
			"and label files of the wrong kind\n" +
			"(SYNTHIA GT/LABELS must be 16-bit, Cityscapes labelIds 8-bit grey, GTA5 8-bit palette or\n" +
			"grey). --deep also decodes every pixel and reports label values outside the dataset's id\n" +
			"table (Cityscapes/GTA5 label ids 0-33, SYNTHIA class ids 0-22). Prints a table and the\n" +
			"files at fault; exits 1 when anything is wrong.",
		Example: "  dast data check --config configs/gta5_cityscapes/da_resnet101.yaml\n" +
			"  dast data check --config configs/synthia_cityscapes/da_vgg16.yaml --deep",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg == "" {
				return fmt.Errorf("--config is required")
			}
			tree, release, err := load.Tree(cmd.Context(), cfg, sets)
			if err != nil {
				return err
			}
			defer release()
			log := runlog.FromContext(cmd.Context())
			opts.Progress = func(total int) datacheck.Progress { return progress{runlog.NewProgress(total, "data check", log)} }
			reports, err := datacheck.Check(tree, opts)
			if err != nil {
				return err
			}
			n := datacheck.WriteReports(cmd.OutOrStdout(), reports, opts.MaxList)
			if n > 0 {
				return fmt.Errorf("data check: %d problem(s) in %s", n, cfg)
			}
			log.Info("data check passed", zap.String("config", cfg))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg, "config", "", "config file whose datasets to check")
	f.StringArrayVar(&sets, "set", nil, "override a config key, e.g. --set data.source.root=/data/gta5 (repeatable)")
	f.BoolVar(&opts.Deep, "deep", false, "decode every image and label (label values against the id table); slower")
	f.BoolVar(&opts.NoCount, "no-count-check", false, "do not compare the number of images with the release's (subsets, list files)")
	f.IntVar(&opts.MaxList, "max-list", 10, "files listed per kind of problem")
	return cmd
}
