package runinfo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dast-uda/dast/core/checkpoint"
)

// CheckpointsDir is the folder of a run directory that holds its checkpoints.
const CheckpointsDir = "checkpoints"

// ClaimDir creates base, or base-2, base-3, ... whichever does not exist yet; creating it is
// the claim, so two runs started together never pick the same one.
func ClaimDir(base string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return "", err
	}
	dir := base
	for i := 2; ; i++ {
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", err
		}
		dir = fmt.Sprintf("%s-%d", base, i)
	}
}

// ChildLogFile is the log a matrix writes into a run directory when its child process ends
// (dast matrix --jobs N); one left by a child that failed before training is no run.
const ChildLogFile = "train.log"

// StartedNothing reports whether dir holds nothing of a run: no entries besides the lock
// file and a child's log, and at most a run.json without a config (left by a run killed
// before writing its config, by a version that wrote run.json first).
func StartedNothing(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	_, cfgErr := os.Stat(filepath.Join(dir, ConfigFile))
	for _, e := range entries {
		switch {
		case e.Name() == LockFile, e.Name() == ChildLogFile:
		case e.Name() == RunFile && cfgErr != nil:
		default:
			return false, nil
		}
	}
	return true, nil
}

// ResolveCheckpoint returns the checkpoint file named by path: the file itself, or the newest
// checkpoint of a run directory.
func ResolveCheckpoint(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !st.IsDir() {
		return path, nil
	}
	e, ok, err := checkpoint.Latest(filepath.Join(path, CheckpointsDir))
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("%s has no checkpoints (looked in %s)", path, filepath.Join(path, CheckpointsDir))
	}
	return e.Path, nil
}
