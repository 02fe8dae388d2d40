package train

import (
	"fmt"

	"github.com/dast-uda/dast/classes"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/data"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/core/pseudo"
	"github.com/dast-uda/dast/core/selection"
)

// Setup is a run's components, resolved and validated from its config before any compute.
type Setup struct {
	Tree         *config.Tree
	Root         *config.Root
	Source       data.Dataset    // labelled training set
	Target       data.Dataset    // unlabelled target training set (nil unless the strategy uses it)
	Val          data.Dataset    // labelled target validation set (nil if absent)
	Select       []selection.Set // snapshot-selection set, one part per FDA beta (nil if absent)
	Seg          model.Segmentor
	Strategy     Strategy
	StrategyName string
	TargetLabels bool // the target set carries (pseudo) labels the strategy trains on
	Classes      int
	ClassNames   []string
	// Datasets holds every dataset the config opened, by its block's key ("data.val"), as
	// opened (before pseudo-label or FDA wrapping): for the preflight check and data_issues.
	Datasets map[string]data.Dataset
}

// Assemble validates tree and builds every component it names. Nothing is computed. The
// modules Validate decodes are the ones the components are built from (the tree keeps them),
// so each block is decoded once, however often the tree is validated or assembled.
func Assemble(tree *config.Tree) (*Setup, error) { return assemble(tree, openDataset) }

// AssembleDeclared is Assemble without reading any dataset from disk: the datasets whose module
// declares its facts (model.DatasetDeclarer) are Declared stand-ins, which know their size but
// serve no samples. For describe and dry runs.
func AssembleDeclared(tree *config.Tree) (*Setup, error) { return assemble(tree, openDeclared) }

// opener opens the dataset of the config block at path.
type opener func(tree *config.Tree, path string) (data.Dataset, error)

func assemble(tree *config.Tree, openDataset opener) (*Setup, error) {
	if err := tree.Validate(); err != nil {
		return nil, err
	}
	root, err := tree.Root()
	if err != nil {
		return nil, err
	}
	s := &Setup{Tree: tree, Root: root, Datasets: map[string]data.Dataset{}}
	open := openDataset
	openDataset = func(tree *config.Tree, path string) (data.Dataset, error) {
		ds, err := open(tree, path)
		if err == nil {
			s.Datasets[path] = ds
		}
		return ds, err
	}
	if root.Data.Source == nil {
		return nil, fmt.Errorf("%s: data.source: a labelled training set is required", tree.Path())
	}
	if s.Source, err = openDataset(tree, "data.source"); err != nil {
		return nil, err
	}
	s.Classes = s.Source.NumClasses()
	s.ClassNames = classNames(s.Source)
	if root.Data.Val != nil {
		if s.Val, err = openDataset(tree, "data.val"); err != nil {
			return nil, err
		}
		if s.Val.NumClasses() != s.Classes {
			return nil, fmt.Errorf("%s: data.val has %d classes, data.source %d", tree.Path(), s.Val.NumClasses(), s.Classes)
		}
	}
	if root.Data.Select.Enabled() {
		if s.Select, err = selection.Open(tree, root, openDataset); err != nil {
			return nil, err
		}
		for _, part := range s.Select {
			if part.Data.NumClasses() != s.Classes {
				return nil, fmt.Errorf("%s: data.select.source has %d classes, data.source %d", tree.Path(), part.Data.NumClasses(), s.Classes)
			}
		}
	}
	sb, err := config.Build[model.SegmentorBuilder](tree, "segmentor", "segmentor")
	if err != nil {
		return nil, err
	}
	if s.Seg, err = sb.NewSegmentor(s.Classes); err != nil {
		return nil, fmt.Errorf("%s: segmentor: %w", tree.Path(), err)
	}
	stMod, err := tree.Component("strategy", "strategy")
	if err != nil {
		return nil, err
	}
	s.StrategyName = stMod.Module().ID
	stb, err := config.As[StrategyBuilder](tree, "strategy", stMod)
	if err != nil {
		return nil, err
	}
	if s.Strategy, err = stb.NewStrategy(&Env{Root: root, Tree: tree, Segmentor: s.Seg, Classes: s.Classes}); err != nil {
		return nil, fmt.Errorf("%s: strategy: %w", tree.Path(), err)
	}
	if usesTarget(s.Strategy) {
		if root.Data.Target == nil {
			return nil, fmt.Errorf("%s: data.target: strategy %s trains on target images; configure a target training set", tree.Path(), s.StrategyName)
		}
		if s.Target, err = openDataset(tree, "data.target"); err != nil {
			return nil, err
		}
		if pl, ok := s.Strategy.(PseudoLabelled); ok && pl.PseudoLabelDir() != "" {
			if s.Target, err = pseudo.Wrap(s.Target, pl.PseudoLabelDir()); err != nil {
				return nil, fmt.Errorf("%s: strategy.pseudo_labels: %w", tree.Path(), err)
			}
			s.TargetLabels = true
		}
	}
	return s, nil
}

func usesTarget(st Strategy) bool {
	tu, ok := st.(TargetUser)
	return ok && tu.UsesTarget()
}

func openDataset(tree *config.Tree, path string) (data.Dataset, error) {
	op, err := config.Build[model.DatasetOpener](tree, path, "dataset")
	if err != nil {
		return nil, err
	}
	ds, err := op.OpenDataset()
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", tree.Path(), path, err)
	}
	if ds.Len() == 0 {
		return nil, fmt.Errorf("%s: %s: the dataset is empty", tree.Path(), path)
	}
	return ds, nil
}

func classNames(ds data.Dataset) []string {
	if n, ok := ds.(model.ClassNamer); ok {
		return n.ClassNames()
	}
	names := classes.Names()
	if ds.NumClasses() <= len(names) {
		return names[:ds.NumClasses()]
	}
	out := make([]string, ds.NumClasses())
	for i := range out {
		out[i] = fmt.Sprintf("class%d", i)
	}
	return out
}
