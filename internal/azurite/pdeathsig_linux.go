package azurite

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes Azurite exit when the test process does, even if it is killed before its
// cleanups run (a go test timeout, a Ctrl-C).
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
