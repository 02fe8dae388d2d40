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
		Args:  cobra.NoArgs,
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
				if err := backend.Try(try); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: constructed and ran a test computation\n", try)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&try, "try", "", "also construct this backend (e.g. xla:cuda) and run a test computation on it")
	return cmd
}
