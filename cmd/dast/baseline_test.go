package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/app/matrix"
)

// TestMatrixBaselineGate runs a one-row matrix (2 seeds, 5 iterations), then checks the gate:
// against its own results it passes and says bit-exact; against a baseline in which the row
// was 3 mIoU better on every seed (so this run is deliberately worse) it exits non-zero with
// the table of what moved.
func TestMatrixBaselineGate(t *testing.T) {
	dir := t.TempDir()
	so, err := filepath.Abs(repoFile("configs", "synthetic", "source_only.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := filepath.Join(dir, "m.yaml")
	os.WriteFile(m, []byte(fmt.Sprintf("matrix:\n  name: gate\n  seeds: [1, 2]\n  rows:\n    - {name: so, label: Source only, config: %s}\n", so)), 0o644)
	out := filepath.Join(dir, "out")
	args := []string{"matrix", "--config", m, "--out", out, "--set", "train.iterations=5", "--set", "data.val.size=4", "--set", "data.source.size=8"}
	if code, _, stderr := runCLI(t, args...); code != 0 {
		t.Fatalf("matrix: %s", stderr)
	}
	// status of a local matrix: from its run directories.
	if code, stdout, stderr := runCLI(t, "matrix", "status", out); code != 0 || !strings.Contains(stdout, "so/seed2  done   mIoU") {
		t.Errorf("matrix status of a local matrix: %d\n%s%s", code, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, "matrix", "status", dir); code == 0 || !strings.Contains(stderr, "no runs") {
		t.Errorf("matrix status of a directory without runs: %d %s", code, stderr)
	}
	own := filepath.Join(out, matrix.ResultsJSON)
	code, stdout, stderr := runCLI(t, append(args, "--baseline", own)...)
	if code != 0 || !strings.Contains(stdout, "ok, bit-exact") || !strings.Contains(stdout, "same sha256, 2/2 seeds") {
		t.Errorf("gate against its own results: code %d\n%s\n%s", code, stdout, stderr)
	}

	res, err := matrix.ReadResults(own)
	if err != nil {
		t.Fatal(err)
	}
	for i := range res.Rows[0].Seeds {
		v := *res.Rows[0].Seeds[i].MIoU + 3
		res.Rows[0].Seeds[i].MIoU = &v
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	better := filepath.Join(dir, "better.json")
	os.WriteFile(better, b, 0o644)
	code, stdout, stderr = runCLI(t, append(args, "--baseline", better)...)
	t.Logf("dast matrix --baseline (3 points worse than the baseline):\n%s%s", stdout, stderr)
	if code == 0 {
		t.Fatal("the gate passed a row 3 mIoU below its baseline")
	}
	if !strings.Contains(stdout, "**REGRESSED**") || !strings.Contains(stdout, "-3.00") || !strings.Contains(stdout, "same weights, different mIoU") || !strings.Contains(stderr, "regression against the baseline") {
		t.Errorf("gate output lacks the regressed row:\n%s\n%s", stdout, stderr)
	}
	// An explicit tolerance above the drop lets it pass.
	if code, stdout, stderr = runCLI(t, append(args, "--baseline", better, "--tolerance", "3.5")...); code != 0 {
		t.Errorf("--tolerance 3.5 failed a 3-point drop: %s\n%s", stdout, stderr)
	}
	if code, _, stderr = runCLI(t, append(args, "--baseline", better, "--tolerance", "-1")...); code == 0 || !strings.Contains(stderr, "--tolerance") {
		t.Errorf("--tolerance -1 accepted: %s", stderr)
	}
}
