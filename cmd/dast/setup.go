package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dast-uda/dast/app/runlog"
	"github.com/dast-uda/dast/configs"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/plugins"
	"go.uber.org/zap"
)

// assemble loads a config with overrides, starts the plugins it names (their discriminators
// join the registry), and builds every component (no compute). Call release when done with the
// setup: it stops the plugin processes.
func assemble(ctx context.Context, path string, sets []string) (setup *train.Setup, release func(), err error) {
	tree, release, err := loadTree(ctx, path, sets)
	if err != nil {
		return nil, release, err
	}
	setup, err = train.Assemble(tree)
	if err != nil {
		release()
		return nil, func() {}, err
	}
	return setup, release, nil
}

// loadTree loads a config (the embedded default when path is empty) and starts its plugins.
func loadTree(ctx context.Context, path string, sets []string) (tree *config.Tree, release func(), err error) {
	release = func() {}
	if path == "" {
		runlog.FromContext(ctx).Info("no --config given: using the embedded default", zap.String("config", "configs/"+configs.Default))
		tree, err = config.LoadFS(configs.FS, configs.Default, sets)
	} else {
		tree, err = config.Load(path, sets)
	}
	if err != nil {
		return nil, release, err
	}
	if release, err = startPlugins(ctx, tree); err != nil {
		return nil, func() {}, err
	}
	return tree, release, nil
}

// stagedStrategy returns the config's strategy when it is a pipeline of stages (strategy.dast).
// It validates the whole tree; the modules it decodes are kept in the tree, so a later
// train.Assemble of it decodes nothing again.
func stagedStrategy(tree *config.Tree) (train.Staged, error) {
	if err := tree.Validate(); err != nil {
		return nil, err
	}
	mod, err := tree.Component("strategy", "strategy")
	if err != nil {
		return nil, err
	}
	st, _ := mod.(train.Staged)
	return st, nil
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

// startPlugins starts the plugins a config names; release stops them.
func startPlugins(ctx context.Context, tree *config.Tree) (release func(), err error) {
	root, err := tree.Root()
	if err != nil {
		return func() {}, err
	}
	if len(root.Plugins) == 0 && len(root.PluginDirs) == 0 {
		return func() {}, nil
	}
	host, err := plugins.Load(ctx, plugins.FromRoot(root), runlog.FromContext(ctx))
	if err != nil {
		return func() {}, err
	}
	return func() { host.Close() }, nil
}

// loadPlugins starts the plugins of the config at path.
func loadPlugins(ctx context.Context, path string) (func(), error) {
	tree, err := config.Load(path, nil)
	if err != nil {
		return func() {}, err
	}
	return startPlugins(ctx, tree)
}
