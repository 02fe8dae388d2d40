//go:build unix

package runinfo

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain runs the test binary as a lock holder when DAST_TEST_LOCK_HOLDER names a
// directory: it locks it, prints "locked" and waits to be killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv("DAST_TEST_LOCK_HOLDER"); dir != "" {
		if _, err := LockDir(dir); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestLockRace starts many lockers at once (released together by a barrier): exactly one
// gets the lock, every other one an InUseError naming this process.
func TestLockRace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "runs", "x")
	const n = 8
	var start, ready sync.WaitGroup
	start.Add(1)
	ready.Add(n)
	locks := make([]*Lock, n)
	errs := make([]error, n)
	var done sync.WaitGroup
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			start.Wait()
			locks[i], errs[i] = LockDir(dir)
		}()
	}
	ready.Wait()
	start.Done()
	done.Wait()
	won := 0
	for i := range n {
		if errs[i] == nil {
			won++
			continue
		}
		var inUse *InUseError
		if !errors.As(errs[i], &inUse) {
			t.Errorf("locker %d: %v, want an InUseError", i, errs[i])
			continue
		}
		// The winner may not have written its record yet when a loser reads it.
		if inUse.PID != 0 && inUse.PID != os.Getpid() {
			t.Errorf("locker %d: holder pid %d, want %d", i, inUse.PID, os.Getpid())
		}
		if !strings.Contains(errs[i].Error(), dir+" is in use by ") {
			t.Errorf("locker %d: message %q", i, errs[i])
		}
	}
	if won != 1 {
		t.Fatalf("%d lockers got the lock, want exactly 1", won)
	}
	for _, l := range locks {
		if err := l.Release(); err != nil {
			t.Fatal(err)
		}
	}
	l, err := LockDir(dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	l.Release()
}

// TestLockOtherProcess: a lock held by another process is refused with its PID and start
// time, and a lock left by a process killed with SIGKILL does not block.
func TestLockOtherProcess(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "DAST_TEST_LOCK_HOLDER="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("holder said %q, %v", line, err)
	}
	before := time.Now()
	_, err = LockDir(dir)
	var inUse *InUseError
	if !errors.As(err, &inUse) {
		t.Fatalf("LockDir while another process holds it: %v", err)
	}
	if time.Since(before) > time.Second {
		t.Errorf("refusal took %v, want at once", time.Since(before))
	}
	if inUse.PID != cmd.Process.Pid || time.Since(inUse.Started) > time.Minute || !strings.Contains(inUse.Command, os.Args[0]) {
		t.Errorf("holder %+v, want pid %d started just now", inUse, cmd.Process.Pid)
	}
	want := fmt.Sprintf("%s is in use by pid %d (started ", dir, cmd.Process.Pid)
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("message %q, want prefix %q", err, want)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	l, err := LockDir(dir)
	if err != nil {
		t.Fatalf("lock after the holder was killed: %v", err)
	}
	defer l.Release()
	b, err := os.ReadFile(filepath.Join(dir, LockFile))
	if err != nil || !strings.HasPrefix(string(b), fmt.Sprintf("pid %d\n", os.Getpid())) {
		t.Errorf("lock file %q, %v: want this process's record", b, err)
	}
}

func TestParseHolder(t *testing.T) {
	for _, tc := range []struct {
		in   string
		pid  int
		want string
	}{
		{"pid 42\nstarted 2026-12-01T10:00:00Z\ncommand dast train\n", 42, "is in use by pid 42 (started "},
		{"", 0, "is in use by another process"},
		{"pid x\ngarbage", 0, "is in use by another process"},
		{"pid 7\n", 7, "is in use by pid 7"},
	} {
		e := parseHolder([]byte(tc.in))
		e.Dir = "runs/x"
		if e.PID != tc.pid || !strings.Contains(e.Error(), tc.want) {
			t.Errorf("parseHolder(%q) = %+v (%q), want pid %d and %q", tc.in, e, e.Error(), tc.pid, tc.want)
		}
	}
}

func TestRemoveTempFiles(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"run.json", ".config.yaml.tmp-123", "checkpoints/.ckpt-4.safetensors.tmp-9", "metrics.json.tmp77", "checkpoints/ckpt-2.safetensors", ".lock", "a.tmp-x", "tmp1"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := RemoveTempFiles(dir)
	if err != nil || len(removed) != 3 {
		t.Fatalf("removed %v, %v; want the 3 temporary files", removed, err)
	}
	for _, p := range []string{"run.json", "checkpoints/ckpt-2.safetensors", ".lock", "a.tmp-x", "tmp1"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
	}
	if _, err := RemoveTempFiles(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("missing directory: %v", err)
	}
}
