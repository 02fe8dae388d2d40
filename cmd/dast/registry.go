package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/dast-uda/dast/cmd/dast/internal/load"
	"github.com/dast-uda/dast/cmd/dast/internal/registryinfo"
)

func init() { commands = append(commands, newRegistryCmd) }

func newRegistryCmd() *cobra.Command {
	var cfg string
	cmd := &cobra.Command{
		Use:   "registry [--config FILE]",
		Short: "List the registered components (segmentors, discriminators, strategies, ...)",
		Long: "List the registered components. With --config, the plugins that config names are\n" +
			"started first, so their discriminators (discriminator.<plugin>.<name>) are listed too.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg != "" {
				release, err := load.Plugins(cmd.Context(), cfg)
				if err != nil {
					return err
				}
				defer release()
			}
			return registryinfo.WriteList(cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&cfg, "config", "", "also list the discriminators of the plugins this config names")
	cmd.AddCommand(&cobra.Command{
		Use:   "show KIND NAME",
		Short: "Show a component's options with their types and defaults",
		Long: "Show a component's options with their types and defaults. KIND NAME may also be\n" +
			"given as one ID, e.g. 'dast registry show segmentor.small'.",
		Example: "  dast registry show segmentor small",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && strings.Contains(args[0], ".") {
				return nil
			}
			return exactArgs(2)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return registryinfo.WriteModule(cmd.OutOrStdout(), strings.Join(args, "."))
		},
	})
	return cmd
}
