package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dast-uda/dast/app/matrix"
	"github.com/dast-uda/dast/app/matrix/slurm"
	"github.com/dast-uda/dast/core/runinfo"
	"github.com/dast-uda/dast/core/train"
)

// tinyMatrix writes a 2-row x 2-seed matrix of 5-iteration runs into dir: source-only, and
// DAST (a DA stage, then 2 self-training rounds: 3 dependent stages) with its DA stage as a
// derived row. Configs are absolute, so the file works from any working directory.
func tinyMatrix(t *testing.T, dir string) (path string, sets []string) {
	t.Helper()
	abs := func(name string) string {
		p, err := filepath.Abs(repoFile("configs", "synthetic", name))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	path = filepath.Join(dir, "tiny.yaml")
	body := fmt.Sprintf(`matrix:
  name: tiny
  seeds: [1, 2]
  slurm: {cpus: 1, mem: 1500M, time: "10:00"}
  rows:
    - {name: source_only, label: Source only, config: %s}
    - {name: da, label: DA, of: dast, stage: da}
    - name: dast
      label: DAST
      config: %s
      set: [strategy.rounds=2, strategy.round_iterations=5, data.select.source.size=4]
      slurm: {mem: 2G}
`, abs("source_only.yaml"), abs("dast.yaml"))
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, []string{"--set", "train.iterations=5", "--set", "train.checkpoint_every=1",
		"--set", "data.val.size=4", "--set", "data.source.size=8", "--set", "data.target.size=8"}
}

// needSlurm skips the test where no Slurm controller answers (DAST_REQUIRE_SLURM=1, set by
// .ci/run, makes that a failure instead).
func needSlurm(t *testing.T) {
	t.Helper()
	if err := (slurm.Client{}).Available(context.Background()); err != nil {
		if os.Getenv("DAST_REQUIRE_SLURM") == "1" {
			t.Fatalf("DAST_REQUIRE_SLURM=1 but Slurm is not usable: %v", err)
		}
		t.Skipf("Slurm is absent, skipping the slurm executor test: %v (start a one-node cluster as root with scripts/slurm-local.sh start, after apt-get install -y slurm-wlm munge)", err)
	}
}

// TestSlurmMatrix runs the tiny matrix locally and on a real Slurm (one job per run, one per
// stage for DAST), cancels a DAST stage job mid-run with scancel, checks status reports it
// failed, reruns the command (which resubmits only that run, resuming it) and compares every
// result file with the local executor's byte for byte.
func TestSlurmMatrix(t *testing.T) {
	needSlurm(t)
	root := t.TempDir()
	mfile, sets := tinyMatrix(t, root)
	localWD, slurmWD := filepath.Join(root, "local"), filepath.Join(root, "slurm")
	for _, d := range []string{localWD, slurmWD} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The same relative --out from two working directories: results.json names run
	// directories, so both executors must write the same names.
	const out = "runs/tiny"
	t.Chdir(localWD)
	start := time.Now()
	if code, _, stderr := runCLI(t, append([]string{"matrix", "--config", mfile, "--out", out}, sets...)...); code != 0 {
		t.Fatalf("local matrix failed: %s", stderr)
	}
	t.Logf("local executor: %v", time.Since(start).Round(time.Millisecond))

	t.Chdir(slurmWD)
	start = time.Now()
	code, stdout, stderr := runCLI(t, append([]string{"matrix", "--config", mfile, "--out", out, "--executor", "slurm"}, sets...)...)
	if code != 0 {
		t.Fatalf("slurm submission failed: %s", stderr)
	}
	t.Logf("submit: %s", strings.TrimSpace(stdout))
	if !strings.Contains(stdout, "4 runs: 0 done, 0 queued or running, 4 submitted now") {
		t.Errorf("submission summary: %s", stdout)
	}
	rec, err := slurm.ReadRecord(out)
	if err != nil {
		t.Fatal(err)
	}
	var dast *slurm.RunRecord
	for i, r := range rec.Runs {
		if r.Row == "dast" && r.Seed == 1 {
			dast = &rec.Runs[i]
		}
		want := 1
		if r.Row == "dast" {
			want = 3 // da, round1, round2
		}
		if len(r.Jobs) != want {
			t.Fatalf("%s seed %d: %d jobs, want %d: %+v", r.Row, r.Seed, len(r.Jobs), want, r.Jobs)
		}
		for k, j := range r.Jobs[1:] {
			if j.After != r.Jobs[k].ID {
				t.Errorf("%s seed %d: job %s waits for %q, want the previous stage's job %s", r.Row, r.Seed, j.ID, j.After, r.Jobs[k].ID)
			}
		}
	}
	if dast == nil {
		t.Fatal("no dast seed 1 in the job record")
	}

	// Cancel a stage job of dast seed 1 once its log shows training under way.
	killed := cancelMidRun(t, out, dast.Jobs)
	waitQuiet(t, out, 3*time.Minute)
	st := statusOf(t, out)
	t.Logf("dast matrix status after scancel %s:\n%s", killed.ID, st)
	if !regexpLine(st, "dast/seed1", "failed", killed.Stage, killed.ID, "CANCELLED") {
		t.Errorf("status does not show dast/seed1 failed at %s (job %s, CANCELLED):\n%s", killed.Stage, killed.ID, st)
	}
	for _, run := range []string{"source_only/seed1", "source_only/seed2", "dast/seed2"} {
		if !regexpLine(st, run, "done", "mIoU") {
			t.Errorf("status: %s is not done:\n%s", run, st)
		}
	}

	// The same command again: only dast seed 1 is submitted, from the cancelled stage on.
	code, stdout, stderr = runCLI(t, append([]string{"matrix", "--config", mfile, "--out", out, "--executor", "slurm", "--wait", "--poll", "200ms"}, sets...)...)
	if code != 0 {
		t.Fatalf("slurm rerun failed: %s\n%s", stderr, stdout)
	}
	if !strings.Contains(stdout, "4 runs: 3 done, 0 queued or running, 1 submitted now") {
		t.Errorf("rerun summary:\n%s", stdout)
	}
	t.Logf("slurm executor (with the scancel and the rerun): %v", time.Since(start).Round(time.Millisecond))
	rec, err = slurm.ReadRecord(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rec.Runs {
		if r.Row == "dast" && r.Seed == 1 {
			var second []string
			for _, j := range r.Jobs {
				if j.Attempt == 2 {
					second = append(second, j.Stage)
				}
			}
			if len(second) == 0 || second[0] != killed.Stage {
				t.Errorf("resubmission ran stages %v, want from the cancelled %s on", second, killed.Stage)
			}
		}
	}
	for _, name := range []string{matrix.ResultsJSON, matrix.ResultsCSV, matrix.ResultsMarkdown} {
		a, err := os.ReadFile(filepath.Join(localWD, out, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(slurmWD, out, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between the local and the slurm executor:\nlocal:\n%s\nslurm:\n%s", name, a, b)
		}
	}
	res, err := matrix.ReadResults(filepath.Join(slurmWD, out, matrix.ResultsJSON))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Rows {
		if r.Finished != 2 {
			t.Errorf("row %s: %d seeds finished, want 2", r.Name, r.Finished)
		}
		for _, s := range r.Seeds {
			var w runinfo.Weights
			if err := json.Unmarshal(s.Weights, &w); err != nil || len(w.SHA256) != 64 {
				t.Errorf("row %s seed %d: weights block %s (%v)", r.Name, s.Seed, s.Weights, err)
			}
		}
	}
	// The gate passes on the local results as a baseline, bit-exact.
	code, stdout, stderr = runCLI(t, append([]string{"matrix", "--config", mfile, "--out", out, "--executor", "slurm",
		"--baseline", filepath.Join(localWD, out, matrix.ResultsJSON)}, sets...)...)
	if code != 0 || !strings.Contains(stdout, "ok, bit-exact") {
		t.Errorf("baseline gate against the local results: code %d\n%s\n%s", code, stdout, stderr)
	}
}

// cancelMidRun scancels the first of jobs whose log shows a training iteration done and the
// stage not finished, and returns it.
func cancelMidRun(t *testing.T, out string, jobs []slurm.JobRecord) slurm.JobRecord {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for _, j := range jobs {
		for time.Now().Before(deadline) {
			b, _ := os.ReadFile(j.Log)
			if bytes.Contains(b, []byte(`"msg":"finished","what":"train"`)) || bytes.Contains(b, []byte(`"msg":"final"`)) {
				break // this stage got through training before we looked: try the next one
			}
			if bytes.Contains(b, []byte(`"msg":"progress","what":"train"`)) {
				if err := (slurm.Client{}).Cancel(context.Background(), []string{j.ID}); err != nil {
					t.Fatal(err)
				}
				// Mid-run means: cancelled before the stage wrote its metrics.
				time.Sleep(2 * time.Second)
				if _, err := os.Stat(filepath.Join(out, "dast", "seed1", j.Stage, train.MetricsFile)); err == nil {
					break
				}
				t.Logf("scancel %s (stage %s) while training: %s", j.ID, j.Stage, lastLogLine(b))
				return j
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	t.Fatal("no stage job of dast seed 1 could be cancelled while training (each finished first)")
	return slurm.JobRecord{}
}

func lastLogLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// waitQuiet waits until no job of the matrix in out is queued or running.
func waitQuiet(t *testing.T, out string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		st, err := slurm.Status(context.Background(), slurm.Client{}, out, train.MetricsFile)
		if err != nil {
			t.Fatal(err)
		}
		busy := false
		for _, s := range st {
			busy = busy || s.State == "running" || s.State == "pending"
		}
		if !busy {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("jobs of %s still queued or running after %v:\n%s", out, limit, statusOf(t, out))
}

// statusOf is the output of dast matrix status.
func statusOf(t *testing.T, out string) string {
	t.Helper()
	code, stdout, stderr := runCLI(t, "matrix", "status", out)
	if code != 0 {
		t.Fatalf("matrix status: %s", stderr)
	}
	return stdout
}

// regexpLine reports whether some line of s starts with run and contains every word.
func regexpLine(s, run string, words ...string) bool {
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(line, run+" ") {
			continue
		}
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(line, w)
		}
		if ok {
			return true
		}
	}
	return false
}

// TestSlurmStatusWhileRunning submits a matrix and shows dast matrix status while its jobs are
// pending and running, then cancels them with dast matrix cancel.
func TestSlurmStatusWhileRunning(t *testing.T) {
	needSlurm(t)
	root := t.TempDir()
	mfile, sets := tinyMatrix(t, root)
	t.Chdir(root)
	const out = "runs/status"
	// Longer runs than the other test, so there is something to watch.
	sets = append(sets, "--set", "train.iterations=40")
	if code, _, stderr := runCLI(t, append([]string{"matrix", "--config", mfile, "--out", out, "--executor", "slurm"}, sets...)...); code != 0 {
		t.Fatalf("submission failed: %s", stderr)
	}
	deadline := time.Now().Add(2 * time.Minute)
	var st string
	for time.Now().Before(deadline) {
		st = statusOf(t, out)
		if strings.Contains(st, " running ") && strings.Contains(st, "train ") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("dast matrix status %s while running:\n%s", out, st)
	// (On 2 CPUs two jobs run and the others wait; a bigger node may run all four at once.)
	if !strings.Contains(st, " running ") || !strings.Contains(st, "train ") {
		t.Errorf("status shows no running run with its progress:\n%s", st)
	}
	code, stdout, stderr := runCLI(t, "matrix", "cancel", out)
	if code != 0 || !strings.Contains(stdout, "cancelled") {
		t.Fatalf("matrix cancel: %d %s %s", code, stdout, stderr)
	}
	t.Logf("dast matrix cancel %s: %s", out, strings.TrimSpace(stdout))
	waitQuiet(t, out, time.Minute)
	code, stdout, _ = runCLI(t, "matrix", "cancel", out)
	if code != 0 || !strings.Contains(stdout, "no queued or running jobs") {
		t.Errorf("second cancel: %d %s", code, stdout)
	}
}
