package dryrun

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/dast-uda/dast/cmd/dast/internal/load"
	"github.com/dast-uda/dast/configs"
	"github.com/dast-uda/dast/core/config"
	_ "github.com/dast-uda/dast/modules/standard"
)

// TestWriteStages: DAST's pipeline is listed stage by stage, the DA stage first, the rounds
// with their pseudo-label options.
func TestWriteStages(t *testing.T) {
	tree, err := config.LoadFS(configs.FS, "synthetic/dast.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := load.StagedStrategy(tree)
	if err != nil || st == nil {
		t.Fatalf("synthetic/dast.yaml is not staged: %v", err)
	}
	var b bytes.Buffer
	if err := WriteStages(&b, tree, st); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, w := range []string{"config     synthetic/dast.yaml\n", "stage 1    da: strategy da,", "stage 2    round1: strategy self_training,", ", pseudo labels q ", "ok: the config is valid\n"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestSortedRoles(t *testing.T) {
	if got := sortedRoles(map[string]int{"output": 1, "feature": 2, "aux": 3}); !slices.Equal(got, []string{"aux", "feature", "output"}) {
		t.Errorf("sortedRoles = %v", got)
	}
}
