package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/dast-uda/dast/app/runlog"
	"github.com/dast-uda/dast/cmd/dast/internal/plugininfo"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/plugins"
)

func init() { commands = append(commands, newPluginsCmd) }

func newPluginsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plugins",
		Short: "List and inspect out-of-process discriminator plugins",
		Long: "Discriminator plugins are executables (see docs/PLUGINS.md) named in a config's\n" +
			"'plugins' list or found in its 'plugin_dirs'. Configs use their discriminators as\n" +
			"{name: <plugin>.<discriminator>, options: {...}}.",
		Args: cobra.NoArgs,
	}
	var configPath string
	var dirs []string
	var timeout time.Duration
	list := &cobra.Command{
		Use:   "list",
		Short: "Start the plugins of a config or directories and list their discriminators",
		Example: "  dast plugins list --config configs/run.yaml\n" +
			"  dast plugins list --dir plugins.d",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := plugins.Config{Dirs: dirs, Timeout: timeout}
			if configPath != "" {
				tree, err := config.Load(configPath, nil)
				if err != nil {
					return err
				}
				root, err := tree.Root()
				if err != nil {
					return err
				}
				rc := plugins.FromRoot(root)
				cfg.Plugins, cfg.Dirs = rc.Plugins, append(rc.Dirs, dirs...)
				if !cmd.Flags().Changed("timeout") {
					cfg.Timeout = rc.Timeout
				}
			}
			if len(cfg.Plugins) == 0 && len(cfg.Dirs) == 0 {
				return fmt.Errorf("no plugins configured: give --config FILE or --dir DIR")
			}
			h, err := plugins.Load(cmd.Context(), cfg, runlog.FromContext(cmd.Context()))
			if err != nil {
				return err
			}
			defer h.Close()
			return plugininfo.WriteList(cmd.OutOrStdout(), h.Plugins())
		},
	}
	list.Flags().StringVar(&configPath, "config", "", "run configuration whose plugins and plugin_dirs to load")
	list.Flags().StringArrayVar(&dirs, "dir", nil, "plugin directory (repeatable)")
	list.Flags().DurationVar(&timeout, "timeout", config.DefaultPluginTimeout, "time a plugin may take to start or answer")

	var sum string
	var inTimeout time.Duration
	inspect := &cobra.Command{
		Use:   "inspect PATH",
		Short: "Start one plugin, show its discriminators, options and default layers, and stop it",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pl, err := plugins.Inspect(cmd.Context(), args[0], sum, inTimeout, runlog.FromContext(cmd.Context()))
			if err != nil {
				return err
			}
			return plugininfo.WriteDetail(cmd.OutOrStdout(), pl)
		},
	}
	inspect.Flags().StringVar(&sum, "sha256", "", "expected hex SHA-256 of the executable")
	inspect.Flags().DurationVar(&inTimeout, "timeout", config.DefaultPluginTimeout, "time the plugin may take to start or answer")
	cmd.AddCommand(list, inspect)
	return cmd
}
