//go:build !linux

package plugins

import (
	"os"
	"os/exec"
)

// setParentDeathSignal is a no-op outside Linux: Close kills the plugins.
func setParentDeathSignal(*exec.Cmd) {}

// killPID kills process pid.
func killPID(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}
