package main

import (
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dast-uda/dast/cmd/dast/internal/reproduce"
)

func init() { commands = append(commands, newReproduceCmd) }

func newReproduceCmd() *cobra.Command {
	var cfg, out string
	var sets []string
	var jobs int
	cmd := &cobra.Command{
		Use:   "reproduce [--config MATRIX.yaml] [--out DIR] [--set key=value]... [--jobs N]",
		Short: "Run source-only, AdaptSegNet, DA and DAST with 5 seeds and write the paper-style report with paired intervals",
		Long: "Run a reproduction matrix and write its report. Without --config it runs the embedded\n" +
			"configs/synthetic/reproduce.yaml on the built-in synthetic benchmark: source-only,\n" +
			"AdaptSegNet, DA (DAST's first stage) and DAST, seeds 1-5, the embedded configs written to\n" +
			"DIR/configs first so the run directories point at files that exist.\n" +
			"Prints the Table-1-style result and writes DIR/report.md, results.json/csv/md, the mIoU-vs-\n" +
			"iteration figure of the DA stage on target val and on the FDA selection set, and a panel\n" +
			"of segmentations. Finished runs are skipped and interrupted ones resumed.",
		Example: "  dast reproduce\n" +
			"  dast reproduce --out /tmp/smoke --set train.iterations=2 --set data.val.size=4",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return reproduce.Run(cmd.Context(), cmd.OutOrStdout(), reproduce.Options{Config: cfg, Out: out, Sets: sets, Jobs: jobs, Command: strings.Join(os.Args, " ")})
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg, "config", "", "reproduction matrix (default: the embedded configs/"+reproduce.DefaultConfig+")")
	f.StringArrayVar(&sets, "set", nil, "override a key in every row's config (repeatable)")
	f.IntVar(&jobs, "jobs", 0, "runs at once, each in its own process when > 1 (default: the matrix's jobs)")
	f.StringVar(&out, "out", "", "output directory (default runs/reproduce)")
	return cmd
}
