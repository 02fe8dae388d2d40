package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dast-uda/dast/app/runlog"
	"github.com/dast-uda/dast/cmd/dast/internal/load"
	"github.com/dast-uda/dast/cmd/dast/internal/pretrain"
	"github.com/dast-uda/dast/configs"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/train"
)

func init() { commands = append(commands, newPretrainCmd) }

// defaultPretrain is the config `dast pretrain` runs without --config (embedded).
const defaultPretrain = "synthetic/pretrain.yaml"

func newPretrainCmd() *cobra.Command {
	var cfg, out, export string
	var sets []string
	cmd := &cobra.Command{
		Use:   "pretrain [--config FILE] [--set key=value]... [--out RUN_DIR] [--export FILE.safetensors]",
		Short: "Pretrain a segmentor's backbone and export it as a pretrained file (the synthetic benchmark's ImageNet)",
		Long: "Train a config (without --config the embedded configs/synthetic/pretrain.yaml: supervised\n" +
			"training of segmentor.small on the synthetic generator's pretrain domain, randomised styles\n" +
			"and 7 categories), then export every segmentor variable outside its classifier from the\n" +
			"final checkpoint as a safetensors file in dast's naming, for segmentor.small's pretrained\n" +
			"option, with FILE.json beside it: config, git revision, seed, sha256. The bytes depend only\n" +
			"on the config and the platform: rerunning the command reproduces them.\n" +
			"The embedded encoder (pretrained: builtin) is made by\n" +
			"  dast pretrain --export backbones/small/pretrained/encoder.safetensors",
		Example: "  dast pretrain --out /tmp/pre --export /tmp/encoder.safetensors\n" +
			"  dast pretrain --set train.iterations=20 --export /tmp/tiny.safetensors",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := runlog.FromContext(cmd.Context())
			name, release := cfg, func() {}
			var tree *config.Tree
			var err error
			if cfg == "" {
				name = "configs/" + defaultPretrain + " (embedded)"
				tree, err = config.LoadFS(configs.FS, defaultPretrain, sets)
			} else {
				tree, release, err = load.Tree(cmd.Context(), cfg, sets)
			}
			if err != nil {
				return err
			}
			defer release()
			setup, err := train.Assemble(tree)
			if err != nil {
				return err
			}
			res, err := train.Run(cmd.Context(), setup, train.Options{RunDir: out, Log: log, NewProgress: progressFor(log)})
			if err != nil {
				return err
			}
			e, err := pretrain.Export(setup, res, name, "dast "+strings.Join(os.Args[1:], " "), export)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if res.Metrics != nil {
				fmt.Fprintf(w, "run %s: %d iterations, val mIoU %.2f over %d classes\n", res.Dir, res.Iterations, res.Metrics.MIoU, res.Metrics.NumClasses)
			}
			fmt.Fprintf(w, "exported %d tensors to %s (%d bytes, sha256 %s), provenance %s\n", len(e.Tensors), e.Path, e.Bytes, e.SHA256, e.JSONPath)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg, "config", "", "pretraining config (YAML); default the embedded configs/"+defaultPretrain)
	f.StringArrayVar(&sets, "set", nil, "override a config key (repeatable)")
	f.StringVar(&out, "out", "", "run directory (default <out_dir>/<name>, numbered when taken)")
	f.StringVar(&export, "export", "", "where to write the pretrained file (default RUN_DIR/encoder.safetensors); FILE.json gets its provenance")
	return cmd
}
