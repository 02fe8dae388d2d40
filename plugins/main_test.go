package plugins

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binDir holds the plugins built once by TestMain: testplugin (the failure-mode helper) and
// the examples patchgan, residual and twoscale.
var binDir string

func TestMain(m *testing.M) {
	if path := os.Getenv("DAST_TEST_HOST_PLUGIN"); path != "" {
		hostMain(path)
		return
	}
	dir, err := os.MkdirTemp("", "dast-plugins-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	for name, pkg := range map[string]string{"testplugin": "./testdata/testplugin", "patchgan": "./examples/patchgan",
		"residual": "./examples/residual", "twoscale": "./examples/twoscale"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg)
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build %s: %v\n%s", pkg, err, out)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// binary returns the path of a plugin built by TestMain.
func binary(name string) string { return filepath.Join(binDir, name) }

// setMode makes the test plugin behave as mode and record its PIDs in a file it returns.
func setMode(t *testing.T, mode string) (pidFile string) {
	t.Helper()
	pidFile = filepath.Join(t.TempDir(), "pids")
	t.Setenv("DAST_TEST_PLUGIN_MODE", mode)
	t.Setenv("DAST_TEST_PLUGIN_PIDFILE", pidFile)
	return pidFile
}

// readPIDs returns the PIDs recorded in pidFile (none when the plugin never started).
func readPIDs(t *testing.T, pidFile string) []int {
	t.Helper()
	b, err := os.ReadFile(pidFile)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("pid file: %v", err)
		}
		pids = append(pids, pid)
	}
	return pids
}

// alive reports whether process pid exists and is not a zombie (a dead process not yet
// reaped, by us or, once orphaned, by init).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !os.IsNotExist(err)
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) == 0 || fields[0] != "Z"
}

// children returns the PIDs of this process's child processes, read from /proc.
func children(t *testing.T) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	self := os.Getpid()
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ...": comm may contain spaces, so split after the last ')'.
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 {
			if ppid, err := strconv.Atoi(fields[1]); err == nil && ppid == self {
				out = append(out, pid)
			}
		}
	}
	return out
}

// assertNoProcessLeft fails if a recorded plugin PID or any child of the test process still
// exists shortly after the call that should have stopped them.
func assertNoProcessLeft(t *testing.T, pidFile string) {
	t.Helper()
	pids := readPIDs(t, pidFile)
	deadline := time.Now().Add(2 * time.Second)
	for {
		var left []int
		for _, pid := range pids {
			if alive(pid) {
				left = append(left, pid)
			}
		}
		kids := children(t)
		if len(left) == 0 && len(kids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes left: plugin PIDs %v, children of the test %v", left, kids)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
