//go:build !linux

package plugins

import (
	"os"
	"os/exec"
)

// group outside Linux is the plugin process alone: there is no parent-death signal, and Close
// kills the plugin but not processes it started.
type group struct{ pid int }

func newGroup() *group             { return &group{} }
func (g *group) prepare(*exec.Cmd) {}
func (g *group) started(pid int)   { g.pid = pid }
func (g *group) reap()             { g.kill() }
func (g *group) kill() {
	if g.pid <= 0 {
		return
	}
	if p, err := os.FindProcess(g.pid); err == nil {
		_ = p.Kill()
	}
}
