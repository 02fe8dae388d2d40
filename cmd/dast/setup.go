package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/runlog"
	"github.com/dast-uda/dast/core/train"
	"go.uber.org/zap"
)

// assemble loads a config with overrides and builds every component it names (no compute).
func assemble(path string, sets []string) (*train.Setup, error) {
	if path == "" {
		return nil, fmt.Errorf("no config: pass --config FILE")
	}
	tree, err := config.Load(path, sets)
	if err != nil {
		return nil, err
	}
	return train.Assemble(tree)
}

// runConfig is the resolved config of a run directory.
func runConfig(dir string) (string, error) {
	p := filepath.Join(dir, train.ConfigFile)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s is not a run directory (no %s)", dir, train.ConfigFile)
	}
	return p, nil
}

// progress adapts runlog's progress reporter to the trainer's.
type progress struct{ p *runlog.Progress }

func (p progress) Add(n int) { p.p.Add(n) }
func (p progress) Close()    { p.p.Close() }

func progressFor(log *zap.Logger) func(total int, what string) train.Progress {
	return func(total int, what string) train.Progress {
		return progress{runlog.NewProgress(total, what, log)}
	}
}
