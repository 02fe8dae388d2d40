package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/dast-uda/dast/core/backend"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newDoctorCmd) }

func newDoctorCmd() *cobra.Command {
	var try string
	cmd := &cobra.Command{
		Use:   "doctor [--try SPEC]",
		Short: "Say which compute backends are usable here, and why not",
		Long: "Lists the pure-Go backend (with a test computation), the NVIDIA GPUs (nvidia-smi), XLA_FLAGS\n" +
			"and the PJRT client options of the environment, and the PJRT CUDA plugin: where it was\n" +
			"found, the CUDA data dir given to XLA and, where a GPU is present, the plugin's PJRT C API\n" +
			"version against go-xla's header. --try SPEC also constructs that backend (e.g. xla:cuda)\n" +
			"and computes on it; it exits non-zero when that fails.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "BACKEND\tUSABLE\tDETAIL")
			for _, c := range backend.Doctor() {
				ok := "no"
				if c.OK {
					ok = "yes"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\n", c.Spec, ok, c.Detail)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if try != "" {
				desc, err := backend.TryDescribe(try)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: constructed and ran a test computation (%s)\n", try, desc)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&try, "try", "", "also construct this backend (e.g. xla:cuda) and run a test computation on it")
	return cmd
}
