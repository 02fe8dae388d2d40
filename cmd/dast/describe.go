package main

import (
	"github.com/spf13/cobra"

	"github.com/dast-uda/dast/app/describe"
	"github.com/dast-uda/dast/cmd/dast/internal/load"
	"github.com/dast-uda/dast/core/backend"
)

func init() { commands = append(commands, newDescribeCmd) }

func newDescribeCmd() *cobra.Command {
	var cfg, backendSpec string
	var sets []string
	cmd := &cobra.Command{
		Use:   "describe [--config FILE] [--set key=value]...",
		Short: "Show each component's parameter count, output shapes and a training-memory estimate",
		Long: "Assemble a config and build its segmentor (E and P), its discriminators and one training\n" +
			"step on placeholder inputs of the datasets' image sizes, without computing anything and\n" +
			"without reading any dataset: the GTA5, SYNTHIA and Cityscapes modules declare their class\n" +
			"count and sample size from their options (check the files with 'dast data check').\n" +
			"A staged strategy (dast) is described by its first stage, the DA stage.\n" +
			"Prints parameter counts (PyTorch's parameters(): every variable but BN running\n" +
			"statistics), output shapes, the step's variables by scope (optimizer slots included) and\n" +
			"a memory estimate: variables + gradients + the outputs of every node of the training-step\n" +
			"graph (an upper bound without buffer reuse), and the segmentor's forward activations.",
		Example: "  dast describe --config configs/synthetic/da.yaml\n" +
			"  dast describe --config configs/gta5_cityscapes/da_resnet101.yaml\n" +
			"  dast describe --config configs/synthetic/da.yaml --set segmentor.name=resnet101",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			setup, release, err := load.AssembleDeclared(cmd.Context(), cfg, sets)
			if err != nil {
				return err
			}
			defer release()
			b, err := backend.New(backendSpec)
			if err != nil {
				return err
			}
			defer b.Finalize()
			r, err := describe.Describe(b, setup)
			if err != nil {
				return err
			}
			return r.WriteText(cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&cfg, "config", "", "config file (default: the embedded configs/synthetic/da.yaml)")
	cmd.Flags().StringArrayVar(&sets, "set", nil, "override a config key, e.g. --set segmentor.name=resnet101 (repeatable)")
	cmd.Flags().StringVar(&backendSpec, "backend", "go", "backend the graphs are built for (shapes only; go builds the pure-Go layer variants)")
	return cmd
}
