package plugins

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal makes the kernel kill the plugin when dast dies, so no plugin outlives
// it even after a crash.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// killPID kills process pid.
func killPID(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }
