package slurm

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Client runs Slurm's client commands (sbatch, squeue, sacct, scancel); nothing else talks to
// the cluster.
type Client struct {
	// Bin is the directory holding the commands; empty: found on $PATH.
	Bin string
}

func (s Client) path(name string) string {
	if s.Bin == "" {
		return name
	}
	return filepath.Join(s.Bin, name)
}

// run runs a client command and returns its standard output; a failure names the command and
// carries its standard error.
func (s Client) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	c := exec.CommandContext(ctx, s.path(name), args...)
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(stdout.String())
		}
		return stdout.Bytes(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, msg)
	}
	return stdout.Bytes(), nil
}

// Available reports why Slurm cannot be used here (no client commands, or no controller
// answering); nil when it can.
func (s Client) Available(ctx context.Context) error {
	for _, name := range []string{"sbatch", "squeue", "scancel"} {
		if _, err := exec.LookPath(s.path(name)); err != nil {
			return fmt.Errorf("slurm: %s not found (install Slurm's client commands, e.g. apt-get install slurm-client): %w", name, err)
		}
	}
	if _, err := s.run(ctx, "squeue", "--noheader", "--format=%i", "--jobs=1"); err != nil && !invalidJobID(err) {
		return fmt.Errorf("slurm: the controller does not answer: %w", err)
	}
	return nil
}

// invalidJobID recognises squeue's answer when none of the asked job ids is known any more.
func invalidJobID(err error) bool {
	return err != nil && strings.Contains(err.Error(), "Invalid job id")
}

// Submit submits a batch script and returns its job id. A non-empty after makes the job wait
// for job after to succeed (--dependency=afterok); if that job fails, Slurm cancels this one
// (--kill-on-invalid-dep=yes) instead of leaving it pending forever.
func (s Client) Submit(ctx context.Context, script, after string) (string, error) {
	args := []string{"--parsable"}
	if after != "" {
		args = append(args, "--dependency=afterok:"+after, "--kill-on-invalid-dep=yes")
	}
	out, err := s.run(ctx, "sbatch", append(args, script)...)
	if err != nil {
		return "", err
	}
	// --parsable prints "<id>" or "<id>;<cluster>".
	id, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";")
	if id == "" || strings.ContainsAny(id, " \n") {
		return "", fmt.Errorf("sbatch %s: unexpected answer %q (want a job id)", script, out)
	}
	return id, nil
}

// JobState is what Slurm says of a job.
type JobState struct {
	State  string // PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, ...
	Reason string // squeue's reason (Dependency, Resources, DependencyNeverSatisfied, ...)
}

// terminal lists the states of jobs that ended.
var terminal = map[string]bool{"COMPLETED": true, "FAILED": true, "CANCELLED": true, "TIMEOUT": true,
	"NODE_FAIL": true, "PREEMPTED": true, "OUT_OF_MEMORY": true, "BOOT_FAIL": true, "DEADLINE": true,
	"REVOKED": true, "SPECIAL_EXIT": true}

// Active reports whether the job is queued or running and will get somewhere: a pending job
// whose dependency can never be satisfied is not.
func (j JobState) Active() bool {
	if j.State == "" || terminal[j.State] {
		return false
	}
	return !(j.State == "PENDING" && j.Reason == "DependencyNeverSatisfied")
}

// States asks squeue for the jobs ids (sacct for those the controller forgot, where
// accounting exists). Jobs nobody knows any more are missing from the map.
func (s Client) States(ctx context.Context, ids []string) (map[string]JobState, error) {
	states := map[string]JobState{}
	if len(ids) == 0 {
		return states, nil
	}
	out, err := s.run(ctx, "squeue", "--noheader", "--states=all", "--format=%i|%T|%r", "--jobs="+strings.Join(ids, ","))
	if err != nil && !invalidJobID(err) {
		return nil, err
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Split(strings.TrimSpace(line), "|")
		if len(f) == 3 {
			states[f[0]] = JobState{State: f[1], Reason: f[2]}
		}
	}
	var missing []string
	for _, id := range ids {
		if _, ok := states[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return states, nil
	}
	// sacct answers only where an accounting store is configured; without one the job files
	// (metrics.json, the job's log) are what is left, and callers read those.
	if _, err := exec.LookPath(s.path("sacct")); err != nil {
		return states, nil
	}
	out, err = s.run(ctx, "sacct", "--noheader", "--allocations", "--parsable2", "--format=JobID,State", "--jobs="+strings.Join(missing, ","))
	if err != nil {
		return states, nil
	}
	for _, line := range strings.Split(string(out), "\n") {
		id, st, ok := strings.Cut(strings.TrimSpace(line), "|")
		if ok {
			// "CANCELLED by 0" -> CANCELLED
			st, _, _ = strings.Cut(st, " ")
			states[id] = JobState{State: st}
		}
	}
	return states, nil
}

// Cancel cancels jobs.
func (s Client) Cancel(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.run(ctx, "scancel", ids...)
	return err
}
