package runinfo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dast-uda/dast/core/checkpoint"
	"go.uber.org/zap"
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

// Prepare takes the run directory's lock (held until the caller releases it, or dropped by the
// kernel if the process dies), removes the temporary files of writes a killed run left, and
// creates (or, resuming, checks) the directory and writes run.json and the resolved config
// (Write, with what info returns; called for a new run only). A new run without a directory
// claims one from base (ClaimDir). Taking the lock before looking at the directory's contents
// makes the "not empty" and "not a run directory" checks safe against a second process
// started at the same moment.
func Prepare(dir, base string, resume bool, info func() (Info, error), log *zap.Logger) (string, *Lock, error) {
	if resume {
		if dir == "" {
			return "", nil, errors.New("resume: no run directory given")
		}
		if _, err := os.Stat(dir); err != nil {
			return "", nil, fmt.Errorf("resume: %w", err)
		}
	} else if dir == "" {
		d, err := ClaimDir(base)
		if err != nil {
			return "", nil, err
		}
		dir = d
	}
	lock, err := LockDir(dir)
	if err != nil {
		return "", nil, err
	}
	fail := func(err error) (string, *Lock, error) {
		lock.Release()
		return "", nil, err
	}
	removed, err := RemoveTempFiles(dir)
	if err != nil {
		return fail(err)
	}
	if len(removed) > 0 {
		log.Info("removed temporary files of interrupted writes", zap.Strings("files", removed))
	}
	_, cfgErr := os.Stat(filepath.Join(dir, ConfigFile))
	empty, err := StartedNothing(dir)
	if err != nil {
		return fail(err)
	}
	if resume {
		if cfgErr == nil {
			return dir, lock, nil
		}
		_, runErr := os.Stat(filepath.Join(dir, RunFile))
		if empty && (runErr == nil || len(removed) > 0) {
			return fail(fmt.Errorf("resume: %s has no %s: the run was stopped before it started; start it again without --resume", dir, ConfigFile))
		}
		return fail(fmt.Errorf("resume: %s is not a run directory: %w", dir, cfgErr))
	}
	if !empty {
		if cfgErr == nil {
			return fail(fmt.Errorf("run directory %s exists and is not empty (use --resume to continue it)", dir))
		}
		return fail(fmt.Errorf("run directory %s exists and is not empty (and is not a run directory)", dir))
	}
	in, err := info()
	if err != nil {
		return fail(err)
	}
	if err := Write(dir, in); err != nil {
		return fail(err)
	}
	return dir, lock, nil
}
