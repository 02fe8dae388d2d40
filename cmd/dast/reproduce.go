package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dast-uda/dast/app/matrix"
	"github.com/dast-uda/dast/app/report"
	"github.com/dast-uda/dast/app/runlog"
	"github.com/dast-uda/dast/configs"
	"github.com/dast-uda/dast/core/train"
	"github.com/spf13/cobra"
	"go.uber.org/zap"
)

func init() { commands = append(commands, newReproduceCmd) }

// defaultReproduce is the matrix `dast reproduce` runs without --config (embedded).
const defaultReproduce = "synthetic/reproduce.yaml"

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
			start := time.Now()
			log := runlog.FromContext(cmd.Context())
			if out == "" && cfg == "" {
				out = filepath.Join("runs", "reproduce")
			}
			if cfg == "" {
				dir := filepath.Join(out, "configs")
				if err := writeEmbeddedConfigs(dir); err != nil {
					return err
				}
				cfg = filepath.Join(dir, defaultReproduce)
				log.Info("no --config given: running the embedded reproduction", zap.String("config", cfg))
			}
			m, err := matrix.Load(cfg)
			if err != nil {
				return err
			}
			if out == "" {
				out = m.OutDir
			}
			if out == "" {
				out = filepath.Join("runs", m.Name)
			}
			skipped := 0
			for _, j := range m.Jobs(out, sets) {
				if matrix.StateOf(j, train.MetricsFile, train.ConfigFile) == matrix.Done {
					skipped++
				}
			}
			res, runErr := runMatrix(cmd.Context(), m, out, sets, jobs)
			if runErr != nil && len(res.Rows) == 0 {
				return runErr
			}
			w, err := report.Write(out, m, res, report.Info{Command: strings.Join(os.Args, " "), Elapsed: time.Since(start), Skipped: skipped})
			stdout := cmd.OutOrStdout()
			fmt.Fprint(stdout, res.Markdown())
			if rep := m.Report; rep != nil && rep.Method != "" && rep.Baseline != "" {
				if g, ok := report.Gain(res, rep.Method, rep.Baseline); ok {
					fmt.Fprintf(stdout, "%s - %s: %+.1f mIoU\n", rep.Method, rep.Baseline, g)
				}
			}
			var order []string
			for _, r := range report.Ranking(res) {
				order = append(order, r.Label)
			}
			if len(order) > 0 {
				fmt.Fprintf(stdout, "ordering: %s\n", strings.Join(order, " > "))
			}
			for _, p := range w.Problems {
				fmt.Fprintf(stdout, "not drawn: %s\n", p)
			}
			fmt.Fprintf(stdout, "report: %s (%s)\n", w.Report, time.Since(start).Round(time.Second))
			for _, p := range []string{w.Curves, w.Panel} {
				if p != "" {
					fmt.Fprintf(stdout, "picture: %s\n", p)
				}
			}
			if runErr != nil {
				return runErr
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg, "config", "", "reproduction matrix (default: the embedded configs/"+defaultReproduce+")")
	f.StringArrayVar(&sets, "set", nil, "override a key in every row's config (repeatable)")
	f.IntVar(&jobs, "jobs", 0, "runs at once, each in its own process when > 1 (default: the matrix's jobs)")
	f.StringVar(&out, "out", "", "output directory (default runs/reproduce)")
	return cmd
}

// writeEmbeddedConfigs writes every embedded config under dir (configs/synthetic/... ->
// dir/synthetic/...), replacing older copies.
func writeEmbeddedConfigs(dir string) error {
	return fs.WalkDir(configs.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := configs.FS.ReadFile(path)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if old, err := os.ReadFile(dst); err == nil && string(old) == string(b) {
			return nil
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return fmt.Errorf("write embedded config: %w", err)
		}
		return nil
	})
}
