//go:build unix

package slurm

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/app/matrix"
)

// fakeSlurm writes stand-ins for sbatch, squeue and scancel into a directory: sbatch hands out
// ids 100, 101, ... and logs its arguments to sbatch.log; squeue prints the lines of
// squeue.txt ("id|STATE|reason"); scancel logs its arguments. (The slurm executor's behaviour on
// a real Slurm is tested in cmd/dast; this covers the resubmission rules without one.)
func fakeSlurm(t *testing.T) (Client, string) {
	t.Helper()
	dir := t.TempDir()
	scripts := map[string]string{
		"sbatch":  `n=$(cat "$D/next" 2>/dev/null || echo 100); echo $((n+1)) > "$D/next"; echo "$n $*" >> "$D/sbatch.log"; echo "$n"`,
		"squeue":  `cat "$D/squeue.txt" 2>/dev/null; true`,
		"scancel": `echo "$*" >> "$D/scancel.log"`,
	}
	for name, body := range scripts {
		s := "#!/bin/sh\nD=" + shellQuote(dir) + "\n" + body + "\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return Client{Bin: dir}, dir
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func TestSubmitResubmitsOnlyWhatIsNeitherDoneNorQueued(t *testing.T) {
	client, fake := fakeSlurm(t)
	m, err := matrix.Load(writeMatrix(t, "matrix: {name: t, seeds: [1], rows: [{name: one, config: a.yaml}, {name: staged, config: b.yaml}]}"))
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	out := filepath.Join(work, "out")
	jobs := m.Jobs(out, nil)
	stages := []StageRef{{"da", "01-da"}, {"round1", "02-round1"}, {"round2", "03-round2"}}
	ex := &Executor{Matrix: m, Jobs: jobs, OutDir: out, Dast: "/bin/dast", Workdir: work, Client: client,
		MetricsFile: "metrics.json", ConfigFile: "config.yaml",
		Stages: func(j matrix.Job) ([]StageRef, error) {
			if j.Row.Name == "staged" {
				return stages, nil
			}
			return nil, nil
		}}
	sum, err := ex.Submit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Submitted != 2 || strings.Join(sum.JobIDs, " ") != "100 101 102 103" {
		t.Fatalf("first submission %+v", sum)
	}
	log := readLines(t, filepath.Join(fake, "sbatch.log"))
	if len(log) != 4 || strings.Contains(log[0], "dependency") || !strings.Contains(log[2], "--dependency=afterok:101 --kill-on-invalid-dep=yes") ||
		!strings.Contains(log[3], "--dependency=afterok:102") {
		t.Errorf("sbatch calls:\n%s", strings.Join(log, "\n"))
	}
	script, _ := os.ReadFile(strings.Fields(log[2])[len(strings.Fields(log[2]))-1])
	if !strings.Contains(string(script), "--until-stage round1") {
		t.Errorf("round1's script does not stop after round1:\n%s", script)
	}
	last, _ := os.ReadFile(strings.Fields(log[3])[len(strings.Fields(log[3]))-1])
	if strings.Contains(string(last), "--until-stage") {
		t.Errorf("the last stage's script stops early:\n%s", last)
	}

	// Queued or running: nothing is submitted again.
	os.WriteFile(filepath.Join(fake, "squeue.txt"), []byte("100|RUNNING|None\n101|COMPLETED|None\n102|RUNNING|None\n103|PENDING|Dependency\n"), 0o644)
	if sum, err = ex.Submit(context.Background()); err != nil || sum.Submitted != 0 || sum.Queued != 2 {
		t.Fatalf("with everything queued: %+v %v", sum, err)
	}

	// "one" finished; "staged" failed in round1 (its DA stage finished) and round2 waits on a
	// dependency that can never be met: that job is cancelled and rounds 1 and 2 go again.
	for _, d := range []string{jobs[0].Dir, filepath.Join(jobs[1].Dir, "01-da")} {
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, "metrics.json"), []byte(`{"miou": 1}`), 0o644)
	}
	os.WriteFile(filepath.Join(fake, "squeue.txt"), []byte("100|COMPLETED|None\n101|COMPLETED|None\n102|FAILED|NonZeroExitCode\n103|PENDING|DependencyNeverSatisfied\n"), 0o644)
	sum, err = ex.Submit(context.Background())
	if err != nil || sum.Done != 1 || sum.Submitted != 1 || strings.Join(sum.JobIDs, " ") != "104 105" {
		t.Fatalf("resubmission: %+v %v", sum, err)
	}
	if got := readLines(t, filepath.Join(fake, "scancel.log")); len(got) != 1 || got[0] != "103" {
		t.Errorf("scancel calls %q, want the stuck job 103", got)
	}
	rec, err := ReadRecord(out)
	if err != nil {
		t.Fatal(err)
	}
	var second []string
	for _, r := range rec.Runs {
		for _, j := range r.Jobs {
			if j.Attempt == 2 {
				second = append(second, j.Stage+"@"+j.ID+"<"+j.After)
			}
		}
	}
	if strings.Join(second, " ") != "02-round1@104< 03-round2@105<104" {
		t.Errorf("second attempt %v, want round1 then round2 after it", second)
	}

	// Another working directory is refused: relative paths would resolve elsewhere.
	ex2 := *ex
	ex2.Workdir = t.TempDir()
	if _, err := ex2.Submit(context.Background()); err == nil || !strings.Contains(err.Error(), "submitted from") {
		t.Errorf("submission from another directory: %v", err)
	}
}

func TestSlurmStatusStates(t *testing.T) {
	client, fake := fakeSlurm(t)
	out := t.TempDir()
	os.MkdirAll(filepath.Join(out, Dir, "logs"), 0o755)
	logOf := func(id string) string { return filepath.Join(out, Dir, "logs", id+".log") }
	rec := &Record{Matrix: "t", Workdir: out, Runs: []RunRecord{
		{Row: "a", Seed: 1, Dir: "a/seed1", Jobs: []JobRecord{{ID: "1", Attempt: 1, Log: logOf("1")}}},
		{Row: "a", Seed: 2, Dir: "a/seed2", Jobs: []JobRecord{{ID: "2", Attempt: 1, Log: logOf("2")}}},
		{Row: "d", Seed: 1, Dir: "d/seed1", Jobs: []JobRecord{{ID: "3", Attempt: 1, Stage: "01-da", Log: logOf("3")}, {ID: "4", Attempt: 1, Stage: "02-round1", After: "3", Log: logOf("4")}}},
		{Row: "d", Seed: 2, Dir: "d/seed2", Jobs: []JobRecord{{ID: "5", Attempt: 1, Stage: "01-da", Log: logOf("5")}, {ID: "6", Attempt: 1, Stage: "02-round1", After: "5", Log: logOf("6")}}},
		{Row: "d", Seed: 3, Dir: "d/seed3"},
	}}
	if err := writeRecord(out, rec); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(out, "a", "seed1"), 0o755)
	os.WriteFile(filepath.Join(out, "a", "seed1", "metrics.json"), []byte(`{"miou": 41.5}`), 0o644)
	os.WriteFile(logOf("2"), []byte(`{"level":"info","msg":"progress","what":"train","done":50,"total":100,"eta":30}`+"\n"), 0o644)
	os.MkdirAll(filepath.Join(out, "d", "seed2", "01-da"), 0o755)
	os.WriteFile(filepath.Join(out, "d", "seed2", "01-da", "metrics.json"), []byte(`{"miou": 40}`), 0o644)
	os.WriteFile(logOf("6"), []byte("dast: stage round1: iteration 7: loss seg is NaN\n"), 0o644)
	os.WriteFile(filepath.Join(fake, "squeue.txt"), []byte("2|RUNNING|None\n3|PENDING|Resources\n4|PENDING|Dependency\n5|COMPLETED|None\n6|FAILED|NonZeroExitCode\n"), 0o644)
	st, err := Status(context.Background(), client, out, "metrics.json")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]RunStatus{}
	for _, s := range st {
		got[s.Row+string(rune('0'+s.Seed))] = s
	}
	tests := []struct {
		run, state, stage, job, detail string
	}{
		{"a1", "done", "", "", ""},
		{"a2", "running", "", "2", "train 50/100 eta 30s"},
		{"d1", "pending", "01-da", "3", "Resources"},
		{"d2", "failed", "02-round1", "6", "dast: stage round1: iteration 7: loss seg is NaN"},
		{"d3", "not submitted", "", "", ""},
	}
	for _, tt := range tests {
		s := got[tt.run]
		detail := s.Progress + s.Error
		if s.State == "pending" {
			detail = s.Slurm.Reason
		}
		if s.State != tt.state || s.Stage != tt.stage || s.JobID != tt.job || detail != tt.detail {
			t.Errorf("%s: %+v, want %s %s %s %q", tt.run, s, tt.state, tt.stage, tt.job, tt.detail)
		}
	}
	if s := got["a1"]; s.MIoU == nil || *s.MIoU != 41.5 {
		t.Errorf("done run's mIoU %v", s.MIoU)
	}
	ids, err := Cancel(context.Background(), client, out)
	if err != nil || strings.Join(ids, " ") != "2 3 4" {
		t.Errorf("cancel %v %v, want the running and pending jobs 2 3 4", ids, err)
	}
}
