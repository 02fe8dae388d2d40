package plugins

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dast-uda/dast/core/config"
)

// forkingPlugin writes a shell-script plugin that starts `sleep 1000` in the background (it
// inherits the plugin's stdout and stderr, as a helper process of a real plugin would) and then
// runs body as a child, not with exec. The script and the sleep record their PIDs in the file
// of setMode.
func forkingPlugin(t *testing.T, body string) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("process groups and parent-death signals are Linux-only here")
	}
	path := filepath.Join(t.TempDir(), "forker")
	script := "#!/bin/sh\n" +
		`echo $$ >> "$DAST_TEST_PLUGIN_PIDFILE"` + "\n" +
		"sleep 1000 &\n" +
		`echo $! >> "$DAST_TEST_PLUGIN_PIDFILE"` + "\n" +
		body + "\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestForkingPlugin: a plugin whose children keep its pipes open is bounded by the timeout and
// leaves no process behind, whether it never handshakes, hangs in an RPC or is closed normally.
func TestForkingPlugin(t *testing.T) {
	const timeout = time.Second
	for _, tt := range []struct {
		name, mode, body string
		wantErr          string // "" : Load succeeds
	}{
		{name: "never handshakes", mode: "ok", body: "sleep 25", wantErr: "timeout while waiting for plugin to start"},
		{name: "hangs in Describe", mode: "hang_describe", body: binary("testplugin"), wantErr: "Describe: no answer within 1s (plugin killed)"},
		{name: "closed normally", mode: "ok", body: binary("testplugin")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pidFile := setMode(t, tt.mode)
			path := forkingPlugin(t, tt.body)
			start := time.Now()
			h, err := Load(context.Background(), Config{Plugins: []config.PluginRef{{Path: path}}, Timeout: timeout}, nil)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if pl := h.Plugins(); len(pl) != 1 || len(pl[0].Discriminators) != 1 {
					t.Fatalf("plugins %+v", pl)
				}
				start = time.Now()
				h.Close()
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				h.Close()
				t.Fatalf("Load error %v, want %q", err, tt.wantErr)
			}
			elapsed := time.Since(start)
			// The timeout (or the graceful-exit wait of Close) and slack for a busy machine; the
			// sleep in the background would hold the call for 1000 s.
			if limit := timeout + gracefulExit + 3*time.Second; elapsed > limit {
				t.Errorf("took %v, want < %v", elapsed, limit)
			}
			if n := len(readPIDs(t, pidFile)); n < 2 {
				t.Fatalf("%d PIDs recorded, want the script's and the sleep's at least", n)
			}
			assertNoProcessLeft(t, pidFile)
			t.Logf("%v: %v", elapsed.Round(time.Millisecond), err)
		})
	}
}

// TestForkingPluginDiesWithHost kills the host of a forking plugin with SIGKILL: the plugin and
// the process it started in the background must die too.
func TestForkingPluginDiesWithHost(t *testing.T) {
	pidFile := setMode(t, "ok")
	path := forkingPlugin(t, binary("testplugin"))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "DAST_TEST_HOST_PLUGIN="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "pid ") {
		t.Fatalf("host said %q, %v", line, err)
	}
	pids := readPIDs(t, pidFile)
	if len(pids) != 3 {
		t.Fatalf("PIDs %v, want the script's, the sleep's and the plugin's", pids)
	}
	for _, pid := range pids {
		if !alive(pid) {
			t.Fatalf("process %d of the plugin is not running while its host is", pid)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var left []string
		for _, pid := range pids {
			if alive(pid) {
				left = append(left, strconv.Itoa(pid))
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			t.Fatalf("processes %v still run 5s after their host was killed", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
