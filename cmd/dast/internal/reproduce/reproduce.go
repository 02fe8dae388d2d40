// Package reproduce runs a reproduction matrix and writes its paper-style report (dast
// reproduce): by default the embedded synthetic matrix, its configs first written to disk so
// that the run directories point at files that exist.
package reproduce

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/dast-uda/dast/app/matrix"
	"github.com/dast-uda/dast/app/report"
	"github.com/dast-uda/dast/app/runlog"
	"github.com/dast-uda/dast/cmd/dast/internal/matrixrun"
	"github.com/dast-uda/dast/configs"
	"github.com/dast-uda/dast/core/train"
)

// DefaultConfig is the embedded matrix Run runs without a Config.
const DefaultConfig = "synthetic/reproduce.yaml"

// Options are dast reproduce's: the matrix file (default: the embedded DefaultConfig), the
// output directory (default runs/reproduce, or the matrix's), overrides of every row, runs at
// once (0: the matrix's), and the command line the report records.
type Options struct {
	Config, Out string
	Sets        []string
	Jobs        int
	Command     string
}

// Run runs the matrix of o, writes its report under the output directory and prints the
// result table, the ordering of the rows and where the report and pictures are to stdout.
func Run(ctx context.Context, stdout io.Writer, o Options) error {
	cfg, out, sets, jobs := o.Config, o.Out, o.Sets, o.Jobs
	start := time.Now()
	log := runlog.FromContext(ctx)
	if out == "" && cfg == "" {
		out = filepath.Join("runs", "reproduce")
	}
	if cfg == "" {
		dir := filepath.Join(out, "configs")
		if err := writeEmbeddedConfigs(dir); err != nil {
			return err
		}
		cfg = filepath.Join(dir, DefaultConfig)
		log.Info("no --config given: running the embedded reproduction", zap.String("config", cfg))
	}
	m, err := matrix.Load(cfg)
	if err != nil {
		return err
	}
	out = m.Dir(out)
	skipped := 0
	for _, j := range m.Jobs(out, sets) {
		if matrix.StateOf(j, train.MetricsFile, train.ConfigFile) == matrix.Done {
			skipped++
		}
	}
	res, runErr := matrixrun.Local(ctx, m, out, sets, jobs)
	if runErr != nil && len(res.Rows) == 0 {
		return runErr
	}
	w, err := report.Write(out, m, res, report.Info{Command: o.Command, Elapsed: time.Since(start), Skipped: skipped})
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
