// Package load readies a config for a dast command: it loads the file (or the embedded
// default) with its --set overrides, starts the plugins the config names (their
// discriminators join the registry) and assembles the components, with or without reading
// the datasets. Every function that starts plugins returns a release func that stops them.
package load

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"go.uber.org/zap"

	"github.com/dast-uda/dast/app/runlog"
	"github.com/dast-uda/dast/configs"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/plugins"
)

// Assemble loads a config with overrides, starts the plugins it names, and builds every
// component (no compute). Call release when done with the setup: it stops the plugin
// processes.
func Assemble(ctx context.Context, path string, sets []string) (setup *train.Setup, release func(), err error) {
	tree, release, err := Tree(ctx, path, sets)
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

// Tree loads a config (the embedded default when path is empty) and starts its plugins.
func Tree(ctx context.Context, path string, sets []string) (tree *config.Tree, release func(), err error) {
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
	if release, err = StartPlugins(ctx, tree); err != nil {
		return nil, func() {}, err
	}
	return tree, release, nil
}

// StagedStrategy returns the config's strategy when it is a pipeline of stages (strategy.dast).
// It validates the whole tree; the modules it decodes are kept in the tree, so a later
// train.Assemble of it decodes nothing again.
func StagedStrategy(tree *config.Tree) (train.Staged, error) {
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

// RunConfig is the resolved config of a run directory.
func RunConfig(dir string) (string, error) {
	p := filepath.Join(dir, train.ConfigFile)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s is not a run directory (no %s)", dir, train.ConfigFile)
	}
	return p, nil
}

// StartPlugins starts the plugins a config names; release stops them.
func StartPlugins(ctx context.Context, tree *config.Tree) (release func(), err error) {
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

// Plugins starts the plugins of the config at path.
func Plugins(ctx context.Context, path string) (func(), error) {
	tree, err := config.Load(path, nil)
	if err != nil {
		return func() {}, err
	}
	return StartPlugins(ctx, tree)
}

// AssembleDeclared is Assemble without reading datasets from disk (train.AssembleDeclared); a
// staged strategy is assembled as its first stage.
func AssembleDeclared(ctx context.Context, cfg string, sets []string) (*train.Setup, func(), error) {
	tree, release, err := Tree(ctx, cfg, sets)
	if err != nil {
		return nil, release, err
	}
	fail := func(err error) (*train.Setup, func(), error) {
		release()
		return nil, func() {}, err
	}
	staged, err := StagedStrategy(tree)
	if err != nil {
		return fail(err)
	}
	if staged != nil {
		if tree, err = firstStage(tree, staged); err != nil {
			return fail(err)
		}
	}
	setup, err := train.AssembleDeclared(tree)
	if err != nil {
		return fail(err)
	}
	return setup, release, nil
}

// firstStage returns the config tree of a staged strategy's first stage.
func firstStage(tree *config.Tree, st train.Staged) (*config.Tree, error) {
	stages, err := st.Stages(tree)
	if err != nil {
		return nil, fmt.Errorf("%s: strategy: %w", tree.Path(), err)
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("%s: strategy: no stages", tree.Path())
	}
	name := strings.TrimSuffix(path.Base(tree.Path()), ".yaml") + "-stage1-" + stages[0].Name + ".yaml"
	return stages[0].Config(tree, name)
}
