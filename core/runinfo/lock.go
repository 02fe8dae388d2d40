package runinfo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// LockFile is the lock file of a run (or matrix) directory. It holds the PID, start time
// and command line of the process that holds the lock, for the error of a second writer.
const LockFile = ".lock"

// Lock is an exclusive lock on a directory, held by this process until Release or its
// death: the kernel drops it then (flock), so a lock left by a killed process never blocks.
type Lock struct {
	dir string
	f   *os.File
}

// InUseError is returned by LockDir when another process holds the lock.
type InUseError struct {
	Dir string
	// PID, Started and Command describe the holder as it recorded itself; zero when it had
	// not written them yet.
	PID     int
	Started time.Time
	Command string
}

func (e *InUseError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("%s is in use by another process (lock %s)", e.Dir, filepath.Join(e.Dir, LockFile))
	}
	msg := fmt.Sprintf("%s is in use by pid %d (started %s", e.Dir, e.PID, e.Started.Local().Format(time.DateTime))
	if e.Command != "" {
		msg += ": " + e.Command
	}
	return msg + ")"
}

// ErrLockUnsupported is wrapped in LockDir's error on systems without flock.
var ErrLockUnsupported = errors.New("directory locks are not supported on this system")

// LockDir creates dir if needed and takes its exclusive lock without waiting: a second
// process (or a second lock in this one) gets an *InUseError naming the holder at once.
func LockDir(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !held {
		f.Close()
		e := readHolder(path)
		e.Dir = dir
		return nil, e
	}
	rec := fmt.Sprintf("pid %d\nstarted %s\ncommand %s\n", os.Getpid(), time.Now().UTC().Format(time.RFC3339), strings.Join(os.Args, " "))
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(rec), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{dir: dir, f: f}, nil
}

// Release drops the lock. The lock file stays (removing it would race with a process that
// has it open and is about to lock it). Release of a nil Lock does nothing.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the descriptor releases the flock
	l.f = nil
	return err
}

// Dir is the locked directory.
func (l *Lock) Dir() string { return l.dir }

// holderWait bounds how long a process refused the lock waits for the holder to record itself:
// a holder that has just taken the lock writes its record right after, and without the wait
// the error could only say "another process".
const holderWait = 200 * time.Millisecond

// readHolder reads the holder's record from the lock file at path, re-reading it for up to
// holderWait while it names no process yet.
func readHolder(path string) *InUseError {
	deadline := time.Now().Add(holderWait)
	for {
		b, _ := os.ReadFile(path)
		e := parseHolder(b)
		if e.PID != 0 || time.Now().After(deadline) {
			return e
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// parseHolder reads a lock file's "key value" lines; unknown or malformed lines are ignored
// (the file may be half written by a holder that has just taken the lock).
func parseHolder(b []byte) *InUseError {
	e := &InUseError{}
	for line := range strings.SplitSeq(string(b), "\n") {
		k, v, _ := strings.Cut(line, " ")
		switch k {
		case "pid":
			e.PID, _ = strconv.Atoi(v)
		case "started":
			e.Started, _ = time.Parse(time.RFC3339, v)
		case "command":
			e.Command = v
		}
	}
	return e
}

// tempFile matches the names os.CreateTemp gives the temporary files of dast's atomic
// writer (package atomicfile): "."+base+".tmp-"+digits, and base+".tmp"+digits, the names
// metrics.WriteJSON gave them before it used that writer (runs killed then still hold them).
var tempFile = regexp.MustCompile(`^(\..+\.tmp-|.+\.tmp)[0-9]+$`)

// IsTempFile reports whether name is the temporary file of an atomic write.
func IsTempFile(name string) bool { return tempFile.MatchString(name) }

// RemoveTempFiles removes the temporary files that killed atomic writes left in dir and its
// subdirectories (except those with a lock file of their own), and returns their paths. Call it only while holding dir's lock: a live
// writer's temporary file would be removed too.
func RemoveTempFiles(dir string) ([]string, error) {
	var removed []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() && path != dir {
			if _, err := os.Stat(filepath.Join(path, LockFile)); err == nil {
				return filepath.SkipDir // a directory locked on its own (a stage's run directory)
			}
		}
		if d.Type().IsRegular() && IsTempFile(d.Name()) {
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			removed = append(removed, path)
		}
		return nil
	})
	if err != nil {
		return removed, fmt.Errorf("remove temporary files in %s: %w", dir, err)
	}
	return removed, nil
}
