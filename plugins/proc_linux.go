package plugins

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// sentinelScript is the leader of a plugin's process group. It waits; when dast dies the
// kernel sends it SIGTERM (its parent-death signal) and it kills its whole group: the plugin
// and every process the plugin started, even those that left its process tree. (The plugin
// itself also gets SIGKILL from the kernel as its own parent-death signal.)
const sentinelScript = `trap 'kill -9 0' TERM; echo ready; while :; do sleep 3600 & wait $!; done`

// sentinelStart bounds the wait for the sentinel's "ready".
const sentinelStart = 5 * time.Second

// group is the process group a plugin runs in.
type group struct {
	sentinel *exec.Cmd // nil: the plugin leads its own group
	pgid     int       // 0 until known
}

// newGroup starts the sentinel of a new process group. Without /bin/sh (or when it fails to
// start) the plugin leads its own group, and only the plugin itself dies with dast.
func newGroup() *group {
	sh, err := exec.LookPath("/bin/sh")
	if err != nil {
		return &group{}
	}
	r, w, err := os.Pipe()
	if err != nil {
		return &group{}
	}
	defer r.Close()
	cmd := exec.Command(sh, "-c", sentinelScript)
	cmd.Stdout = w // an *os.File: no copying goroutine, so Wait does not wait on the pipe
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return &group{}
	}
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(r).ReadString('\n')
		if err == nil && line != "ready\n" {
			err = fmt.Errorf("sentinel said %q", line)
		}
		ready <- err
	}()
	select {
	case err = <-ready:
	case <-time.After(sentinelStart):
		err = fmt.Errorf("sentinel not ready after %v", sentinelStart)
	}
	if err != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		return &group{}
	}
	return &group{sentinel: cmd, pgid: cmd.Process.Pid}
}

// prepare makes cmd join the group (or lead a new one), with SIGKILL as its parent-death
// signal so that it dies with dast even after a crash.
func (g *group) prepare(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: g.pgid, Pdeathsig: syscall.SIGKILL}
}

// started records the plugin's PID: it is the group's ID when there is no sentinel.
func (g *group) started(pid int) {
	if g.pgid == 0 {
		g.pgid = pid
	}
}

// kill sends SIGKILL to every process of the group.
func (g *group) kill() {
	if g.pgid > 0 {
		_ = syscall.Kill(-g.pgid, syscall.SIGKILL)
	}
}

// reap kills the group and waits for the sentinel.
func (g *group) reap() {
	g.kill()
	if g.sentinel != nil {
		_ = g.sentinel.Wait()
		g.sentinel = nil
	}
}
