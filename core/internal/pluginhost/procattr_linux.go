package pluginhost

import (
	"os/exec"
	"syscall"
)

// dieWithParent asks the kernel to kill the plugin if the core dies without cleaning up, so
// that no plugin outlives its host.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
