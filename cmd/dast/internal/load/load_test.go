package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/configs"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/train"
	_ "github.com/dast-uda/dast/modules/standard"
)

func TestRunConfig(t *testing.T) {
	dir := t.TempDir()
	if _, err := RunConfig(dir); err == nil || err.Error() != dir+" is not a run directory (no "+train.ConfigFile+")" {
		t.Errorf("a directory without %s: %v", train.ConfigFile, err)
	}
	p := filepath.Join(dir, train.ConfigFile)
	if err := os.WriteFile(p, []byte("name: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := RunConfig(dir); err != nil || got != p {
		t.Errorf("RunConfig = %q, %v; want %q", got, err, p)
	}
}

// TestStagedStrategy: strategy.dast is a pipeline of stages, the first of which
// AssembleDeclared assembles; a single-stage strategy is not.
func TestStagedStrategy(t *testing.T) {
	for _, tt := range []struct {
		config string
		staged bool
	}{{"synthetic/dast.yaml", true}, {"synthetic/da.yaml", false}, {"synthetic/source_only.yaml", false}} {
		tree, err := config.LoadFS(configs.FS, tt.config, nil)
		if err != nil {
			t.Fatal(err)
		}
		st, err := StagedStrategy(tree)
		if err != nil || (st != nil) != tt.staged {
			t.Errorf("%s: staged %v (%v), want %v", tt.config, st != nil, err, tt.staged)
			continue
		}
		if st == nil {
			continue
		}
		first, err := firstStage(tree, st)
		if err != nil {
			t.Fatal(err)
		}
		if want := "dast-stage1-da.yaml"; !strings.HasSuffix(first.Path(), want) {
			t.Errorf("first stage's config %q, want a name ending %q", first.Path(), want)
		}
	}
}

func TestTreeErrorsNameTheFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	if _, release, err := Tree(t.Context(), missing, nil); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("a missing config: %v", err)
	} else {
		release()
	}
}
