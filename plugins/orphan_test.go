package plugins

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dast-uda/dast/core/config"
)

// hostMain is the test binary run as a plugin host (DAST_TEST_HOST_PLUGIN=path): it loads the
// plugin, prints "pid <plugin PID>" and waits to be killed.
func hostMain(path string) {
	h, err := Load(context.Background(), Config{Plugins: []config.PluginRef{{Path: path}}}, nil)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("pid", h.Plugins()[0].PID)
	time.Sleep(time.Minute)
	h.Close()
	os.Exit(0)
}

// TestPluginDiesWithHost kills a host process with SIGKILL (no chance to run Close) and
// checks that the kernel stops its plugin too.
func TestPluginDiesWithHost(t *testing.T) {
	setMode(t, "ok")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "DAST_TEST_HOST_PLUGIN="+binary("testplugin"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("host: %v", err)
	}
	f := strings.Fields(line)
	if len(f) != 2 || f[0] != "pid" {
		t.Fatalf("host said %q", line)
	}
	pid, err := strconv.Atoi(f[1])
	if err != nil {
		t.Fatal(err)
	}
	if !alive(pid) {
		t.Fatalf("plugin %d is not running while its host is", pid)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("plugin %d still runs 5s after its host was killed", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
