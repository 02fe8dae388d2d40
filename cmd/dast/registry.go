package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/dast-uda/dast/registry"
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
				release, err := loadPlugins(cmd.Context(), cfg)
				if err != nil {
					return err
				}
				defer release()
			}
			return listModules(cmd.OutOrStdout())
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
			return showModule(cmd.OutOrStdout(), strings.Join(args, "."))
		},
	})
	return cmd
}

// listModules prints every module as a KIND/NAME/DESCRIPTION table grouped by kind.
func listModules(w io.Writer) error {
	kinds := registry.Kinds()
	if len(kinds) == 0 {
		_, err := fmt.Fprintln(w, "no components are registered")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tNAME\tDESCRIPTION")
	for _, kind := range kinds {
		for _, info := range registry.List(kind) {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", kind, info.Name(), info.Description)
		}
	}
	return tw.Flush()
}

// showModule prints the description and options of module id.
func showModule(w io.Writer, id string) error {
	info, err := registry.Lookup(id)
	if err != nil {
		return err
	}
	opts, err := registry.Options(id)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: %s\n", info.ID, info.Description)
	fmt.Fprintf(w, "config block: {name: %s, ...options}\n\n", info.Name())
	if len(opts) == 0 {
		_, err := fmt.Fprintln(w, "no options")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OPTION\tTYPE\tDEFAULT\tDESCRIPTION")
	for _, o := range opts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.Key, o.Type, o.DefaultText(), o.Doc)
	}
	return tw.Flush()
}
